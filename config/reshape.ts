// Reshapes of a stack: single cluster ↔ `clusters`, a renamed cluster, a cluster removed. Each moves
// resources in the tree (new URNs), which the engine would plan as a create of every object plus a
// delete of the old ones — and with the provider's upsert adopting the live objects, the delete then
// removes the objects the new URNs point at too. The components carry aliases for every move they can
// name (components/agentFleet.ts, the program for fleet → single); what is judged here, against what
// the stack's last update deployed (its outputs), is what no alias can cover: a cluster the config no
// longer lists. In prod that is refused with the steps to take; in dev it is a warning.
import type { ConfigProblem } from "./errors";

/** What the stack's last update deployed, read from its outputs (program/reshape.ts). */
export type PreviousShape = { kind: "none" } | { kind: "single" } | { kind: "fleet"; clusters: string[] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The shape of the last update from the stack's outputs: a fleet exports `clusters` (by cluster
 * name), a single-cluster stack `releaseName`; a stack never deployed (or deployed by something else)
 * has neither.
 */
export function previousShapeOf(outputs: Record<string, unknown> | undefined): PreviousShape {
    if (outputs === undefined) {
        return { kind: "none" };
    }
    if (isPlainObject(outputs.clusters)) {
        return { kind: "fleet", clusters: Object.keys(outputs.clusters).sort() };
    }
    return typeof outputs.releaseName === "string" ? { kind: "single" } : { kind: "none" };
}

/** The part of the config a reshape is judged on. */
export interface ReshapeConfig {
    environment: "dev" | "prod";
    clusters?: { name: string; formerName?: string | undefined }[] | undefined;
    removeClusters?: string[] | undefined;
}

/** What the program does about a reshape. */
export interface ReshapePlan {
    /**
     * Without `clusters`: the cluster of the previous fleet whose objects the single-cluster agent takes
     * over (aliases), when there is exactly one left to take over.
     */
    singleFromCluster?: string;
    /** Refusals (prod): nothing is created. */
    problems: ConfigProblem[];
    /** The same findings in dev, where the change goes ahead. */
    warnings: string[];
}

const list = (names: readonly string[]) => names.map((n) => `'${n}'`).join(", ");

/**
 * What a config change does to the clusters the last update deployed. Static rules (a `formerName`
 * colliding with a current name, `removeClusters` naming a listed cluster) are config rules
 * (config/rules/reshape.ts); this judges the config against the previous outputs.
 */
export function reshapePlan(previous: PreviousShape, cfg: ReshapeConfig): ReshapePlan {
    const findings: ConfigProblem[] = [];
    let singleFromCluster: string | undefined;
    if (previous.kind === "fleet") {
        const removed = new Set(cfg.removeClusters ?? []);
        const kept = previous.clusters.filter((c) => !removed.has(c));
        if (cfg.clusters === undefined) {
            if (kept.length === 1) {
                singleFromCluster = kept[0];
            } else if (kept.length > 1) {
                const [first = "primary", ...others] = kept;
                findings.push({
                    key: "clusters",
                    message: `is unset, but this stack's last update deployed clusters ${list(kept)}: a single-cluster stack takes over one cluster's objects, and the others' release, Secrets, ServiceAccounts and cloud identity would be deleted. Keep the fleet (a one-entry clusters list works as before), or say which clusters go: removeClusters: [${others.join(", ")}] keeps '${first}' (its objects move to the single-cluster names in place) and deletes the others' (namespaces and data stores are retained in prod)`,
                });
            }
        } else {
            const listed = new Set(
                cfg.clusters.flatMap((c) => [c.name, ...(c.formerName === undefined ? [] : [c.formerName])]),
            );
            const dropped = kept.filter((c) => !listed.has(c));
            if (dropped.length > 0) {
                findings.push({
                    key: "clusters",
                    message: `no longer lists ${dropped.length === 1 ? "cluster" : "clusters"} ${list(dropped)}, deployed by this stack's last update: ${dropped.length === 1 ? "its" : "their"} release, Secrets, ServiceAccounts and cloud identity would be deleted (namespaces and data stores are retained in prod). If you renamed a cluster, set formerName on its entry, for example clusters[0].formerName: ${dropped[0] ?? "dr"} (its objects are kept); to remove ${dropped.length === 1 ? "it" : "them"}, list ${dropped.length === 1 ? "it" : "them"} in removeClusters, for example removeClusters: [${dropped.join(", ")}]; to keep ${dropped.length === 1 ? "it" : "them"}, restore the entry`,
                });
            }
        }
    }
    if (cfg.environment === "prod") {
        return { ...(singleFromCluster === undefined ? {} : { singleFromCluster }), problems: findings, warnings: [] };
    }
    return {
        ...(singleFromCluster === undefined ? {} : { singleFromCluster }),
        problems: [],
        warnings: findings.map((f) => `${f.key}: ${f.message} (dev: going ahead; prod refuses this)`),
    };
}

/** Reports a problem at a config path (from the root). */
type Issue = (path: (string | number)[], message: string) => void;

/**
 * Static rules of the reshape keys: a `formerName` must not be a name in use (two resources would
 * claim one set of objects), and `removeClusters` must not name a cluster that is still listed.
 */
export function checkReshapeKeys(cfg: ReshapeConfig, issue: Issue): void {
    const clusters = cfg.clusters ?? [];
    const names = new Map(clusters.map((c, i) => [c.name, i]));
    const formers = new Map<string, number>();
    clusters.forEach((c, i) => {
        if (c.formerName === undefined) {
            return;
        }
        const named = names.get(c.formerName);
        const earlier = formers.get(c.formerName);
        if (named !== undefined) {
            issue(
                ["clusters", i, "formerName"],
                named === i
                    ? `is this entry's own name; set formerName only on a renamed cluster, to the name it had, for example name: ${c.name}-east, formerName: ${c.name}`
                    : `'${c.formerName}' is clusters[${named}].name: a renamed cluster's old name must not be in use, for example formerName: ${c.formerName}-old`,
            );
        } else if (earlier !== undefined) {
            issue(
                ["clusters", i, "formerName"],
                `duplicates clusters[${earlier}].formerName '${c.formerName}': one cluster's objects can move to one entry only; remove one of them`,
            );
        } else {
            formers.set(c.formerName, i);
        }
    });
    (cfg.removeClusters ?? []).forEach((name, j) => {
        const at = names.get(name);
        if (at !== undefined) {
            issue(
                ["removeClusters", j],
                `'${name}' is still listed as clusters[${at}]: removeClusters names clusters the config no longer lists; remove the entry from clusters, or '${name}' from removeClusters`,
            );
        }
    });
}
