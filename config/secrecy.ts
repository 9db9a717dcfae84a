// Secrets stay secret by construction, whatever key they were set under:
//   - a `secure:` value (or a Pulumi secret Output, for component args) is a secret wherever it sits;
//     settings that can carry one take it (secret keys of the schema, env values, external backend
//     kwargs), every other place refuses it with the key and where such a value belongs;
//   - a credential-shaped string anywhere in the config is refused in prod (and turned into a secret
//     in dev when it is an env value, refused otherwise), because everything outside secret settings reaches
//     the Helm values, Helm's release Secret, Pulumi state and the chartValues output in plain text.
import * as pulumi from "@pulumi/pulumi";
import { findCredentials, type CredentialFinding } from "./credentials";
import { valueAt } from "../schema/tree";
import type { ConfigProblem } from "./errors";
import { formatPath } from "./errors";

export type ConfigPath = (string | number)[];

/**
 * How each secret top-level key's `secure:` leaves are known: exact paths, or not proven ("somewhere
 * inside"): then the whole key is secret. `{ unproven: raw }` carries the key's value as configured
 * (before schema defaults), so defaults the schema fills in are not taken for configured values.
 */
export type SecurePaths = Map<string, ConfigPath[] | "unknown" | { unproven: unknown }>;

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

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): void {
    const parent = valueAt(root, path.slice(0, -1));
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

/**
 * Whether a parsed leaf comes from the configured value `raw` rather than a schema default: the walk
 * down its path in `raw` finds a value, or stops at a scalar the schema may have expanded. Only a
 * missing mapping key or list item makes it a default.
 */
function isConfigured(raw: unknown, path: ConfigPath): boolean {
    let node = raw;
    for (const p of path) {
        if (node === null || typeof node !== "object") {
            return true;
        }
        node = (node as Record<string | number, unknown>)[p];
        if (node === undefined) {
            return false;
        }
    }
    return true;
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

/** The settings listed in a refusal of an unproven secret key (the rest are counted). */
const LISTED_SETTINGS = 10;

function unprovenRefusal(key: string, plainOnly: ConfigPath[]): ConfigProblem {
    const listed = plainOnly.slice(0, LISTED_SETTINGS).map(formatPath).join(", ");
    const more = plainOnly.length > LISTED_SETTINGS ? ` and ${plainOnly.length - LISTED_SETTINGS} more` : "";
    return {
        key,
        message: `is secret (set with 'pulumi config set --secret'), but which of its values are secret cannot be proven from the stack file (it is not Pulumi.<stack>.yaml in the working directory or $ASTRO_AGENT_STACK_FILE, or its value there differs from what Pulumi passed the program: a YAML value the CLI reads differently, a value from an ESC environment or --config-file), so all of it is treated as secret, and these settings cannot hold a secret: ${listed}${more}; keep secure values only where secrets belong (${SECURE_FIX_SHORT}) and make the stack file hold exactly the key's value`,
    };
}

const SECURE_FIX_SHORT =
    "an environment variable's `value`, a secret setting, or a Kubernetes Secret referenced by name";

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
        return `set it as secret config with 'pulumi config set --secret --path ${where} …' (then the whole kwargs JSON goes into a Kubernetes Secret and AIRFLOW__SECRETS__BACKEND_KWARGS reads it with valueFrom; refused in plain text in dev too), or authenticate the secrets backend with workload identity`;
    }
    if (path.includes("command") || path.includes("args")) {
        return "pass it as a Secret: set it as an env value of the component with 'pulumi config set --secret --path <component>.env[n].value …' (routed into a Kubernetes Secret) and refer to it as $(NAME) in the command or args";
    }
    if (path.includes("httpHeaders")) {
        return "probe headers cannot read a Secret: probe an endpoint that needs no credential, or use an exec probe that reads a secret env value";
    }
    if (path[0] === "loggingSidecar" && path[1] === "config") {
        return "pass it as a Secret: refer to an environment variable in the config (Vector: ${NAME}) and set loggingSidecar.env[n].value with 'pulumi config set --secret --path' (routed into a Kubernetes Secret)";
    }
    return `secret material must not reach chart values (${finding.kind}); pass it as a Secret: a secret setting, a connection in the secrets backend, or a Kubernetes Secret referenced by name (e.g. an env value's valueFrom.secretKeyRef)`;
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
 *   are turned into secrets (with a warning) and other places (backend kwargs included) refused.
 */
export function applySecrecy(
    cfg: Record<string, unknown>,
    environment: "dev" | "prod",
    securePaths: SecurePaths = new Map(),
): SecrecyResult {
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    const wrap = (path: ConfigPath) => {
        const v = valueAt(cfg, path);
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
        if (paths === "unknown" || !Array.isArray(paths)) {
            // Where inside the key the secret sits is not proven: all of it is secret.
            const configured = (p: ConfigPath) => paths === "unknown" || isConfigured(paths.unproven, p.slice(1));
            const plainOnly = all.filter((p) => !isOutput(valueAt(cfg, p)) && !routable(p) && configured(p));
            if (plainOnly.length > 0) {
                problems.push(unprovenRefusal(key, plainOnly));
            }
            all.filter(routable).forEach(wrap);
            continue;
        }
        for (const leaf of all) {
            if (isOutput(valueAt(cfg, leaf)) && !paths.some((sp) => under(leaf, sp))) {
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
                if (isOutput(valueAt(cfg, leaf))) {
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
        // Backend kwargs are the secrets backend's own login: a plain-text credential there is refused
        // in dev too (as env values are not), so the stack file never carries one.
        if (environment === "dev" && isEnvValuePath(f.path)) {
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
