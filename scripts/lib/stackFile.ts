// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program, without
// the CLI: `secure:` values become placeholders (they never reach chart values anyway).
import * as fs from "node:fs";
import * as path from "node:path";
import { decryptValue, keyFromSalt } from "./passphrase";
import { checkSecureValues, passphraseFromEnv } from "./secureValues";
import { isMap, isScalar, isSeq, visit } from "yaml";
import { SECRET_PLACEHOLDER } from "../../config/secureLocations";
import { parseStackYaml, stackYamlProblems } from "../../config/stackYaml";

/** A stack or project file that cannot be read as Pulumi config: one message naming the file and the line. */
export class StackFileError extends Error {
    constructor(
        public readonly file: string,
        public readonly line: number | undefined,
        detail: string,
    ) {
        super(`${file}${line === undefined ? "" : `:${line}`}: ${detail}`);
        this.name = "StackFileError";
    }
}

/**
 * Aliases a document may expand: enough for any hand-written file, far below what a "billion laughs"
 * document needs (yaml counts every expansion, nested ones multiplied).
 */
export const MAX_YAML_ALIASES = 100;

function describeNode(node: unknown): string {
    if (isSeq(node)) {
        return "a list";
    }
    if (isScalar(node)) {
        return typeof node.value === "string" ? "a string" : `the scalar ${String(node.value)}`;
    }
    return "not a mapping";
}

interface LoadedYaml {
    value: unknown;
    /** Line (from 1) of a node, when it has a position. */
    lineOf(node: unknown): number | undefined;
    /** The root node. */
    root: unknown;
}

/**
 * Parses one YAML file strictly: syntax errors, duplicate keys, invalid UTF-8, non-core tags, special
 * floats in config and alias bombs become a {@link StackFileError} (config/stackYaml.ts, shared with
 * the program).
 */
