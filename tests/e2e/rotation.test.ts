// Rotation in place and visible, on the real engine and local API servers (kwok nodes): rotating the
// agent token updates its Secret in place (same uid, no delete) and `preview` already shows the Release
// update that rolls the pods (the rollout annotation comes from the stack file's ciphertexts); `up`
// rolls each Deployment once and the next preview is a no-op. And a fleet failover from a cluster whose
// API server is down, combined with a token rotation: `clusters[i].unreachable` holds the dead
// cluster's resources, `up` promotes the healthy one and exits 0, and once the cluster is back and
// the marker removed, `up` applies what was pending.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { stopApiServer } from "./apiServer";
import * as harness from "./harness";
import type { Kube } from "./kube";

interface Meta {
    name: string;
    uid: string;
    annotations?: Record<string, string>;
}
interface Deployment {
    metadata: Meta;
    spec: { replicas?: number };
    status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number };
}

const NS = "astro-e2e-rotation";
const STACK = "e2e-rotation";
const TOKEN_SECRET = "astro-dev-agent-token";
const REVISION = "deployment.kubernetes.io/revision";
const SECRET_URN = "kubernetes:core/v1:Secret astro-agent-credentials-agent-token";
const RELEASE_URN = "kubernetes:helm.sh/v3:Release astro-agent-release";

/** A preview's changes as `op type name` lines (no-ops left out), and the Release's changed properties. */
async function previewChanges(stack: Stack): Promise<{ changes: string[]; releaseDiffs: string[] }> {
    const changes: string[] = [];
    let releaseDiffs: string[] = [];
    await stack.preview({
        diff: true,
        onEvent: (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m === undefined || m.op === "same") {
                return;
            }
            const line = `${m.op} ${m.type} ${m.urn.split("::").pop() ?? ""}`;
            changes.push(line);
            if (line === `update ${RELEASE_URN}`) {
                releaseDiffs = Object.keys(m.detailedDiff ?? {});
            }
        },
    });
    return { changes: changes.sort(), releaseDiffs };
}

describe("end to end: token rotation in place, visible in preview", function () {
    this.timeout(420_000);
    const world = harness.e2eWorld("rotation e2e", { podReadyDelayMs: harness.POD_READY_DELAY_MS });
    let kube: Kube;
    let stack: Stack;
    let doc: harness.StackDoc;

    const deployments = () => kube.list<Deployment>(`/apis/apps/v1/namespaces/${NS}/deployments`);
    const tokenSecret = () => kube.get<{ metadata: Meta }>(`/api/v1/namespaces/${NS}/secrets/${TOKEN_SECRET}`);

    before(async () => {
        kube = world.kube;
        doc = harness.withConfig(harness.readExample("dev"), {
            namespace: NS,
            chart: { path: harness.STAND_IN_CHART },
        });
        // A stack deployed before this change: its Pulumi.yaml did not turn on in-place Secret updates.
        const projectFile = path.join(world.project.dir, "Pulumi.yaml");
        const project = parse(fs.readFileSync(projectFile, "utf8")) as { config: Record<string, unknown> };
        assert.deepEqual(project.config["kubernetes:enableSecretMutable"], { value: true });
        const before = { ...project.config };
        Reflect.deleteProperty(before, "kubernetes:enableSecretMutable");
        fs.writeFileSync(projectFile, stringify({ ...project, config: before }));
        stack = await harness.openStack(world.project.dir, STACK, doc, world.env);
        assert.equal((await stack.up()).summary.result, "succeeded");
        // This program's Pulumi.yaml: turning the setting on is a provider update; nothing is replaced.
        fs.writeFileSync(projectFile, stringify(project));
    });

    it("upgrading to in-place Secret updates replaces, creates and deletes nothing", async () => {
        const { changes } = await previewChanges(stack);
        // Only the default provider's config changes (the toolchain's provider version names it).
        assert.deepEqual(changes, ["update pulumi:providers:kubernetes default_4_25_0"]);
        const up = await stack.up();
        assert.equal(up.summary.result, "succeeded");
        const counts = up.summary.resourceChanges ?? {};
        assert.deepEqual(
            Object.keys(counts).filter((k) => k !== "same" && k !== "update"),
            [],
            JSON.stringify(counts),
        );
        await stack.preview({ expectNoChanges: true });
    });

    it("a token rotation: preview shows the Secret and the Release updated; up keeps the Secret's uid and rolls each Deployment once", async () => {
        const secretBefore = await tokenSecret();
        assert.ok(secretBefore !== undefined, "the token Secret exists");
        const before = new Map((await deployments()).map((d) => [d.metadata.name, d]));
        assert.ok(before.size > 0);

        doc = harness.withConfig(doc, { agentToken: harness.secure(`e2e-rotated-${Date.now().toString(36)}`) });
        harness.writeStackFile(world.project.dir, STACK, doc);

        // Before up: an in-place update of the Secret and the Release update that rolls the pods (its values:
        // the rollout annotation).
        const { changes, releaseDiffs } = await previewChanges(stack);
        assert.deepEqual(changes, [`update ${SECRET_URN}`, `update ${RELEASE_URN}`].sort());
        assert.ok(
            releaseDiffs.some((d) => d.startsWith("values")),
            `the Release's values change: ${releaseDiffs.join(", ")}`,
        );

        const deleted: string[] = [];
        const up = await stack.up({
            onEvent: (e: EngineEvent) => {
                const m = e.resOutputsEvent?.metadata;
                if (m !== undefined && ["delete", "replace", "create-replacement", "delete-replaced"].includes(m.op)) {
                    deleted.push(`${m.op} ${m.urn}`);
                }
            },
        });
        assert.equal(up.summary.result, "succeeded");
        assert.deepEqual(up.summary.resourceChanges, { same: 15, update: 2 });
        assert.deepEqual(deleted, []);

        const secretAfter = await tokenSecret();
        assert.equal(secretAfter?.metadata.uid, secretBefore.metadata.uid, "the Secret was updated in place");
        for (const d of await deployments()) {
            const was = before.get(d.metadata.name);
            assert.ok(was !== undefined, d.metadata.name);
            assert.equal(
                Number(d.metadata.annotations?.[REVISION]),
                Number(was.metadata.annotations?.[REVISION]) + 1,
                `${d.metadata.name}: rolled exactly once`,
            );
        }
        await stack.preview({ expectNoChanges: true });
    });
});

