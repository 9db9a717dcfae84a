// Judgements the backends' prod weakenings share (backends/*/risks.ts): address ranges open to the
// internet, wildcards where one exact value belongs, clear-text URLs.

/** Prefix length below which an IPv4 range counts as open to the internet (a /8 is 16.7 million addresses). */
export const OPEN_RANGE_PREFIX = 8;

/**
 * Whether an IPv4 address or CIDR range (`a.b.c.d[/n]`) is wider than any one organisation's egress:
 * `0.0.0.0/0`, and every range shorter than /{@link OPEN_RANGE_PREFIX}.
 */
export function isOpenRange(range: string): boolean {
    const slash = range.indexOf("/");
    return slash >= 0 && Number(range.slice(slash + 1)) < OPEN_RANGE_PREFIX;
}

/** Whether a value that must name one thing exactly holds a glob wildcard (`*`, `?`, `[`). */
export function hasWildcard(value: string): boolean {
    return /[*?[]/.test(value);
}

/** Whether a URL sends what it carries in clear text (`http://`). */
export function isPlainHttp(url: unknown): boolean {
    return typeof url === "string" && /^http:\/\//i.test(url);
}

/** A risk more than one backend can present (one definition per id). */
export const SHORT_SECRET_RECOVERY = {
    id: "shortSecretRecovery",
    allows: "a deleted secret of the secrets store to stay recoverable for less than the backend's safe minimum (AWS Secrets Manager: 7 days; Azure Key Vault: 90 days), or not at all",
    why: "a secret deleted by mistake, or by an attacker, is gone for good before anyone notices",
} as const;
