// Tenant namespaces: `namespaceQuota` and `namespaceLimits` are created with the namespace (refused on
// an adopted one), validated like the API server validates them, and the agent's own pods (at their most
// replicas, the chart's default resources merged, init containers and the sidecar included) must fit.
import * as assert from "node:assert/strict";
import { validateStackConfig } from "../../chart/validate";
import { RemoteExecutionAgent } from "../../components";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { BASE_SECRET_KEYS, baseValues, PROJECT, raw } from "../fixtures/config";
import { rng } from "../lib/seeded";

type Values = Record<string, unknown>;
type Problem = { key: string; message: string };

function problems(change: (v: Values) => void): Problem[] {
    const v = baseValues();
    change(v);
    const r = validateStackConfig(
        raw(
            v,
            BASE_SECRET_KEYS.filter((k) => k in v),
        ),
    );
    return r.ok ? [] : r.problems;
}

/** Explicit resources on every component, so sums are known without the chart's defaults. */
const SMALL = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } };
function sized(v: Values): void {
    v.workers = [{ name: "default-worker", resources: SMALL }];
    v.dagProcessor = { resources: SMALL };
    v.triggerer = { resources: SMALL };
    v.sentinel = { resources: SMALL };
}

const FIT = ": the API server would refuse the pods past it; raise it to at least";

