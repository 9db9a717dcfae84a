// Reads the stack's config and validates all of it at once (with the whole-config check the caller
// passes: chart/validate.ts passes the full one), handing back component args in which every secret is
// a Pulumi secret Output.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { agentConfigSchema, agentConfigShape, CONFIG_KEYS, type AgentConfig } from "./schema";
import { parseConfig, type ConfigProblem } from "./errors";
import { jsonKind, jsonKinds } from "./introspect";
import { misplacedKeyMessage, misplacedKeys } from "./namespaces";
import { unknownKeyMessage } from "../schema/primitives";
import { ROOT_POD_SETTING_HINTS } from "./podSettings";
import type { ConfigPath, SecurePaths } from "./secrecy";
import { secureCiphertexts, secureLocations, STACK_FILE_ENV } from "./secureLocations";
import { recordSecretRevision, secretRevision } from "./secretRevision";
import { parseStackYaml, stackYamlProblems } from "./stackYaml";
import { markValidated } from "./validated";

/** Raw config of one project: the values as the engine hands them over, and which keys are secret. */
export interface RawStackConfig {
    project: string;
    stack: string;
    /** Values by key without the `project:` prefix; structured values are JSON strings. */
    values: Record<string, string>;
    /** Keys (without prefix) whose value, or some part of it, was set with `--secret`. */
    secretKeys: Set<string>;
    /**
     * The exact `secure:` leaves of secret keys, where proven (config/secureLocations.ts). A secret key
     * missing here, or "unknown", is secret as a whole.
     */
    securePaths?: Map<string, ConfigPath[] | "unknown">;
    /**
     * The `secure:` ciphertext of each proven secure leaf, by full config path as JSON
     * (config/secureLocations.ts): what the rollout annotation is computed from at preview.
     */
    secureCiphertexts?: Map<string, string>;
    /** Reasons the stack file is not what it seems (key `file:line`): refused like bad config. */
    stackFileProblems?: ConfigProblem[];
    /** Config of every other namespace (providers, misplaced keys), fully qualified. */
    foreignValues?: Record<string, string>;
}

/** The raw config of the running program's project, read from the Pulumi runtime. */
export function readRawConfig(): RawStackConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    // Keys come normalised (the SDK's cleanKey turns the legacy `<project>:config:<key>` into `<project>:<key>`).
    const all = pulumi.runtime.allConfig();
    const secretKeys = new Set<string>();
    const values: Record<string, string> = {};
    const foreignValues: Record<string, string> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
            foreignValues[fullKey] = value; // provider config such as kubernetes:context, or a misplaced key
            continue;
        }
        const key = fullKey.slice(prefix.length);
        values[key] = value;
        if (isSecretKey(project, key)) {
            secretKeys.add(key);
        }
    }
    const stack = pulumi.getStack();
    const file = process.env[STACK_FILE_ENV] ?? path.join(process.cwd(), `Pulumi.${stack}.yaml`);
    return {
        project,
        stack,
        values,
        secretKeys,
        foreignValues,
        securePaths: secureLocations(project, values, secretKeys, file),
        secureCiphertexts: secureCiphertexts(project, values, secretKeys, file),
        stackFileProblems: stackFileProblems(file),
    };
}

/** What makes the stack file read differently by the CLI than it looks (config/stackYaml.ts); the key is `file:line`. */
export function stackFileProblems(file: string): ConfigProblem[] {
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch {
        return []; // no stack file here (another --config-file, or config from an environment)
    }
    const shown = path.relative(process.cwd(), file) || file;
    const parsed = parseStackYaml(bytes);
    if (!parsed.ok) {
        return [{ key: `${shown}${parsed.line === undefined ? "" : `:${parsed.line}`}`, message: parsed.detail }];
    }
    return stackYamlProblems(parsed).map((p) => ({ key: `${shown}:${p.line}`, message: p.detail }));
}

/**
 * Whether the engine marks a key secret. Its secret-key list holds `<project>:<key>`; the legacy
 * `<project>:config:<key>` spelling is asked too, so neither spelling is missed. `isConfigSecret` is
 * exported by the SDK's config module but marked internal (absent from its typings).
 */
function isSecretKey(project: string, key: string): boolean {
    const internal = runtimeConfig as unknown as { isConfigSecret: (k: string) => boolean };
    return internal.isConfigSecret(`${project}:${key}`) || internal.isConfigSecret(`${project}:config:${key}`);
}

/**
 * Pulumi hands every value over as a string: structured values as JSON, scalars as written. What
 * the string means depends on the key's schema: a key that takes booleans, numbers, lists or
 * mappings gets the JSON value (`restricted false` → false), a key that takes strings keeps the raw
 * string (`podSecurityVersion 1.30` stays "1.30", an ID `007` stays "007").
 */
export function parseValue(raw: string, key: keyof typeof agentConfigShape): unknown {
    const kinds = jsonKinds(agentConfigShape[key]);
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw) as unknown;
    } catch {
        return raw;
    }
    const kind = jsonKind(parsed);
    if (kind !== undefined && kinds.has(kind)) {
        return parsed;
    }
    return kinds.has("string") ? raw : parsed;
}

