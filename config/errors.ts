// Turns zod issues into one line per problem: the full config key path, then what to do.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { UNKNOWN_KEY_SEPARATOR } from "./primitives";

/** One validation problem: the config key path (e.g. `workers[1].hpa.maxReplicas`) and the message. */
export interface ConfigProblem {
    key: string;
    message: string;
}

/** `["workers", 1, "hpa", "maxReplicas"]` → `workers[1].hpa.maxReplicas`. */
export function formatPath(path: readonly PropertyKey[]): string {
    let out = "";
    for (const part of path) {
        if (typeof part === "number") {
            out += `[${part}]`;
        } else {
            const key = String(part);
            out += out === "" ? key : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `["${key}"]`;
        }
    }
    return out === "" ? "(root)" : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            if (issue.message.startsWith("is required")) {
                return issue.message;
            }
            return /received undefined$/.test(issue.message)
                ? `is required (expected ${issue.expected})`
                : issue.message;
        default:
            return issue.message;
    }
}

/** Flattens zod issues to problems, one per unknown key, in config order. */
export function toProblems(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const issue of issues) {
        if (issue.code === "unrecognized_keys") {
            const messages = issue.message.split(UNKNOWN_KEY_SEPARATOR);
            issue.keys.forEach((key, i) =>
                problems.push({
                    key: formatPath([...prefix, ...issue.path, key]),
                    message: messages[i] ?? `unknown key '${key}'`,
                }),
            );
        } else if (issue.code === "invalid_key") {
            // A record key that fails its own schema: report why, at the key's path.
            const reason = issue.issues.map((i) => i.message).join("; ");
            problems.push({ key: formatPath([...prefix, ...issue.path]), message: reason || issue.message });
        } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
            // Non-discriminated unions: report the branch that got furthest (most specific paths).
            const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
            problems.push(...toProblems(best, [...prefix, ...issue.path]));
        } else {
            problems.push({ key: formatPath([...prefix, ...issue.path]), message: describeIssue(issue) });
        }
    }
    return dedupe(problems);
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
    const seen = new Set<string>();
    return problems.filter((p) => {
        const k = `${p.key}\0${p.message}`;
        if (seen.has(k)) {
            return false;
        }
        seen.add(k);
        return true;
    });
}

/** Renders problems as the block users see. */
export function formatProblems(problems: readonly ConfigProblem[], header: string): string {
    const lines = problems.map((p) => `  - ${p.key}: ${p.message}`);
    return `${header}\n${lines.join("\n")}`;
}

/**
 * Raised before any resource is registered when the stack config is invalid. A `RunError`, so the
 * Pulumi CLI prints the message without a stack trace.
 */
export class ConfigValidationError extends pulumi.RunError {
    constructor(
        public readonly problems: readonly ConfigProblem[],
        header: string,
    ) {
        super(formatProblems(problems, header));
        this.name = "ConfigValidationError";
    }
}
