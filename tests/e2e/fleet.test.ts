// Several clusters from one stack, end to end: the real engine deploys one stack into two local API
// servers (two scripts/cluster.sh control planes): cluster "east" through a kubeconfig given as secret
// config, cluster "west" through the ambient kubeconfig (the default provider). Failover flips
// `standby` and must touch exactly the two releases. No release.skipAwait: each `up` waits for the
// Deployments in both clusters (simulated node pools: kwok makes scheduled pods Ready, no container runs).
// A standby's worker Deployment has 0 replicas, which Helm's wait counts as ready.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as harness from "./harness";
import type { Kube } from "./kube";

interface Deployment {
    metadata: { name: string };
    spec: { replicas?: number; selector: { matchLabels: Record<string, string> } };
    status?: { replicas?: number; readyReplicas?: number };
}
interface Pod {
    metadata: { name: string };
    status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

const NS = "astro-e2e-fleet";
const WORKER = "astro-dev-worker-default-worker";

describe("end to end: one stack, two clusters (two local API servers)", function () {
    this.timeout(600_000);
    const world: harness.E2eFleetWorld = harness.e2eFleetWorld("fleet e2e", 2, {
        podReadyDelayMs: harness.POD_READY_DELAY_MS,
    });
    let east: Kube;
    let west: Kube;
    let stack: Stack;
    let eastKubeconfig: string;
    let token: string;

    const fleetDoc = (eastStandby: boolean): harness.StackDoc =>
        harness.withConfig(harness.readExample("dev"), {
            namespace: NS,
            chart: { path: harness.STAND_IN_CHART },
            clusters: [
                { name: "east", kubeconfig: harness.secure(eastKubeconfig), standby: eastStandby },
                { name: "west", standby: !eastStandby },
            ],
        });

    const worker = (kube: Kube) => kube.get<Deployment>(`/apis/apps/v1/namespaces/${NS}/deployments/${WORKER}`);
    const workerReplicas = async (kube: Kube) => (await worker(kube))?.spec.replicas;
    /** The worker Deployment's pods (by its selector). */
    async function workerPods(kube: Kube): Promise<Pod[]> {
        const labels = (await worker(kube))?.spec.selector.matchLabels ?? {};
        const selector = Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(",");
        assert.ok(selector.length > 0, "the worker Deployment has a selector");
        return kube.list<Pod>(`/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`);
    }
    const ready = (p: Pod) =>
        p.status?.phase === "Running" &&
        (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    /** Read right after `up` returned: the active side's workers are Ready, with no wait of our own. */
    async function assertWorkersReady(kube: Kube, side: string): Promise<void> {
        const d = await worker(kube);
        const want = d?.spec.replicas ?? 0;
        assert.ok(want > 0, `${side}: the active worker Deployment has replicas`);
        assert.equal(d?.status?.readyReplicas, want, `${side}: worker Deployment ready when up returned`);
        const pods = await workerPods(kube);
        assert.equal(pods.filter(ready).length, want, `${side}: worker pods Ready`);
    }
    /** The standby side's workers: 0 replicas and, within a bound (kwok deletes scaled-away pods), no pods. */
    async function assertWorkersGone(kube: Kube, side: string): Promise<void> {
        assert.equal(await workerReplicas(kube), 0, `${side}: standby worker Deployment at 0`);
        await kube.waitFor(
            `${side}: no worker pods left`,
            async () => (await workerPods(kube)).length === 0 && ((await worker(kube))?.status?.replicas ?? 0) === 0,
            60,
        );
    }

    /** The resources a preview would change, as `op type name` lines (no-ops left out). */
    async function plannedChanges(): Promise<{ summary: Record<string, number>; changes: string[] }> {
        const changes: string[] = [];
        const result = await stack.preview({
            onEvent: (e: EngineEvent) => {
                const m = e.resourcePreEvent?.metadata;
                if (m !== undefined && m.op !== "same") {
                    changes.push(`${m.op} ${m.type} ${m.urn.split("::").pop() ?? ""}`);
                }
            },
        });
        return { summary: result.changeSummary, changes: changes.sort() };
    }

    before(async () => {
        const [eastCluster, westCluster] = world.clusters;
        [east, west] = world.kubes as [Kube, Kube];
        eastKubeconfig = fs.readFileSync(eastCluster?.kubeconfig ?? "", "utf8");
        token = /token: (\S+)/.exec(eastKubeconfig)?.[1] ?? "";
        assert.ok(token.length > 8, "the east kubeconfig has a token");
        assert.notEqual(eastCluster?.kubeconfig, westCluster?.kubeconfig);
        stack = await harness.openStack(world.project.dir, "e2e-fleet", fleetDoc(false), world.env);
    });

    it("up installs into both clusters: east active (workers Ready), west standby (workers at 0, no pods)", async () => {
        const start = Date.now();
        const up = await stack.up();
        console.log(
            `    fleet first up (waits for readiness in both clusters): ${((Date.now() - start) / 1000).toFixed(1)}s`,
        );
        assert.equal(up.summary.result, "succeeded");
        for (const kube of [east, west]) {
            assert.ok(await kube.get(`/api/v1/namespaces/${NS}`), "namespace in both clusters");
            const releases = (await kube.list<{ type?: string }>(`/api/v1/namespaces/${NS}/secrets`)).filter(
                (s) => s.type === "helm.sh/release.v1",
            );
            assert.equal(releases.length, 1, "one Helm release in each cluster");
        }
        assert.equal(await workerReplicas(east), 1);
        await assertWorkersReady(east, "east (active)");
        // The standby's 0 replicas did not hold up Helm's wait, and no worker pod ran there.
        await assertWorkersGone(west, "west (standby)");
        const outputs = await stack.outputs();
        const clusters = outputs.clusters?.value as Record<string, { namespace: string; standby: boolean }>;
        assert.deepEqual(Object.fromEntries(Object.entries(clusters).map(([k, c]) => [k, [c.namespace, c.standby]])), {
            east: [NS, false],
            west: [NS, true],
        });
    });

    it("keeps the east kubeconfig's token out of the state files and outputs", async () => {
        const raw = harness.readTree(world.project.stateDir);
        assert.ok(!raw.includes(token), "a raw state file contains the kubeconfig token");
        assert.ok(!JSON.stringify(await stack.outputs()).includes(token));
    });

    it("a second up is a no-op", async () => {
        await stack.preview({ expectNoChanges: true });
        const up = await stack.up();
        assert.deepEqual(Object.keys(up.summary.resourceChanges ?? {}), ["same"]);
    });

    it("failover (flip standby) previews two in-place release updates; west's workers become Ready, east's go", async () => {
        harness.writeStackFile(world.project.dir, "e2e-fleet", fleetDoc(true));
        const { summary, changes } = await plannedChanges();
        assert.deepEqual(changes, [
            "update kubernetes:helm.sh/v3:Release astro-agent-east-release",
            "update kubernetes:helm.sh/v3:Release astro-agent-west-release",
        ]);
        assert.equal(summary.update, 2);
        assert.deepEqual(
            Object.keys(summary).filter((k) => k !== "same" && k !== "update"),
            [],
        );
        const start = Date.now();
        const up = await stack.up();
        console.log(
            `    fleet failover up (waits for readiness in both clusters): ${((Date.now() - start) / 1000).toFixed(1)}s`,
        );
        assert.equal(up.summary.resourceChanges?.update, 2);
        assert.equal(await workerReplicas(west), 1);
        await assertWorkersReady(west, "west (new active)");
        await assertWorkersGone(east, "east (new standby)");
        await stack.preview({ expectNoChanges: true });
    });

    /** `npm run doctor` on the fleet stack (each cluster through its own kubeconfig). */
    function doctor(...extra: string[]) {
        return spawnSync(
            "npx",
            ["tsx", "scripts/doctor.ts", "--stack", "e2e-fleet", "--cwd", world.project.dir, ...extra],
            { cwd: harness.ROOT, encoding: "utf8", env: { ...process.env, ...world.env } },
        );
    }

    it("the doctor checks each cluster through its own connection, and names the one that is broken", async () => {
        const ok = doctor("--objects-only");
        assert.equal(ok.status, 0, `${ok.stdout}\n${ok.stderr}`);
        assert.match(ok.stdout, new RegExp(`^agent e2e-fleet/east \\(namespace ${NS}\\): OK$`, "m"));
        assert.match(ok.stdout, new RegExp(`^agent e2e-fleet/west \\(namespace ${NS}\\): OK$`, "m"));
        assert.ok(!ok.stdout.includes(token) && !ok.stderr.includes(token), "the doctor printed the kubeconfig token");
        // Break west only: east (reached through the secret kubeconfig, not the ambient one) stays OK.
        const del = await west.request("DELETE", `/api/v1/namespaces/${NS}/serviceaccounts/astro-dev-triggerer`);
        assert.equal(del.status, 200);
        const broken = doctor("--objects-only");
        assert.equal(broken.status, 1, broken.stdout);
        assert.match(broken.stdout, new RegExp(`^agent e2e-fleet/east \\(namespace ${NS}\\): OK$`, "m"));
        assert.match(broken.stdout, /^agent e2e-fleet\/west \(namespace [^)]+\): NOT HEALTHY/m);
        assert.match(broken.stdout, /ServiceAccount 'astro-dev-triggerer' does not exist/);
        const one = doctor("--objects-only", "--cluster", "east");
        assert.equal(one.status, 0, one.stdout);
        assert.doesNotMatch(one.stdout, /e2e-fleet\/west/);
        assert.equal(doctor("--cluster", "north").status, 2);
        await stack.refresh();
    });

    it("destroy cleans both clusters", async () => {
        await stack.destroy();
        for (const kube of [east, west]) {
            await kube.waitFor(
                `namespace ${NS} to be deleted`,
                async () => (await kube.get(`/api/v1/namespaces/${NS}`)) === undefined,
                90,
            );
        }
        const state = (await stack.exportStack()) as { deployment: { resources?: unknown[] } };
        assert.equal(state.deployment.resources?.length ?? 0, 0);
    });
});
