// Prod weakenings and their acknowledgement: every setting that weakens a prod stack has a risk id; in
// prod it is refused unless `acceptRisks` names that id (dev warns). The program's own risks are
// here, each backend declares its own (backends/*/risks.ts), and the enum of `acceptRisks` is their union.
import { backendFor, backends } from "../backends/registry";
import type { RiskDefinition, Weakening } from "../backends/types";
import { isPlainHttp } from "../backends/shared/risks";
import { floatingTagProblem, parseImageRef } from "../schema/pins";
import { backendMembers } from "./clusters";
import { formatPath } from "./errors";
import { podComponents } from "./rules/parts";
import type { Issue } from "./rules/rule";
import type { ParsedConfigShape } from "./schema";

export type { RiskDefinition, Weakening };

/** Risks of settings outside `backend`. */
export const PROGRAM_RISKS: readonly RiskDefinition[] = [
    {
        id: "unrestrictedPods",
        allows: "`restricted: false`: the namespace enforces the Pod Security Standard `baseline` instead of `restricted`, and the pods run without the restricted security contexts",
        why: "a compromised task can run as root, keep Linux capabilities and escalate privileges on the node",
    },
    {
        id: "plainHttpChartRepo",
        allows: "`chart.repo` with `http://`",
        why: "the chart, which decides every object the release creates, is fetched in clear text and unauthenticated, so anyone on the path can replace it",
    },
    {
        id: "floatingImageTag",
        allows: "an image without a digest whose tag names no full `major.minor.patch` version (`main`, `stable`, `3`, `3.1`), in any image key",
        why: "what runs changes without a config change: untested images, and pods of one stack running different code",
    },
];

/** Every risk id, once: the program's, then each backend's (an id two backends share has one definition). */
export const RISKS: readonly RiskDefinition[] = (() => {
    const byId = new Map<string, RiskDefinition>();
    for (const r of [...PROGRAM_RISKS, ...backends.flatMap((b) => b.risks ?? [])]) {
        const seen = byId.get(r.id);
        if (seen !== undefined && (seen.allows !== r.allows || seen.why !== r.why)) {
            throw new Error(`risk '${r.id}' is defined twice with different texts`);
        }
        byId.set(r.id, r);
    }
    return [...byId.values()];
})();

/** The `acceptRisks` enum values. */
export const RISK_IDS = RISKS.map((r) => r.id) as [string, ...string[]];

/** The image keys of a config with their values (Outputs skipped: checked when they resolve). */
function imageKeys(cfg: ParsedConfigShape): { path: (string | number)[]; ref: string }[] {
    const out: { path: (string | number)[]; ref: unknown }[] = [{ path: ["image"], ref: cfg.image }];
    for (const { path, c } of podComponents(cfg)) {
        out.push({ path: [...path, "image"], ref: (c as { image?: unknown }).image });
        for (const list of ["initContainers", "extraContainers"] as const) {
            (c[list] ?? []).forEach((ct, j) => out.push({ path: [...path, list, j, "image"], ref: ct.image }));
        }
    }
    if (cfg.loggingSidecar.enabled) {
        out.push({ path: ["loggingSidecar", "image"], ref: cfg.loggingSidecar.image });
    }
    return out.filter((i): i is { path: (string | number)[]; ref: string } => typeof i.ref === "string");
}

/** The weakenings outside `backend`. */
function programWeakenings(cfg: ParsedConfigShape): Weakening[] {
    const found: Weakening[] = [];
    if (!cfg.restricted) {
        found.push({
            risk: "unrestrictedPods",
            path: ["restricted"],
            found: "is false: the namespace enforces only the Pod Security Standard 'baseline'",
            safer: "set restricted: true",
        });
    }
    if (isPlainHttp(cfg.chart.repo)) {
        found.push({
            risk: "plainHttpChartRepo",
            path: ["chart", "repo"],
            found: "uses http://: the chart is fetched in clear text",
            safer: "use an https:// repository, an oci:// chart.name or a local chart.path",
        });
    }
    for (const { path, ref } of imageKeys(cfg)) {
        const parsed = parseImageRef(ref);
        const problem = parsed === undefined ? undefined : floatingTagProblem(parsed);
        if (problem !== undefined) {
            found.push({
                risk: "floatingImageTag",
                path,
                found: problem,
                safer: "pin a tag with the full version (for example ':1.7.1') or a digest ('@sha256:…')",
            });
        }
    }
    return found;
}

