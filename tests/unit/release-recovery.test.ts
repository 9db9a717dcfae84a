// Recovering a stuck Helm release (doctor/release.ts, used by `npm run recover` and the doctor): which
// release Secrets are read and which are deleted, over generated release histories.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import {
    PENDING_STATUSES,
    analyzeAgent,
    applyRecovery,
    expectationsFromValues,
    planRecovery,
    readReleaseRevisions,
    releaseRevisions,
    stuckRevision,
    type KubeWriter,
    type ReleaseRevision,
} from "../../doctor";

const STATUSES = [
    "deployed",
    "superseded",
    "failed",
    "uninstalled",
    "pending-install",
    "pending-upgrade",
    "pending-rollback",
] as const;
const PENDING = ["pending-install", "pending-upgrade", "pending-rollback"];

interface Item {
    metadata: { name: string; uid: string; resourceVersion: string; labels: Record<string, string> };
}

function helmSecret(release: string, revision: number, status: string): Item {
    return {
        metadata: {
            name: `sh.helm.release.v1.${release}.v${revision}`,
            uid: `uid-${release}-${revision}`,
            resourceVersion: String(1000 + revision),
            labels: { owner: "helm", name: release, status, version: String(revision) },
        },
    };
}

/** A release history (statuses of revisions 1..n), shuffled among another release's and non-Helm Secrets. */
const world = fc.record({
    history: fc.array(fc.constantFrom(...STATUSES), { minLength: 1, maxLength: 12 }),
    other: fc.array(fc.constantFrom(...STATUSES), { maxLength: 4 }),
    order: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
});