function loadYaml(file: string): LoadedYaml {
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (err) {
        throw new StackFileError(
            file,
            undefined,
            `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        );
    }
    const parsed = parseStackYaml(bytes);
    if (!parsed.ok) {
        throw new StackFileError(file, parsed.line, parsed.detail);
    }
    const [first, ...more] = stackYamlProblems(parsed);
    if (first !== undefined) {
        throw new StackFileError(
            file,
            first.line,
            [first.detail, ...more.map((p) => `${file}:${p.line}: ${p.detail}`)].join("\n"),
        );
    }
    const { doc, lineOf } = parsed;
    let value: unknown;
    try {
        value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
        let firstAlias: unknown;
        visit(doc, {
            Alias: (_key, node) => {
                firstAlias ??= node;
                return visit.BREAK;
            },
        });
        const reason = err instanceof Error ? err.message : String(err);
        throw new StackFileError(
            file,
            lineOf(firstAlias),
            /Excessive alias count/.test(reason)
                ? `expands YAML aliases more than ${MAX_YAML_ALIASES} times (a "billion laughs" document?); write the values out instead`
                : `cannot be read as YAML: ${reason}`,
        );
    }
    return { value, lineOf, root: doc.contents };
}

/** Placeholder standing in for an encrypted value in offline renders (defined by the config layer, which recognises it). */
export { SECRET_PLACEHOLDER };

/** Config of one stack file, ready for the program. */
export interface StackFileConfig {
    project: string;
    stack: string;
    /** Values by key (no project prefix) as the engine passes them: strings, JSON for structures. */
    config: Record<string, string>;
    /** Keys holding a `secure:` value somewhere. */
    secretKeys: string[];
    /** The stack file read. */
    file: string;
    /** Config of other namespaces (providers, and keys misplaced under another project's name), fully qualified. */
    providerConfig: Record<string, string>;
}

function isSecure(v: unknown): v is { secure: string } {
    return v !== null && typeof v === "object" && Object.keys(v).length === 1 && "secure" in v;
}

/**
 * Replaces secure leaves with their plaintext (`reveal`, when the passphrase is at hand, as the CLI
 * hands the program decrypted values) or with the placeholder; reports whether any were found.
 */
function stripSecure(v: unknown, reveal?: (ciphertext: string) => string): { value: unknown; secret: boolean } {
    if (isSecure(v)) {
        return { value: reveal === undefined ? SECRET_PLACEHOLDER : reveal(v.secure), secret: true };
    }
    if (Array.isArray(v)) {
        const items = v.map((x) => stripSecure(x, reveal));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (v !== null && typeof v === "object") {
        const entries = Object.entries(v).map(([k, x]) => [k, stripSecure(x, reveal)] as const);
        return {
            value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])),
            secret: entries.some(([, x]) => x.secret),
        };
    }
    return { value: v, secret: false };
}

/** Decrypts the stack's `secure:` values when its provider is the passphrase one and the passphrase is set. */
function revealer(doc: { encryptionsalt?: unknown; secretsprovider?: unknown }): ((c: string) => string) | undefined {
    const passphrase = passphraseFromEnv();
    const provider = doc.secretsprovider;
    if (
        passphrase === undefined ||
        typeof doc.encryptionsalt !== "string" ||
        (provider !== undefined && provider !== "passphrase")
    ) {
        return undefined;
    }
    const salt = doc.encryptionsalt;
    let key: Buffer | undefined; // derived on the first secure value (checkSecureValues vouched for them)
    return (ciphertext) => decryptValue((key ??= keyFromSalt(passphrase, salt)), ciphertext);
}

/** How the CLI serialises one config value for the program. */
function toConfigString(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The project name, declared config defaults and other namespaces' values (`kubernetes:…: {value: …}` or
 * a plain value, e.g. the provider settings every stack gets) from Pulumi.yaml.
 */
export function readProject(projectDir: string): {
    name: string;
    defaults: Record<string, unknown>;
    providerValues: Record<string, unknown>;
} {
    const file = path.join(projectDir, "Pulumi.yaml");
    const loaded = loadYaml(file);
    if (!isMap(loaded.root)) {
        throw new StackFileError(
            file,
            loaded.lineOf(loaded.root) ?? 1,
            `must be a YAML mapping, not ${describeNode(loaded.root)}`,
        );
    }
    const doc = loaded.value as {
        name: string;
        config?: Record<string, unknown>;
    };
    const defaults: Record<string, unknown> = {};
    const providerValues: Record<string, unknown> = {};
    for (const [k, decl] of Object.entries(doc.config ?? {})) {
        const entry = decl !== null && typeof decl === "object" ? (decl as { default?: unknown; value?: unknown }) : {};
        if (k.includes(":")) {
            providerValues[k] = "value" in entry ? entry.value : decl;
        } else if (entry.default !== undefined) {
            defaults[k] = entry.default;
        }
    }
    return { name: doc.name, defaults, providerValues };
}

/** Reads a stack file (`Pulumi.<stack>.yaml` or any path) for the project in `projectDir`. */
export function readStackFile(projectDir: string, stack: string, file?: string): StackFileConfig {
    const project = readProject(projectDir);
    const stackPath = file ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackPath)) {
        throw new StackFileError(stackPath, undefined, "no such stack file");
    }
    const configEntries = readConfigBlock(stackPath, project.name);
    const stackDoc = (loadYaml(stackPath).value ?? {}) as Parameters<typeof checkSecureValues>[0];
    const secureProblems = checkSecureValues(stackDoc);
    if (secureProblems.length > 0) {
        throw new StackFileError(
            stackPath,
            undefined,
            `secure values that 'pulumi preview' could not use (${secureProblems.length}); nothing was rendered:\n${secureProblems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    const config: Record<string, string> = {};
    // A key written twice (`p:key` and the legacy `p:config:key`): the CLI keeps the later one, secrecy included.
    const secretKeys = new Set<string>();
    const providerConfig: Record<string, string> = {};
    for (const [k, v] of Object.entries(project.defaults)) {
        config[k] = toConfigString(v);
    }
    // Project-level values of other namespaces, which the stack file's own override (as in the CLI).
    for (const [k, v] of Object.entries(project.providerValues)) {
        providerConfig[k] = toConfigString(v);
    }
    // With the passphrase at hand the program sees what `pulumi preview` hands it (decrypted values,
    // still secret keys), so both report the same problems; without it, placeholders.
    const reveal = revealer(stackDoc);
    for (const { fullKey, ns, key, raw } of configEntries) {
        const { value, secret } = stripSecure(raw, reveal);
        if (ns === project.name) {
            config[key] = toConfigString(value);
            if (secret) {
                secretKeys.add(key);
            } else {
                secretKeys.delete(key);
            }
        } else {
            providerConfig[fullKey] = toConfigString(value);
        }
    }
    return { project: project.name, stack, file: stackPath, config, secretKeys: [...secretKeys], providerConfig };
}

interface ConfigEntry {
    fullKey: string;
    ns: string;
    key: string;
    raw: unknown;
}

/**
 * The `config:` block of a stack file, checked the way the Pulumi CLI reads it: the file must be a
 * mapping, `config` a mapping, and every key `<namespace>:<name>` (or the legacy `<namespace>:config:<name>`).
 */
export function readConfigBlock(file: string, project: string): ConfigEntry[] {
    const loaded = loadYaml(file);
    const root = loaded.root;
    if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
        return []; // an empty stack file: no config
    }
    if (!isMap(root)) {
        throw new StackFileError(
            file,
            loaded.lineOf(root) ?? 1,
            `must be a YAML mapping with a 'config:' key, not ${describeNode(root)}`,
        );
    }
    const configNode = root.get("config", true);
    if (configNode === undefined || (isScalar(configNode) && configNode.value === null)) {
        return [];
    }
    if (!isMap(configNode)) {
        throw new StackFileError(
            file,
            loaded.lineOf(configNode),
            `config: must be a mapping of '${project}:<key>' to values, not ${describeNode(configNode)}`,
        );
    }
    const entries: ConfigEntry[] = [];
    for (const pair of configNode.items) {
        const keyNode = pair.key;
        const fullKey = isScalar(keyNode) ? keyNode.value : undefined;
        const line = loaded.lineOf(keyNode);
        if (typeof fullKey !== "string") {
            throw new StackFileError(
                file,
                line,
                `config: the key ${isScalar(keyNode) ? String(keyNode.value) : "here"} must be a string '<namespace>:<name>', for example '${project}:namespace'`,
            );
        }
        const parts = fullKey.split(":");
        const legacy = parts.length === 3 && parts[1] === "config";
        if (parts.length !== 2 && !legacy) {
            throw new StackFileError(
                file,
                line,
                parts.length === 1
                    ? `config: the key '${fullKey}' has no namespace; Pulumi reads only '<namespace>:<name>' keys: write '${project}:${fullKey}'`
                    : `config: the key '${fullKey}' is not '<namespace>:<name>' (one ':'); nested values go under the key, for example '${project}:${parts[1] ?? "workers"}'`,
            );
        }
        const ns = parts[0] ?? "";
        const key = parts[parts.length - 1] ?? "";
        if (ns === "" || key === "") {
            throw new StackFileError(
                file,
                line,
                `config: the key '${fullKey}' needs both a namespace and a name, for example '${project}:namespace'`,
            );
        }
        // A scalar is handed over as written, as the CLI does (`1.30` stays "1.30", `007` stays "007");
        // structured values go over as JSON.
        const valueNode = pair.value;
        const value =
            isScalar(valueNode) && valueNode.value !== null
                ? typeof valueNode.value === "string"
                    ? valueNode.value
                    : (valueNode.source ?? JSON.stringify(valueNode.value))
                : (loaded.value as { config: Record<string, unknown> }).config[fullKey];
        entries.push({ fullKey: legacy ? `${ns}:${key}` : fullKey, ns, key, raw: value });
    }
    return entries;
}
