// Shared zod building blocks for the stack config schema and the backend schema branches.
import * as pulumi from "@pulumi/pulumi";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { parseImageRef, unpinnedImageProblem } from "./pins";
import { checkResourceName, parseQuantity, QUANTITY_EXAMPLES } from "./quantity";

/** Separates the per-key sentences of an `unrecognized_keys` message (split again by the formatter). */
export const UNKNOWN_KEY_SEPARATOR = "\u001f";

/** The closest known key, when it is close enough to be a plausible typo. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
    if (known.length === 0) {
        return undefined;
    }
    const best = closest(key, [...known]);
    const limit = Math.max(2, Math.floor(key.length / 3));
    return distance(key.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

/**
 * A sentence for one unknown key: where it belongs when `moved` names it, else a "did you mean" when
 * one is close.
 */
export function unknownKeyMessage(key: string, known: readonly string[], moved: Record<string, string> = {}): string {
    const to = Object.hasOwn(moved, key) ? moved[key] : undefined;
    if (to !== undefined) {
        return `unknown key '${key}': ${to}`;
    }
    const hint = suggestKey(key, known);
    return hint === undefined
        ? `unknown key '${key}'; remove it (known keys: ${known.join(", ")})`
        : `unknown key '${key}'; did you mean '${hint}'?`;
}

/**
 * A strict object: unknown keys are rejected with a "did you mean" naming the closest known key, or
 * with where the key belongs when `moved` names it. Every object in the stack config is built with
 * this helper.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T, moved: Record<string, string> = {}) {
    const known = Object.keys(shape);
    return z.strictObject(shape, {
        error: (iss) => {
            if (iss.code === "unrecognized_keys") {
                return iss.keys.map((k) => unknownKeyMessage(k, known, moved)).join(UNKNOWN_KEY_SEPARATOR);
            }
            return undefined;
        },
    });
}

/** How an example value is shown in messages: strings quoted, everything else as JSON (valid YAML). */
export function formatExample(value: unknown): string {
    return typeof value === "string" ? `'${value}'` : JSON.stringify(value);
}

/** "<what>, for example <example>": the tail of every message saying what a key expects. */
export function expectation(what: string, example: unknown): string {
    return example === undefined ? what : `${what}, for example ${formatExample(example)}`;
}

/**
 * A problem sentence followed by what is expected: "contains a space at character 4; expected …, for
 * example …". An empty problem means the value simply does not match: "must be …, for example …".
 */
export function problemMessage(problem: string, what: string, example: unknown): string {
    return problem === ""
        ? `must be ${expectation(what, example)}`
        : `${problem}; expected ${expectation(what, example)}`;
}

/**
 * A string schema described by what it expects and an example; the shared error messages (see
 * `config/errors.ts`) read both, so a missing or mistyped key says "is required (…, for example …)".
 */
export function requiredString(what: string, example?: string) {
    return z.string().meta({ expected: what, ...(example === undefined ? {} : { example }) });
}

const CHARACTER_NAMES: Record<number, string> = {
    0x09: "tab",
    0x0a: "line feed",
    0x0d: "carriage return",
    0xa0: "no-break space",
    0xad: "soft hyphen",
    0x200b: "zero-width space",
    0x200c: "zero-width non-joiner",
    0x200d: "zero-width joiner",
    0x200e: "left-to-right mark",
    0x200f: "right-to-left mark",
    0x2028: "line separator",
    0x2029: "paragraph separator",
    0x2060: "word joiner",
    0xfeff: "zero-width no-break space (byte order mark)",
};
const WHITESPACE = /\s/u;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** Either of the two: a string without any is safe, checked in one pass (most are). */
const WHITESPACE_OR_INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

function characterName(ch: string): string {
    const code = ch.codePointAt(0) ?? 0;
    const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    const name = CHARACTER_NAMES[code];
    return name === undefined ? hex : `${hex} (${name})`;
}

/**
 * Why a string is unusable as a name or ID: blank, or containing whitespace, or an invisible or
 * control character (typically pasted from a web page). Positions count characters from 1.
 */
export function unsafeCharacter(value: string, allowInnerSpaces = false): string | undefined {
    if (!WHITESPACE_OR_INVISIBLE.test(value)) {
        return undefined;
    }
    // Code points, not UTF-16 units, so positions count what a user sees (emoji included).
    const chars = Array.from(value);
    if (chars.length > 0 && chars.every((ch) => WHITESPACE.test(ch) || INVISIBLE.test(ch))) {
        return "is blank (only whitespace or invisible characters)";
    }
    for (const [i, ch] of chars.entries()) {
        const position = i + 1;
        const edge = i === 0 || i === chars.length - 1;
        if (ch === " ") {
            if (edge) {
                return `has a leading or trailing space (character ${position})`;
            }
            if (!allowInnerSpaces) {
                return `contains a space at character ${position}`;
            }
        } else if (WHITESPACE.test(ch)) {
            return `contains the whitespace character ${characterName(ch)} at character ${position}`;
        } else if (INVISIBLE.test(ch)) {
            return `contains the invisible or control character ${characterName(ch)} at character ${position}`;
        }
    }
    return undefined;
}

