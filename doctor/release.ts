// Helm's record of a release, read from its release Secrets (`sh.helm.release.v1.<name>.v<N>`, labels
// owner=helm, name, status, version) as metadata only: a Secret's data never leaves the API server.
// A release whose newest revision is pending-* is stuck: an install, upgrade or rollback was cut off (a
// killed `pulumi up`, an API server outage) and every later install or upgrade fails with "cannot
// re-use a name that is still in use" / "another operation is in progress". `planRecovery` says which
// Secrets to delete so that Helm sees the release as `helm rollback` would leave it.
import type { KubeReader, KubeWriter } from "./kube";

/** Helm's statuses of an operation that never finished. */
export const PENDING_STATUSES: ReadonlySet<string> = new Set([
    "pending-install",
    "pending-upgrade",
    "pending-rollback",
]);

/** One revision of a release: its Secret's identity and Helm's labels. */
export interface ReleaseRevision {
    /** The Secret's name, `sh.helm.release.v1.<release>.v<revision>`. */
    secret: string;
    uid: string;
    resourceVersion: string;
    revision: number;
    status: string;
}

interface PartialMeta {
    metadata?: { name?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> };
}

/** The revisions of `release` among Secrets' metadata (other releases' and non-Helm Secrets left out), oldest first. */
export function releaseRevisions(items: readonly PartialMeta[], release: string): ReleaseRevision[] {
    const out: ReleaseRevision[] = [];
    for (const item of items) {
        const m = item.metadata;
        const labels = m?.labels ?? {};
        const revision = Number(labels.version);
        if (
            labels.owner !== "helm" ||
            labels.name !== release ||
            m?.name !== `sh.helm.release.v1.${release}.v${labels.version ?? ""}` ||
            !Number.isInteger(revision) ||
            m.uid === undefined ||
            m.resourceVersion === undefined
        ) {
            continue;
        }
        out.push({
            secret: m.name,
            uid: m.uid,
            resourceVersion: m.resourceVersion,
            revision,
            status: labels.status ?? "unknown",
        });
    }
    return out.sort((a, b) => a.revision - b.revision);
}

/** The label selector of one release's Secrets. */
function selectorPath(namespace: string, release: string): string {
    const selector = encodeURIComponent(`owner=helm,name=${release}`);
    return `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?labelSelector=${selector}`;
}

/** Reads one release's revisions (metadata only); undefined when the credentials may not list Secrets. */
export async function readReleaseRevisions(
    client: KubeReader,
    namespace: string,
    release: string,
): Promise<ReleaseRevision[] | undefined> {
    const list = await client.get<{ items?: PartialMeta[] }>(selectorPath(namespace, release), {
        allowForbidden: true,
        metadataOnly: true,
    });
    return list === undefined ? undefined : releaseRevisions(list.items ?? [], release);
}

/** The newest revision when its status is pending-*, else undefined. */
export function stuckRevision(revisions: readonly ReleaseRevision[]): ReleaseRevision | undefined {
    const latest = revisions[revisions.length - 1];
    return latest !== undefined && PENDING_STATUSES.has(latest.status) ? latest : undefined;
}

/** What recovering one release does. */
export interface RecoveryPlan {
    release: string;
    namespace: string;
    /** The stuck revision (undefined: the release is not stuck, nothing to delete). */
    stuck: ReleaseRevision | undefined;
    /** The pending revisions' Secrets to delete: every pending-* revision newer than the last deployed one. */
    deletes: ReleaseRevision[];
    /** The revision that is current once they are gone (undefined: none, the next `up` installs afresh). */
    current: ReleaseRevision | undefined;
}

/**
 * Which Secrets to delete so the release is as `helm rollback` would leave it: the pending revisions
 * newer than the last deployed one (all pending ones when none was deployed). A deployed revision,
 * an older revision and any other release's Secret are never in the list.
 */
export function planRecovery(namespace: string, release: string, revisions: readonly ReleaseRevision[]): RecoveryPlan {
    const stuck = stuckRevision(revisions);
    if (stuck === undefined) {
        return { release, namespace, stuck, deletes: [], current: revisions[revisions.length - 1] };
    }
    const lastDeployed = Math.max(0, ...revisions.filter((r) => r.status === "deployed").map((r) => r.revision));
    const deletes = revisions.filter((r) => r.revision > lastDeployed && PENDING_STATUSES.has(r.status));
    const kept = revisions.filter((r) => !deletes.includes(r));
    return { release, namespace, stuck, deletes, current: kept[kept.length - 1] };
}

/** Deletes the plan's Secrets, each only if unchanged since read; returns what was deleted and what had changed. */
export async function applyRecovery(
    client: KubeWriter,
    plan: RecoveryPlan,
): Promise<{ deleted: ReleaseRevision[]; changed: ReleaseRevision[] }> {
    const deleted: ReleaseRevision[] = [];
    const changed: ReleaseRevision[] = [];
    for (const r of plan.deletes) {
        const ok = await client.deleteExact(
            `/api/v1/namespaces/${encodeURIComponent(plan.namespace)}/secrets/${encodeURIComponent(r.secret)}`,
            { uid: r.uid, resourceVersion: r.resourceVersion },
        );
        (ok ? deleted : changed).push(r);
    }
    return { deleted, changed };
}