describe("tenant namespaces: namespaceQuota and namespaceLimits", () => {
    it("a quota the agent fits in, and limits it satisfies, pass", () => {
        assert.deepEqual(
            problems((v) => {
                sized(v);
                v.namespaceQuota = {
                    hard: { "requests.cpu": "400m", "limits.memory": "1Gi", pods: 4 },
                    scopes: ["NotTerminating"],
                };
                v.namespaceLimits = { min: { cpu: "100m" }, max: { memory: "256Mi" } };
            }),
            [],
        );
    });

    it("refuses both on an adopted namespace, naming each key", () => {
        const why = (key: string) =>
            `is only created with a namespace the program creates, and createNamespace is false: the namespace's owner sets quotas and limits on it (they would constrain every workload there, and the owner's tooling would fight over them). Remove ${key}, or set createNamespace: true`;
        assert.deepEqual(
            problems((v) => {
                v.createNamespace = false;
                v.namespaceQuota = { hard: { pods: 10 } };
                v.namespaceLimits = { defaultRequest: { cpu: "100m" } };
            }),
            [
                { key: "namespaceQuota", message: why("namespaceQuota") },
                { key: "namespaceLimits", message: why("namespaceLimits") },
            ],
        );
    });

    it("a quota too small names its key, the total and each component (a worker at its HPA maximum)", () => {
        assert.deepEqual(
            problems((v) => {
                sized(v);
                v.workers = [
                    {
                        name: "default-worker",
                        resources: SMALL,
                        hpa: { minReplicas: 1, maxReplicas: 5, queueMetric: { targetValue: 20 } },
                    },
                ];
                v.chart = { hpaShape: "replicaCount" };
                v.triggerer = { resources: SMALL, replicas: 2 };
                v.namespaceQuota = { hard: { "requests.cpu": "800m", pods: "8" } };
            }),
            [
                {
                    key: 'namespaceQuota.hard["requests.cpu"]',
                    message: `is 800m, but the agent's own pods at their most replicas (a worker's HPA maximum) take 900m (workers[0]: 5 x 100m, dagProcessor: 1 x 100m, triggerer: 2 x 100m, sentinel: 1 x 100m)${FIT} 900m, or lower the components' resources or replicas`,
                },
                {
                    key: "namespaceQuota.hard.pods",
                    message: `is 8, but the agent's own pods at their most replicas (a worker's HPA maximum) take 9 (workers[0]: 5, dagProcessor: 1, triggerer: 2, sentinel: 1)${FIT} 9, or lower the components' resources or replicas`,
                },
            ],
        );
    });

    it("the chart's default resources count (dag processor limits only: its request is its limit)", () => {
        const found = problems((v) => {
            v.workers = [{ name: "default-worker", resources: SMALL }];
            v.sentinel = { enabled: false };
            v.namespaceQuota = { hard: { "requests.memory": "1Gi" } };
        });
        assert.deepEqual(found, [
            {
                key: 'namespaceQuota.hard["requests.memory"]',
                message: `is 1Gi, but the agent's own pods at their most replicas (a worker's HPA maximum) take 4224Mi (workers[0]: 1 x 128Mi, dagProcessor: 1 x 2Gi, triggerer: 1 x 2Gi)${FIT} 4224Mi, or lower the components' resources or replicas`,
            },
        ]);
    });

    it("a container without what the quota caps is named (init containers and the sidecar included), unless a LimitRange default fills it", () => {
        const init = { name: "wait", image: "busybox:1.36", resources: { requests: { cpu: "50m" } } };
        const noMemory = (v: Values) => {
            sized(v);
            v.workers = [{ name: "default-worker", resources: SMALL, initContainers: [init] }];
            v.loggingSidecar = { enabled: true, image: "timberio/vector:0.45.0-debian", config: "sources: {}" };
            v.namespaceQuota = { hard: { "requests.memory": "8Gi" } };
        };
        const missing = (where: string, key: string): Problem => ({
            key,
            message: `${where} has no memory request, and namespaceQuota.hard caps requests.memory: the API server refuses a pod without it; set one here, or a default with namespaceLimits.defaultRequest.memory`,
        });
        assert.deepEqual(problems(noMemory), [
            missing("container 'vector-logging-sidecar' of workers[0]", "loggingSidecar.resources.requests.memory"),
            missing("init container 'wait' of workers[0]", "workers[0].initContainers[0].resources.requests.memory"),
            missing("container 'vector-logging-sidecar' of triggerer", "loggingSidecar.resources.requests.memory"),
        ]);
        assert.deepEqual(
            problems((v) => {
                noMemory(v);
                v.namespaceLimits = { defaultRequest: { memory: "64Mi" } };
            }),
            [],
        );
    });

    it("an init container larger than the pod's containers sets the pod's usage", () => {
        const found = problems((v) => {
            sized(v);
            const big = { name: "warm", image: "busybox:1.36", resources: { requests: { cpu: "2", memory: "1Mi" } } };
            v.workers = [{ name: "default-worker", resources: SMALL, replicas: 2, initContainers: [big] }];
            v.namespaceQuota = { hard: { "requests.cpu": "4" } };
        });
        assert.deepEqual(found, [
            {
                key: 'namespaceQuota.hard["requests.cpu"]',
                message: `is 4, but the agent's own pods at their most replicas (a worker's HPA maximum) take 4300m (workers[0]: 2 x 2, dagProcessor: 1 x 100m, triggerer: 1 x 100m, sentinel: 1 x 100m)${FIT} 4300m, or lower the components' resources or replicas`,
            },
        ]);
    });

    it("every container must satisfy the LimitRange after its defaults (min, max, ratio, a default limit below a request)", () => {
        const found = problems((v) => {
            sized(v);
            v.workers = [
                {
                    name: "default-worker",
                    resources: { requests: { cpu: "50m", memory: "2Gi" }, limits: { cpu: "1" } },
                },
            ];
            v.namespaceLimits = {
                min: { cpu: "100m" },
                max: { cpu: "500m", memory: "1Gi" },
                maxLimitRequestRatio: { cpu: "4" },
            };
        });
        const w = "container 'worker' of workers[0]";
        assert.deepEqual(found, [
            {
                key: "workers[0].resources.requests.memory",
                message: `${w}: its memory request 2Gi is above its limit 1Gi (the limit comes from namespaceLimits.default.memory, or max): the API server refuses the pod; set a limit here, or lower the request`,
            },
            {
                key: "workers[0].resources.requests.cpu",
                message: `${w}: its cpu request 50m is below namespaceLimits.min.cpu (100m): the API server refuses the pod; request at least 100m`,
            },
            {
                key: "workers[0].resources.limits.cpu",
                message: `${w}: its cpu limit 1 is above namespaceLimits.max.cpu (500m): the API server refuses the pod; lower it to at most 500m, or raise the max`,
            },
            {
                key: "workers[0].resources.limits.cpu",
                message: `${w}: its cpu limit/request ratio is 20, above namespaceLimits.maxLimitRequestRatio.cpu (4): the API server refuses the pod; raise the request or lower the limit`,
            },
        ]);
    });

    it("only cpu and memory must be on every container; ephemeral storage is counted where set (the chart's defaults merged under the values)", () => {
        const quota = (hard: string) => (v: Values) => {
            sized(v);
            v.namespaceQuota = { hard: { "requests.ephemeral-storage": hard } };
        };
        assert.deepEqual(problems(quota("3Gi")), []);
        assert.deepEqual(problems(quota("2Gi")), [
            {
                key: 'namespaceQuota.hard["requests.ephemeral-storage"]',
                message: `is 2Gi, but the agent's own pods at their most replicas (a worker's HPA maximum) take 3Gi (workers[0]: 1 x 0, dagProcessor: 1 x 1Gi, triggerer: 1 x 1Gi, sentinel: 1 x 1Gi)${FIT} 3Gi, or lower the components' resources or replicas`,
            },
        ]);
    });

    it("a limit below the LimitRange's min is refused too", () => {
        const found = problems((v) => {
            sized(v);
            v.workers = [{ name: "default-worker", resources: { requests: { cpu: "50m" }, limits: { cpu: "50m" } } }];
            v.namespaceLimits = { min: { cpu: "100m" } };
        });
        const w = "container 'worker' of workers[0]";
        assert.deepEqual(found, [
            {
                key: "workers[0].resources.requests.cpu",
                message: `${w}: its cpu request 50m is below namespaceLimits.min.cpu (100m): the API server refuses the pod; request at least 100m`,
            },
            {
                key: "workers[0].resources.limits.cpu",
                message: `${w}: its cpu limit 50m is below namespaceLimits.min.cpu (100m): the API server refuses the pod; raise it to at least 100m`,
            },
        ]);
    });

    it("the shapes are validated like the API server does, every problem at once", () => {
        assert.deepEqual(
            problems((v) => {
                v.namespaceQuota = {
                    hard: { "request.cpu": "1", "limits.nvidia.com/gpu": 1 },
                    scopes: ["BestEffort", "NotBestEffort"],
                };
                v.namespaceLimits = {
                    min: { memory: "2Gi" },
                    max: { memory: "1Gi" },
                    maxLimitRequestRatio: { cpu: "0.5" },
                };
            }),
            [
                {
                    key: 'namespaceQuota.hard["request.cpu"]',
                    message: "'request.cpu' is not a quota resource; did you mean 'requests.cpu'?",
                },
                {
                    key: 'namespaceQuota.hard["limits.nvidia.com/gpu"]',
                    message:
                        "'limits.nvidia.com/gpu': extended resources are quota'd by requests only; use requests.nvidia.com/gpu",
                },
                {
                    key: "namespaceQuota.scopes",
                    message:
                        "lists two opposite scopes (Terminating/NotTerminating or BestEffort/NotBestEffort); keep one",
                },
                {
                    key: "namespaceLimits.min.memory",
                    message: "must not exceed max.memory (1Gi); Kubernetes refuses the LimitRange",
                },
                {
                    key: "namespaceLimits.maxLimitRequestRatio.cpu",
                    message: "must be at least 1 (a limit is never below its request)",
                },
            ],
        );
    });

    it("generated replica counts and requests: the exact total fits, one millicore less is refused", () => {
        const next = rng(29);
        for (let n = 0; n < 25; n++) {
            const workers = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => ({
                name: `w${i}`,
                queues: [`q${i}`],
                replicas: Math.floor(next() * 6),
                resources: { requests: { cpu: `${10 + Math.floor(next() * 990)}m` }, limits: { cpu: "2" } },
            }));
            const triggerer = 1 + Math.floor(next() * 3);
            // Written out here: workers' replicas x request, the triggerer's replicas x 100m, the dag processor's and Sentinel's 100m.
            const milli =
                workers.reduce((s, w) => s + w.replicas * Number(w.resources.requests.cpu.slice(0, -1)), 0) +
                triggerer * 100 +
                200;
            const change = (hard: number) => (v: Values) => {
                sized(v);
                v.workers = workers;
                v.triggerer = { resources: SMALL, replicas: triggerer };
                v.namespaceQuota = { hard: { "requests.cpu": `${hard}m` } };
            };
            assert.deepEqual(problems(change(milli)), [], `case ${n}: ${milli}m fits`);
            const refused = problems(change(milli - 1));
            assert.equal(refused.length, 1, `case ${n}`);
            assert.equal(refused[0]?.key, 'namespaceQuota.hard["requests.cpu"]');
        }
    });
});

