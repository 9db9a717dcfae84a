// `pulumi preview --json` → the short Markdown a reviewer reads on the pull request: what is created,
// updated, replaced and deleted (data stores first), the policy violations, and the chart values diff.
// Reads both JSON forms the CLI writes: the digest (`--json`: one document with `steps`; it carries no
// policy events) and the event stream (`--json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true: one
// engine event per line, policy violations included). Nothing secret is printed: values the engine
// marks secret, and anything the shared credential detector flags, are masked.
import { findCredentials } from "../../config/credentials";
import { DATA_STORES } from "../../policy/rules/dataStores";
import { parseAcceptedRisks, type AcceptedRisk } from "../../schema/riskRecord";

/** The operations a reviewer cares about (a replacement's create/delete halves fold into `replace`). */
export type ChangeOp = "create" | "update" | "replace" | "delete";

/** One resource that changes. */
export interface Change {
    op: ChangeOp;
    urn: string;
    type: string;
    name: string;
    /** Properties that force the replacement (replace) or differ (update). */
    reasons: string[];
    oldInputs?: Record<string, unknown>;
    newInputs?: Record<string, unknown>;
}

/** One policy violation, as the engine reported it. */
export interface Violation {
    policy: string;
    pack: string;
    level: string;
    severity?: string;
    urn?: string;
    message: string;
}

/**
 * What a preview would do to provider-managed resources (components, the stack and providers are
 * bookkeeping, not listed). `violations` is undefined when the input cannot carry them (the digest).
 */
export interface PreviewReport {
    changes: Change[];
    violations: Violation[] | undefined;
    errors: string[];
    /** The prod risks the stack acknowledges, as recorded on its Helm release (changed or not). */
    acceptedRisks?: AcceptedRisk[];
}

/** The engine's placeholder for a value known only after the update. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** `urn:pulumi:<stack>::<project>::<types>::<name>` → [own type, name]. */
export function typeAndName(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const chain = (parts[2] ?? "").split("$");
    return { type: chain[chain.length - 1] ?? "", name: parts.slice(3).join("::") };
}

const RANK: Record<ChangeOp, number> = { create: 1, update: 2, delete: 3, replace: 4 };

/** The reviewer's op for an engine step op, or undefined for no change. */
function reviewOp(op: string): ChangeOp | undefined {
    switch (op) {
        case "create":
        case "import":
            return "create";
        case "update":
            return "update";
        case "replace":
        case "create-replacement":
        case "delete-replaced":
        case "discard-replaced":
            return "replace";
        case "delete":
        case "discard":
            return "delete";
        default:
            return undefined;
    }
}

interface Step {
    op: string;
    urn: string;
    /** The provider reference; empty for components and the stack. */
    provider: string;
    type?: string | undefined;
    reasons: string[];
    oldInputs?: Json | undefined;
    newInputs?: Json | undefined;
}

/** The accepted risks recorded on the Helm releases of the steps (after the preview; unchanged releases included). */
function acceptedRisksOf(steps: Step[]): AcceptedRisk[] {
    const seen = new Map<string, AcceptedRisk>();
    for (const s of steps) {
        if ((s.type ?? typeAndName(s.urn).type) === HELM_RELEASE && s.newInputs !== undefined) {
            for (const a of parseAcceptedRisks(s.newInputs.description)) {
                seen.set(`${a.risk}\0${a.keys.join(",")}`, a);
            }
        }
    }
    return [...seen.values()];
}

/** Folds the engine's steps (several per replaced resource) into one change per resource, in order. */
function fold(steps: Step[]): Change[] {
    const byUrn = new Map<string, Change>();
    for (const s of steps) {
        const op = reviewOp(s.op);
        if (op === undefined || s.provider === "" || typeAndName(s.urn).type.startsWith("pulumi:")) {
            continue;
        }
        const { type, name } = typeAndName(s.urn);
        const prev = byUrn.get(s.urn);
        const next: Change = {
            op: prev !== undefined && RANK[prev.op] > RANK[op] ? prev.op : op,
            urn: s.urn,
            type: s.type ?? type,
            name,
            reasons: [...new Set([...(prev?.reasons ?? []), ...s.reasons])],
            ...((s.oldInputs ?? prev?.oldInputs) === undefined ? {} : { oldInputs: s.oldInputs ?? prev?.oldInputs }),
            ...((s.newInputs ?? prev?.newInputs) === undefined ? {} : { newInputs: s.newInputs ?? prev?.newInputs }),
        };
        byUrn.set(s.urn, next);
    }
    return [...byUrn.values()];
}

/** Parses the output of `pulumi preview --json`, in either form. */
export function parsePreviewOutput(text: string): PreviewReport {
    const trimmed = text.trim();
    if (trimmed === "") {
        throw new Error("empty preview output: expected the JSON of `pulumi preview --json`");
    }
    // The digest is one pretty-printed document; the stream is one event per line.
    let digest: Json | undefined;
    try {
        digest = obj(JSON.parse(trimmed));
    } catch {
        digest = undefined;
    }
    if (digest !== undefined && !("sequence" in digest)) {
        return parseDigest(digest);
    }
    return parseStream(trimmed.split("\n").filter((l) => l.trim() !== ""));
}

