// Config keys written under another project's namespace (`astro_agent:namespace` when the project is
// `astro-agent`): Pulumi hands them to nobody, so they are reported instead of silently ignored.

/**
 * Namespaces of Pulumi itself and of providers: their keys belong to them (`kubernetes:namespace`
 * is the Kubernetes provider's default namespace), so they are never reported.
 */
export const PROVIDER_NAMESPACES: readonly string[] = [
    "pulumi",
    "kubernetes",
    "aws",
    "aws-native",
    "awsx",
    "eks",
    "gcp",
    "google-native",
    "azure",
    "azure-native",
    "azuread",
    "random",
    "tls",
    "command",
    "docker",
    "docker-build",
    "cloudflare",
    "vault",
    "github",
    "gitlab",
    "datadog",
    "time",
];

/** One key of another namespace that names a config key of this project. */
export interface MisplacedKey {
    /** As written, e.g. `astro_agent:namespace`. */
    fullKey: string;
    /** The config key it names, e.g. `namespace`. */
    key: string;
    value: string;
    /** Whether the project namespace sets the same key too. */
    alsoSet: boolean;
}

/** Keys under a foreign (non-provider) namespace that name one of `knownKeys`. */
export function misplacedKeys(
    project: string,
    foreignValues: Readonly<Record<string, string>>,
    knownKeys: readonly string[],
    projectValues: Readonly<Record<string, string>>,
): MisplacedKey[] {
    const found: MisplacedKey[] = [];
    for (const [fullKey, value] of Object.entries(foreignValues)) {
        const colon = fullKey.indexOf(":");
        if (colon <= 0) {
            continue;
        }
        const namespace = fullKey.slice(0, colon);
        // `<namespace>:config:<key>` is the legacy spelling of `<namespace>:<key>`.
        const key = fullKey.slice(colon + 1).replace(/^config:/, "");
        if (namespace === project || PROVIDER_NAMESPACES.includes(namespace) || !knownKeys.includes(key)) {
            continue;
        }
        found.push({ fullKey, key, value, alsoSet: key in projectValues });
    }
    return found;
}

/** The message for a misplaced key. */
export function misplacedKeyMessage(project: string, m: MisplacedKey): string {
    const correct = `${project}:${m.key}`;
    return m.alsoSet
        ? `ignored: this stack belongs to project '${project}', which reads '${correct}' (set as well); remove this key`
        : `ignored: this stack belongs to project '${project}', so the program never reads this key; did you mean '${correct}'? (until then '${m.key}' counts as unset)`;
}