describe("end to end: failover from a stopped API server while a token rotation is pending", function () {
    this.timeout(600_000);
    const world = harness.e2eFleetWorld("rotation failover e2e", 2, { podReadyDelayMs: harness.POD_READY_DELAY_MS });
    const STACK_F = "e2e-rotation-fleet";
    const WORKER = "astro-dev-worker-default-worker";
    let primary: Kube;
    let dr: Kube;
    let stack: Stack;
    let kubeconfigs: string[];
    let token = "e2e-token-1";

    const fleetDoc = (marker: { primaryStandby: boolean; unreachable?: boolean }): harness.StackDoc =>
        harness.withConfig(harness.readExample("dev"), {
            namespace: NS,
            chart: { path: harness.STAND_IN_CHART },
            agentToken: harness.secure(token),
            clusters: [
                {
                    name: "primary",
                    kubeconfig: harness.secure(kubeconfigs[0] ?? ""),
                    standby: marker.primaryStandby,
                    ...(marker.unreachable === undefined ? {} : { unreachable: marker.unreachable }),
                },
                { name: "dr", kubeconfig: harness.secure(kubeconfigs[1] ?? ""), standby: !marker.primaryStandby },
            ],
        });
    const worker = (kube: Kube) => kube.get<Deployment>(`/apis/apps/v1/namespaces/${NS}/deployments/${WORKER}`);
    const secret = (kube: Kube) =>
        kube.get<{ metadata: Meta; data?: Record<string, string> }>(`/api/v1/namespaces/${NS}/secrets/${TOKEN_SECRET}`);
    const tokenIn = async (kube: Kube) => Buffer.from((await secret(kube))?.data?.token ?? "", "base64").toString();

    before(async () => {
        [primary, dr] = world.kubes as [Kube, Kube];
        kubeconfigs = world.clusters.map((c) => fs.readFileSync(c.kubeconfig, "utf8"));
        stack = await harness.openStack(world.project.dir, STACK_F, fleetDoc({ primaryStandby: false }), world.env);
        assert.equal((await stack.up()).summary.result, "succeeded");
        assert.equal((await worker(primary))?.spec.replicas, 1, "primary active");
        assert.equal((await worker(dr))?.spec.replicas, 0, "dr standby");
    });

    it("primary's API server stops; rotate the token and fail over with the marker: up exits 0 and dr serves, Ready", async () => {
        const drSecretUid = (await secret(dr))?.metadata.uid;
        const stopped = await stopApiServer(world.clusters[0]!.dir);
        try {
            token = "e2e-token-2-rotated";
            harness.writeStackFile(world.project.dir, STACK_F, fleetDoc({ primaryStandby: true, unreachable: true }));
            // The preview succeeds too: dr's rotation and promotion; of primary, only its provider's setting.
            const { changes } = await previewChanges(stack);
            assert.deepEqual(changes, [
                "update kubernetes:core/v1:Secret astro-agent-dr-credentials-agent-token",
                "update kubernetes:helm.sh/v3:Release astro-agent-dr-release",
                "update pulumi:providers:kubernetes astro-agent-primary-kubernetes",
            ]);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            // dr promoted: its workers scaled up and Ready when up returned; its token rotated in place.
            const d = await worker(dr);
            assert.equal(d?.spec.replicas, 1, "dr's workers scaled up");
            assert.equal(d.status?.readyReplicas, 1, "dr's workers Ready when up returned");
            assert.equal(await tokenIn(dr), token, "dr has the new token");
            assert.equal((await secret(dr))?.metadata.uid, drSecretUid, "dr's token Secret updated in place");
        } finally {
            await stopped.start(primary);
        }
        // Primary was held as deployed: still the old token, still active, until the marker goes.
        assert.equal(await tokenIn(primary), "e2e-token-1");
        assert.equal((await worker(primary))?.spec.replicas, 1);
    });

    it("primary back, marker removed: preview shows primary's pending changes, up applies them, then a no-op", async () => {
        harness.writeStackFile(world.project.dir, STACK_F, fleetDoc({ primaryStandby: true }));
        const { changes } = await previewChanges(stack);
        for (const c of [
            "update kubernetes:core/v1:Secret astro-agent-primary-credentials-agent-token",
            "update kubernetes:helm.sh/v3:Release astro-agent-primary-release",
        ]) {
            assert.ok(changes.includes(c), `preview: ${c} (${changes.join("; ")})`);
        }
        assert.deepEqual(
            changes.filter((c) => !c.startsWith("update ")),
            [],
            "nothing created, replaced or deleted",
        );
        const primarySecretUid = (await secret(primary))?.metadata.uid;
        assert.equal((await stack.up()).summary.result, "succeeded");
        assert.equal(await tokenIn(primary), token, "primary has the new token");
        assert.equal((await secret(primary))?.metadata.uid, primarySecretUid, "updated in place");
        assert.equal((await worker(primary))?.spec.replicas, 0, "primary is standby");
        assert.equal((await worker(dr))?.spec.replicas, 1, "dr still serves");
        await stack.preview({ expectNoChanges: true });
    });
});
