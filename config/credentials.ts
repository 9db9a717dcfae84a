// Finds credentials wherever they sit in a value tree. Two sources of rules:
//   - secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend, pinned exactly),
//     run through a small synchronous adapter (see `secretlintSpans`): known token formats, private
//     keys, GCP service-account JSON, basic-auth and database connection URLs;
//   - this file's structural rules: userinfo in any URL anywhere in a string, `key=value` / `-Dkey=` /
//     `--flag=` / `--flag value` / `key: value` lines, `curl -u user:pass`, credential query
//     parameters, bearer headers, formats the preset lacks (Stripe, Vault, Fernet, Slack webhooks,
//     JWTs…), high-entropy tokens in a value position, and JSON / YAML / base64 payloads decoded and
//     scanned again; plus credential-like key names, judged by their words.
// One detector, used by config validation, the chart-boundary scan, the release guard and the
// policy pack. Kinds never contain the value: messages can name them safely (`redactCredentials`
// masks the spans of any text, the safety net of every message).
import { rules as presetRules } from "@secretlint/secretlint-rule-preset-recommend";
import type { SecretLintRuleCreator, SecretLintRuleContext, SecretLintSourceCode } from "@secretlint/types";
import { parse as parseYaml } from "yaml";

/** One credential found: where (a path from the root given), and what it looks like. */
export interface CredentialFinding {
    path: (string | number)[];
    /** Human-readable kind, e.g. "a password in URL userinfo". Never contains the value. */
    kind: string;
}

/** A credential inside one string: its kind and the half-open character range it covers. */
export interface CredentialSpan {
    kind: string;
    start: number;
    end: number;
}

// ---------------------------------------------------------------------------------------------------
// secretlint, synchronously. The preset's rules are `create(context, options) → { file(source) }` and
// report through `context.report` while `file` runs; only the GCP rule's `.p12` branch is async (it
// reads the file from disk) and it is never taken here (`ext` is `.json`). Messages are never
// rendered: the translator returns the message id, so a rule's text (which quotes the secret) never
// exists. Pinned behaviour is held by tests/unit/credentials.test.ts (each rule family is found).
// ---------------------------------------------------------------------------------------------------

/** The preset's rule ids → what we call the finding. `filter-comments` is left out: it would let a value switch detection off. */
const SECRETLINT_KINDS: Record<string, string> = {
    "@secretlint/secretlint-rule-aws": "an AWS secret access key",
    "@secretlint/secretlint-rule-gcp": "a Google service account key",
    "@secretlint/secretlint-rule-privatekey": "a private key",
    "@secretlint/secretlint-rule-npm": "an npm token",
    "@secretlint/secretlint-rule-basicauth": "a password in URL userinfo",
    "@secretlint/secretlint-rule-slack": "a Slack token or webhook URL",
    "@secretlint/secretlint-rule-sendgrid": "a SendGrid API key",
    "@secretlint/secretlint-rule-shopify": "a Shopify token",
    "@secretlint/secretlint-rule-github": "a GitHub token",
    "@secretlint/secretlint-rule-openai": "an OpenAI API key",
    "@secretlint/secretlint-rule-anthropic": "an Anthropic API key",
    "@secretlint/secretlint-rule-linear": "a Linear API key",
    "@secretlint/secretlint-rule-1password": "a 1Password service account token",
    "@secretlint/secretlint-rule-database-connection-string": "a password in a database connection string",
};

/** The preset's scanner rules this adapter runs (every one with a kind above). */
export const SECRETLINT_RULES: readonly SecretLintRuleCreator[] = (presetRules as SecretLintRuleCreator[]).filter(
    (r) => SECRETLINT_KINDS[r.meta.id] !== undefined,
);

