// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program, without
// the CLI: `secure:` values become placeholders (they never reach chart values anyway).
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { checkSecureValues } from "./secureValues";

/** Placeholder standing in for an encrypted value in offline renders. */
export const SECRET_PLACEHOLDER = "<secret-placeholder>";

/** Config of one stack file, ready for the program. */
export interface StackFileConfig {
    project: string;
    stack: string;
    /** Values by key (no project prefix) as the engine passes them: strings, JSON for structures. */
    config: Record<string, string>;
    /** Keys holding a `secure:` value somewhere. */
    secretKeys: string[];
    /** Config of other namespaces (providers), fully qualified. */
    providerConfig: Record<string, string>;
}

function isSecure(v: unknown): v is { secure: string } {
    return v !== null && typeof v === "object" && Object.keys(v).length === 1 && "secure" in v;
}

/** Replaces secure leaves with the placeholder; reports whether any were found. */
function stripSecure(v: unknown): { value: unknown; secret: boolean } {
    if (isSecure(v)) {
        return { value: SECRET_PLACEHOLDER, secret: true };
    }
    if (Array.isArray(v)) {
        const items = v.map(stripSecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (v !== null && typeof v === "object") {
        const entries = Object.entries(v).map(([k, x]) => [k, stripSecure(x)] as const);
        return {
            value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])),
            secret: entries.some(([, x]) => x.secret),
        };
    }
    return { value: v, secret: false };
}

/** How the CLI serialises one config value for the program. */
function toConfigString(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** The project name and declared config defaults from Pulumi.yaml. */
export function readProject(projectDir: string): { name: string; defaults: Record<string, unknown> } {
    const doc = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
        name: string;
        config?: Record<string, { default?: unknown }>;
    };
    const defaults: Record<string, unknown> = {};
    for (const [k, decl] of Object.entries(doc.config ?? {})) {
        if (decl.default !== undefined) {
            defaults[k] = decl.default;
        }
    }
    return { name: doc.name, defaults };
}

/** Reads a stack file (`Pulumi.<stack>.yaml` or any path) for the project in `projectDir`. */
export function readStackFile(projectDir: string, stack: string, file?: string): StackFileConfig {
    const project = readProject(projectDir);
    const stackPath = file ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackPath)) {
        throw new Error(`no stack file ${stackPath}`);
    }
    const doc = (parse(fs.readFileSync(stackPath, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const secureProblems = checkSecureValues(doc);
    if (secureProblems.length > 0) {
        throw new Error(
            `${path.basename(stackPath)}: secure values that 'pulumi preview' could not use (${secureProblems.length}); nothing was rendered:\n${secureProblems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const providerConfig: Record<string, string> = {};
    for (const [k, v] of Object.entries(project.defaults)) {
        config[k] = toConfigString(v);
    }
    for (const [fullKey, raw] of Object.entries(doc.config ?? {})) {
        const { value, secret } = stripSecure(raw);
        const [ns, ...rest] = fullKey.split(":");
        const key = rest.join(":");
        if (ns === project.name) {
            config[key] = toConfigString(value);
            if (secret) {
                secretKeys.push(key);
            }
        } else {
            providerConfig[fullKey] = toConfigString(value);
        }
    }
    return { project: project.name, stack, config, secretKeys, providerConfig };
}
