// The doctor on a cluster with nodes: the real kube-scheduler places (or refuses) the agent's pods on kwok's
// simulated pool (scripts/cluster/node-pool.json: two "general" 4-CPU nodes, one 8-CPU "workers" node tainted
// astro.local/pool=workers:NoSchedule), and the doctor's findings come from its FailedScheduling events. The
// crash loop is SIMULATED by kwok (scripts/cluster/stages/pod-crashloop.yaml): no container runs here.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { Stack } from "@pulumi/pulumi/automation";
import type { Deployment, DoctorReport, Finding, Pod } from "../../doctor";
import { e2eWorld, openStack, readExample, ROOT, STAND_IN_CHART, withConfig } from "./harness";

const NS = "astro-doctor-nodes";
const IMAGE = "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1";
const WORKERS_POOL = { "astro.local/pool": "workers" };
const TOLERATE_WORKERS = [{ key: "astro.local/pool", operator: "Equal", value: "workers", effect: "NoSchedule" }];
const SMALL = { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } };

/** workers[i]: what it asks for, and the Deployment the chart makes of it. */
const WORKERS = [
    { name: "too-big", resources: { requests: { cpu: "64", memory: "1Gi" }, limits: { cpu: "64", memory: "2Gi" } } },
    { name: "elsewhere", nodeSelector: { "astro.local/pool": "gpu" } },
    { name: "untolerated", nodeSelector: WORKERS_POOL },
    { name: "tolerated", nodeSelector: WORKERS_POOL, tolerations: TOLERATE_WORKERS },
    { name: "crashing", image: `${IMAGE}-kwok-crashloop` },
].map((w) => ({ queues: [w.name], replicas: 1, resources: SMALL, ...w }));

const deployment = (name: string) => `astro-dev-worker-${name}`;