describe("tenant namespaces: the objects", () => {
    async function deploy(values: Values): Promise<RecordedResource[]> {
        const { resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () =>
                new RemoteExecutionAgent("agent", values as ConstructorParameters<typeof RemoteExecutionAgent>[1]),
        });
        return resources;
    }

    it("creates the ResourceQuota and LimitRange in the namespace it creates, quantities as strings", async () => {
        const v = baseValues();
        sized(v);
        v.namespaceQuota = { hard: { "requests.cpu": 4, pods: "10" }, scopes: ["NotTerminating"] };
        v.namespaceLimits = { defaultRequest: { cpu: "100m" }, max: { memory: "1Gi" } };
        const rs = await deploy(v);
        const quota = rs.filter((r) => r.type === "kubernetes:core/v1:ResourceQuota");
        const limits = rs.filter((r) => r.type === "kubernetes:core/v1:LimitRange");
        assert.equal(quota.length, 1);
        assert.equal(limits.length, 1);
        const q = quota[0]?.inputs as { metadata: Values; spec: Values };
        assert.equal(q.metadata.namespace, "astro-agent");
        assert.equal(q.metadata.name, "astro-agent-quota");
        assert.deepEqual(q.spec, { hard: { "requests.cpu": "4", pods: "10" }, scopes: ["NotTerminating"] });
        const l = limits[0]?.inputs as { metadata: Values; spec: Values };
        assert.equal(l.metadata.name, "astro-agent-limits");
        assert.deepEqual(l.spec, {
            limits: [{ type: "Container", max: { memory: "1Gi" }, defaultRequest: { cpu: "100m" } }],
        });
    });

    it("creates neither without the keys", async () => {
        const rs = await deploy(baseValues());
        assert.deepEqual(
            rs.filter(
                (r) => r.type === "kubernetes:core/v1:ResourceQuota" || r.type === "kubernetes:core/v1:LimitRange",
            ),
            [],
        );
    });
});