/**
 * Every weakening present in a config: the program's, then the backend's (of the shared `backend`, or
 * of each cluster's merged one, reported where that cluster's value comes from).
 */
export function presentWeakenings(cfg: ParsedConfigShape): Weakening[] {
    const found = programWeakenings(cfg);
    const backend = backendFor(cfg.backend.kind);
    // backendMembers reports through one Issue: route each weakening through its member to get its key.
    let sink: Issue = () => undefined;
    const members = backendMembers(cfg, (path, message) => {
        sink(path, message);
    });
    for (const member of members) {
        for (const w of backend.weakenings?.(member.backend) ?? []) {
            let routed: Weakening = w;
            sink = (path, message) => {
                routed = { ...w, path, found: message };
            };
            member.report(w.path, w.found);
            sink = () => undefined;
            found.push(routed);
        }
    }
    return found;
}

function acknowledge(risk: string): string {
    return `acceptRisks: [${risk}]`;
}

/** The prod refusals: each present weakening whose risk `acceptRisks` does not name. */
export function checkRisks(cfg: ParsedConfigShape, issue: Issue): void {
    cfg.acceptRisks.forEach((risk, i) => {
        const first = cfg.acceptRisks.indexOf(risk);
        if (first !== i) {
            issue(["acceptRisks", i], `repeats acceptRisks[${first}] '${risk}'; list each risk once`);
        }
    });
    if (cfg.environment !== "prod") {
        return;
    }
    const accepted = new Set(cfg.acceptRisks);
    for (const w of presentWeakenings(cfg)) {
        if (!accepted.has(w.risk)) {
            issue(
                w.path,
                `${w.found}; refused in prod (risk '${w.risk}'): ${w.safer}, or acknowledge the risk with ${acknowledge(w.risk)}`,
            );
        }
    }
}

/** Warnings: weakenings in dev that prod would refuse, and `acceptRisks` entries matching nothing present. */
export function riskWarnings(cfg: ParsedConfigShape): string[] {
    const present = presentWeakenings(cfg);
    const accepted = new Set(cfg.acceptRisks);
    const warnings: string[] = [];
    if (cfg.environment === "dev") {
        for (const w of present.filter((p) => !accepted.has(p.risk))) {
            warnings.push(
                `${formatPath(w.path)}: ${w.found}; allowed in dev, refused in prod (risk '${w.risk}'): ${w.safer}, or acknowledge it with ${acknowledge(w.risk)}`,
            );
        }
    }
    const risks = new Set(present.map((w) => w.risk));
    cfg.acceptRisks.forEach((risk, i) => {
        if (!risks.has(risk) && cfg.acceptRisks.indexOf(risk) === i) {
            warnings.push(
                `acceptRisks[${i}]: '${risk}' matches nothing in this config (a stale acknowledgement); remove it`,
            );
        }
    });
    return warnings;
}

/** The acknowledged risks that are present, each with the keys that take it (for render, preview summaries, the policy pack). */
export function acceptedRisks(cfg: ParsedConfigShape): { risk: string; keys: string[] }[] {
    const present = presentWeakenings(cfg);
    return cfg.acceptRisks
        .filter((risk, i) => cfg.acceptRisks.indexOf(risk) === i)
        .map((risk) => ({
            risk,
            keys: present.filter((w) => w.risk === risk).map((w) => formatPath(w.path)),
        }))
        .filter((r) => r.keys.length > 0);
}

/** Markdown for the config reference: each `acceptRisks` value, what it allows and why it is risky. */
export function risksMarkdown(): string {
    return [
        "Risks (`acceptRisks`): in prod each of these settings is refused unless the stack lists its id in `acceptRisks`; in dev it warns. An id listed but not taken warns (stale acknowledgement). Accepted risks are printed by `npm run render` and `npm run preview:summary`, recorded in the Helm release's description and reported by the policy pack as advisory.",
        "",
        "| risk | allows | why it is risky |",
        "|---|---|---|",
        ...RISKS.map((r) => `| \`${r.id}\` | ${r.allows.replace(/\|/g, "\\|")} | ${r.why.replace(/\|/g, "\\|")} |`),
    ].join("\n");
}