/** Extra rules of an {@link identifier}: a pattern (explained by `rule`) and a maximum length. */
export interface IdentifierRule {
    pattern?: RegExp;
    /** The pattern in words, shown after `what`. */
    rule?: string;
    max?: number;
}

/** Why `value` is not a valid identifier under `rule`, or undefined. */
export function identifierProblem(value: string, rule: IdentifierRule = {}): string | undefined {
    if (value === "") {
        return "must not be empty";
    }
    const unsafe = unsafeCharacter(value);
    if (unsafe !== undefined) {
        return unsafe;
    }
    if (rule.max !== undefined && value.length > rule.max) {
        return `must be at most ${rule.max} characters (it has ${value.length})`;
    }
    if (rule.pattern !== undefined && !rule.pattern.test(value)) {
        return "";
    }
    return undefined;
}

/**
 * A name or ID: not empty, not blank, no whitespace, no invisible or control characters, then the
 * optional pattern and length. Every message names what is expected and shows `example`.
 */
export function identifier(what: string, example: string, rule: IdentifierRule = {}) {
    const expected = rule.rule === undefined ? what : `${what} (${rule.rule})`;
    return z
        .string()
        .superRefine((value, ctx) => {
            const problem = identifierProblem(value, rule);
            if (problem !== undefined) {
                ctx.addIssue({ code: "custom", message: problemMessage(problem, expected, example) });
            }
        })
        .meta({ expected, example });
}

/** Where a path points from: `/`-rooted, relative to something the key names, or either. */
export type PathForm = "absolute" | "relative" | "either";

/** What a path key accepts: see {@link configPath}. Kept on the schema's metadata as `pathRule`. */
export interface PathRule {
    what: string;
    example: string;
    form: PathForm;
    /** What one `/`-separated part may hold (default: any character but the ones every path refuses). */
    segment?: { pattern: RegExp; rule: string };
    /** One part only: a name prefix with no `/` (Key Vault, Secret Manager). */
    single?: boolean;
    max?: number;
    /** `..` and `.` parts allowed: a path on the deploying machine, never one inside a pod or a store. */
    allowParent?: boolean;
    /** No leading `-`: the value is passed to a command-line tool (git), where it would read as an option. */
    noLeadingDash?: boolean;
}

