// The doctor against a real API server: this suite starts its local cluster without nodes (and so
// without a scheduler), so agent pods stay Pending; a pull Secret for the wrong registry is a second,
// independent problem.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { Stack } from "@pulumi/pulumi/automation";
import type { DoctorReport } from "../../doctor";
import { e2eWorld, openStack, readExample, ROOT, STAND_IN_CHART, withConfig, type StackDoc } from "./harness";

/** The dev example's decrypted placeholders: never in doctor output. */
const DEV_SECRETS = ["dev-agent-token-not-a-real-token", "dev-astro-api-token-not-a-real-token"];

describe("doctor: real engine, real API server", function () {
    this.timeout(300_000);
    const world = e2eWorld("doctor", { nodes: false });

    function doctor(stack: string, ...extra: string[]) {
        const started = Date.now();
        const r = spawnSync(
            "npx",
            ["tsx", "scripts/doctor.ts", "--stack", stack, "--cwd", world.project.dir, ...extra],
            { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...world.env } },
        );
        return { ...r, seconds: (Date.now() - started) / 1000 };
    }

    function devStack(namespace: string, registry: string): StackDoc {
        const dev = readExample("dev");
        const pull = dev.config["astro-agent:imagePullCredentials"] as Record<string, unknown>;
        return withConfig(dev, {
            namespace,
            chart: { path: STAND_IN_CHART },
            release: { skipAwait: true },
            imagePullCredentials: { ...pull, registry },
        });
    }

    async function podsCreated(namespace: string, count: number): Promise<void> {
        await world.kube.waitFor(
            `${count} pods in ${namespace} (kube-controller-manager creates them; nothing schedules them)`,
            async () => (await world.kube.list(`/api/v1/namespaces/${namespace}/pods`)).length >= count,
            90,
        );
    }

    describe("a stack whose pods cannot start, with a pull Secret for the wrong registry", () => {
        const NS = "astro-doctor-sick";
        let stack: Stack;

        before(async () => {
            stack = await openStack(world.project.dir, "doctor-sick", devStack(NS, "registry.example.com"), world.env);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            await podsCreated(NS, 4);
        });
        after(async () => {
            await stack.destroy();
        });

        it("names each component, the cause and the key to fix, and exits non-zero", () => {
            const r = doctor("doctor-sick");
            assert.equal(r.status, 1, r.stderr);
            const out = r.stdout;
            assert.match(out, /^agent doctor-sick \(namespace astro-doctor-sick\): NOT HEALTHY, 6 problems$/m);
            assert.match(out, /ERROR no-nodes: the cluster has no nodes: no agent pod can run/);
            assert.match(
                out,
                /ERROR pull-secret-registry: the image pull Secret 'astro-dev-image-pull' has credentials for registry\.example\.com, not for images\.astronomer\.cloud/,
            );
            assert.match(out, /config: imagePullCredentials\.registry, imagePullSecretName/);
            for (const [key, configPath, deployment] of [
                ["worker:default-worker", "workers\\[0\\]", "astro-dev-worker-default-worker"],
                ["dagProcessor", "dagProcessor", "astro-dev-dag-processor"],
                ["triggerer", "triggerer", "astro-dev-triggerer"],
                ["sentinel", "sentinel", "astro-dev-sentinel"],
            ] as const) {
                const block = new RegExp(
                    `^ {2}${key} \\(${configPath}; Deployment ${deployment}\\): 0/1 ready\\n {4}pod ${deployment}-[a-z0-9]+-[a-z0-9]+: Pending, 0 restarts\\n {4}ERROR not-scheduled: pod is Pending: the cluster has no nodes to run it\\n.*\\n {10}config: ${configPath}\\.nodeSelector, ${configPath}\\.tolerations, ${configPath}\\.resources$`,
                    "m",
                );
                assert.match(out, block, `${key}:\n${out}`);
            }
            for (const s of DEV_SECRETS) {
                assert.ok(!out.includes(s) && !r.stderr.includes(s), "doctor printed a secret value");
            }
            console.log(`      doctor took ${r.seconds.toFixed(1)} s`);
            if (process.env.DOCTOR_PRINT === "1") {
                console.log(out);
            }
        });

        it("--json gives the same findings for machines, without secret values", () => {
            const r = doctor("doctor-sick", "--json");
            assert.equal(r.status, 1, r.stderr);
            const report = JSON.parse(r.stdout) as DoctorReport;
            const agent = report.agents[0];
            assert.ok(agent);
            assert.deepEqual(
                [...agent.findings, ...agent.components.flatMap((c) => c.findings)].map(
                    (f) => `${f.component}:${f.cause}`,
                ),
                [
                    "agent:pull-secret-registry",
                    "agent:no-nodes",
                    "worker:default-worker:not-scheduled",
                    "dagProcessor:not-scheduled",
                    "triggerer:not-scheduled",
                    "sentinel:not-scheduled",
                ],
            );
            for (const s of DEV_SECRETS) {
                assert.ok(!r.stdout.includes(s));
            }
        });
    });

    describe("the release wait explains itself", () => {
        const NS = "astro-doctor-wait";
        let stack: Stack;

        after(async () => {
            await stack.destroy();
        });

        it("while Helm waits, progress lines name each component; when the wait fails, the error names the pods and causes", async () => {
            const doc = withConfig(devStack(NS, "images.astronomer.cloud"), {
                release: { skipAwait: false, timeoutSeconds: 45 },
            });
            stack = await openStack(world.project.dir, "doctor-wait", doc, world.env);
            let out = "";
            const started = Date.now();
            const print = process.env.DOCTOR_PRINT === "1";
            await assert.rejects(
                stack.up({
                    onOutput: (s) => {
                        out += s;
                        if (print) {
                            process.stdout.write(s);
                        }
                    },
                }),
            );
            const seconds = (Date.now() - started) / 1000;
            // Helm's own message is still there...
            assert.match(out, /context deadline exceeded|timed out|failed to become available/i);
            // ...and next to it, what the doctor sees.
            assert.match(out, /what the cluster shows for the agent/);
            for (const key of ["worker:default-worker", "dagProcessor", "triggerer", "sentinel"]) {
                assert.match(out, new RegExp(`${key} \\([^)]*\\): 0/1 ready`), key);
            }
            assert.match(out, /ERROR not-scheduled: pod is Pending: the cluster has no nodes to run it/);
            assert.match(out, /config: workers\[0\]\.nodeSelector, workers\[0\]\.tolerations, workers\[0\]\.resources/);
            // Progress while waiting (every 20 s).
            assert.match(
                out,
                /waiting for the agent \(\d+s\): worker:default-worker 0\/1 \(not-scheduled\), dagProcessor 0\/1 \(not-scheduled\), triggerer 0\/1 \(not-scheduled\), sentinel 0\/1 \(not-scheduled\)/,
            );
            for (const s of DEV_SECRETS) {
                assert.ok(!out.includes(s), "a secret value in the output");
            }
            console.log(`      up failed after ${seconds.toFixed(0)} s (timeoutSeconds 45)`);
        });
    });

    describe("healthy by construction (release.skipAwait: pods are not expected to run)", () => {
        const NS = "astro-doctor-ok";
        let stack: Stack;

        before(async () => {
            stack = await openStack(world.project.dir, "doctor-ok", devStack(NS, "images.astronomer.cloud"), world.env);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
        });
        after(async () => {
            await stack.destroy();
        });

        it("objects present, Secrets and annotations matching: --objects-only passes (exit 0)", () => {
            const r = doctor("doctor-ok", "--objects-only");
            assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
            assert.match(r.stdout, /^agent doctor-ok \(namespace astro-doctor-ok\): OK$/m);
            for (const d of ["worker-default-worker", "dag-processor", "triggerer", "sentinel"]) {
                assert.match(r.stdout, new RegExp(`Deployment astro-dev-${d}\\): 0/1 ready$`, "m"));
            }
        });

        it("a ServiceAccount deleted behind Pulumi's back fails the same check and names it", async () => {
            const del = await world.kube.request(
                "DELETE",
                `/api/v1/namespaces/${NS}/serviceaccounts/astro-dev-triggerer`,
            );
            assert.equal(del.status, 200);
            const r = doctor("doctor-ok", "--objects-only");
            assert.equal(r.status, 1, r.stdout);
            assert.match(
                r.stdout,
                /ERROR service-account-missing: ServiceAccount 'astro-dev-triggerer' does not exist/,
            );
            assert.match(r.stdout, /config: triggerer\.serviceAccount/);
            await stack.refresh();
        });

        it("a stack that was never deployed cannot be checked (exit 2)", () => {
            const r = doctor("no-such-stack");
            assert.equal(r.status, 2);
            assert.match(r.stderr, /cannot read stack 'no-such-stack'/);
        });
    });
});