/** Spans the preset's rules report in `content`. */
export function secretlintSpans(content: string): CredentialSpan[] {
    const spans: CredentialSpan[] = [];
    for (const rule of SECRETLINT_RULES) {
        const kind = SECRETLINT_KINDS[rule.meta.id] ?? "a credential";
        const context = {
            // The message id only: a rule's rendered message quotes the secret.
            createTranslator: () => (messageId: string) => ({ message: messageId, data: {} }),
            report: (d: { range: readonly [number, number] }) => {
                spans.push({ kind, start: d.range[0], end: d.range[1] });
            },
            ignore: () => undefined,
            sharedOptions: {},
        } as unknown as SecretLintRuleContext;
        const handlers = rule.create(context, {});
        const source = {
            content,
            filePath: undefined,
            ext: ".json",
            contentType: "text",
        } as unknown as SecretLintSourceCode;
        const done = handlers.file?.(source);
        if (done instanceof Promise) {
            // Not reached by the preset's rules with this source; never leave a rejection unhandled.
            done.catch(() => undefined);
        }
    }
    return spans;
}

// ---------------------------------------------------------------------------------------------------
// Key names.
// ---------------------------------------------------------------------------------------------------

/** `accessToken`, `ACCESS_TOKEN`, `x-access-token`, `javax.net.ssl.keyStorePassword` → words. */
export function keyWords(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w !== "");
}

/** Last words that make a key a credential on their own. */
const CREDENTIAL_WORDS = new Set([
    "password",
    "passwd",
    "pwd",
    "pw",
    "pass",
    "passphrase",
    "passcode",
    "token",
    "tokens",
    "credential",
    "credentials",
    "creds",
    "apikey",
    "auth",
    "authorization",
    "cookie",
    "pat",
    "privatekey",
    "secretkey",
    "accesskey",
    "connectionstring",
    "dsn",
    "keyfiledict",
    "sastoken",
]);

/** Words before a last `key`/`secret`/`id`/`string` that make it a credential (`signingKey`, `clientSecret`, `secretId`). */
const CREDENTIAL_QUALIFIERS: Record<string, Set<string>> = {
    key: new Set([
        "secret",
        "api",
        "access",
        "private",
        "signing",
        "sign",
        "encryption",
        "encrypt",
        "master",
        "fernet",
        "account",
        "shared",
        "client",
        "app",
        "auth",
        "hmac",
        "webhook",
        "session",
        "storage",
        "license",
        "jwt",
        "aes",
        "consumer",
        "subscription",
        "primary",
        "secondary",
        "ssh",
        "pgp",
        "gpg",
        "decryption",
    ]),
    secret: new Set(["client", "shared", "app", "webhook", "signing", "jwt", "session", "hmac", "consumer", "aws"]),
    id: new Set(["secret"]),
    string: new Set(["connection"]),
    dict: new Set(["keyfile"]),
};

/** `MYSQLPASSWORD`, `APPCLIENTSECRET`, `SVCPRIVATEKEY`: a credential word fused to the end of a longer word. */
const FUSED_CREDENTIAL: readonly string[] = [
    ...[...CREDENTIAL_WORDS].filter((w) => w.length >= 3),
    ...Object.entries(CREDENTIAL_QUALIFIERS).flatMap(([last, before]) =>
        [...before].filter((b) => b.length >= 3).map((b) => `${b}${last}`),
    ),
];

/** Whether an entry key names a credential (a reference such as `agentTokenSecretName` or `tokenPath` does not). */
export function isCredentialKey(key: string): boolean {
    const words = keyWords(key);
    const last = words[words.length - 1];
    if (last === undefined) {
        return false;
    }
    if (words.length === 1 && (last === "secret" || last === "secretvalue")) {
        return true;
    }
    if (CREDENTIAL_WORDS.has(last) || FUSED_CREDENTIAL.some((w) => last.endsWith(w))) {
        return true;
    }
    const before = words[words.length - 2];
    return before !== undefined && (CREDENTIAL_QUALIFIERS[last]?.has(before) ?? false);
}

