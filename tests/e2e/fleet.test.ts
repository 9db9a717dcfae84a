// Several clusters from one stack, end to end: the real engine deploys one stack into two local API
// servers (two scripts/cluster.sh control planes): cluster "east" through a kubeconfig given as secret
// config, cluster "west" through the ambient kubeconfig (the default provider). Failover flips
// `standby` and must touch exactly the two releases.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as harness from "./harness";
import type { Kube } from "./kube";

interface Deployment {
    metadata: { name: string };
    spec: { replicas?: number };
}

const NS = "astro-e2e-fleet";
const WORKER = "astro-dev-worker-default-worker";

describe("end to end: one stack, two clusters (two local API servers)", function () {
    this.timeout(600_000);
    const world: harness.E2eFleetWorld = harness.e2eFleetWorld("fleet e2e", 2);
    let east: Kube;
    let west: Kube;
    let stack: Stack;
    let eastKubeconfig: string;
    let token: string;

    const fleetDoc = (eastStandby: boolean): harness.StackDoc =>
        harness.withConfig(harness.readExample("dev"), {
            namespace: NS,
            chart: { path: harness.STAND_IN_CHART },
            release: { skipAwait: true },
            clusters: [
                { name: "east", kubeconfig: harness.secure(eastKubeconfig), standby: eastStandby },
                { name: "west", standby: !eastStandby },
            ],
        });

    const workerReplicas = async (kube: Kube) =>
        (await kube.get<Deployment>(`/apis/apps/v1/namespaces/${NS}/deployments/${WORKER}`))?.spec.replicas;

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

    it("up installs into both clusters: east active, west standby (workers at 0)", async () => {
        const up = await stack.up();
        assert.equal(up.summary.result, "succeeded");
        for (const kube of [east, west]) {
            assert.ok(await kube.get(`/api/v1/namespaces/${NS}`), "namespace in both clusters");
            const releases = (await kube.list<{ type?: string }>(`/api/v1/namespaces/${NS}/secrets`)).filter(
                (s) => s.type === "helm.sh/release.v1",
            );
            assert.equal(releases.length, 1, "one Helm release in each cluster");
        }
        assert.equal(await workerReplicas(east), 1);
        assert.equal(await workerReplicas(west), 0);
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

    it("failover (flip standby) previews exactly two in-place release updates, then applies them", async () => {
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
        const up = await stack.up();
        assert.equal(up.summary.resourceChanges?.update, 2);
        assert.equal(await workerReplicas(east), 0);
        assert.equal(await workerReplicas(west), 1);
        await stack.preview({ expectNoChanges: true });
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