const WILDCARD = /[*?[]/;

function formWords(rule: PathRule): string {
    const form =
        rule.form === "absolute"
            ? "absolute, starting with '/'"
            : rule.form === "relative"
              ? rule.single === true
                  ? "one name without '/'"
                  : "relative, without leading or trailing '/'"
              : "absolute or relative";
    const refused = [
        ...(rule.allowParent === true ? [] : ["'..' or '.' parts"]),
        "empty parts",
        "wildcards",
        "backslashes",
        ...(rule.noLeadingDash === true ? ["leading '-'"] : []),
    ];
    const parts = rule.segment === undefined ? "" : `; ${rule.segment.rule}`;
    return `${form}; ${refused.map((r) => `no ${r}`).join(", ")}${parts}`;
}

/** What a path key expects, in words: "<what> (<form>; no …)". */
export function pathExpected(rule: PathRule): string {
    return `${rule.what} (${formWords(rule)})`;
}

/**
 * Why `value` is not a path under `rule`, or undefined ("" when it only breaks the part pattern).
 * Every path in the config is checked here: prefixes in buckets and secret stores, Vault mounts,
 * paths and namespaces, folders in a repository, mount paths and sub paths in pods.
 */
export function pathProblem(value: string, rule: PathRule): string | undefined {
    if (value === "") {
        return "must not be empty";
    }
    const unsafe = unsafeCharacter(value, rule.segment === undefined);
    if (unsafe !== undefined) {
        return unsafe;
    }
    const chars = Array.from(value);
    const at = (test: (ch: string) => boolean) => chars.findIndex(test) + 1;
    const backslash = at((ch) => ch === "\\");
    if (backslash > 0) {
        return `contains a backslash at character ${backslash}: paths separate parts with '/'`;
    }
    const wildcard = at((ch) => WILDCARD.test(ch));
    if (wildcard > 0) {
        return `contains the wildcard '${chars[wildcard - 1]}' at character ${wildcard}: name the path itself`;
    }
    if (rule.noLeadingDash === true && value.startsWith("-")) {
        return "starts with '-': a command-line tool would read it as an option";
    }
    if (rule.form === "absolute" && !value.startsWith("/")) {
        return "is relative: start it with '/'";
    }
    if (rule.form === "relative" && value.startsWith("/")) {
        return "starts with '/': write it relative, without the leading '/'";
    }
    if (rule.max !== undefined && chars.length > rule.max) {
        return `must be at most ${rule.max} characters (it has ${chars.length})`;
    }
    const body = rule.form === "relative" || !value.startsWith("/") ? value : value.slice(1);
    if (body === "") {
        return "is the root folder '/': name a folder below it";
    }
    const parts = body.split("/");
    if (rule.single === true && parts.length > 1) {
        return "contains '/': this is one name, not a path";
    }
    if (parts[parts.length - 1] === "") {
        return "ends with '/': drop the trailing '/'";
    }
    if (parts.includes("")) {
        return "has an empty part ('//'): separate parts with a single '/'";
    }
    if (rule.allowParent !== true) {
        if (parts.includes("..")) {
            return "has a '..' part, which would leave the folder it names";
        }
        if (parts.includes(".")) {
            return "has a '.' part: write the path without it";
        }
    }
    if (rule.segment !== undefined && !parts.every((part) => rule.segment?.pattern.test(part))) {
        return "";
    }
    return undefined;
}

/**
 * The one path primitive: a string checked by {@link pathProblem}. Its rule is kept on the schema's
 * metadata (`pathRule`), so a test can find every path key of the config and check it uses this.
 */
export function configPath(rule: PathRule) {
    const expected = pathExpected(rule);
    return z
        .string()
        .superRefine((value, ctx) => {
            const problem = pathProblem(value, rule);
            if (problem !== undefined) {
                ctx.addIssue({ code: "custom", message: problemMessage(problem, expected, rule.example) });
            }
        })
        .meta({ expected, example: rule.example, pathRule: rule });
}

/** The path rule a schema was built with by {@link configPath}, if any. */
export function pathRuleOf(meta: Record<string, unknown>): PathRule | undefined {
    const rule = meta.pathRule;
    return rule !== null && typeof rule === "object" && "form" in rule ? (rule as PathRule) : undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: what Kubernetes accepts as a namespace or as part of an object name. */
export function dnsLabel(max = 63, example = "astro-agent") {
    return identifier(`a DNS-1123 label of at most ${max} characters`, example, {
        pattern: DNS_LABEL,
        rule: "lower-case letters, digits and '-', starting and ending with a letter or digit",
        max,
    });
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1123 subdomain: what Kubernetes accepts as the name of a Secret, a claim or a storage class. */
export function dnsSubdomain(example: string) {
    return identifier("a Kubernetes object name (DNS-1123 subdomain) of at most 253 characters", example, {
        pattern: DNS_SUBDOMAIN,
        rule: "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
        max: 253,
    });
}

const CONN_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/** An Airflow connection id (never starting with '-': Git and other tools read that as an option). */
export function connectionId(example = "git_default") {
    return identifier("an Airflow connection id", example, {
        pattern: CONN_ID,
        rule: "connection ids may only contain letters, digits, '_' and '-', and may not start with '-'",
        max: 250,
    });
}

/** Characters git's ref names never hold (`git check-ref-format`, rule 4, 5 and 10; controls aside). */
const GIT_REF_FORBIDDEN = /[ ~^:?*[\\]/;

/**
 * Why `value` is not a ref git accepts (`git check-ref-format --allow-onelevel`), or undefined; also
 * refused: a leading '-' (git would read the ref as an option) and invisible characters.
 */
export function gitRefProblem(value: string): string | undefined {
    if (value === "") {
        return "must not be empty";
    }
    const unsafe = unsafeCharacter(value);
    if (unsafe !== undefined) {
        return unsafe;
    }
    if (value.startsWith("-")) {
        return "starts with '-': git would read it as an option";
    }
    if (value === "@") {
        return "is '@', which git reads as HEAD";
    }
    const chars = Array.from(value);
    const bad = chars.findIndex((ch) => GIT_REF_FORBIDDEN.test(ch));
    if (bad >= 0) {
        return `contains '${chars[bad]}' at character ${bad + 1}, which a Git ref may not hold`;
    }
    for (const sequence of ["..", "@{"]) {
        if (value.includes(sequence)) {
            return `contains '${sequence}', which a Git ref may not hold`;
        }
    }
    if (value.startsWith("/") || value.endsWith("/")) {
        return "starts or ends with '/'";
    }
    if (value.endsWith(".")) {
        return "ends with '.'";
    }
    const parts = value.split("/");
    if (parts.includes("")) {
        return "has an empty part ('//')";
    }
    if (parts.some((p) => p.startsWith("."))) {
        return "has a '/'-separated part starting with '.'";
    }
    if (parts.some((p) => p.endsWith(".lock"))) {
        return "has a '/'-separated part ending with '.lock'";
    }
    return undefined;
}

const GIT_REF_EXPECTED =
    "the branch, tag or commit to track, a ref name git accepts (git check-ref-format: no space, '..', '@{', '~', '^', ':', '?', '*', '[' or '\\', no part starting with '.' or ending with '.lock', not starting with '-' or '/', not ending with '/' or '.')";

/** A Git ref (branch, tag or commit) as git's own ref-name rules accept it, never starting with '-'. */
export const gitRef = z
    .string()
    .superRefine((value, ctx) => {
        const problem = gitRefProblem(value);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problemMessage(problem, GIT_REF_EXPECTED, "main") });
        }
    })
    .meta({ expected: GIT_REF_EXPECTED, example: "main" });

/** A whole number between `min` and `max` inclusive: every count and duration in the config is bounded. */
export function wholeNumber(min: number, max: number, example: number, unit = "") {
    const expected = `a whole number${unit === "" ? "" : ` of ${unit}`} from ${min} to ${max}`;
    const message = (iss: { input?: unknown }) =>
        `must be ${expectation(expected, example)} (got ${String(iss.input)})`;
    return z.int().min(min, { error: message }).max(max, { error: message }).meta({ expected, example });
}

/** What a URL key accepts. */
export interface UrlRule {
    /** Lower-case schemes, e.g. `["http", "https"]`. */
    schemes: readonly string[];
    what: string;
    example: string;
    /** Only `scheme://host[:port]`: no path, query or fragment (proxies). */
    originOnly?: boolean;
    /** Accept a user name (not a password), as in `ssh://git@host/…`. */
    allowUser?: boolean;
    /** Extra advice for schemes that are close but wrong here, by scheme. */
    schemeHints?: Record<string, string>;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const HOST_PORT = /^[A-Za-z0-9.-]+:[0-9]+$/;
const HOSTNAME = /^([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

/** Why `value` is not a URL under `rule`, or undefined. */
export function urlProblem(value: string, rule: UrlRule): string | undefined {
    if (value === "") {
        return "must not be empty";
    }
    const unsafe = unsafeCharacter(value);
    if (unsafe !== undefined) {
        return unsafe;
    }
    const m = SCHEME.exec(value);
    if (m === null) {
        return HOST_PORT.test(value)
            ? `has no scheme: write '${rule.schemes[0] ?? "https"}://${value}'`
            : "is not a URL (it has no scheme://)";
    }
    const scheme = (m[1] ?? "").toLowerCase();
    if (!rule.schemes.includes(scheme)) {
        return rule.schemeHints?.[scheme] ?? `uses the scheme '${scheme}'`;
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "is not a valid URL (check the host and port)";
    }
    const host = url.hostname;
    if (host === "") {
        return "has no host";
    }
    if (!(host.startsWith("[") || HOSTNAME.test(host))) {
        return `has an invalid host '${host}'`;
    }
    if (url.password !== "" || (url.username !== "" && rule.allowUser !== true)) {
        return "must not contain credentials (user:password@): they would be stored in plain text in Helm values and Pulumi state";
    }
    if (
        rule.originOnly === true &&
        ((url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "")
    ) {
        return "must be only scheme://host[:port], without a path, query or fragment";
    }
    return undefined;
}

/** A URL with one of `rule.schemes` and a real host; the value is kept exactly as written. */
export function urlString(rule: UrlRule) {
    const expected = rule.what.includes("://")
        ? rule.what
        : `${rule.what}, starting with ${rule.schemes.map((s) => `${s}://`).join(" or ")}`;
    return z
        .string()
        .superRefine((value, ctx) => {
            const problem = urlProblem(value, rule);
            if (problem !== undefined) {
                ctx.addIssue({ code: "custom", message: problemMessage(problem, expected, rule.example) });
            }
        })
        .meta({ expected, example: rule.example });
}

const CHART_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** A Helm chart name in a repository, or a full `oci://registry/path/chart` reference. */
export const helmChartName = z
    .string()
    .superRefine((value, ctx) => {
        const expected = "a chart name or an oci:// reference";
        const problem = value.toLowerCase().startsWith("oci://")
            ? urlProblem(value, {
                  schemes: ["oci"],
                  what: expected,
                  example: "oci://registry.example.com/charts/agent",
              })
            : identifierProblem(value, { pattern: CHART_NAME });
        if (problem !== undefined) {
            ctx.addIssue({
                code: "custom",
                message: problemMessage(problem, expected, "astro-remote-execution-agent"),
            });
        }
    })
    .meta({ expected: "a chart name or an oci:// reference", example: "astro-remote-execution-agent" });

const SCP_GIT = /^([A-Za-z0-9._-]+)@([^:/\s]+):(.+)$/;

/** A Git repository URL: `https://…`, `http://…`, `ssh://…` or the scp-like `git@host:org/repo.git`. */
export const gitRepoUrl = z
    .string()
    .superRefine((value, ctx) => {
        const expected = "a Git repository URL (https://…, ssh://… or git@host:org/repo.git)";
        const scp = SCP_GIT.exec(value);
        let problem: string | undefined;
        if (value.startsWith("-")) {
            problem = "starts with '-': git would read it as an option";
        } else if (scp !== null && !value.includes("://")) {
            problem =
                unsafeCharacter(value) ?? (HOSTNAME.test(scp[2] ?? "") ? undefined : `has an invalid host '${scp[2]}'`);
        } else {
            problem = urlProblem(value, {
                schemes: ["https", "http", "ssh"],
                what: expected,
                example: "https://github.com/example/dags.git",
                allowUser: true,
            });
            if (problem === undefined && /^[a-z]+:\/\/-/i.test(value)) {
                problem = "has a user name starting with '-': git (ssh) would read it as an option";
            }
        }
        if (problem !== undefined) {
            ctx.addIssue({
                code: "custom",
                message: problemMessage(problem, expected, "https://github.com/example/dags.git"),
            });
        }
    })
    .meta({
        expected: "a Git repository URL (https://…, ssh://… or git@host:org/repo.git)",
        example: "https://github.com/example/dags.git",
    });

/**
 * A name judged by a platform's own rules (`problem`, after the blank and invisible-character
 * checks every name gets); `problem` returns "" when the value simply does not match `what`.
 */
export function ruledName(what: string, example: string, problem: (value: string) => string | undefined) {
    return z
        .string()
        .superRefine((value, ctx) => {
            const found = value === "" ? "must not be empty" : (unsafeCharacter(value) ?? problem(value));
            if (found !== undefined) {
                ctx.addIssue({ code: "custom", message: problemMessage(found, what, example) });
            }
        })
        .meta({ expected: what, example });
}

/** The name part of a label or annotation key, and a label value (Kubernetes `IsQualifiedName`). */
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_KEY_RULE =
    "an optional prefix (a DNS subdomain of at most 253 characters) and '/', then a name of at most 63 letters, digits and '-_.', starting and ending with a letter or digit";

/**
 * Why `key` is not a label or annotation key (Kubernetes: `[prefix/]name`, the prefix a DNS-1123
 * subdomain of at most 253 characters, the name at most 63 of `[A-Za-z0-9-_.]`, alphanumeric at
 * both ends), or undefined.
 */
export function qualifiedNameProblem(key: string): string | undefined {
    const parts = key.split("/");
    if (parts.length > 2) {
        return "has more than one '/': write <prefix>/<name>";
    }
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined) {
        if (prefix.length > 253) {
            return `has a prefix of ${prefix.length} characters (at most 253)`;
        }
        if (!DNS_SUBDOMAIN.test(prefix)) {
            return `has the prefix '${prefix}', which is not a DNS subdomain (lower-case letters, digits, '-' and '.')`;
        }
    }
    if (name === undefined || name === "") {
        return "has no name after the prefix";
    }
    if (name.length > 63) {
        return `has a name of ${name.length} characters after the prefix (at most 63)`;
    }
    return QUALIFIED_NAME_PART.test(name) ? undefined : "";
}

/** Why `value` is not a label value (empty, or at most 63 of `[A-Za-z0-9-_.]`, alphanumeric ends). */
export function labelValueProblem(value: string): string | undefined {
    if (value.length > 63) {
        return `has ${value.length} characters (at most 63)`;
    }
    return value === "" || QUALIFIED_NAME_PART.test(value) ? undefined : "";
}

const labelKey = (what: string, example: string) =>
    ruledName(`${what} (${LABEL_KEY_RULE})`, example, qualifiedNameProblem);

/** Kubernetes labels: qualified keys, values of at most 63 characters. */
export const labelsSchema = z
    .record(
        labelKey("a Kubernetes label key", "team"),
        z
            .string()
            .superRefine((value, ctx) => {
                const problem = labelValueProblem(value);
                if (problem !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        message: problemMessage(
                            problem,
                            "a valid label value (at most 63 letters, digits and '-_.', starting and ending with a letter or digit, or empty)",
                            "data-platform",
                        ),
                    });
                }
            })
            .meta({ expected: "a label value (at most 63 characters of [A-Za-z0-9-_.])", example: "data-platform" }),
    )
    .meta({ expected: "a mapping of label keys to label values", example: { team: "data-platform" } });

/** Kubernetes' limit on the annotations of one object: keys and values together (`TotalAnnotationSizeLimitB`). */
export const MAX_ANNOTATION_BYTES = 256 * 1024;

/** The problem with annotations whose keys and values exceed {@link MAX_ANNOTATION_BYTES}, naming the largest keys. */
export function annotationSizeProblem(annotations: Record<string, unknown>): string | undefined {
    const bytes = (s: string) => new TextEncoder().encode(s).length;
    const sizes = Object.entries(annotations).map(([k, v]) => ({
        key: k,
        size: bytes(k) + (typeof v === "string" ? bytes(v) : 0),
    }));
    const total = sizes.reduce((sum, e) => sum + e.size, 0);
    if (total <= MAX_ANNOTATION_BYTES) {
        return undefined;
    }
    const largest = [...sizes]
        .sort((a, b) => b.size - a.size)
        .slice(0, 3)
        .map((e) => `'${e.key}' (${e.size} bytes)`)
        .join(", ");
    return `total ${total} bytes of keys and values, over Kubernetes' limit of ${MAX_ANNOTATION_BYTES} bytes (256 KiB) per object; the largest: ${largest}. Move large data to a ConfigMap`;
}

const annotationValue = z
    .string()
    .meta({ expected: "an annotation value (a string; quote numbers and booleans)", example: "data-team" });

/** Kubernetes annotations: qualified keys, any string value, at most 256 KiB in all. */
export const annotationsSchema = z
    .record(labelKey("a Kubernetes annotation key", "example.com/owner"), annotationValue)
    .superRefine((annotations, ctx) => {
        const problem = annotationSizeProblem(annotations);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problem });
        }
    })
    .meta({ expected: "a mapping of annotation keys to string values", example: { "example.com/owner": "data-team" } });