/** Keys whose values are identifiers, digests or certificates by meaning: never judged by entropy. */
function isNonCredentialKey(key: string): boolean {
    const last = keyWords(key).pop() ?? "";
    return /^(digest|sha|sha1|sha256|sha512|hash|checksum|fingerprint|etag|uid|uuid|id|ids|image|tag|version|ca|cabundle|bundle|cert|certificate|crt|pubkey|publickey|name|ref|path|dir|file|url|uri|arn|class|classpath|revision|commit)$/.test(
        last,
    );
}

// ---------------------------------------------------------------------------------------------------
// Values.
// ---------------------------------------------------------------------------------------------------

/** Values that are never secrets even under a credential-looking key (placeholders, references, switches). */
export function isPlaceholderValue(v: string): boolean {
    const t = v.trim().replace(/^(["'])(.*)\1$/, "$2");
    return (
        t === "" ||
        /^(none|null|nil|false|true|yes|no|on|off|enabled|disabled|required|optional|changeme|redacted|\*+|x+|<.*>|\$\{.*\}|\{\{.*\}\}|\$\(.*\)|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_]+%|\[redacted\])$/i.test(
            t,
        )
    );
}

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
    const counts = new Map<string, number>();
    for (const c of s) {
        counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    let h = 0;
    for (const n of counts.values()) {
        const p = n / s.length;
        h -= p * Math.log2(p);
    }
    return h;
}

/**
 * Whether a whole value is a random token: 32+ characters of a token alphabet, digits and mixed case
 * throughout, high entropy, not hex (digests, commit ids), and, when it is base64, not readable text
 * (that is decoded and judged instead).
 */
export function isRandomToken(value: string): boolean {
    const t = value.trim();
    if (t.length < 32 || t.length > 512 || !/^[A-Za-z0-9+/_=.~-]+$/.test(t) || /^[0-9a-fA-F-]+$/.test(t)) {
        return false;
    }
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(t)).length;
    // Mixed case throughout, as random base64 is; words (`Team/DataPlatform/Dags`, `com.example.MyBackend`) are mostly lower case.
    const upper = t.replace(/[^A-Z]/g, "").length;
    const letters = t.replace(/[^A-Za-z]/g, "").length;
    if (classes < 3 || upper < 0.2 * letters || upper > 0.8 * letters) {
        return false;
    }
    return entropy(t) >= 4.2 && decodeBase64Text(t) === undefined;
}

/** Random tokens standing as words in `s` (a Fernet key, an AWS secret key, an opaque API token). */
export function randomTokenSpans(s: string): CredentialSpan[] {
    return [...s.matchAll(/(?<![A-Za-z0-9+/_=.~-])[A-Za-z0-9+/_.~-]{30,}={0,2}(?![A-Za-z0-9+/_=.~-])/g)]
        .filter((m) => isRandomToken(m[0]))
        .map((m) => ({ kind: "a high-entropy token", start: m.index, end: m.index + m[0].length }));
}

/** A base64 (or base64url) string decoded, when it decodes to readable UTF-8 text; undefined otherwise. */
export function decodeBase64Text(value: string): string | undefined {
    const t = value.trim();
    if (t.length < 16 || t.length % 4 === 1 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
        return undefined;
    }
    const bytes = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        return undefined;
    }
    // eslint-disable-next-line no-control-regex
    const printable = text.replace(/[^\x09\x0a\x0d\x20-\x7e\u00a0-\uffff]/g, "");
    return text.length > 0 && printable.length === text.length ? text : undefined;
}

/** URL schemes whose userinfo without a password is a connection id, not a credential (Airflow object storage). */
const CONN_ID_SCHEMES = new Set(["s3", "s3a", "gs", "gcs", "abfs", "abfss", "az", "adl", "file", "git", "ssh"]);