describe("doctor on simulated nodes: the real scheduler's reasons, a simulated crash loop", function () {
    this.timeout(300_000);
    const world = e2eWorld("doctor-nodes");
    // Nested, so its `after` (destroy) runs before e2eWorld's (the cluster stops).
    describe("five workers: three that fit no node, one for the tainted pool, one crash-looping", () => {
        let stack: Stack;
        let report: DoctorReport;
        let text: string;

        async function podsOf(name: string): Promise<Pod[]> {
            return (await world.kube.list<Pod>(`/api/v1/namespaces/${NS}/pods`)).filter((p) =>
                p.metadata.name.startsWith(`${deployment(name)}-`),
            );
        }

        async function failedScheduling(name: string): Promise<boolean> {
            const pods = await podsOf(name);
            const events = await world.kube.list<{ reason?: string; involvedObject: { name?: string } }>(
                `/api/v1/namespaces/${NS}/events?fieldSelector=reason%3DFailedScheduling`,
            );
            return pods.some((p) => events.some((e) => e.involvedObject.name === p.metadata.name));
        }

        before(async () => {
            const started = Date.now();
            const dev = readExample("dev");
            stack = await openStack(
                world.project.dir,
                "doctor-nodes",
                withConfig(dev, {
                    namespace: NS,
                    chart: { path: STAND_IN_CHART },
                    release: { skipAwait: true },
                    workers: WORKERS,
                }),
                world.env,
            );
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            await world.kube.waitFor(
                "FailedScheduling for too-big, elsewhere and untolerated; crashing in CrashLoopBackOff; the other Deployments ready",
                async () =>
                    (await failedScheduling("too-big")) &&
                    (await failedScheduling("elsewhere")) &&
                    (await failedScheduling("untolerated")) &&
                    (await podsOf("tolerated")).some((p) =>
                        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
                    ) &&
                    (await podsOf("crashing")).some((p) =>
                        p.status?.containerStatuses?.some((s) => s.state?.waiting?.reason === "CrashLoopBackOff"),
                    ) &&
                    (await world.kube.list<Deployment>(`/apis/apps/v1/namespaces/${NS}/deployments`))
                        .filter((d) => !/-worker-(too-big|elsewhere|untolerated|crashing)$/.test(d.metadata.name))
                        .every((d) => d.status?.readyReplicas === 1),
                90,
            );
            const run = (...extra: string[]) =>
                spawnSync(
                    "npx",
                    ["tsx", "scripts/doctor.ts", "--stack", "doctor-nodes", "--cwd", world.project.dir, ...extra],
                    {
                        cwd: ROOT,
                        encoding: "utf8",
                        env: { ...process.env, ...world.env },
                    },
                );
            const json = run("--json");
            assert.equal(json.status, 1, json.stderr);
            report = JSON.parse(json.stdout) as DoctorReport;
            text = run().stdout;
            console.log(`      up + scheduling + two doctor runs: ${((Date.now() - started) / 1000).toFixed(1)} s`);
            if (process.env.DOCTOR_PRINT === "1") {
                console.log(text);
            }
        });
        after(async () => {
            await stack.destroy();
        });

        let nodeCount = 0;
        before(async () => {
            // The scheduler's message counts every node of the pool (scripts/cluster/node-pool.json).
            nodeCount = (await world.kube.list<unknown>("/api/v1/nodes")).length;
            assert.ok(nodeCount >= 3);
        });

        function findingsOf(name: string): Finding[] {
            const c = report.agents[0]?.components.find((x) => x.key === `worker:${name}`);
            assert.ok(c, `no component worker:${name} in the report`);
            return c.findings;
        }

        for (const [index, name, reason, key] of [
            [0, "too-big", /Insufficient cpu/, "resources.requests.cpu"],
            [1, "elsewhere", /didn't match Pod's node affinity\/selector/, "nodeSelector"],
            [2, "untolerated", /untolerated taint/, "tolerations"],
        ] as const) {
            it(`workers[${index}] (${name}): unschedulable, from the scheduler's FailedScheduling, naming workers[${index}].${key}`, () => {
                const [f, ...rest] = findingsOf(name);
                assert.deepEqual(rest, [], JSON.stringify(rest));
                assert.ok(f);
                assert.equal(f.cause, "unschedulable");
                assert.match(f.summary, new RegExp(`^pod cannot be scheduled: 0/${nodeCount} nodes are available: `));
                assert.match(f.summary, reason);
                assert.ok(f.configKeys.includes(`workers[${index}].${key}`), f.configKeys.join(", "));
                assert.match(
                    text,
                    new RegExp(
                        `^ {2}worker:${name} \\(workers\\[${index}\\]; Deployment ${deployment(name)}\\): 0/1 ready\\n(?:.*\\n)*? {4}ERROR unschedulable: pod cannot be scheduled: 0/${nodeCount} nodes`,
                        "m",
                    ),
                );
            });
        }

        it("workers[3] (tolerated): its toleration and nodeSelector fit the tainted pool, so it runs there and is healthy", async () => {
            assert.deepEqual(findingsOf("tolerated"), []);
            const pods = await podsOf("tolerated");
            assert.deepEqual(
                pods.map((p) => p.spec?.nodeName),
                ["kwok-workers-a"],
            );
            assert.match(
                text,
                /^ {2}worker:tolerated \(workers\[3\]; Deployment astro-dev-worker-tolerated\): 1\/1 ready$/m,
            );
        });

        it("workers[4] (crashing): the simulated CrashLoopBackOff is reported as a crash loop of that component", () => {
            const [f, ...rest] = findingsOf("crashing");
            assert.deepEqual(rest, [], JSON.stringify(rest));
            assert.ok(f);
            assert.equal(f.cause, "crash");
            assert.equal(f.component, "worker:crashing");
            assert.match(f.summary, /^container worker keeps exiting \(Error, exit code 1, 5 restarts\)$/);
            assert.match(
                text,
                /^ {2}worker:crashing \(workers\[4\]; Deployment astro-dev-worker-crashing\): 0\/1 ready\n {4}pod astro-dev-worker-crashing-[a-z0-9]+-[a-z0-9]+: Running, 5 restarts; worker waiting: CrashLoopBackOff.*\n(?:.*\n)*? {4}ERROR crash: container worker keeps exiting/m,
            );
        });

        it("the other components are healthy, and the whole report has exactly these problems", () => {
            const agent = report.agents[0];
            assert.ok(agent);
            assert.equal(report.ok, false);
            assert.deepEqual(
                [...agent.findings, ...agent.components.flatMap((c) => c.findings)].map(
                    (f) => `${f.component}:${f.cause}`,
                ),
                [
                    "worker:too-big:unschedulable",
                    "worker:elsewhere:unschedulable",
                    "worker:untolerated:unschedulable",
                    "worker:crashing:crash",
                ],
            );
            for (const c of agent.components.filter((x) => !x.key.startsWith("worker:"))) {
                assert.equal(c.ready, "1/1", c.key);
            }
        });
    });
});
