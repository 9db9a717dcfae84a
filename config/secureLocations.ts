// Where the `secure:` values of each secret config key are. Which keys are secret is the engine's word
// (the secret-key list it hands the program); the exact leaves inside a secret key are taken from the
// stack file only when its value there provably is the value the engine handed over (same structure,
// same plain leaves, JSON types included, every `secure:` leaf a string in the engine's value).
// Anything else (no stack file, a key written differently, a value that does not match) leaves the
// key "unknown": the whole key is secret (config/secrecy.ts).
import * as fs from "node:fs";
import { isMap, isScalar } from "yaml";
import type { ConfigPath } from "./secrecy";
import { parseStackYaml, stackYamlProblems } from "./stackYaml";

/**
 * What an offline render (scripts/lib/stackFile.ts) hands the program for a `secure:` value it cannot
 * decrypt (no passphrase at hand): checks that read a secret's content skip it.
 */
export const SECRET_PLACEHOLDER = "<secret-placeholder>";

/** Environment variable naming the stack file to read secure locations from (default: `Pulumi.<stack>.yaml` in the working directory). */
export const STACK_FILE_ENV = "ASTRO_AGENT_STACK_FILE";

/**
 * Pulumi's key normalisation: `<namespace>:config:<name>` (the legacy spelling the CLI still accepts)
 * is `<namespace>:<name>`; any other key is itself (the SDK's `cleanKey`).
 */
export function normalizeConfigKey(key: string): string {
    const idx = key.indexOf(":");
    if (idx > 0 && key.startsWith("config:", idx + 1)) {
        return key.substring(0, idx) + ":" + key.substring(idx + 1 + "config:".length);
    }
    return key;
}

function isSecureLeaf(v: unknown): v is { secure: string } {
    return (
        v !== null &&
        typeof v === "object" &&
        !Array.isArray(v) &&
        Object.keys(v).length === 1 &&
        typeof (v as { secure?: unknown }).secure === "string"
    );
}

/**
 * The `secure:` leaves of a stack-file value (paths relative to it) when the value provably is
 * `engineValue` with those leaves decrypted; undefined when it is not.
 */
export function provenSecureLeaves(
    fileValue: unknown,
    engineValue: unknown,
    path: ConfigPath = [],
): ConfigPath[] | undefined {
    if (isSecureLeaf(fileValue)) {
        return typeof engineValue === "string" ? [path] : undefined;
    }
    if (Array.isArray(fileValue)) {
        if (!Array.isArray(engineValue) || engineValue.length !== fileValue.length) {
            return undefined;
        }
        const found: ConfigPath[] = [];
        for (const [i, v] of fileValue.entries()) {
            const inner = provenSecureLeaves(v, engineValue[i], [...path, i]);
            if (inner === undefined) {
                return undefined;
            }
            found.push(...inner);
        }
        return found;
    }
    if (fileValue !== null && typeof fileValue === "object") {
        if (engineValue === null || typeof engineValue !== "object" || Array.isArray(engineValue)) {
            return undefined;
        }
        const keys = Object.keys(fileValue);
        const ev = engineValue as Record<string, unknown>;
        if (keys.length !== Object.keys(ev).length || !keys.every((k) => Object.hasOwn(ev, k))) {
            return undefined;
        }
        const found: ConfigPath[] = [];
        for (const k of keys) {
            const inner = provenSecureLeaves((fileValue as Record<string, unknown>)[k], ev[k], [...path, k]);
            if (inner === undefined) {
                return undefined;
            }
            found.push(...inner);
        }
        return found;
    }
    // A plain leaf: the same JSON value (1 and "1" differ; NaN equals nothing).
    return fileValue === engineValue ? [] : undefined;
}

/** The value of each key of `project` in a stack file's `config:` block, normalised, the later spelling winning (as the CLI does). */
function projectValues(bytes: Uint8Array, project: string): Map<string, unknown> | undefined {
    const parsed = parseStackYaml(bytes);
    if (!parsed.ok || stackYamlProblems(parsed).length > 0) {
        return undefined;
    }
    const root = parsed.doc.contents;
    const config = isMap(root) ? root.get("config", true) : undefined;
    if (!isMap(config)) {
        return undefined;
    }
    let js: unknown;
    try {
        js = parsed.doc.toJS({ maxAliasCount: 100 });
    } catch {
        return undefined;
    }
    const values = (js as { config: Record<string, unknown> }).config;
    const out = new Map<string, unknown>();
    for (const pair of config.items) {
        const raw = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof raw !== "string") {
            continue;
        }
        const full = normalizeConfigKey(raw);
        if (full.startsWith(`${project}:`)) {
            out.set(full.slice(project.length + 1), values[raw]);
        }
    }
    return out;
}

/**
 * Secure locations of every secret key: exact leaves (full config paths) where the stack file proves
 * them, "unknown" otherwise. `values` are the engine's values by key (structured ones as JSON).
 */
export function secureLocations(
    project: string,
    values: Readonly<Record<string, string>>,
    secretKeys: ReadonlySet<string>,
    file: string | undefined,
): Map<string, ConfigPath[] | "unknown"> {
    const found = new Map<string, ConfigPath[] | "unknown">([...secretKeys].map((k) => [k, "unknown" as const]));
    if (secretKeys.size === 0 || file === undefined) {
        return found;
    }
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch {
        return found;
    }
    const fileValues = projectValues(bytes, project);
    for (const key of secretKeys) {
        const fileValue = fileValues?.get(key);
        const engineValue = values[key];
        if (fileValue === undefined || engineValue === undefined) {
            continue;
        }
        let leaves: ConfigPath[] | undefined;
        if (isSecureLeaf(fileValue)) {
            leaves = [[]]; // the whole value: the engine hands it over as the plaintext string
        } else {
            try {
                leaves = provenSecureLeaves(fileValue, JSON.parse(engineValue) as unknown);
            } catch {
                leaves = undefined; // a scalar as written, yet the file holds no `secure:` value for it
            }
        }
        if (leaves !== undefined && leaves.length > 0) {
            found.set(
                key,
                leaves.map((p) => [key, ...p]),
            );
        }
    }
    return found;
}

/** The `secure:` ciphertext at `path` inside a stack-file value, when there is one. */
function ciphertextAt(fileValue: unknown, path: ConfigPath): string | undefined {
    let node = fileValue;
    for (const step of path) {
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<string | number, unknown>)[step];
    }
    return isSecureLeaf(node) ? node.secure : undefined;
}

/**
 * The `secure:` ciphertext of every proven secure leaf (see {@link secureLocations}), by its full
 * config path as JSON (`["agentToken"]`, `["imagePullCredentials","password"]`). Ciphertexts are what
 * the stack file already shows anyone who can read it; `pulumi config set --secret` writes a new one on
 * every set, because each encryption uses a fresh nonce.
 */
export function secureCiphertexts(
    project: string,
    values: Readonly<Record<string, string>>,
    secretKeys: ReadonlySet<string>,
    file: string | undefined,
): Map<string, string> {
    const out = new Map<string, string>();
    if (file === undefined) {
        return out;
    }
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch {
        return out;
    }
    const fileValues = projectValues(bytes, project);
    for (const [key, located] of secureLocations(project, values, secretKeys, file)) {
        if (located === "unknown") {
            continue;
        }
        for (const leaf of located) {
            const ciphertext = ciphertextAt(fileValues?.get(key), leaf.slice(1));
            if (ciphertext !== undefined) {
                out.set(JSON.stringify(leaf), ciphertext);
            }
        }
    }
    return out;
}