/**
 * Annotations whose values may come from other resources (identity annotations such as
 * `eks.amazonaws.com/role-arn` in component args): the same keys and values, each value a wiring key.
 * Declared after {@link wiring} (below) is defined: see `wiringAnnotationsSchema()`.
 */
export function wiringAnnotationsSchema() {
    return z
        .record(labelKey("a Kubernetes annotation key", "example.com/owner"), wiring(annotationValue))
        .superRefine((annotations, ctx) => {
            const problem = annotationSizeProblem(annotations);
            if (problem !== undefined) {
                ctx.addIssue({ code: "custom", message: problem });
            }
        })
        .meta({
            expected: "a mapping of annotation keys to string values",
            example: { "example.com/owner": "data-team" },
        });
}

/** A node selector: label keys to label values. */
export const nodeSelectorSchema = labelsSchema.meta({
    expected: "a mapping of node label keys to values",
    example: { "kubernetes.io/os": "linux" },
});

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One container environment variable: a plain `value` or a Kubernetes `valueFrom` reference. */
export const envVarSchema = strictObject({
    name: identifier("an environment variable name", "MY_SETTING", {
        pattern: ENV_NAME,
        rule: "letters, digits and '_', not starting with a digit",
    }),
    value: z
        .union([z.string(), z.custom<pulumi.Output<string>>((v) => pulumi.Output.isInstance(v))])
        .meta({ expected: "a string (quote numbers and booleans), or a secret", example: "1" })
        .optional(),
    valueFrom: z
        .record(z.string(), z.unknown())
        .meta({
            expected: "a Kubernetes EnvVarSource mapping",
            example: { secretKeyRef: { name: "my-secret", key: "password" } },
        })
        .optional(),
})
    .superRefine((env, ctx) => {
        if ((env.value === undefined) === (env.valueFrom === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: ["value"],
                message: "set exactly one of 'value' and 'valueFrom'",
            });
        }
    })
    .meta({ expected: "an environment variable (name and value)", example: { name: "MY_SETTING", value: "1" } });