function parseDigest(d: Json): PreviewReport {
    const steps: Step[] = (Array.isArray(d.steps) ? d.steps : []).map((raw) => {
        const s = obj(raw) ?? {};
        const oldState = obj(s.oldState);
        const newState = obj(s.newState);
        return {
            op: String(s.op),
            urn: String(s.urn),
            provider: typeof s.provider === "string" ? s.provider : "",
            type: typeof newState?.type === "string" ? newState.type : undefined,
            reasons: strings(s.replaceReasons).length > 0 ? strings(s.replaceReasons) : strings(s.diffReasons),
            oldInputs: obj(oldState?.inputs),
            newInputs: obj(newState?.inputs),
        };
    });
    const errors = (Array.isArray(d.diagnostics) ? d.diagnostics : [])
        .map(obj)
        .filter((x) => x?.severity === "error")
        .map((x) => (typeof x?.message === "string" ? x.message : "").trim());
    return { changes: fold(steps), violations: undefined, errors, acceptedRisks: acceptedRisksOf(steps) };
}

function parseStream(lines: string[]): PreviewReport {
    const steps: Step[] = [];
    const violations: Violation[] = [];
    const errors: string[] = [];
    for (const [i, line] of lines.entries()) {
        let event: Json | undefined;
        try {
            event = obj(JSON.parse(line));
        } catch {
            throw new Error(`preview output line ${i + 1} is not JSON: ${line.slice(0, 80)}`);
        }
        const pre = obj(obj(event?.resourcePreEvent)?.metadata);
        if (pre !== undefined) {
            const keys = strings(pre.keys);
            steps.push({
                op: String(pre.op),
                urn: String(pre.urn),
                provider: typeof pre.provider === "string" ? pre.provider : "",
                type: typeof pre.type === "string" ? pre.type : undefined,
                reasons: keys.length > 0 ? keys : strings(pre.diffs),
                oldInputs: obj(obj(pre.old)?.inputs),
                newInputs: obj(obj(pre.new)?.inputs),
            });
        }
        const policy = obj(event?.policyEvent);
        if (policy !== undefined) {
            violations.push({
                policy: String(policy.policyName),
                pack: `${String(policy.policyPackName)}@${String(policy.policyPackVersion)}`,
                level: String(policy.enforcementLevel),
                ...(typeof policy.severity === "string" ? { severity: policy.severity } : {}),
                ...(typeof policy.resourceUrn === "string" ? { urn: policy.resourceUrn } : {}),
                message: String(policy.message).trim(),
            });
        }
        const diag = obj(event?.diagnosticEvent);
        if (diag?.severity === "error" && diag.ephemeral !== true) {
            errors.push(`${typeof diag.prefix === "string" ? diag.prefix : ""}${String(diag.message)}`.trim());
        }
    }
    return { changes: fold(steps), violations, errors, acceptedRisks: acceptedRisksOf(steps) };
}

/** One changed chart value: its path, and the value before and after (undefined = absent). */
export interface ValueChange {
    path: string;
    before: unknown;
    after: unknown;
}

const isSecretValue = (v: unknown) => obj(v)?.[SECRET_SIG_KEY] !== undefined || v === "[secret]";

/** Leaf-level differences between two value trees; added or removed subtrees are reported whole. */
export function diffValues(before: unknown, after: unknown, path = ""): ValueChange[] {
    if (isSecretValue(before) || isSecretValue(after)) {
        return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
    }
    const a = obj(before);
    const b = obj(after);
    if (a !== undefined && b !== undefined) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((k) => diffValues(a[k], b[k], path === "" ? k : `${path}.${k}`));
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        const n = Math.max(before.length, after.length);
        return Array.from({ length: n }, (_, i) => diffValues(before[i], after[i], `${path}[${i}]`)).flat();
    }
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}

