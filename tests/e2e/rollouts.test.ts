// Rollouts on the simulated node pool (scripts/cluster.sh: kube-scheduler + kwok): the dev example stack
// with the stand-in chart and no release.skipAwait, so every `up` waits for the Deployments. kwok marks a
// scheduled pod Running and Ready (no container runs, no image is pulled), and deletes a pod the
// ReplicaSet controller scales away; what is proven here is the Kubernetes side of a rollout: which
// Deployments get a new ReplicaSet, that its pods become Ready and that the old ones go away.
//
// PodDisruptionBudgets and topology spread: neither the program (chart/, components/) nor the stand-in
// chart sets them (a user can pass `podDisruptionBudget` through as an unowned chart key), so there is
// nothing of ours for the scheduler to honour; the first test fails if that changes, so that a test
// proving the real scheduler honours them gets written.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as harness from "./harness";
import type { Kube } from "./kube";

interface Meta {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; uid: string }[];
}
interface Container {
    name: string;
    image: string;
    env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}
interface PodSpec {
    containers: Container[];
    topologySpreadConstraints?: unknown[];
}
interface Deployment {
    metadata: Meta;
    spec: { replicas?: number; template: { spec: PodSpec } };
}
interface ReplicaSet {
    metadata: Meta;
    spec: { replicas?: number };
    status?: { replicas?: number; readyReplicas?: number };
}
interface Pod {
    metadata: Meta;
    spec: PodSpec & { nodeName?: string };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

const NS = "astro-e2e-rollouts";
const STACK = "e2e-rollouts";
const TOKEN_SECRET = "astro-dev-agent-token";
const DEPLOYMENTS = [
    "astro-dev-dag-processor",
    "astro-dev-sentinel",
    "astro-dev-triggerer",
    "astro-dev-worker-default-worker",
];
const REVISION = "deployment.kubernetes.io/revision";
/** The first install runs agent 1.6.0 (Sentinel 1.6.0); the upgrade goes to the dev example's 1.7.1 (Sentinel 1.7.2). */
const OLD_IMAGE = "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-2-python-3.13-astro-agent-1.6.0";
/** How long old pods may take to go once `up` returned (the ReplicaSet controller scales, kwok deletes). */
const GONE_WITHIN_S = 60;

/** What one Deployment's rollout looks like at one moment. */
interface Rollout {
    deployment: Deployment;
    revision: number;
    replicaSets: ReplicaSet[];
}

const ownedBy = (m: Meta, uid: string) => (m.ownerReferences ?? []).some((o) => o.uid === uid);
const ready = (p: Pod) =>
    p.status?.phase === "Running" && (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

describe("end to end: rollouts on the simulated node pool", function () {
    this.timeout(300_000);
    const world = harness.e2eWorld("rollouts e2e", { podReadyDelayMs: harness.POD_READY_DELAY_MS });
    let kube: Kube;
    let stack: Stack;
    let doc: harness.StackDoc;
    const timings: string[] = [];

    async function timedUp(label: string, onEvent?: (e: EngineEvent) => void) {
        const start = Date.now();
        const up = await stack.up(onEvent === undefined ? {} : { onEvent });
        timings.push(`${label}: ${((Date.now() - start) / 1000).toFixed(1)}s`);
        assert.equal(up.summary.result, "succeeded");
        return up;
    }

    const apps = `/apis/apps/v1/namespaces/${NS}`;
    const pods = () => kube.list<Pod>(`/api/v1/namespaces/${NS}/pods`);

    async function rollouts(): Promise<Map<string, Rollout>> {
        const deps = await kube.list<Deployment>(`${apps}/deployments`);
        const rss = await kube.list<ReplicaSet>(`${apps}/replicasets`);
        return new Map(
            deps.map((d) => [
                d.metadata.name,
                {
                    deployment: d,
                    revision: Number(d.metadata.annotations?.[REVISION]),
                    replicaSets: rss.filter((rs) => ownedBy(rs.metadata, d.metadata.uid)),
                },
            ]),
        );
    }

    /** The resources a preview would change, as `op type name` lines (no-ops left out). */
    async function plannedChanges(): Promise<string[]> {
        const changes: string[] = [];
        await stack.preview({
            onEvent: (e: EngineEvent) => {
                const m = e.resourcePreEvent?.metadata;
                if (m !== undefined && m.op !== "same") {
                    changes.push(`${m.op} ${m.type} ${m.urn.split("::").pop() ?? ""}`);
                }
            },
        });
        return changes.sort();
    }

    /**
     * Each Deployment in `rolled` went from `before` to exactly one new ReplicaSet (revision + 1) whose
     * pods are Ready, and within a bound its old ReplicaSets are at 0 with no pods left; every other
     * Deployment kept its revision and ReplicaSets. Returns the new pods by Deployment.
     */
    async function assertRolledOnce(before: Map<string, Rollout>, rolled: string[]): Promise<Map<string, Pod[]>> {
        const after = await rollouts();
        assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), "the same Deployments");
        const fresh = new Map<string, ReplicaSet>();
        for (const [name, was] of before) {
            const now = after.get(name) as Rollout;
            const oldUids = new Set(was.replicaSets.map((rs) => rs.metadata.uid));
            const added = now.replicaSets.filter((rs) => !oldUids.has(rs.metadata.uid));
            if (!rolled.includes(name)) {
                assert.equal(now.revision, was.revision, `${name}: did not roll (revision)`);
                assert.deepEqual(added, [], `${name}: did not roll (no new ReplicaSet)`);
                continue;
            }
            assert.equal(now.revision, was.revision + 1, `${name}: revision went up by exactly 1`);
            assert.equal(added.length, 1, `${name}: exactly one new ReplicaSet`);
            const rs = added[0] as ReplicaSet;
            assert.equal(Number(rs.metadata.annotations?.[REVISION]), now.revision, `${name}: the new RS is current`);
            // `up` returned only once Helm saw the new ReplicaSet's pods Ready (read before any wait of ours).
            assert.equal(
                rs.status?.readyReplicas,
                now.deployment.spec.replicas ?? 1,
                `${name}: new ReplicaSet Ready when up returned`,
            );
            fresh.set(name, rs);
        }
        const newPods = new Map<string, Pod[]>();
        await kube.waitFor(
            `old ReplicaSets at 0 with no pods, new pods Ready (${rolled.join(", ")})`,
            async () => {
                const all = await pods();
                const rss = await kube.list<ReplicaSet>(`${apps}/replicasets`);
                for (const name of rolled) {
                    const want = (after.get(name) as Rollout).deployment.spec.replicas ?? 1;
                    const rs = fresh.get(name) as ReplicaSet;
                    const mine = all.filter((p) => ownedBy(p.metadata, rs.metadata.uid));
                    if (mine.length !== want || !mine.every(ready)) {
                        return false;
                    }
                    newPods.set(name, mine);
                    for (const old of (before.get(name) as Rollout).replicaSets) {
                        const live = rss.find((r) => r.metadata.uid === old.metadata.uid);
                        if (live !== undefined && ((live.spec.replicas ?? 0) > 0 || (live.status?.replicas ?? 0) > 0)) {
                            return false;
                        }
                        if (all.some((p) => ownedBy(p.metadata, old.metadata.uid))) {
                            return false;
                        }
                    }
                }
                return true;
            },
            GONE_WITHIN_S,
        );
        return newPods;
    }

    before(async () => {
        kube = world.kube;
        doc = harness.withConfig(harness.readExample("dev"), {
            namespace: NS,
            chart: { path: harness.STAND_IN_CHART },
            image: OLD_IMAGE,
        });
        stack = await harness.openStack(world.project.dir, STACK, doc, world.env);
        await timedUp("first up (install, waits for readiness)");
    });

    after(() => {
        console.log(`    rollouts e2e timings: ${timings.join("; ")}`);
    });

    it("installs with every Deployment Ready, its pods scheduled on the pool; no PDB or topology spread is set", async () => {
        const all = await rollouts();
        assert.deepEqual([...all.keys()].sort(), DEPLOYMENTS);
        const running = await pods();
        for (const [name, r] of all) {
            assert.equal(r.revision, 1, name);
            assert.equal(r.replicaSets.length, 1, name);
            const mine = running.filter((p) => ownedBy(p.metadata, r.replicaSets[0]?.metadata.uid ?? ""));
            assert.equal(mine.length, r.deployment.spec.replicas ?? 1, name);
            for (const p of mine) {
                assert.ok(ready(p), `${p.metadata.name} Ready`);
                assert.ok(p.spec.nodeName, `${p.metadata.name} bound to a node`);
            }
            assert.equal(r.deployment.spec.template.spec.topologySpreadConstraints, undefined, name);
        }
        assert.deepEqual(await kube.list(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`), []);
    });

    it("token rotation: the token Secret is updated in place, the release updated; each Deployment reading the token rolls once, old pods go", async () => {
        const before = await rollouts();
        // Which Deployments read the token: those whose containers take it from the token Secret.
        const readers = [...before.values()]
            .filter((r) =>
                r.deployment.spec.template.spec.containers.some((c) =>
                    (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef?.name === TOKEN_SECRET),
                ),
            )
            .map((r) => r.deployment.metadata.name)
            .sort();
        // All four do (ASTRO_AGENT_CLIENT_API_TOKEN from the Secret, Sentinel included): none must stay put.
        assert.deepEqual(readers, DEPLOYMENTS);

        doc = harness.withConfig(doc, { agentToken: harness.secure(`e2e-rotated-${Date.now().toString(36)}`) });
        harness.writeStackFile(world.project.dir, STACK, doc);
        // Pulumi.yaml turns on the provider's enableSecretMutable: the Secret is updated in place. The
        // rollout annotation comes from the stack file's ciphertexts, so the preview already lists the
        // release update. Nothing else changes (the XCom claim, the backend Secret, the namespace stay).
        const secret = "kubernetes:core/v1:Secret astro-agent-credentials-agent-token";
        const release = "kubernetes:helm.sh/v3:Release astro-agent-release";
        assert.deepEqual(await plannedChanges(), [`update ${secret}`, `update ${release}`]);

        const applied: string[] = [];
        const up = await timedUp("token rotation up (waits for readiness)", (e: EngineEvent) => {
            const m = e.resOutputsEvent?.metadata;
            if (m !== undefined && m.op !== "same") {
                applied.push(`${m.op} ${m.type} ${m.urn.split("::").pop() ?? ""}`);
            }
        });
        assert.deepEqual(up.summary.resourceChanges, { same: 15, update: 2 });
        // The release (and so the new pods) comes after the token Secret holds the new value.
        assert.deepEqual(applied, [`update ${secret}`, `update ${release}`]);

        await assertRolledOnce(before, readers);
        await stack.preview({ expectNoChanges: true });
    });

    it("upgrade (agent image 1.6.0 to 1.7.1, chart 2.3.3 to a 2.3.4 copy): every Deployment rolls exactly once", async () => {
        const chart = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "astro-e2e-chart-")), "chart");
        fs.cpSync(harness.STAND_IN_CHART, chart, { recursive: true });
        const chartYaml = path.join(chart, "Chart.yaml");
        fs.writeFileSync(
            chartYaml,
            fs.readFileSync(chartYaml, "utf8").replace(/^version: 2\.3\.3$/m, "version: 2.3.4"),
        );
        const newImage = harness.readExample("dev").config["astro-agent:image"] as string;
        assert.notEqual(newImage, OLD_IMAGE);

        const before = await rollouts();
        doc = harness.withConfig(doc, { image: newImage, chart: { path: chart } });
        harness.writeStackFile(world.project.dir, STACK, doc);
        assert.deepEqual(await plannedChanges(), ["update kubernetes:helm.sh/v3:Release astro-agent-release"]);
        await timedUp("upgrade up (waits for readiness)");

        const newPods = await assertRolledOnce(before, DEPLOYMENTS);
        for (const [name, list] of newPods) {
            const main = (list[0]?.spec.containers ?? [])[0];
            // The agent's containers run the new image; Sentinel the one that goes with agent 1.7.1.
            assert.equal(
                main?.image,
                name.endsWith("-sentinel")
                    ? "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.2"
                    : newImage,
                `${name}: new pods run the new image`,
            );
        }
        const deps = await kube.list<Deployment & { metadata: Meta }>(`${apps}/deployments`);
        for (const d of deps) {
            assert.equal(d.metadata.labels?.["helm.sh/chart"], "astro-remote-execution-agent-2.3.4", d.metadata.name);
        }
        await stack.preview({ expectNoChanges: true });
    });
});