export type EnvVar = z.output<typeof envVarSchema>;

/** A Kubernetes object passed through as is (volumes, mounts, tolerations, probes…): the API server validates it. */
export const k8sObject = z.record(z.string(), z.unknown()).meta({ expected: "a Kubernetes object (a mapping)" });
export type K8sObject = z.output<typeof k8sObject>;

/** A Kubernetes object passed through as is, with an example of its shape for messages. */
export function k8sObjectLike(what: string, example: Record<string, unknown>) {
    return z.record(z.string(), z.unknown()).meta({ expected: what, example });
}

/** A volume or volume mount: must have a `name`. */
export const namedK8sObject = z.looseObject({
    name: dnsLabel(),
});

/** A volume: must have a `name`; the rest is passed to Kubernetes as is. */
export const volumeSchema = z
    .looseObject({ name: dnsLabel(63, "scratch") })
    .meta({ expected: "a Kubernetes volume", example: { name: "scratch", emptyDir: {} } });

/**
 * A volume mount: `name` (a volume of the same component), an absolute `mountPath`, and a relative
 * `subPath` or `subPathExpr` inside the volume; the rest is passed to Kubernetes as is.
 */
export function volumeMountSchema() {
    const inside = (what: string, example: string) => configPath({ what, example, form: "relative" }).optional();
    return z
        .looseObject({
            name: dnsLabel(63, "scratch"),
            mountPath: absolutePath.describe("Where the volume is mounted in the container."),
            subPath: inside("a path inside the volume", "dags").describe(
                "Folder of the volume to mount instead of its root.",
            ),
            subPathExpr: inside("a path inside the volume, with $(VAR) references", "$(POD_NAME)").describe(
                "`subPath` with `$(VAR)` references to the container's environment.",
            ),
        })
        .meta({ expected: "a Kubernetes volume mount", example: { name: "scratch", mountPath: "/scratch" } });
}