/** Problems (refusals) and warnings of the whole-config checks. */
export interface WholeConfigResult {
    problems: ConfigProblem[];
    warnings: string[];
}

/** The checks run on the parsed config as a whole (chart/validate.ts: `checkWholeConfig`). */
export type WholeConfigCheck = (cfg: AgentConfig, securePaths: SecurePaths) => WholeConfigResult;

/** Result of validating a stack's config. */
export type ConfigResult =
    | { ok: true; config: AgentConfig; warnings: string[] }
    | { ok: false; problems: ConfigProblem[]; warnings: string[] };

/** Paths of every secret leaf in a parsed config (they are the secret Outputs the schema produced). */
export function secretLeafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
    if (pulumi.Output.isInstance(value)) {
        return [path];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => secretLeafPaths(v, [...path, i]));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => secretLeafPaths(v, [...path, k]));
    }
    return [];
}

/**
 * Validates raw stack config, running `checkWhole` on the parsed config. Pure apart from reading
 * nothing: it takes the raw values, so it can be tested directly and reused by the offline renderer.
 */
export function validateRawConfig(raw: RawStackConfig, checkWhole: WholeConfigCheck): ConfigResult {
    const warnings: string[] = [];
    const input: Record<string, unknown> = {};
    const problems: ConfigProblem[] = [...(raw.stackFileProblems ?? [])];
    for (const [key, value] of Object.entries(raw.values)) {
        if (!CONFIG_KEYS.includes(key)) {
            problems.push({ key, message: unknownKeyMessage(key, CONFIG_KEYS, ROOT_POD_SETTING_HINTS) });
            continue;
        }
        input[key] = parseValue(value, key as keyof typeof agentConfigShape);
    }
    const parsed = parseConfig(agentConfigSchema, input);
    if (!parsed.success) {
        problems.push(...parsed.problems);
    }
    const environment = parsed.success ? parsed.data.environment : input.environment === "dev" ? "dev" : "prod";

    // Secret leaves must have been stored encrypted. Checked key by key, so it is reported even when
    // other keys are invalid.
    for (const key of Object.keys(input)) {
        const one = agentConfigShape[key as keyof typeof agentConfigShape].safeParse(input[key]);
        if (!one.success || secretLeafPaths(one.data).length === 0 || raw.secretKeys.has(key)) {
            continue;
        }
        const message = `holds a secret in plain text in Pulumi.${raw.stack}.yaml; store it encrypted with 'pulumi config set --secret${key === "agentToken" ? "" : " --path"} ${key}…'`;
        if (environment === "prod") {
            problems.push({ key, message: `${message} (refused when environment is 'prod')` });
        } else {
            warnings.push(`${key}: ${message} (allowed only because environment is 'dev')`);
        }
    }
    const misplaced = misplacedKeys(raw.project, raw.foreignValues ?? {}, CONFIG_KEYS, raw.values);
    if (misplaced.length > 0) {
        return { ok: false, problems: withMisplacedKeys(raw, problems, misplaced, checkWhole), warnings };
    }
    if (!parsed.success) {
        return { ok: false, problems, warnings };
    }
    // Whole-config checks: secrets by property (every secret key, exact leaves where known) and extra
    // values that would undo the wiring.
    const securePaths: SecurePaths = new Map();
    for (const key of raw.secretKeys) {
        const known = raw.securePaths?.get(key);
        securePaths.set(key, Array.isArray(known) ? known : { unproven: input[key] });
    }
    const whole = checkWhole(parsed.data, securePaths);
    problems.push(...whole.problems);
    warnings.push(...whole.warnings);
    if (problems.length > 0) {
        return { ok: false, problems, warnings };
    }
    // The rollout annotation's value, known at preview when every secret value is a stack-file ciphertext.
    const revision = secretRevision(secretLeafPaths(parsed.data), raw.secureCiphertexts ?? new Map());
    return { ok: true, config: recordSecretRevision(markValidated(parsed.data), revision), warnings };
}

/**
 * Reports keys set under another project's namespace, and drops the problems they cause by being
 * absent here ("is required", "no agent token"…): those are the problems that disappear when the
 * misplaced values are read as this project's.
 */
function withMisplacedKeys(
    raw: RawStackConfig,
    problems: ConfigProblem[],
    misplaced: ReturnType<typeof misplacedKeys>,
    checkWhole: WholeConfigCheck,
): ConfigProblem[] {
    const moved: Record<string, string> = { ...raw.values };
    const secretKeys = new Set(raw.secretKeys);
    for (const m of misplaced) {
        if (!(m.key in moved)) {
            moved[m.key] = m.value;
            secretKeys.add(m.key);
        }
    }
    const corrected = validateRawConfig({ ...raw, values: moved, secretKeys, foreignValues: {} }, checkWhole);
    const remaining = new Set(corrected.ok ? [] : corrected.problems.map((p) => `${p.key}\0${p.message}`));
    return [
        ...misplaced.map((m) => ({ key: m.fullKey, message: misplacedKeyMessage(raw.project, m) })),
        ...problems.filter((p) => remaining.has(`${p.key}\0${p.message}`)),
    ];
}
