// Secrets stay secret by construction, whatever key they were set under:
//   - a `secure:` value (or a Pulumi secret Output, for component args) is a secret wherever it sits;
//     settings that can carry one take it (secret keys of the schema, env values, external backend
//     kwargs), every other place refuses it with the key and where such a value belongs;
//   - a credential-shaped string anywhere in the config is refused in prod (and turned into a secret
//     in dev where it can be, refused otherwise), because everything outside secret settings reaches
//     the Helm values, Helm's release Secret, Pulumi state and the chartValues output in plain text.
import * as pulumi from "@pulumi/pulumi";
import { findCredentials, type CredentialFinding } from "./credentials";
import type { ConfigProblem } from "./errors";
import { formatPath } from "./errors";

export type ConfigPath = (string | number)[];

/** How each secret top-level key's `secure:` leaves are known: exact paths, or "somewhere inside". */
export type SecurePaths = Map<string, ConfigPath[] | "unknown">;

function isOutput(v: unknown): v is pulumi.Output<unknown> {
    return pulumi.Output.isInstance(v);
}

/** `[..., "env" | "commonEnv", i, field]`: a field of an environment variable entry. */
function isEnvField(path: readonly (string | number)[], field: "name" | "value"): boolean {
    const n = path.length;
    return (
        n >= 3 &&
        path[n - 1] === field &&
        typeof path[n - 2] === "number" &&
        (path[n - 3] === "env" || path[n - 3] === "commonEnv")
    );
}

/** `[..., "env" | "commonEnv", i, "value"]`: the value of an environment variable, routed into a Secret. */
export function isEnvValuePath(path: readonly (string | number)[]): boolean {
    return isEnvField(path, "value");
}

/** `backend.secretBackendKwargs.…`: kwargs of a bring-your-own backend, routed into a Secret as a whole. */
export function isKwargsPath(path: readonly (string | number)[]): boolean {
    return path[0] === "backend" && path[1] === "secretBackendKwargs" && path.length >= 3;
}

function getAt(root: unknown, path: readonly (string | number)[]): unknown {
    let node = root;
    for (const p of path) {
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<string | number, unknown>)[p];
    }
    return node;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): void {
    const parent = getAt(root, path.slice(0, -1));
    const last = path[path.length - 1];
    if (parent !== null && typeof parent === "object" && last !== undefined) {
        (parent as Record<string | number, unknown>)[last] = value;
    }
}

/** Every leaf path below `path` in `value` (strings, numbers, booleans and Outputs). */
function leafPaths(value: unknown, path: ConfigPath): ConfigPath[] {
    if (isOutput(value)) {
        return [path];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => leafPaths(v, [...path, i]));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, [...path, k]));
    }
    return value === undefined ? [] : [path];
}

/** Whether a path sits at or below one of `paths`. */
function under(path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
    return prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
}

const SECURE_FIX =
    "put secret material where secrets belong: an environment variable's `value` under commonEnv or a component's `env` (routed into a Kubernetes Secret), a connection or variable in the secrets backend, or a Kubernetes Secret you create and reference by name";

function secureRefusal(path: ConfigPath, key: string): ConfigProblem {
    return {
        key: formatPath(path),
        message: `is set with 'secure:' but is not a secret setting: its value would reach the Helm values, Helm's release Secret, Pulumi state and the chartValues output in plain text; ${SECURE_FIX} (set with e.g. 'pulumi config set --secret --path commonEnv[0].value …'; config key '${key}')`,
    };
}

function credentialFix(path: ConfigPath, finding: CredentialFinding): string {
    const where = formatPath(path);
    if (/repoUrl$/.test(where)) {
        return "remove the credential from the URL and name an Airflow connection holding it in gitConnId (the connection lives in the secrets backend)";
    }
    if (isEnvValuePath(path)) {
        const name = String(path[path.length - 2]);
        return `set this value with 'pulumi config set --secret --path ${formatPath(path.slice(0, -1))}.value …' (routed into a Kubernetes Secret), or keep connections in the secrets backend instead of AIRFLOW_CONN_* variables (entry ${name})`;
    }
    if (isKwargsPath(path)) {
        return "authenticate the secrets backend with workload identity, or set the kwarg with 'pulumi config set --secret --path' (then the kwargs are routed into a Kubernetes Secret)";
    }
    return `secret material must not reach chart values (${finding.kind}); use a secret setting, a connection in the secrets backend, or a Kubernetes Secret referenced by name`;
}

/** Result of {@link applySecrecy}: the config with routable secrets wrapped, and what was refused or noted. */
export interface SecrecyResult {
    problems: ConfigProblem[];
    warnings: string[];
}