/** A Kubernetes quantity: a non-negative number or a string such as `500m` or `1Gi`. */
export const quantitySchema = z
    .union([z.number(), z.string()])
    .superRefine((value, ctx) => {
        const parsed = parseQuantity(value);
        if (!parsed.ok) {
            ctx.addIssue({
                code: "custom",
                message: problemMessage(parsed.reason, `a Kubernetes quantity such as ${QUANTITY_EXAMPLES}`, "500m"),
            });
        }
    })
    .meta({ expected: `a Kubernetes quantity such as ${QUANTITY_EXAMPLES}`, example: "500m" });

/** A positive Kubernetes quantity written as a string (storage sizes). */
export function quantityString(example: string) {
    return z
        .string()
        .superRefine((value, ctx) => {
            const parsed = parseQuantity(value);
            const reason = !parsed.ok ? parsed.reason : parsed.value <= 0 ? "must be more than 0" : undefined;
            if (reason !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    message: problemMessage(reason, "a Kubernetes quantity such as 1Gi or 500Mi", example),
                });
            }
        })
        .meta({ expected: "a Kubernetes quantity such as 1Gi or 500Mi", example });
}

/** A container resource list (`requests`, `limits`, a LimitRange's `min`/`max`…): resource names to quantities. */
export const resourceList = (example: Record<string, string>) =>
    z
        .record(z.string(), quantitySchema)
        .superRefine((list, ctx) => {
            for (const [name, value] of Object.entries(list)) {
                const checked = checkResourceName(name, suggestKey);
                if (!checked.ok) {
                    ctx.addIssue({ code: "custom", path: [name], message: checked.reason });
                    continue;
                }
                const parsed = parseQuantity(value);
                if (checked.kind === "extended" && parsed.ok && !Number.isInteger(parsed.value)) {
                    ctx.addIssue({
                        code: "custom",
                        path: [name],
                        message: "must be a whole number: Kubernetes allocates extended resources in whole units",
                    });
                }
            }
        })
        .meta({ expected: "a mapping of resource names (cpu, memory, ephemeral-storage…) to quantities", example });

