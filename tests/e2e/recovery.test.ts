// Recovering an interrupted `pulumi up` (docs/recovery.md) on the real engine and a local API server with
// kwok's simulated nodes: the engine killed during the Helm install, the engine killed during Helm's wait,
// and the API server stopped mid-install (etcd keeps the data) and started again. Each time the doctor
// names the stuck release and the recover command, and the documented sequence (`npm run recover`,
// `pulumi up`) converges: every Deployment ready, no pending release Secret, no object in the namespace
// that neither the release's manifest nor the stack's state accounts for, and a no-op preview.
//
// One cluster for the file. Each scenario is a first install, so each has its own stack and namespace
// (re-using one stack would need a `pulumi destroy` between them, which costs more than a new stack).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as zlib from "node:zlib";
import { parseAllDocuments } from "yaml";
import * as harness from "./harness";
import { killTree, providersIn, startUp as startUpIn } from "./interrupt";

/** Long enough for a kill "during the wait" to land while no pod is Ready yet. */
const POD_READY_DELAY_MS = 6000;
const RELEASE = "astro-dev";

interface Meta {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; uid: string }[];
}
interface Obj {
    metadata: Meta;
}
interface Deployment extends Obj {
    spec: { replicas?: number };
    status?: { readyReplicas?: number };
}
interface Secret extends Obj {
    data?: Record<string, string>;
}