/**
 * Applies the secrecy rules to a parsed config, in place:
 * - `securePaths` (stack config only): the `secure:` leaves by top-level key. Leaves the schema takes
 *   as secrets are already secret Outputs; env values and external kwargs are wrapped as secrets (the
 *   component routes them into a Kubernetes Secret); any other leaf is refused. A key whose secure
 *   leaves are not known exactly is treated as secret in every routable place it has, and refused when
 *   it has none.
 * - every remaining plain string is checked for credential shapes: refused in prod; in dev, env values
 *   and kwargs are turned into secrets (with a warning) and other places refused.
 */
export function applySecrecy(
    cfg: Record<string, unknown>,
    environment: "dev" | "prod",
    securePaths: SecurePaths = new Map(),
): SecrecyResult {
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    const wrap = (path: ConfigPath) => {
        const v = getAt(cfg, path);
        if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
            setAt(cfg, path, pulumi.secret(String(v)));
        }
    };
    const routable = (path: ConfigPath) => isEnvValuePath(path) || isKwargsPath(path);

    for (const [key, paths] of securePaths) {
        if (cfg[key] === undefined) {
            continue;
        }
        const all = leafPaths(cfg[key], [key]);
        if (paths === "unknown") {
            const secretCapable = all.filter((p) => isOutput(getAt(cfg, p)) || routable(p));
            if (secretCapable.length === 0) {
                problems.push(secureRefusal([key], key));
            }
            all.filter(routable).forEach(wrap);
            continue;
        }
        for (const leaf of all) {
            if (isOutput(getAt(cfg, leaf)) && !paths.some((sp) => under(leaf, sp))) {
                const message = `is a secret setting but holds plain text in the stack file; store it encrypted with 'pulumi config set --secret --path ${formatPath(leaf)} …'`;
                if (environment === "prod") {
                    problems.push({
                        key: formatPath(leaf),
                        message: `${message} (refused when environment is 'prod')`,
                    });
                } else {
                    warnings.push(`${formatPath(leaf)}: ${message} (allowed only because environment is 'dev')`);
                }
            }
        }
        for (const securePath of paths) {
            for (const leaf of all.filter((p) => under(p, securePath))) {
                if (isOutput(getAt(cfg, leaf))) {
                    continue;
                }
                if (routable(leaf)) {
                    wrap(leaf);
                } else if (!(isEnvName(leaf) && under(leaf, securePath) && securePath.length < leaf.length)) {
                    problems.push(secureRefusal(leaf, key));
                }
            }
        }
    }

    const findings = findCredentials(cfg, [], { skip: isOutput });
    for (const f of findings) {
        const where = formatPath(f.path);
        if (environment === "dev" && routable(f.path)) {
            wrap(f.path);
            warnings.push(
                `${where}: holds ${f.kind} in plain text; turned into a Kubernetes Secret because environment is 'dev' (refused in 'prod': set it with 'pulumi config set --secret --path')`,
            );
            continue;
        }
        problems.push({
            key: where,
            message: `holds ${f.kind}, which would reach the Helm values, Helm's release Secret, Pulumi state and the chartValues output in plain text; ${credentialFix(f.path, f)}`,
        });
    }
    return { problems, warnings };
}

/** `[..., "env", i, "name"]`: an env var's name is structure, not secret, even inside a secret list. */
function isEnvName(path: readonly (string | number)[]): boolean {
    return isEnvField(path, "name");
}

/** The `secure:` leaves of one stack-file config value (paths relative to the value). */
export function secureLeaves(value: unknown, path: ConfigPath = []): ConfigPath[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === "secure") {
            return [path];
        }
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => secureLeaves(v, [...path, k]));
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => secureLeaves(v, [...path, i]));
    }
    return [];
}

/**
 * Whether a stack-file value (with `secure:` leaves) has the same shape and the same plain leaves as
 * the value the engine handed over: only then are its `secure:` paths trusted as exact.
 */
export function matchesStackFileValue(fileValue: unknown, engineValue: unknown): boolean {
    if (fileValue !== null && typeof fileValue === "object" && !Array.isArray(fileValue)) {
        const keys = Object.keys(fileValue);
        if (keys.length === 1 && keys[0] === "secure") {
            return engineValue !== undefined && (typeof engineValue !== "object" || engineValue !== null);
        }
        if (engineValue === null || typeof engineValue !== "object" || Array.isArray(engineValue)) {
            return false;
        }
        const ev = engineValue as Record<string, unknown>;
        return (
            keys.length === Object.keys(ev).length &&
            keys.every((k) => matchesStackFileValue((fileValue as Record<string, unknown>)[k], ev[k]))
        );
    }
    if (Array.isArray(fileValue)) {
        return (
            Array.isArray(engineValue) &&
            fileValue.length === engineValue.length &&
            fileValue.every((v, i) => matchesStackFileValue(v, engineValue[i]))
        );
    }
    return String(fileValue) === String(engineValue);
}