/** Container resources: requests and limits of cpu, memory, ephemeral storage, huge pages and extended resources. */
export const resourcesSchema = strictObject({
    requests: resourceList({ cpu: "500m", memory: "1Gi" }).optional(),
    limits: resourceList({ memory: "2Gi" }).optional(),
})
    .superRefine((r, ctx) => {
        // Kubernetes refuses a request above its limit.
        for (const [name, request] of Object.entries(r.requests ?? {})) {
            const limit = r.limits?.[name];
            if (limit === undefined) {
                continue;
            }
            const req = parseQuantity(request);
            const lim = parseQuantity(limit);
            if (req.ok && lim.ok && req.value > lim.value) {
                ctx.addIssue({
                    code: "custom",
                    path: ["requests", name],
                    message: `must not exceed limits.${name} (${String(limit)}); Kubernetes refuses a request above its limit`,
                });
            }
        }
    })
    .meta({
        expected: "container requests and limits",
        example: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
    });
export type Resources = z.output<typeof resourcesSchema>;

export { parseImageRef };

const IMAGE_EXAMPLE = "registry.example.com/team/agent:1.7.1";

/** A container image pinned by tag or digest; `latest` is refused. */
export const imageRef = requiredString(
    "a pinned image reference such as registry/repository:tag",
    IMAGE_EXAMPLE,
).superRefine((ref, ctx) => {
    const parsed = parseImageRef(ref);
    const unsafe = unsafeCharacter(ref);
    if (unsafe !== undefined || parsed === undefined) {
        ctx.addIssue({
            code: "custom",
            message: problemMessage(
                unsafe ?? "is not a valid image reference",
                "a pinned image reference registry/repository:tag",
                IMAGE_EXAMPLE,
            ),
        });
    } else {
        const unpinned = unpinnedImageProblem(parsed);
        if (unpinned !== undefined) {
            ctx.addIssue({ code: "custom", message: unpinned });
        }
    }
});

