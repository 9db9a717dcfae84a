// Two published agent setups, translated into stack config (tests/fixtures/stacks/), evaluate the way
// `pulumi up` would, and the forms their originals used but this program refuses are refused clearly.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import agentProgram from "../../index";
import { validateStackConfig } from "../../chart/validate";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { readStackFile, type StackFileConfig } from "../../scripts/lib/stackFile";

const ROOT = path.join(__dirname, "..", "..");
type Values = Record<string, unknown>;
type Env = { name: string; value?: string }[];

function stackFile(name: string): StackFileConfig {
    return readStackFile(ROOT, name, path.join(ROOT, "tests", "fixtures", "stacks", `Pulumi.${name}.yaml`));
}

async function releaseValues(name: string): Promise<Values> {
    const { resources } = await runUnderMocks({ ...stackFile(name), program: agentProgram });
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.ok(release, "a Helm release is registered");
    return release.inputs.values as Values;
}

/** Validation problems of the stack file with one key changed (values as the engine passes them). */
function problemsWith(name: string, key: string, change: (v: unknown) => unknown): string[] {
    const file = stackFile(name);
    const raw = file.config[key];
    const next = change(raw === undefined ? undefined : (JSON.parse(raw) as unknown));
    const values = Object.fromEntries(
        Object.entries({ ...file.config, [key]: next === undefined ? undefined : JSON.stringify(next) }).filter(
            (e): e is [string, string] => e[1] !== undefined,
        ),
    );
    const r = validateStackConfig({
        project: file.project,
        stack: file.stack,
        values,
        secretKeys: new Set(file.secretKeys),
    });
    return r.ok ? [] : r.problems.map((p) => `${p.key}: ${p.message}`);
}

const count = (env: unknown, name: string) => (env as Env).filter((e) => e.name === name).length;

describe("published setups as stack config", function () {
    this.timeout(60000);

    describe("crobertson-astro/aws-re-dr (two-region DR, chart 2.x)", () => {
        let v: Values;
        before(async () => (v = await releaseValues("aws-dr")));

        it("renders AWS_REGION once (from backend.region) and refuses the original's commonEnv copy", () => {
            assert.equal(count(v.commonEnv, "AWS_REGION"), 1);
            assert.equal(count(v.commonEnv, "AWS_DEFAULT_REGION"), 1);
            const found = problemsWith("aws-dr", "commonEnv", (env) => [
                ...(env as Env),
                { name: "AWS_REGION", value: "us-west-2" },
            ]);
            assert.deepEqual(found, [
                "commonEnv[1].name: 'AWS_REGION' is also set by the aws backend (from backend.region); remove it here, the backend's value is used",
            ]);
        });

        it("keeps the Git bundle with repo_url and the LocalDagBundle without path", () => {
            assert.deepEqual(JSON.parse(v.dagBundleConfigList as string), [
                {
                    name: "repo-dags",
                    classpath: "airflow.providers.git.bundles.git.GitDagBundle",
                    kwargs: {
                        repo_url: "https://github.com/crobertson-astro/aws-re-dr.git",
                        tracking_ref: "main",
                        subdir: "astro/dags",
                        git_conn_id: "git_repo",
                    },
                },
                { name: "dags-folder", classpath: "airflow.dag_processing.bundles.local.LocalDagBundle", kwargs: {} },
            ]);
        });

        it("runs Sentinel 1.7.2 from Astronomer's registry next to an ECR agent image; it cannot be derived", () => {
            const sentinel = v.sentinel as Values;
            assert.equal(sentinel.image, "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.2");
            assert.equal(sentinel.port, 8080);
            assert.deepEqual((sentinel.livenessProbe as Values).httpGet, { path: "health", port: 8080 });
            const found = problemsWith("aws-dr", "sentinel", (s) => ({ ...(s as Values), image: undefined }));
            assert.equal(found.length, 1);
            // The image is built by `astro remote deploy` and tagged by date: no agent version to go by.
            assert.match(
                found[0] ?? "",
                /^sentinel\.image: is required: the agent version cannot be read from `image`/,
            );
        });

        it("carries the published probes and the worker's (disabled) HPA block in the chart's shape", () => {
            const worker = (v.workers as Values[])[0] as Values;
            assert.equal((worker.livenessProbe as Values).initialDelaySeconds, 5);
            assert.equal(((v.triggerer as Values).readinessProbe as Values).initialDelaySeconds, 5);
            assert.equal(((v.dagProcessor as Values).livenessProbe as Values).initialDelaySeconds, 5);
            assert.equal(worker.canUseKubernetesPodOperator, false);
            const hpa = worker.hpa as Values;
            assert.equal(hpa.enabled, false);
            assert.deepEqual(hpa.metric, {
                enabled: true,
                name: "astro_agent_client_queued_or_running_tasks",
                target: { type: "Value", value: 20 },
            });
            assert.deepEqual(hpa.behavior, {
                scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
                scaleDown: { stabilizationWindowSeconds: 300 },
            });
        });
    });

    describe("astronomer/webinar-demos (EKS webinar, chart 1.x)", () => {
        let v: Values;
        before(async () => (v = await releaseValues("webinar-eks")));

        it("clones the Git connection's host: no repo_url in the bundle", () => {
            const [bundle] = JSON.parse(v.dagBundleConfigList as string) as { kwargs: Values }[];
            assert.deepEqual(bundle?.kwargs, {
                tracking_ref: "main",
                subdir: "dags",
                git_conn_id: "git_default",
                refresh_interval: 10,
            });
            const found = problemsWith("webinar-eks", "dagBundles", (b) =>
                (b as Values[]).map((x) => ({ ...x, gitConnId: undefined, private: false })),
            );
            assert.ok(
                found.some((p) => p.startsWith("dagBundles[0].repoUrl: is required")),
                found.join("\n"),
            );
        });

        it("renders AWS_DEFAULT_REGION once (from the external backend's env) and refuses a commonEnv copy", () => {
            assert.equal(count(v.commonEnv, "AWS_DEFAULT_REGION"), 1);
            const found = problemsWith("webinar-eks", "commonEnv", (env) => [
                ...(env as Env),
                { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
            ]);
            assert.deepEqual(found, [
                "commonEnv[8].name: 'AWS_DEFAULT_REGION' is also set by the external backend (from backend.env[0].name); remove it here, the backend's value is used",
            ]);
        });

        it("autoscales on the queue metric with the published behavior, and keeps the init container", () => {
            const worker = (v.workers as Values[])[0] as Values;
            assert.deepEqual(worker.hpa, {
                enabled: true,
                minReplicaCount: 1,
                maxReplicaCount: 5,
                metric: {
                    enabled: true,
                    name: "astro_agent_client_queued_or_running_tasks",
                    target: { type: "Value", value: 20 },
                },
                extraMetrics: [],
                behavior: {
                    scaleUp: {
                        stabilizationWindowSeconds: 0,
                        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
                    },
                    scaleDown: { stabilizationWindowSeconds: 300 },
                },
            });
            assert.equal(worker.replicas, 1);
            assert.deepEqual(
                (worker.initContainers as Values[]).map((c) => c.name),
                ["vault-agent"],
            );
            assert.deepEqual(v.sentinel, { enabled: false });
        });
    });
});