describe("end to end: recovering an interrupted up", function () {
    this.timeout(300_000);
    const world = harness.e2eWorld("recovery e2e", { podReadyDelayMs: POD_READY_DELAY_MS });
    const cleanup: number[] = [];
    const timings: string[] = [];

    after(() => {
        // Providers a killed engine left behind (ours only: started in this suite's scratch project).
        // (world is empty when the toolchain is missing and the suite was skipped.)
        const left = (world as Partial<harness.E2eWorld>).project === undefined ? [] : providersIn(world.project.dir);
        for (const pid of [...cleanup, ...left]) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        console.log(`    recovery e2e timings: ${timings.join("; ")}`);
    });

    const env = () => ({ ...process.env, ...world.env });
    const cli = (args: string[]) =>
        spawnSync("pulumi", [...args, "--non-interactive"], { cwd: world.project.dir, encoding: "utf8", env: env() });
    const script = (name: string, stack: string, ...extra: string[]) =>
        spawnSync("npx", ["tsx", `scripts/${name}.ts`, "--stack", stack, "--cwd", world.project.dir, ...extra], {
            cwd: harness.ROOT,
            encoding: "utf8",
            env: env(),
        });

    const startUp = (stack: string) => startUpIn(world.project.dir, stack, env());

    const releaseSecrets = (ns: string) =>
        world.kube.list<Secret>(
            `/api/v1/namespaces/${ns}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${RELEASE}`)}`,
        );
    const statuses = async (ns: string) => (await releaseSecrets(ns)).map((s) => s.metadata.labels?.status ?? "?");

    async function newStack(name: string, ns: string): Promise<void> {
        const doc = harness.withConfig(harness.readExample("dev"), {
            namespace: ns,
            chart: { path: harness.STAND_IN_CHART },
        });
        await harness.openStack(world.project.dir, name, doc, world.env);
    }

    /** What the release's current manifest and the stack's state account for in `ns`: `Kind/name`. */
    async function accountedFor(stack: string, ns: string): Promise<Set<string>> {
        const known = new Set<string>();
        for (const s of await releaseSecrets(ns)) {
            known.add(`Secret/${s.metadata.name}`);
            if (s.metadata.labels?.status !== "deployed") {
                continue;
            }
            // data.release: base64 (the API) of base64 (Helm) of gzipped JSON.
            const helm = Buffer.from(s.data?.release ?? "", "base64").toString("utf8");
            const rel = JSON.parse(zlib.gunzipSync(Buffer.from(helm, "base64")).toString("utf8")) as {
                manifest: string;
            };
            for (const doc of parseAllDocuments(rel.manifest)) {
                const o = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
                if (o?.kind !== undefined && o.metadata?.name !== undefined) {
                    known.add(`${o.kind}/${o.metadata.name}`);
                }
            }
        }
        const exported = JSON.parse(cli(["stack", "export", "--stack", stack]).stdout) as {
            deployment: { resources: { type: string; id?: string }[] };
        };
        for (const r of exported.deployment.resources) {
            const m = /^kubernetes:[^:]+\/v1:(\w+)$/.exec(r.type);
            if (m?.[1] !== undefined && r.id !== undefined) {
                known.add(`${m[1]}/${r.id.split("/").pop() ?? ""}`);
            }
        }
        return known;
    }

    /** The documented sequence after an interrupted `up`, and everything that must hold afterwards. */
    async function recoverAndConverge(stack: string, ns: string, cause: "release-stuck" | "release-not-in-state") {
        let t0 = Date.now();
        const lap = (what: string) => {
            timings.push(`${stack} ${what} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
            t0 = Date.now();
        };
        const doctor = script("doctor", stack);
        lap("doctor");
        assert.equal(doctor.status, 1, doctor.stdout + doctor.stderr);
        const first = doctor.stdout.split("\n").find((l) => /^\s+(ERROR|WARN)/.test(l)) ?? "";
        assert.match(first, new RegExp(`ERROR ${cause}: Helm release ${RELEASE} is `), doctor.stdout);
        assert.match(doctor.stdout, new RegExp(`fix: run \`npm run recover -- --stack ${stack}\``), doctor.stdout);
        if (cause === "release-stuck") {
            assert.match(first, /stuck in pending-install at revision 1/);
        }

        const recover = script("recover", stack);
        assert.equal(recover.status, 0, recover.stdout + recover.stderr);
        lap("recover");
        const up = cli(["up", "--yes", "--skip-preview", "--stack", stack]);
        assert.equal(up.status, 0, up.stdout + up.stderr);
        lap("up");
        const preview = cli(["preview", "--expect-no-changes", "--stack", stack]);
        assert.equal(preview.status, 0, preview.stdout + preview.stderr);
        lap("preview");

        // Every Deployment ready (up waited for them), the release deployed, nothing pending.
        const deployments = await world.kube.list<Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments`);
        assert.equal(deployments.length, 4, deployments.map((d) => d.metadata.name).join(", "));
        for (const d of deployments) {
            assert.equal(d.status?.readyReplicas, d.spec.replicas ?? 1, `${d.metadata.name} ready`);
        }
        const after = await statuses(ns);
        assert.equal(after[after.length - 1], "deployed", after.join(", "));
        assert.deepEqual(
            after.filter((s) => s.startsWith("pending-")),
            [],
        );

        // No orphans: every object of these kinds is in the release's manifest or the stack's state.
        const known = await accountedFor(stack, ns);
        const kinds: [string, string][] = [
            ["Deployment", `/apis/apps/v1/namespaces/${ns}/deployments`],
            ["ServiceAccount", `/api/v1/namespaces/${ns}/serviceaccounts`],
            ["Secret", `/api/v1/namespaces/${ns}/secrets`],
            ["ConfigMap", `/api/v1/namespaces/${ns}/configmaps`],
            ["PersistentVolumeClaim", `/api/v1/namespaces/${ns}/persistentvolumeclaims`],
            ["Role", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`],
            ["RoleBinding", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`],
        ];
        const clusterMade = new Set(["ServiceAccount/default", "ConfigMap/kube-root-ca.crt"]);
        const orphans: string[] = [];
        for (const [kind, list] of kinds) {
            for (const o of await world.kube.list<Obj>(list)) {
                const key = `${kind}/${o.metadata.name}`;
                if (!known.has(key) && !clusterMade.has(key)) {
                    orphans.push(key);
                }
            }
        }
        assert.deepEqual(orphans, [], "objects neither the release nor the state accounts for");
        // ReplicaSets and pods belong to the live Deployments.
        const uids = new Set(deployments.map((d) => d.metadata.uid));
        for (const rs of await world.kube.list<Obj>(`/apis/apps/v1/namespaces/${ns}/replicasets`)) {
            assert.ok(
                (rs.metadata.ownerReferences ?? []).some((o) => uids.has(o.uid)),
                `ReplicaSet ${rs.metadata.name} is owned by a live Deployment`,
            );
        }
    }

    it("the engine killed (SIGKILL, with its provider) during the Helm install: pending-install is cleared, up converges", async () => {
        const stack = "e2e-recovery-kill-install";
        const ns = "astro-e2e-recovery-a";
        await newStack(stack, ns);
        const up = startUp(stack);
        await world.kube.waitFor(
            "the release Secret in pending-install",
            async () => (await statuses(ns)).includes("pending-install"),
            180,
        );
        // The engine and everything it started (language host, provider plugins): a runner that dies.
        killTree(up.child.pid as number);
        await up.exited;
        assert.deepEqual(await statuses(ns), ["pending-install"]);
        await recoverAndConverge(stack, ns, "release-stuck");
    });

    it("the engine killed (its PID, SIGKILL) during Helm's wait: the install finishes unrecorded, recover imports it, up converges", async () => {
        const stack = "e2e-recovery-kill-wait";
        const ns = "astro-e2e-recovery-b";
        await newStack(stack, ns);
        const up = startUp(stack);
        // Helm waits: the Deployments exist, no pod is Ready yet (kwok marks them Ready after the delay).
        await world.kube.waitFor(
            "Deployments created, pods not Ready, release pending-install",
            async () => {
                const deps = await world.kube.list<Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments`);
                return (
                    deps.length === 4 &&
                    deps.every((d) => (d.status?.readyReplicas ?? 0) === 0) &&
                    (await statuses(ns)).includes("pending-install")
                );
            },
            180,
        );
        process.kill(up.child.pid as number, "SIGKILL");
        await up.exited;
        // Only the engine died: its Kubernetes provider lives on and finishes Helm's install.
        const left = providersIn(world.project.dir);
        assert.ok(left.length > 0, "a provider outlives the killed engine");
        cleanup.push(...left);
        await world.kube.waitFor("the orphaned provider finishes the install", async () => {
            const s = await statuses(ns);
            return s.length === 1 && s[0] === "deployed";
        });
        await recoverAndConverge(stack, ns, "release-not-in-state");
        // Idle now; it would keep the next scenario's recover waiting (docs/recovery.md: stop it).
        for (const pid of left) {
            process.kill(pid, "SIGKILL");
        }
    });

    it("the API server stopped during the Helm install and started again (etcd kept): up fails, recover clears pending-install, up converges", async () => {
        const stack = "e2e-recovery-outage";
        const ns = "astro-e2e-recovery-c";
        await newStack(stack, ns);
        const t0 = Date.now();
        const up = startUp(stack);
        await world.kube.waitFor(
            "the release Secret in pending-install",
            async () => (await statuses(ns)).includes("pending-install"),
            180,
        );
        const cluster = world.cluster;
        cluster.stopApiServer();
        // Helm's wait gives up once the API server stays unreachable (about a minute); the engine exits 1.
        const code = await up.exited;
        assert.equal(code, 1, up.output());
        assert.match(up.output(), /connection refused/);
        cluster.startApiServer();
        timings.push(`outage up failed after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
        assert.deepEqual(await statuses(ns), ["pending-install"]);
        await recoverAndConverge(stack, ns, "release-stuck");
    });
});