const URL_WITH_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]*):\/\/([^\s@"'<>`]+)@([^\s/?#@"'<>`]+)/g;

/** Userinfo in every URL of `s`, anywhere in the string. A password may contain `/`; `host:port/path@x` is not userinfo. */
function userinfoSpans(s: string): CredentialSpan[] {
    const spans: CredentialSpan[] = [];
    for (const m of s.matchAll(URL_WITH_USERINFO)) {
        const scheme = (m[1] ?? "").toLowerCase();
        const userinfo = m[2] ?? "";
        const start = m.index + scheme.length + 3;
        const end = start + userinfo.length;
        const colon = userinfo.indexOf(":");
        if (colon >= 0) {
            const user = userinfo.slice(0, colon);
            const password = userinfo.slice(colon + 1);
            if (user.includes("/") || /^\d{1,5}(\/|$)/.test(password) || isPlaceholderValue(safeDecode(password))) {
                continue;
            }
            spans.push({ kind: "a password in URL userinfo", start, end });
        } else if (
            !userinfo.includes("/") &&
            (scheme === "http" || scheme === "https") &&
            !CONN_ID_SCHEMES.has(scheme)
        ) {
            // `https://<token>@github.com/...`: over HTTP(S) the user part alone is how tokens are passed.
            if (!isPlaceholderValue(safeDecode(userinfo))) {
                spans.push({ kind: "a token in URL userinfo", start, end });
            }
        }
    }
    return spans;
}

function safeDecode(s: string): string {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

/** Credential query parameters of every URL in `s`. */
function querySpans(s: string): CredentialSpan[] {
    const spans: CredentialSpan[] = [];
    for (const url of s.matchAll(/\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s?#"'<>`]*\?([^\s#"'<>`]*)/g)) {
        const query = url[1] ?? "";
        let offset = url.index + url[0].length - query.length;
        for (const part of query.split("&")) {
            const eq = part.indexOf("=");
            const k = eq < 0 ? part : part.slice(0, eq);
            const v = eq < 0 ? "" : part.slice(eq + 1);
            if (eq >= 0 && (isCredentialKey(safeDecode(k)) || k === "sig") && !isPlaceholderValue(safeDecode(v))) {
                spans.push({
                    kind: `a credential in the URL query parameter '${safeDecode(k)}'`,
                    start: offset + eq + 1,
                    end: offset + part.length,
                });
            }
            offset += part.length + 1;
        }
    }
    return spans;
}

/** Judges `value` found in a value position (after `key=`, `key:`, `--flag`): a credential by its key, or a random token. */
function assignedSpan(key: string, value: string, start: number, form: string): CredentialSpan | undefined {
    const unquoted = value.replace(/^(["'])(.*)\1$/, "$2");
    if (isPlaceholderValue(unquoted) || unquoted.startsWith("-")) {
        return undefined;
    }
    if (isCredentialKey(key)) {
        return { kind: `a credential in ${form} '${key}'`, start, end: start + value.length };
    }
    if (!isNonCredentialKey(key) && isRandomToken(unquoted)) {
        return { kind: `a high-entropy token in ${form} '${key}'`, start, end: start + value.length };
    }
    return undefined;
}

const VALUE = String.raw`("[^"\n]*"|'[^'\n]*'|[^\s;,&"'\`]+)`;
/** `key=value`, `-Dkey=value`, `--flag=value`, `export KEY=value`, `password = "x"` (TOML), `Password=x;` (connection strings). */
const ASSIGNMENT = new RegExp(String.raw`(?:^|[\s;,&?"'({\[]|-D|--?)([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*${VALUE}`, "g");
/** `--flag value` and `-flag value`. */
const FLAG_VALUE = new RegExp(String.raw`(?:^|[\s"'(])--?([A-Za-z][A-Za-z0-9-]*)\s+${VALUE}`, "g");
/** `key: value` lines (YAML, HTTP headers, Vector/Fluent config), also `- key: value` and quoted keys. */
const COLON_LINE =
    /(?:^|\n|\\n)[ \t]*(?:-[ \t]+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[ \t]*:[ \t]+(?=([^\n#]*[^\s#]))/g;
/** `curl -u user:pass`, `--user user:pass`, `--proxy-user user:pass`. */
const CURL_USER = /(?:^|\s)(?:-u|-U|--user|--proxy-user)(?:\s+|=)(["']?)([^\s:"']+):([^\s"']+)\1/g;

function structuralSpans(s: string): CredentialSpan[] {
    const spans: CredentialSpan[] = [...userinfoSpans(s), ...querySpans(s)];
    const valueStart = (m: RegExpExecArray, value: string) => m.index + m[0].length - value.length;
    for (const m of s.matchAll(ASSIGNMENT)) {
        const [, key = "", value = ""] = m;
        const span = assignedSpan(key, value, valueStart(m, value), "the assignment");
        if (span !== undefined) {
            spans.push(span);
        }
    }
    for (const m of s.matchAll(FLAG_VALUE)) {
        const [, flag = "", value = ""] = m;
        if (isCredentialKey(flag)) {
            const span = assignedSpan(flag, value, valueStart(m, value), "the flag");
            if (span !== undefined) {
                spans.push(span);
            }
        }
    }
    // The value is a lookahead, so a line quoted inside another line's value is matched too.
    for (const m of s.matchAll(COLON_LINE)) {
        const [, key = "", value = ""] = m;
        if (/^[a-z][a-z0-9+.-]*$/i.test(key) && value.startsWith("//")) {
            continue; // a URL's `scheme://`
        }
        const span = assignedSpan(key, value, m.index + m[0].length, "the line");
        if (span !== undefined) {
            spans.push(span);
        }
    }
    for (const m of s.matchAll(CURL_USER)) {
        const password = m[3] ?? "";
        if (!isPlaceholderValue(password)) {
            const end = m.index + m[0].length - (m[1] ?? "").length;
            spans.push({ kind: "a user:password pair for curl", start: end - password.length, end });
        }
    }
    return spans;
}

/** Token formats recognisable on their own that the preset does not cover. */
const TOKEN_SHAPES: { kind: string; re: RegExp }[] = [
    { kind: "a JSON Web Token", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
    { kind: "an AWS access key id", re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
    { kind: "a GitHub token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g },
    { kind: "a GitLab token", re: /\bglpat-[A-Za-z0-9_-]{20,}/g },
    { kind: "a Slack token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
    { kind: "a Slack webhook URL", re: /\bhooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{16,}/g },
    { kind: "a Google API key", re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
    { kind: "a Stripe key", re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
    { kind: "a Vault token", re: /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g },
    { kind: "a Databricks token", re: /\bdapi[0-9a-f]{32}\b/g },
    { kind: "a Hugging Face token", re: /\bhf_[A-Za-z0-9]{30,}\b/g },
    { kind: "a Google OAuth token", re: /\bya29\.[A-Za-z0-9_-]{20,}/g },
    {
        kind: "a PEM private key",
        re: /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[\s\S]*$)/g,
    },
    { kind: "an Azure SAS signature", re: /(?:^|[?&;])sig=[A-Za-z0-9%+/=]{16,}/g },
    {
        kind: "an authorization header value",
        re: /\b(?:Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{12,}/g,
    },
];

function tokenShapeSpans(s: string): CredentialSpan[] {
    return TOKEN_SHAPES.flatMap(({ kind, re }) =>
        [...s.matchAll(re)].map((m) => ({ kind, start: m.index, end: m.index + m[0].length })),
    );
}

/** A Fernet key (Airflow's `fernet_key`): 32 random bytes in base64url, 44 characters. */
function isFernetKey(value: string): boolean {
    const t = value.trim();
    return /^[A-Za-z0-9_-]{43}=$/.test(t) && Buffer.from(t, "base64url").length === 32 && entropy(t) >= 4.2;
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

const MAX_DEPTH = 4;

/**
 * Results by string: validation judges the same strings many times (the config, then the chart values
 * built from it; tests validate thousands of variants). Bounded, and emptied when full.
 */
const spanCache = new Map<string, readonly CredentialSpan[]>();
const SPAN_CACHE_SIZE = 20_000;

/** Every credential span in one string, judged by its content (no key context). */
export function credentialSpans(s: string, depth = 0): CredentialSpan[] {
    if (s.length < 6 || depth > MAX_DEPTH) {
        return [];
    }
    const cached = spanCache.get(s);
    if (cached !== undefined) {
        return cached.map((x) => ({ ...x }));
    }
    const spans = judgeString(s, depth);
    if (spanCache.size >= SPAN_CACHE_SIZE) {
        spanCache.clear();
    }
    spanCache.set(s, spans);
    return spans.map((x) => ({ ...x }));
}

function judgeString(s: string, depth: number): CredentialSpan[] {
    const spans = [...secretlintSpans(s), ...structuralSpans(s), ...tokenShapeSpans(s)];
    const whole = (kind: string) => spans.push({ kind, start: 0, end: s.length });
    if (isFernetKey(s)) {
        whole("a Fernet key");
    }
    const json = parseJsonContainer(s);
    if (json !== undefined) {
        const inner = findCredentials(json, [], {}, depth + 1);
        if (inner[0] !== undefined) {
            const at = inner[0].path.length > 0 ? ` at '${inner[0].path.join(".")}'` : "";
            whole(`JSON holding ${inner[0].kind}${at}`);
        }
    }
    const decoded = decodeBase64Text(s);
    if (decoded !== undefined) {
        const inner = credentialSpans(decoded, depth + 1);
        if (inner[0] !== undefined) {
            whole(`base64 holding ${inner[0].kind}`);
        }
    }
    return merge(spans);
}

/** Spans sorted, overlapping ones merged (the first kind wins). */
function merge(spans: CredentialSpan[]): CredentialSpan[] {
    const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
    const out: CredentialSpan[] = [];
    for (const s of sorted) {
        const last = out[out.length - 1];
        if (last !== undefined && s.start < last.end) {
            last.end = Math.max(last.end, s.end);
        } else {
            out.push({ ...s });
        }
    }
    return out;
}

/** The kind of credential a single string holds, judged by its content alone; undefined when none. */
export function credentialShapeOf(s: string): string | undefined {
    return credentialSpans(s)[0]?.kind;
}

/** `text` with every credential span replaced by `[redacted]`: the safety net of every message. */
export function redactCredentials(text: string): string {
    let out = text;
    // Here a random token counts wherever it stands, whatever its key: masking too much is harmless.
    for (const s of merge([...credentialSpans(text), ...randomTokenSpans(text)]).reverse()) {
        out = `${out.slice(0, s.start)}[redacted]${out.slice(s.end)}`;
    }
    return out;
}

/** A URL without its userinfo, query and fragment: what a message may show of a server address. */
export function redactUrl(url: string): string {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^?#]*)/.exec(url.trim());
    return m === null ? "(an address)" : `${m[1] ?? ""}${m[2] ?? ""}`;
}

/** Options of {@link findCredentials}. */
export interface FindOptions {
    /** Values to skip (e.g. Pulumi secret Outputs, which are already protected). */
    skip?: (value: unknown) => boolean;
    /** Keys whose values are references by construction (schema-typed names), exempt from the key-name rules. */
    referenceKey?: (path: readonly (string | number)[]) => boolean;
}

/** Whether a list item is a flag naming a credential (`--token`, `-password`), so the next item is its value. */
function isCredentialFlag(v: unknown): boolean {
    return typeof v === "string" && /^--?[A-Za-z][A-Za-z0-9-]*$/.test(v) && isCredentialKey(v.replace(/^-+/, ""));
}

/** `-u` / `--user` (curl), whose next item is `user:password`. */
function isCurlUserFlag(v: unknown): boolean {
    return typeof v === "string" && /^(-u|-U|--user|--proxy-user)$/.test(v);
}

/** A multi-line string that parses as a YAML mapping or list, parsed; undefined otherwise. */
function parseYamlContainer(s: string): unknown {
    if (!s.includes("\n") || !/^\s*[^\s]+\s*:/m.test(s)) {
        return undefined;
    }
    try {
        const doc: unknown = parseYaml(s);
        return doc !== null && typeof doc === "object" ? doc : undefined;
    } catch {
        return undefined;
    }
}

/** A finding for a string judged with its key (the last path element), or undefined. */
function stringFinding(
    value: string,
    path: (string | number)[],
    options: FindOptions,
    depth: number,
): CredentialFinding | undefined {
    const spans = credentialSpans(value, depth);
    if (spans[0] !== undefined) {
        return { path, kind: spans[0].kind };
    }
    const yaml = parseYamlContainer(value);
    if (yaml !== undefined && depth < MAX_DEPTH) {
        const inner = findCredentials(yaml, [], options, depth + 1)[0];
        if (inner !== undefined) {
            return { path, kind: `YAML holding ${inner.kind} at '${inner.path.join(".")}'` };
        }
    }
    if (options.referenceKey?.(path) === true || isPlaceholderValue(value)) {
        return undefined;
    }
    const last = path[path.length - 1];
    if (typeof last === "string" && isCredentialKey(last)) {
        return { path, kind: `a credential under the key '${last}'` };
    }
    // A list item is judged by the key of its list (`command`, `args`, `digests`).
    const key = [...path].reverse().find((p): p is string => typeof p === "string");
    if (!(key !== undefined && isNonCredentialKey(key)) && randomTokenSpans(value).length > 0) {
        return { path, kind: `a high-entropy token under the key '${key ?? "(root)"}'` };
    }
    return undefined;
}

/**
 * Every credential in `value`: strings judged by content (JSON, YAML and base64 inside strings are
 * decoded and walked again), by the key they sit under, env-style `{name, value}` entries by their
 * name, and argument lists by the flag before each item. Paths start at `path`.
 */
export function findCredentials(
    value: unknown,
    path: (string | number)[] = [],
    options: FindOptions = {},
    depth = 0,
): CredentialFinding[] {
    if (options.skip?.(value)) {
        return [];
    }
    if (typeof value === "string") {
        const f = stringFinding(value, path, options, depth);
        return f === undefined ? [] : [f];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => {
            const found = findCredentials(v, [...path, i], options, depth);
            if (found.length > 0 || typeof v !== "string" || isPlaceholderValue(v) || v.startsWith("-")) {
                return found;
            }
            const prev: unknown = value[i - 1];
            if (isCredentialFlag(prev)) {
                return [{ path: [...path, i], kind: `a credential after the argument '${String(prev)}'` }];
            }
            if (isCurlUserFlag(prev) && /^[^:\s]+:\S+$/.test(v) && !isPlaceholderValue(v.slice(v.indexOf(":") + 1))) {
                return [{ path: [...path, i], kind: "a user:password pair for curl" }];
            }
            return found;
        });
    }
    if (value !== null && typeof value === "object") {
        // An env var or a header is {name, value}: judge the value by the entry's name as well.
        const obj = value as Record<string, unknown>;
        if (typeof obj.name === "string" && typeof obj.value === "string" && Object.keys(obj).length <= 3) {
            const nameShape = credentialShapeOf(obj.name);
            if (nameShape !== undefined) {
                return [{ path: [...path, "name"], kind: nameShape }];
            }
            const byShape = findCredentials(obj.value, [...path, "value"], options, depth);
            if (byShape.length > 0) {
                return byShape;
            }
            if (isPlaceholderValue(obj.value)) {
                return [];
            }
            if (isCredentialKey(obj.name)) {
                return [{ path: [...path, "value"], kind: `a credential in the variable '${obj.name}'` }];
            }
            if (!isNonCredentialKey(obj.name) && isRandomToken(obj.value)) {
                return [{ path: [...path, "value"], kind: `a high-entropy token in the variable '${obj.name}'` }];
            }
            return [];
        }
        return Object.entries(obj).flatMap(([k, v]) => findCredentials(v, [...path, k], options, depth));
    }
    return [];
}