/** Backticked code for a table cell: no backticks or pipes inside, at most `max` characters. */
function code(text: string, max = 60): string {
    const clean = text.replace(/[`|\n\r]/g, " ");
    return `\`${clean.length > max ? `${clean.slice(0, max - 1)}…` : clean}\``;
}

/** How a chart value is shown: masked when secret or credential-shaped, `(known after apply)` when unknown. */
export function showValue(path: string, v: unknown): string {
    if (v === undefined) {
        return "(absent)";
    }
    if (isSecretValue(v)) {
        return "[secret]";
    }
    if (v === UNKNOWN) {
        return "(known after apply)";
    }
    const key =
        path
            .replace(/\[\d+\]$/, "")
            .split(".")
            .pop() ?? "";
    const found = findCredentials(v, key === "" ? [] : [key]);
    if (found.length > 0) {
        return `[masked: ${found[0]?.kind ?? "credential"}]`;
    }
    return code(typeof v === "string" ? v : JSON.stringify(v));
}

/** The kind of data store a change touches, or undefined. */
function dataStoreKind(c: Change): string | undefined {
    return DATA_STORES.get(c.type)?.what;
}

/** The store's own name (bucket, Kubernetes name) before and after, when it has one. */
function storeName(inputs: Json | undefined): string | undefined {
    const v = inputs?.bucket ?? obj(inputs?.metadata)?.name;
    return typeof v === "string" ? v : undefined;
}

export interface RenderOptions {
    stack: string;
    /** Table rows at most, per table. */
    maxRows?: number;
}

const WORDS: Record<ChangeOp, string> = {
    create: "to create",
    update: "to update",
    replace: "to replace",
    delete: "to delete",
};
const ORDER: ChangeOp[] = ["delete", "replace", "update", "create"];

/** The Markdown summary of a preview. */
export function renderSummary(report: PreviewReport, opts: RenderOptions): string {
    const maxRows = opts.maxRows ?? 30;
    const out: string[] = [];
    const counts = ORDER.map((op) => [op, report.changes.filter((c) => c.op === op).length] as const).filter(
        ([, n]) => n > 0,
    );
    const mandatory = (report.violations ?? []).filter((v) => v.level === "mandatory").length;
    const status =
        mandatory > 0 || report.errors.length > 0 ? "❌" : (report.violations ?? []).length > 0 ? "⚠️" : "✅";
    const totals = counts.length === 0 ? "no changes" : counts.map(([op, n]) => `${n} ${WORDS[op]}`).join(", ");
    out.push(`### ${status} \`pulumi preview\` of stack \`${opts.stack}\`: ${totals}`, "");
    const accepted = report.acceptedRisks ?? [];
    if (accepted.length > 0) {
        out.push(
            `**Accepted prod risks** (\`acceptRisks\`, ${accepted.length}): ${accepted
                .map((a) => `${code(a.risk)} (${a.keys.map((k) => code(k)).join(", ")})`)
                .join("; ")}`,
            "",
        );
    }

    const stores = report.changes.filter((c) => (c.op === "replace" || c.op === "delete") && dataStoreKind(c));
    if (stores.length > 0) {
        out.push("**Data stores replaced or deleted** (their contents go with them unless retained):", "");
        for (const c of stores) {
            const before = storeName(c.oldInputs);
            const after = storeName(c.newInputs);
            const rename = c.op === "replace" && before !== undefined && after !== undefined && before !== after;
            const label = rename ? `${code(before)} → ${code(after)}` : code(before ?? c.name);
            const why = c.reasons.length > 0 ? ` (${c.reasons.join(", ")})` : "";
            out.push(`- ⚠️ **${c.op}** ${dataStoreKind(c) ?? ""} ${label} — ${code(c.type)} ${code(c.name)}${why}`);
        }
        out.push("");
    }

    const changes = [...report.changes].sort((a, b) => ORDER.indexOf(a.op) - ORDER.indexOf(b.op));
    if (changes.length > 0) {
        out.push("| change | resource | type | why |", "| --- | --- | --- | --- |");
        for (const c of changes.slice(0, maxRows)) {
            out.push(`| ${c.op} | ${code(c.name)} | ${code(c.type)} | ${c.reasons.map((r) => code(r)).join(" ")} |`);
        }
        if (changes.length > maxRows) {
            out.push(`| … | ${changes.length - maxRows} more | | |`);
        }
        out.push("");
    }

    if (report.violations === undefined) {
        out.push(
            "**Policy violations**: not in this input (the `--json` digest drops policy events; use the event stream, `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`).",
            "",
        );
    } else if (report.violations.length === 0) {
        out.push("**Policy violations**: none.", "");
    } else {
        out.push(`**Policy violations** (${report.violations.length}):`, "");
        for (const v of report.violations) {
            const where =
                v.urn === undefined ? "" : ` on ${code(typeAndName(v.urn).type)} ${code(typeAndName(v.urn).name)}`;
            const lines = v.message.split("\n").filter((l) => l.trim() !== "");
            out.push(
                `- ${v.level === "mandatory" ? "❌" : "⚠️"} ${v.level} \`${v.policy}\`${where}: ${lines.join(" — ")}`,
            );
        }
        out.push("");
    }

    for (const c of report.changes.filter((x) => x.type === HELM_RELEASE)) {
        const diff =
            c.op === "update" || c.op === "replace" ? diffValues(c.oldInputs?.values, c.newInputs?.values) : [];
        if (diff.length === 0) {
            continue;
        }
        out.push(
            `**Chart values** of ${code(c.name)} (${diff.length} changed):`,
            "",
            "| value | before | after |",
            "| --- | --- | --- |",
        );
        for (const d of diff.slice(0, maxRows)) {
            out.push(`| ${code(d.path)} | ${showValue(d.path, d.before)} | ${showValue(d.path, d.after)} |`);
        }
        if (diff.length > maxRows) {
            out.push(`| … ${diff.length - maxRows} more | | |`);
        }
        out.push("");
    }

    if (report.errors.length > 0) {
        out.push("**Errors**:", "", ...report.errors.map((e) => `- ${e.split("\n")[0] ?? ""}`), "");
    }
    return `${out.join("\n").trimEnd()}\n`;
}