function itemsOf(w: { history: string[]; other: string[]; order: number[] }): Item[] {
    const items = [
        ...w.history.map((s, i) => helmSecret("astro", i + 1, s)),
        ...w.other.map((s, i) => helmSecret("astro-other", i + 1, s)),
        // not Helm's, or another release's name under this release's label
        { metadata: { name: "astro-agent-token", uid: "u-t", resourceVersion: "1", labels: { name: "astro" } } },
        { metadata: { ...helmSecret("astro", 99, "pending-install").metadata, name: "sh.helm.release.v1.astro2.v99" } },
    ];
    return items
        .map((item, i) => ({ item, key: w.order[i % w.order.length] ?? 0 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.item);
}

describe("release recovery: which release Secrets are read and deleted", () => {
    it("reads only this release's Helm Secrets, oldest first", () => {
        fc.assert(
            fc.property(world, (w) => {
                const revisions = releaseRevisions(itemsOf(w), "astro");
                assert.deepEqual(
                    revisions.map((r) => [r.revision, r.status, r.secret]),
                    w.history.map((s, i) => [i + 1, s, `sh.helm.release.v1.astro.v${i + 1}`]),
                );
            }),
        );
    });

    it("deletes exactly the pending revisions newer than the last deployed one, and only when the newest is pending", () => {
        fc.assert(
            fc.property(world, (w) => {
                const plan = planRecovery("ns", "astro", releaseRevisions(itemsOf(w), "astro"));
                // The oracle, written from the rule: walk back from the newest revision to the last deployed.
                const newest = w.history[w.history.length - 1] ?? "";
                const want: number[] = [];
                if (PENDING.includes(newest)) {
                    for (let i = w.history.length - 1; i >= 0 && w.history[i] !== "deployed"; i--) {
                        if (PENDING.includes(w.history[i] ?? "")) {
                            want.unshift(i + 1);
                        }
                    }
                }
                assert.deepEqual(
                    plan.deletes.map((d) => d.revision),
                    want,
                );
                for (const d of plan.deletes) {
                    assert.ok(PENDING_STATUSES.has(d.status), "only pending revisions");
                    assert.equal(d.secret, `sh.helm.release.v1.astro.v${d.revision}`, "only this release's");
                }
                // Afterwards the release is not stuck, and the current revision is the newest one kept.
                const kept = releaseRevisions(itemsOf(w), "astro").filter(
                    (r) => !plan.deletes.some((d) => d.uid === r.uid),
                );
                assert.equal(stuckRevision(kept), undefined);
                assert.equal(plan.current?.revision, kept[kept.length - 1]?.revision);
            }),
        );
    });

    it("deletes each Secret only as read (uid and resourceVersion preconditions) and reports the ones that changed", async () => {
        await fc.assert(
            fc.asyncProperty(world, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), async (w, gone) => {
                const plan = planRecovery("ns", "astro", releaseRevisions(itemsOf(w), "astro"));
                const calls: { path: string; preconditions: { uid: string; resourceVersion: string } }[] = [];
                const client: KubeWriter = {
                    get: () => Promise.resolve(undefined),
                    deleteExact: (p, preconditions) => {
                        calls.push({ path: p, preconditions });
                        return Promise.resolve(!(gone[calls.length - 1] ?? false));
                    },
                };
                const { deleted, changed } = await applyRecovery(client, plan);
                assert.deepEqual(
                    calls,
                    plan.deletes.map((d) => ({
                        path: `/api/v1/namespaces/ns/secrets/sh.helm.release.v1.astro.v${d.revision}`,
                        preconditions: { uid: `uid-astro-${d.revision}`, resourceVersion: String(1000 + d.revision) },
                    })),
                );
                assert.deepEqual(
                    changed.map((c) => c.revision),
                    plan.deletes.filter((_, i) => gone[i] === true).map((d) => d.revision),
                );
                assert.equal(deleted.length + changed.length, plan.deletes.length);
            }),
        );
    });

    it("asks for the Secrets' metadata only, by Helm's labels: no Secret data is read", async () => {
        const asked: { path: string; metadataOnly?: boolean }[] = [];
        const revisions = await readReleaseRevisions(
            {
                get<T>(p: string, opts?: { metadataOnly?: boolean }): Promise<T | undefined> {
                    asked.push({
                        path: p,
                        ...(opts?.metadataOnly === undefined ? {} : { metadataOnly: opts.metadataOnly }),
                    });
                    return Promise.resolve({ items: [helmSecret("astro", 1, "pending-install")] } as T);
                },
            },
            "astro-ns",
            "astro",
        );
        assert.deepEqual(asked, [
            {
                path: "/api/v1/namespaces/astro-ns/secrets?labelSelector=owner%3Dhelm%2Cname%3Dastro",
                metadataOnly: true,
            },
        ]);
        assert.deepEqual(
            revisions?.map((r) => r.status),
            ["pending-install"],
        );
    });
});

describe("release recovery: the recorded stuck release", () => {
    const fixture = JSON.parse(
        fs.readFileSync(
            path.join(__dirname, "..", "fixtures", "doctor", "recorded-release-pending-install.json"),
            "utf8",
        ),
    ) as { releaseName: string; releaseSecrets: Item[] };
    const revisions: ReleaseRevision[] = releaseRevisions(fixture.releaseSecrets, fixture.releaseName);

    it("plans to delete its one pending-install revision, leaving nothing installed", () => {
        const plan = planRecovery("astro-rec-release-pending-install", fixture.releaseName, revisions);
        assert.deepEqual(
            plan.deletes.map((d) => [d.secret, d.status]),
            [["sh.helm.release.v1.astro-dev.v1", "pending-install"]],
        );
        assert.equal(plan.current, undefined);
    });

    it("the doctor's first finding names the release, its status, revision and the fix command", () => {
        const values = JSON.parse(
            fs.readFileSync(path.join(__dirname, "..", "fixtures", "doctor", "base.json"), "utf8"),
        ) as { chartValues: Record<string, unknown> };
        const expect = expectationsFromValues(values.chartValues, {
            agent: "dev",
            releaseName: fixture.releaseName,
            recoverCommand: "npm run recover -- --stack dev",
        });
        const report = analyzeAgent(expect, {
            namespaceExists: true,
            pods: [],
            events: [],
            secrets: [],
            serviceAccounts: [],
            deployments: [],
            nodeCount: 4,
            releaseRevisions: revisions,
        });
        const first = report.findings[0];
        assert.equal(first?.cause, "release-stuck");
        assert.match(first.summary, /^Helm release astro-dev is stuck in pending-install at revision 1 /);
        assert.match(first.fix, /^run `npm run recover -- --stack dev` /);
        assert.equal(report.ok, false);
    });
});
