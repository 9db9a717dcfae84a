// Turns zod issues into one line per problem: the full config key path, then what to do.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { redactCredentials } from "./credentials";
import { exampleOf, expectedOf, recordKeySchema, schemaAt } from "./introspect";
import { expectation, UNKNOWN_KEY_SEPARATOR } from "../schema/primitives";

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

/**
 * Marks a message zod would otherwise phrase itself ("Invalid input: expected number, received
 * string"). Schemas' own messages win over this map; marked ones are rewritten by {@link toProblems}
 * from the schema at the issue's path, so every message says what that key expects, with an example.
 */
const DEFAULT_MARK = "\u0000default\u0000";

/** What a value is, for "(got …)": its kind only, never a string's content (it may be a secret). */
export function describeReceived(input: unknown): string {
    if (input === undefined) {
        return "nothing";
    }
    if (input === null) {
        return "null";
    }
    if (Array.isArray(input)) {
        return "a list";
    }
    switch (typeof input) {
        case "string":
            return "a string";
        case "number":
            return Number.isFinite(input) ? `the number ${input}` : "a number";
        case "boolean":
            return `${input}`;
        case "object":
            if (pulumi.Output.isInstance(input)) {
                return "an Output, whose value is not known when the component is constructed; this key decides which resources exist, so it must be a plain value (the keys that take Outputs are listed in docs/packages.md)";
            }
            return input instanceof Promise ? "a promise (this key must be a plain value)" : "a mapping";
        default:
            return `a ${typeof input}`;
    }
}

/** The per-parse error map: marks every message zod would phrase itself, remembering what was received. */
export function markDefaultMessage(issue: z.core.$ZodRawIssue): string {
    const received = "input" in issue ? describeReceived(issue.input) : "nothing";
    return `${DEFAULT_MARK}${received}`;
}

/** Where issue paths are resolved against: the schema that was parsed and its input. */
export interface IssueContext {
    schema: z.core.$ZodType;
    input: unknown;
}

/** Rewrites a marked (zod-default) message from the schema at the issue's path. */
function rewriteDefault(
    issue: z.core.$ZodIssue,
    path: readonly PropertyKey[],
    context: IssueContext | undefined,
    forKey = false,
): string {
    const received = issue.message.slice(DEFAULT_MARK.length);
    const at = context === undefined ? undefined : schemaAt(context.schema, path, context.input);
    const schema = forKey ? recordKeySchema(at) : at;
    const expected = schema === undefined ? "a valid value" : expectedOf(schema);
    const wanted = expectation(expected, schema === undefined ? undefined : exampleOf(schema));
    switch (issue.code) {
        case "invalid_type": {
            if (received === "nothing") {
                return `is required (${wanted})`;
            }
            const quote =
                issue.expected === "string" && /^(the number|true|false)/.test(received)
                    ? "; quote it to make it a string"
                    : "";
            return `must be ${wanted} (got ${received}${quote})`;
        }
        case "too_small":
            if (issue.origin === "string" && Number(issue.minimum) === 1) {
                return `must not be empty; must be ${wanted}`;
            }
            return `is too small (at least ${String(issue.minimum)}${issue.origin === "array" ? " items" : ""}); must be ${wanted}`;
        case "too_big":
            return `is too large (at most ${String(issue.maximum)}${issue.origin === "array" ? " items" : ""}); must be ${wanted}`;
        case "invalid_value":
            return `must be ${wanted} (got ${received})`;
        default:
            return `must be ${wanted}`;
    }
}

function messageOf(
    issue: z.core.$ZodIssue,
    path: readonly PropertyKey[],
    context: IssueContext | undefined,
    forKey = false,
): string {
    return issue.message.startsWith(DEFAULT_MARK) ? rewriteDefault(issue, path, context, forKey) : issue.message;
}

