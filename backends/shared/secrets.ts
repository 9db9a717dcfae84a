// Secret-store rules every cloud shares: the connections/variables/config prefixes must not overlap,
// and connections and variables given as secret config are seeded one secret per key, in a stable order.
import * as pulumi from "@pulumi/pulumi";
import type { BackendIssue } from "../types";

/** The Airflow secret kinds a secrets backend serves, with their kwarg names. */
export type SecretKind = "connections" | "variables" | "config";

/** The resolved prefixes of a stack's secrets backend. */
export interface SecretPrefixes {
    connections: string;
    variables: string;
    config: string | null;
}

/** The configured prefixes of a secrets backend block. */
export interface SecretPrefixSettings {
    connectionsPrefix?: string | undefined;
    variablesPrefix?: string | undefined;
    configPrefix: string | null;
}

/**
 * The prefixes in use: the configured ones, else `<project><sep><stack><sep>connections` and
 * `…variables`, so two stacks in one account or project never seed the same secret names nor read each
 * other's secrets. Characters the store does not allow in names (anything but letters, digits, `_` and
 * `-` when `sep` is not `/`) become `-`.
 */
export function defaultSecretPrefixes(
    settings: SecretPrefixSettings,
    separator: string,
    project: string = pulumi.getProject(),
    stack: string = pulumi.getStack(),
): SecretPrefixes {
    const part = (s: string) => (separator === "/" ? s : s.replace(/[^A-Za-z0-9_-]/g, "-"));
    const base = `${part(project)}${separator}${part(stack)}${separator}`;
    return {
        connections: settings.connectionsPrefix ?? `${base}connections`,
        variables: settings.variablesPrefix ?? `${base}variables`,
        config: settings.configPrefix,
    };
}

/** The prefixes in use, as `[config key, prefix]` (config only when enabled). */
export function secretPrefixEntries(p: SecretPrefixes): [string, string][] {
    return [
        ["connectionsPrefix", p.connections],
        ["variablesPrefix", p.variables],
        ...(p.config === null ? [] : ([["configPrefix", p.config]] as [string, string][])),
    ];
}

/** The prefixes a reader of the store must be granted (connections, variables, config when enabled). */
export function grantedSecretPrefixes(p: SecretPrefixes): string[] {
    return secretPrefixEntries(p).map(([, prefix]) => prefix);
}

/** True when one prefix equals the other or contains it as a path prefix (`a` and `a/b`). */
export function prefixesOverlap(a: string, b: string, separator = "/"): boolean {
    return a === b || a.startsWith(`${b}${separator}`) || b.startsWith(`${a}${separator}`);
}

/**
 * One issue per prefix that overlaps an earlier one: each kind needs its own prefix, or a connection
 * could be read as a variable. `prefixes` are `[config key, value]` pairs; `at` builds the issue path.
 */
export function prefixOverlapIssues(
    prefixes: readonly (readonly [string, string])[],
    at: (key: string) => (string | number)[],
    block: string,
    separator = "/",
): BackendIssue[] {
    const issues: BackendIssue[] = [];
    prefixes.forEach(([key, value], i) => {
        const clash = prefixes.slice(0, i).find(([, other]) => prefixesOverlap(value, other, separator));
        if (clash !== undefined) {
            issues.push({
                path: at(key),
                message: `overlaps ${block}.${clash[0]} ('${clash[1]}'); each kind needs its own prefix`,
            });
        }
    });
    return issues;
}

/** One secret to seed. */
export interface SeedEntry {
    /** The connection id or variable key. */
    key: string;
    /** Logical name of its resources: `<name>-<conn|var>-<slug of key>`. */
    logicalName: string;
    /** Name of the secret in the store (what the secrets backend looks up). */
    secretName: string;
    /** The value, a Pulumi secret. */
    value: pulumi.Input<string>;
}

/**
 * The secrets to seed for one kind, sorted by key so plans are stable. `secretName` maps prefix and
 * key to the store's name (AWS: `<prefix>/<key>`; Azure and GCP join with `-`).
 */
export function seedEntries(
    name: string,
    kind: "conn" | "var",
    prefix: string,
    values: Record<string, pulumi.Input<string>>,
    secretName: (prefix: string, key: string) => string,
): SeedEntry[] {
    return Object.keys(values)
        .sort()
        .map((key) => ({
            key,
            logicalName: `${name}-${kind}-${key.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`,
            secretName: secretName(prefix, key),
            value: values[key] as pulumi.Input<string>,
        }));
}

/** The connections and variables to seed, connections first, each kind sorted by key. */
export function seedAll(
    name: string,
    prefixes: SecretPrefixes,
    values: { connections: Record<string, pulumi.Input<string>>; variables: Record<string, pulumi.Input<string>> },
    secretName: (prefix: string, key: string) => string,
): SeedEntry[] {
    return [
        ...seedEntries(name, "conn", prefixes.connections, values.connections, secretName),
        ...seedEntries(name, "var", prefixes.variables, values.variables, secretName),
    ];
}

/** The prefix kwargs every Airflow secrets backend with prefixes takes. */
export function prefixKwargs(p: SecretPrefixes): Record<string, string | null> {
    return { connections_prefix: p.connections, variables_prefix: p.variables, config_prefix: p.config };
}

/**
 * The default prefix (or path) of one kind: `<project>/<stack>/<kind>`, joined with `separator`, so two
 * stacks sharing one store never seed the same names nor read each other's secrets.
 */
export function stackSecretPrefix(
    kind: "connections" | "variables",
    project: string,
    stack: string,
    separator = "/",
): string {
    return [project, stack, kind].join(separator);
}