function isInputOutput(v: unknown): v is pulumi.Output<string> {
    return pulumi.Output.isInstance(v);
}

declare const wiringBrand: unique symbol;
/**
 * The parsed form of a wiring key given as an Output: an Output with a type-only brand, so the types
 * tell it from a secret Output (which must stay one) and {@link Resolved} can unwrap exactly these.
 */
export type WiringOutput<T> = pulumi.Output<T> & { readonly [wiringBrand]: true };

/** A parsed wiring key: the plain value, or the Output given for it. */
export type Wired<T> = T | WiringOutput<T>;

/** A parsed config with every wiring Output resolved to its value (secret Outputs stay Outputs). */
export type Resolved<T> =
    T extends WiringOutput<infer U>
        ? U
        : T extends pulumi.Output<unknown>
          ? T
          : T extends readonly (infer E)[]
            ? Resolved<E>[]
            : T extends object
              ? { [K in keyof T]: Resolved<T[K]> }
              : T;

/** The schema each deferred value (a wiring key given as an Output or promise) must meet once it resolves. */
const deferredSchemas = new WeakMap<pulumi.Output<unknown>, z.ZodType>();

/** Values shape-only checks may use for a wiring key while its Output is unknown (else its example). */
const standIns = new WeakMap<z.ZodType, string>();

/** The stand-in {@link wiring} was given for the key checked by `schema`, if any. */
export function wiringStandInOf(schema: z.ZodType): string | undefined {
    return standIns.get(schema);
}

/** The schema a wiring Output of a parsed config must meet when it resolves (undefined: not a wiring value). */
export function deferredSchemaOf(value: unknown): z.ZodType | undefined {
    return pulumi.Output.isInstance(value) ? deferredSchemas.get(value) : undefined;
}

function isDeferrable(v: unknown): v is pulumi.Output<unknown> | Promise<unknown> {
    return pulumi.Output.isInstance(v) || v instanceof Promise;
}

/**
 * A key where resources meet: in stack config a plain value checked by `inner`; in component args it
 * may also be a `pulumi.Output` (or a promise), e.g. `ns.metadata.name` or a StackReference output.
 * A plain value is checked at construction exactly as `inner` checks it; an Output is kept as an
 * Output (the preview shows the plan with the value unknown) and checked by `inner` when it resolves
 * (see config/wiring.ts), failing the resources that use it with a message naming the key.
 */
export function wiring<T extends z.ZodType<string, string>>(inner: T, options: { standIn?: string } = {}) {
    const deferred = z
        .custom<pulumi.Output<z.output<T>> | Promise<z.output<T>>>(isDeferrable)
        .transform((v): WiringOutput<z.output<T>> => {
            const out = pulumi.output(v) as WiringOutput<z.output<T>>;
            deferredSchemas.set(out, inner);
            return out;
        });
    // The plain branch first: a wrong plain value gets exactly the message `inner` gives.
    if (options.standIn !== undefined) {
        standIns.set(inner, options.standIn);
    }
    return z.union([inner, deferred]).meta({ ...(inner.meta() ?? {}), wiring: true });
}

/**
 * A secret value. In stack config it is a string set with `pulumi config set --secret`; in component
 * args it may also be a `pulumi.Output<string>`. Either way the parsed value is a secret Output, so
 * nothing downstream can use it in plain text.
 */
export function secretString() {
    return z
        .union([z.string().min(1, "must not be empty"), z.custom<pulumi.Output<string>>(isInputOutput)], {
            error: (iss) =>
                iss.input === undefined
                    ? "is required: a secret, set with pulumi config set --secret"
                    : "must be a non-empty secret string",
        })
        .transform((v): pulumi.Output<string> => pulumi.secret(v))
        .meta({ secret: true, expected: "a secret string, set with pulumi config set --secret", example: "<secret>" });
}

/** An absolute POSIX path in a container (mount paths, files the agent reads). */
export const absolutePath = configPath({
    what: "an absolute path",
    example: "/usr/local/airflow/dags",
    form: "absolute",
});

/** A Python dotted class path such as `airflow.secrets.local_filesystem.LocalFilesystemBackend`. */
export const pythonClassPath = identifier(
    "a dotted Python class path",
    "airflow.secrets.local_filesystem.LocalFilesystemBackend",
    { pattern: /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/ },
);