/**
 * Flattens zod issues to problems, one per unknown key, in config order. With `context` (the schema
 * and input that were parsed with {@link markDefaultMessage}), zod's own phrasings are replaced by
 * what the key expects.
 */
export function toProblems(
    issues: readonly z.core.$ZodIssue[],
    context?: IssueContext,
    prefix: PropertyKey[] = [],
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const issue of issues) {
        const path = [...prefix, ...issue.path];
        if (issue.code === "unrecognized_keys") {
            const messages = issue.message.split(UNKNOWN_KEY_SEPARATOR);
            issue.keys.forEach((key, i) =>
                problems.push({
                    key: formatPath([...path, key]),
                    message: messages[i] ?? `unknown key '${key}'`,
                }),
            );
        } else if (issue.code === "invalid_key") {
            // A record key that fails its own schema: report why, at the key's path.
            const reason = issue.issues.map((i) => messageOf(i, path, context, true)).join("; ");
            problems.push({ key: formatPath(path), message: reason || messageOf(issue, path, context) });
        } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
            // Non-discriminated unions: a type error in every branch is one problem about the whole
            // key; otherwise report the branch that got furthest (most specific paths).
            const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
            const allTypeErrors =
                issue.message.startsWith(DEFAULT_MARK) &&
                issue.errors.every((branch) => branch.every((i) => i.code === "invalid_type" && i.path.length === 0));
            if (allTypeErrors && best[0] !== undefined) {
                problems.push({
                    key: formatPath(path),
                    message: messageOf({ ...best[0], message: issue.message }, path, context),
                });
            } else {
                problems.push(...toProblems(best, context, path));
            }
        } else {
            problems.push({ key: formatPath(path), message: messageOf(issue, path, context) });
        }
    }
    return dedupe(problems);
}

/** Parses `input` with `schema`, returning the data or every problem with messages that name what is expected. */
export function parseConfig<S extends z.ZodType>(
    schema: S,
    input: unknown,
): { success: true; data: z.output<S> } | { success: false; problems: ConfigProblem[] } {
    const parsed = schema.safeParse(input, { error: markDefaultMessage });
    return parsed.success
        ? { success: true, data: parsed.data }
        : { success: false, problems: toProblems(parsed.error.issues, { schema, input }) };
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
    // The safety net: anything the detector judges a credential is masked, whichever check wrote the line.
    const lines = problems.map((p) => redactCredentials(`  - ${p.key}: ${p.message}`));
    return `${header}\n${lines.join("\n")}`;
}

/**
 * A stack line Node 20's coloured `util.inspect` never finishes with (it loops until the string
 * overflows: 20+ s of CPU, then a RangeError): after the line's last `node_modules/` (and a package
 * scope `@scope/`), no further path separator. The Pulumi SDK's source maps produce such lines
 * (`../resource.ts` becomes `node_modules/@pulumi/resource.ts`), and Pulumi's run.js inspects every
 * uncaught error that way, a RunError included.
 */
export const UNINSPECTABLE_FRAME = /[\\/]node_modules[\\/](@[^\\/]*[\\/])?[^\\/]*$/;

/**
 * Raised before any resource is registered when the stack config is invalid. A `RunError`, so the
 * Pulumi CLI prints the message without a stack trace. Its stack leaves out the frames
 * {@link UNINSPECTABLE_FRAME} matches (in the SDK, below the program), so that Pulumi's report of
 * it takes milliseconds in any program, not only in this project's (program/stackTraces.ts).
 */
export class ConfigValidationError extends pulumi.RunError {
    constructor(
        public readonly problems: readonly ConfigProblem[],
        header: string,
    ) {
        super(formatProblems(problems, header));
        this.name = "ConfigValidationError";
        const stack = this.stack;
        if (stack !== undefined) {
            const lines = stack.split("\n");
            const message = this.message.split("\n").length;
            this.stack = lines.filter((line, i) => i < message || !UNINSPECTABLE_FRAME.test(line)).join("\n");
        }
    }
}
