// Reshapes on the real engine (config/reshape.ts, the aliases of components/agentFleet.ts and
// program/reshape.ts): a single-cluster stack becomes a one-entry fleet and goes back, and a prod
// fleet renames its cluster. Every live object keeps its UID — the namespace, the agent's objects and
// a Secret someone else created in the namespace — no step plans a create or delete of an object, and
// a preview after each step is a no-op. In prod, dropping a cluster without saying so is refused
// before anything changes.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as harness from "./harness";
import type { Kube } from "./kube";

const NS = "astro-e2e-reshape";
const PROD_NS = "astro-e2e-reshape-prod";
const FOREIGN = "team-owned-credentials";

interface Meta {
    metadata: { name: string; uid: string };
}

/** Objects that must survive a reshape: the namespace and what is in it, by `kind/name` → uid. */
async function liveUids(kube: Kube, ns: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const namespace = await kube.get<Meta>(`/api/v1/namespaces/${ns}`);
    assert.ok(namespace !== undefined, `namespace ${ns} exists`);
    out.set(`Namespace/${ns}`, namespace.metadata.uid);
    for (const [kind, path] of [
        ["Secret", `/api/v1/namespaces/${ns}/secrets`],
        ["ServiceAccount", `/api/v1/namespaces/${ns}/serviceaccounts`],
        ["ConfigMap", `/api/v1/namespaces/${ns}/configmaps`],
        ["PersistentVolumeClaim", `/api/v1/namespaces/${ns}/persistentvolumeclaims`],
        ["Deployment", `/apis/apps/v1/namespaces/${ns}/deployments`],
    ] as const) {
        for (const item of await kube.list<Meta>(path)) {
            out.set(`${kind}/${item.metadata.name}`, item.metadata.uid);
        }
    }
    return out;
}

/** The changes a preview plans, as `op type name` lines; components and providers are not objects. */
async function plannedObjectChanges(stack: Stack): Promise<{ objects: string[]; all: string[]; stdout: string }> {
    const all: string[] = [];
    const result = await stack.preview({
        onEvent: (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m !== undefined && m.op !== "same") {
                all.push(`${m.op} ${m.type} ${m.urn.split("::").pop() ?? ""}`);
            }
        },
    });
    const objects = all.filter((c) => !/ (astro-remote-agent:index:\w+|pulumi:providers:\w+) /.test(c));
    return { objects: objects.sort(), all: all.sort(), stdout: result.stdout };
}

async function assertNoOpPreview(stack: Stack, step: string): Promise<void> {
    const { all } = await plannedObjectChanges(stack);
    assert.deepEqual(all, [], `${step}: the preview after up plans nothing`);
    // What a PR check runs: the engine's own verdict.
    await stack.preview({ expectNoChanges: true });
}

