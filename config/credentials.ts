// Finds credentials by their shape, wherever they sit in a value tree: URL userinfo, connection URIs
// and JSON with a password, known token formats, private keys, and credential-named entries of
// free-form maps. One detector, used by config validation, by the release guard and by the policy pack.

/** One credential found: where (a path from the root given), and what it looks like. */
export interface CredentialFinding {
    path: (string | number)[];
    /** Human-readable kind, e.g. "a password in URL userinfo". */
    kind: string;
}

/** Token formats recognisable on their own, whatever key they sit under. */
const TOKEN_SHAPES: { kind: string; re: RegExp }[] = [
    { kind: "a PEM private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
    { kind: "a JSON Web Token", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
    { kind: "an AWS access key id", re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { kind: "a GitHub token", re: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
    { kind: "a GitLab token", re: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
    { kind: "a Slack token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
    { kind: "a Google API key", re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
    { kind: "a Google service account key", re: /"type"\s*:\s*"service_account"[\s\S]*"private_key"/ },
    { kind: "an Azure storage account key", re: /(^|;)\s*AccountKey\s*=\s*[^;\s]+/i },
    { kind: "an Azure SAS token", re: /(^|[?&;])sig=[A-Za-z0-9%+/=]{16,}/ },
    { kind: "a bearer token", re: /^\s*(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}\s*$/ },
    { kind: "a password in a connection string", re: /(^|;)\s*(password|pwd)\s*=\s*[^;\s]+/i },
];

/**
 * Key names that mean "the value is a credential" when they name a free-form entry: compared after
 * dropping case and separators, on the END of the key (so `agentTokenSecretName` or `token_path` are
 * references, not credentials).
 */
const CREDENTIAL_KEY_ENDINGS = [
    "password",
    "passwd",
    "passphrase",
    "secretkey",
    "secretid",
    "clientsecret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "accountkey",
    "sastoken",
    "connectionstring",
    "credentials",
    "credential",
    "keyfiledict",
    "authorization",
];

/** Values that are never secrets even under a credential-looking key. */
function isPlaceholderValue(v: string): boolean {
    return v.trim() === "" || /^(none|null|false|true|<.*>|\$\{.*\}|\{\{.*\}\})$/i.test(v.trim());
}

/** `accessToken`, `access_token`, `ACCESS-TOKEN` → `accesstoken`. */
function normaliseKey(key: string): string {
    return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Keys that are credentials only as a whole word (`fooSecret` usually names a Secret object). */
const CREDENTIAL_KEYS_EXACT = ["secret", "secretvalue", "pass", "pat", "auth"];

/** Whether an entry key names a credential. */
export function isCredentialKey(key: string): boolean {
    const k = normaliseKey(key);
    return CREDENTIAL_KEYS_EXACT.includes(k) || CREDENTIAL_KEY_ENDINGS.some((end) => k.endsWith(end));
}

/** URL schemes whose userinfo without a password is a connection id, not a credential (Airflow object storage). */
const CONN_ID_SCHEMES = new Set(["s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "file", "git", "ssh"]);

/** What a URL-shaped string carries in its userinfo, or undefined. */
function urlUserinfoCredential(s: string): string | undefined {
    const m = /^\s*([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#@\s]+)@[^\s]/.exec(s);
    if (m === null) {
        return undefined;
    }
    const scheme = (m[1] ?? "").toLowerCase();
    const userinfo = m[2] ?? "";
    const colon = userinfo.indexOf(":");
    if (colon >= 0) {
        const password = userinfo.slice(colon + 1);
        return isPlaceholderValue(decodeURIComponent(password)) ? undefined : "a password in URL userinfo";
    }
    // `https://<token>@github.com/...`: over HTTP(S) the user part alone is how tokens are passed.
    if (!CONN_ID_SCHEMES.has(scheme) && (scheme === "http" || scheme === "https")) {
        return "a token in URL userinfo";
    }
    return undefined;
}

/** Query parameters that carry credentials in a URL. */
function urlQueryCredential(s: string): string | undefined {
    const q = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/[^?#\s]*\?([^#\s]*)/.exec(s)?.[1];
    if (q === undefined) {
        return undefined;
    }
    for (const part of q.split("&")) {
        const [k, v] = part.split("=");
        if (k !== undefined && v !== undefined && isCredentialKey(decodeURIComponent(k)) && !isPlaceholderValue(v)) {
            return `a credential in the URL query parameter '${decodeURIComponent(k)}'`;
        }
    }
    return undefined;
}

/** A string that is a JSON object or array, parsed; undefined otherwise. */
function parseJsonContainer(s: string): unknown {
    const t = s.trim();
    if (!((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]")))) {
        return undefined;
    }
    try {
        return JSON.parse(t) as unknown;
    } catch {
        return undefined;
    }
}

/** The kind of credential a single string is, judged by its shape alone; undefined when none. */
export function credentialShapeOf(s: string): string | undefined {
    return (
        urlUserinfoCredential(s) ?? urlQueryCredential(s) ?? TOKEN_SHAPES.find((t) => t.re.test(s))?.kind ?? undefined
    );
}

/** Options of {@link findCredentials}. */
export interface FindOptions {
    /** Values to skip (e.g. Pulumi secret Outputs, which are already protected). */
    skip?: (value: unknown) => boolean;
    /** Keys whose values are references by construction (schema-typed names), exempt from the key-name rule. */
    referenceKey?: (path: readonly (string | number)[]) => boolean;
}

/**
 * Every credential in `value`: strings judged by shape (including JSON documents inside strings, walked
 * again), and non-empty strings under credential-named keys. Paths start at `path`.
 */
export function findCredentials(
    value: unknown,
    path: (string | number)[] = [],
    options: FindOptions = {},
): CredentialFinding[] {
    if (options.skip?.(value)) {
        return [];
    }
    if (typeof value === "string") {
        const nested = parseJsonContainer(value);
        if (nested !== undefined) {
            const inner = findCredentials(nested, [], options);
            if (inner.length > 0) {
                const where = inner[0]?.path.length ? ` at '${inner[0].path.join(".")}'` : "";
                return [{ path, kind: `JSON holding ${inner[0]?.kind ?? "a credential"}${where}` }];
            }
        }
        const kind = credentialShapeOf(value);
        if (kind !== undefined) {
            return [{ path, kind }];
        }
        const key = path[path.length - 1];
        if (
            typeof key === "string" &&
            isCredentialKey(key) &&
            !isPlaceholderValue(value) &&
            !(options.referenceKey?.(path) ?? false)
        ) {
            return [{ path, kind: `a credential under the key '${key}'` }];
        }
        return [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => findCredentials(v, [...path, i], options));
    }
    if (value !== null && typeof value === "object") {
        // An env var is {name, value}: judge the value by the variable's name as well.
        const obj = value as Record<string, unknown>;
        if (typeof obj.name === "string" && typeof obj.value === "string" && Object.keys(obj).length <= 3) {
            const nameShape = credentialShapeOf(obj.name);
            if (nameShape !== undefined) {
                return [{ path: [...path, "name"], kind: nameShape }];
            }
            const byShape = findCredentials(obj.value, [...path, "value"], options);
            if (byShape.length > 0) {
                return byShape;
            }
            if (isCredentialKey(obj.name) && !isPlaceholderValue(obj.value)) {
                return [{ path: [...path, "value"], kind: `a credential in the variable '${obj.name}'` }];
            }
            return [];
        }
        return Object.entries(obj).flatMap(([k, v]) => findCredentials(v, [...path, k], options));
    }
    return [];
}