describe("end to end: reshapes keep live objects (single ↔ fleet, renamed cluster)", function () {
    this.timeout(900_000);
    const world: harness.E2eWorld = harness.e2eWorld("reshape e2e");
    let kubeconfig: string;

    before(() => {
        kubeconfig = fs.readFileSync(world.env.KUBECONFIG ?? "", "utf8");
    });

    describe("dev: single → one-entry fleet (kubeconfig as secret config) → single", () => {
        let stack: Stack;
        let before: Map<string, string>;
        const single = (): harness.StackDoc =>
            harness.withConfig(harness.readExample("dev"), { namespace: NS, chart: { path: harness.STAND_IN_CHART } });
        let kubeconfigSecure: { secure: string } | undefined;
        const fleet = (): harness.StackDoc => {
            kubeconfigSecure ??= harness.secure(kubeconfig);
            return harness.withConfig(single(), { clusters: [{ name: "primary", kubeconfig: kubeconfigSecure }] });
        };

        it("a single-cluster stack is up, with a Secret another team created in its namespace", async () => {
            stack = await harness.openStack(world.project.dir, "e2e-reshape", single(), world.env);
            assert.equal((await stack.up()).summary.result, "succeeded");
            const created = await world.kube.request("POST", `/api/v1/namespaces/${NS}/secrets`, {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: FOREIGN },
                stringData: { token: "owned-by-another-team" },
            });
            assert.equal(created.status, 201, JSON.stringify(created.body));
            before = await liveUids(world.kube, NS);
            assert.ok(before.has(`Secret/${FOREIGN}`));
            assert.ok(
                [...before.keys()].some((k) => k.startsWith("Deployment/")),
                "the agent's Deployments exist",
            );
        });

        it("adding a one-entry clusters block plans no create or delete of any object, and keeps every UID", async () => {
            harness.writeStackFile(world.project.dir, "e2e-reshape", fleet());
            const { objects, all } = await plannedObjectChanges(stack);
            assert.deepEqual(objects, [], `no object changes planned; planned: ${all.join("; ")}`);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            assert.equal(up.summary.resourceChanges?.delete ?? 0, 0, "nothing deleted");
            assert.deepEqual(await liveUids(world.kube, NS), before, "every object kept its UID");
            await assertNoOpPreview(stack, "one-entry fleet");
        });

        it("removing the clusters block again plans no create or delete of any object, and keeps every UID", async () => {
            harness.writeStackFile(world.project.dir, "e2e-reshape", single());
            const { objects, all } = await plannedObjectChanges(stack);
            assert.deepEqual(objects, [], `no object changes planned; planned: ${all.join("; ")}`);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            assert.deepEqual(await liveUids(world.kube, NS), before, "every object kept its UID");
            await assertNoOpPreview(stack, "single again");
        });
    });

    describe("prod: a renamed cluster keeps its objects; dropping one unasked is refused", () => {
        let stack: Stack;
        let before: Map<string, string>;
        // Encrypted once: a new ciphertext of a secret is a rotation (the rollout annotation changes).
        let base: harness.StackDoc | undefined;
        let kubeconfigSecure: { secure: string } | undefined;
        const prodFleet = (cluster: Record<string, unknown>, extra: Record<string, unknown> = {}): harness.StackDoc => {
            base ??= harness.prodLikeStack(PROD_NS, "astro-reshape", {
                token: "reshape-token-0001",
                pull: "reshape-pull-0001",
                lineage: "reshape-lineage-0001",
            });
            kubeconfigSecure ??= harness.secure(kubeconfig);
            return harness.withConfig(base, { clusters: [{ kubeconfig: kubeconfigSecure, ...cluster }], ...extra });
        };

        it("a prod one-entry fleet 'blue' is up", async () => {
            stack = await harness.openStack(
                world.project.dir,
                "e2e-reshape-prod",
                prodFleet({ name: "blue" }),
                world.env,
            );
            assert.equal((await stack.up()).summary.result, "succeeded");
            before = await liveUids(world.kube, PROD_NS);
        });

        it("renaming the entry without formerName is refused before anything changes, naming the keys to set", async () => {
            harness.writeStackFile(world.project.dir, "e2e-reshape-prod", prodFleet({ name: "green" }));
            await assert.rejects(stack.preview(), (err: Error) => {
                assert.match(err.message, /clusters: no longer lists cluster 'blue'/);
                assert.match(err.message, /clusters\[0\]\.formerName: blue/);
                assert.match(err.message, /removeClusters: \[blue\]/);
                return true;
            });
            await assert.rejects(stack.up(), /no longer lists cluster 'blue'/);
            assert.deepEqual(await liveUids(world.kube, PROD_NS), before, "nothing changed");
        });

        it("with formerName the rename plans no create or delete of any object and keeps every UID", async () => {
            harness.writeStackFile(
                world.project.dir,
                "e2e-reshape-prod",
                prodFleet({ name: "green", formerName: "blue" }),
            );
            const { objects, all } = await plannedObjectChanges(stack);
            assert.deepEqual(objects, [], `no object changes planned; planned: ${all.join("; ")}`);
            assert.equal((await stack.up()).summary.result, "succeeded");
            assert.deepEqual(await liveUids(world.kube, PROD_NS), before, "every object kept its UID");
            const outputs = await stack.outputs();
            assert.deepEqual(Object.keys(outputs.clusters?.value as object), ["green"]);
            await assertNoOpPreview(stack, "renamed");
        });
    });
});
