// What published agent setups need and the config now expresses: env owned by one source, per-component
// extraValues layers, HPA shapes per chart version, probes, containers, security contexts that only
// tighten, ServiceAccount annotations, Git bundles without repoUrl, Sentinel images and settings, the
// logging sidecar's data dir, and LocalDagBundle without a path.
import * as assert from "node:assert/strict";
import { requireKnownWiring } from "../../config/wiring";
import { RemoteExecutionAgent } from "../../components";
import { backendFor } from "../../backends/registry";
import { agentObjectNames } from "../../chart/names";
import {
    applyExtraValueLayers,
    buildChartValues,
    dagBundleConfigList,
    extraValueLayers,
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    type ChartValues,
    type ResolvedBackend,
} from "../../chart/values";
import { defaultSentinelImage, hpaShapeForChart, SENTINEL_TAG_FOR_AGENT } from "../../config/chartVersions";
import { validateStackConfig } from "../../chart/validate";
import type { AgentConfig } from "../../config/schema";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

function result(change: (v: Values) => void) {
    const values = baseValues();
    change(values);
    return validateStackConfig(raw(values));
}

function configOf(change: (v: Values) => void = () => undefined): AgentConfig {
    const r = result(change);
    if (!r.ok) {
        throw new Error(r.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    }
    return r.config;
}

/** The problems of an invalid config, as `key: message` lines. */
function problems(change: (v: Values) => void): string[] {
    const r = result(change);
    if (r.ok) {
        assert.fail("expected the config to be refused");
    }
    return r.problems.map((p) => `${p.key}: ${p.message}`);
}

function refuses(change: (v: Values) => void, key: string, message: RegExp): void {
    const found = problems(change);
    assert.ok(
        found.some((p) => p.startsWith(`${key}: `) && message.test(p)),
        `expected '${key}: ${String(message)}' among:\n${found.join("\n")}`,
    );
}

const backend: ResolvedBackend = {
    secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
    secretBackendKwargs: { region_name: "eu-west-1" },
    xcomBackend: "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend",
    xcomPath: "s3://bucket/xcom",
    commonEnv: [],
    serviceAccountAnnotations: {},
    podLabels: {},
    volumes: [],
    volumeMounts: [],
};

function build(cfg: AgentConfig, b: ResolvedBackend = backend): ChartValues {
    return buildChartValues(
        requireKnownWiring(cfg),
        agentObjectNames({ resourceNamePrefix: cfg.resourceNamePrefix, workers: cfg.workers }),
        b,
    );
}

const AWS = { kind: "aws", region: "eu-west-1", eksClusterName: "prod-eks" };
const cpu = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } };
const worker = (v: ChartValues, i = 0) => (v.workers as ChartValues[])[i] as ChartValues;
const names = (list: unknown) => (list as { name: string }[]).map((x) => x.name);

describe("env names have one owner (point 3)", () => {
    it("refuses a commonEnv or component entry the AWS backend sets, naming the backend key", () => {
        refuses(
            (v) => Object.assign(v, { backend: AWS, commonEnv: [{ name: "AWS_REGION", value: "eu-west-1" }] }),
            "commonEnv[0].name",
            /'AWS_REGION' is also set by the aws backend \(from backend\.region\); remove it here/,
        );
        refuses(
            (v) =>
                Object.assign(v, {
                    backend: AWS,
                    workers: [{ name: "w", env: [{ name: "AWS_DEFAULT_REGION", value: "us-east-1" }] }],
                }),
            "workers[0].env[0].name",
            /'AWS_DEFAULT_REGION' is also set by the aws backend/,
        );
    });

    it("refuses a user entry the external backend's env sets, and program-generated names in component env", () => {
        refuses(
            (v) =>
                Object.assign(v, {
                    backend: {
                        kind: "external",
                        secretBackend: "a.b.C",
                        xcomPath: "s3://b/x",
                        env: [{ name: "AWS_REGION", value: "eu-west-1" }],
                    },
                    triggerer: { env: [{ name: "AWS_REGION", value: "eu-west-1" }] },
                }),
            "triggerer.env[0].name",
            /also set by the external backend \(from backend\.env\[0\]\.name\)/,
        );
        refuses(
            (v) => (v.dagProcessor = { env: [{ name: "AIRFLOW__SECRETS__BACKEND_KWARGS", value: "{}" }] }),
            "dagProcessor.env[0].name",
            /is generated by this program; set 'backend' instead/,
        );
        refuses(
            (v) => (v.sentinel = { env: [{ name: "HTTPS_PROXY", value: "http://p:3128" }] }),
            "sentinel.env[0].name",
            /set 'proxy\.httpsProxy' instead/,
        );
    });

    it("refuses duplicates inside any env list", () => {
        refuses(
            (v) =>
                (v.workers = [
                    {
                        name: "w",
                        env: [
                            { name: "X", value: "1" },
                            { name: "X", value: "2" },
                        ],
                    },
                ]),
            "workers[0].env[1].name",
            /duplicates workers\[0\]\.env\[0\]\.name 'X'/,
        );
        refuses(
            (v) =>
                (v.loggingSidecar = {
                    enabled: true,
                    image: "timberio/vector:0.45.0-debian",
                    env: [
                        { name: "V", value: "1" },
                        { name: "V", value: "2" },
                    ],
                }),
            "loggingSidecar.env[1].name",
            /duplicates loggingSidecar\.env\[0\]\.name 'V'/,
        );
    });

    it("lets a component env override a user commonEnv entry (the documented per-component override)", () => {
        const cfg = configOf((v) => {
            v.commonEnv = [{ name: "MY_FLAG", value: "1" }];
            v.workers = [{ name: "w", env: [{ name: "MY_FLAG", value: "2" }] }];
        });
        assert.deepEqual(worker(build(cfg)).env, [{ name: "MY_FLAG", value: "2" }]);
    });

    it("each backend declares exactly the env names its create() returns", async () => {
        const cases: [Values, string[]][] = [
            [{ kind: "local" }, []],
            [
                {
                    kind: "external",
                    secretBackend: "a.b.C",
                    xcomPath: "s3://b/x",
                    env: [{ name: "VAULT_NAMESPACE", value: "data" }],
                },
                ["VAULT_NAMESPACE"],
            ],
            [AWS, ["AWS_DEFAULT_REGION", "AWS_REGION"]],
        ];
        for (const [b, expected] of cases) {
            const cfg = configOf((v) => (v.backend = b));
            const declared = backendFor(cfg.backend.kind)
                .envNames(cfg.backend)
                .map((o) => o.name);
            assert.deepEqual(declared, expected, cfg.backend.kind);
            // Deploying checks create() against the declaration (it throws on an undeclared name).
            const { resources } = await runUnderMocks({
                project: PROJECT,
                stack: "test",
                config: {},
                program: () => new RemoteExecutionAgent("agent", cfg),
            });
            const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
            const env = names((release?.inputs.values as Values).commonEnv);
            for (const n of expected) {
                assert.equal(env.filter((x) => x === n).length, 1, `${cfg.backend.kind}: ${n} once`);
            }
        }
    });
});

describe("extraValues layers (point 4)", () => {
    const layered = () =>
        configOf((v) => {
            v.workers = [
                { name: "a" },
                {
                    name: "b",
                    resources: { requests: { cpu: "1", memory: "2Gi" } },
                    extraValues: { imagePullPolicy: "Always", resources: { limits: { cpu: "3" } } },
                },
            ];
            // httpGet: null drops the chart's default probe handler (Helm merges maps; two handlers are refused).
            v.triggerer = { extraValues: { livenessProbe: { tcpSocket: { port: 39091 }, httpGet: null } } };
            v.dagProcessor = { extraValues: {} };
            v.sentinel = { extraValues: { config: "heartbeat_interval: 60s" } };
            v.extraValues = { priorityClassName: "agents", sentinel: { podDisruptionBudget: { enabled: true } } };
        });

    it("lists every layer with its config path and chart path, in application order, top-level last", () => {
        assert.deepEqual(extraValueLayers(requireKnownWiring(layered())), [
            {
                configPath: ["workers", 1, "extraValues"],
                chartPath: ["workers", 1],
                values: { imagePullPolicy: "Always", resources: { limits: { cpu: "3" } } },
            },
            {
                configPath: ["triggerer", "extraValues"],
                chartPath: ["triggerer"],
                values: { livenessProbe: { tcpSocket: { port: 39091 }, httpGet: null } },
            },
            {
                configPath: ["sentinel", "extraValues"],
                chartPath: ["sentinel"],
                values: { config: "heartbeat_interval: 60s" },
            },
            {
                configPath: ["extraValues"],
                chartPath: [],
                values: { priorityClassName: "agents", sentinel: { podDisruptionBudget: { enabled: true } } },
            },
        ]);
        assert.deepEqual(extraValueLayers(requireKnownWiring(configOf())), []);
    });

    it("deep-merges each layer into its component instead of replacing the workers list", () => {
        const v = build(layered());
        assert.equal((v.workers as unknown[]).length, 2);
        assert.equal(worker(v, 0).imagePullPolicy, undefined);
        assert.equal(worker(v, 1).imagePullPolicy, "Always");
        assert.deepEqual(worker(v, 1).resources, { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "3" } });
        assert.equal(worker(v, 1).name, "b");
        assert.deepEqual((v.triggerer as ChartValues).livenessProbe, { tcpSocket: { port: 39091 }, httpGet: null });
        const sentinel = v.sentinel as ChartValues;
        assert.equal(sentinel.config, "heartbeat_interval: 60s");
        assert.deepEqual(sentinel.podDisruptionBudget, { enabled: true }, "the top-level layer is applied last");
        assert.equal(v.priorityClassName, "agents");
    });

    it("applies layers in order with maps merged and lists replaced", () => {
        const out = applyExtraValueLayers({ a: { b: 1, list: [1, 2] }, items: [{ x: 1 }, { x: 2 }] }, [
            { configPath: ["p"], chartPath: ["items", 1], values: { y: 3 } },
            { configPath: ["q"], chartPath: [], values: { a: { list: [9] } } },
        ]);
        assert.deepEqual(out, { a: { b: 1, list: [9] }, items: [{ x: 1 }, { x: 2, y: 3 }] });
    });

    it("refuses extraValues on a disabled Sentinel or logging sidecar, and inline secrets at the top", () => {
        refuses(
            (v) => (v.sentinel = { enabled: false, extraValues: { port: 9090 } }),
            "sentinel.extraValues",
            /sentinel\.enabled is false/,
        );
        refuses(
            (v) => (v.loggingSidecar = { extraValues: { preStopSleepSeconds: 10 } }),
            "loggingSidecar.extraValues",
            /loggingSidecar\.enabled is false/,
        );
        refuses(
            (v) => (v.extraValues = { sentinelAuthSecret: "plain" }),
            "extraValues.sentinelAuthSecret",
            /secret material/,
        );
    });
});

describe("worker autoscaling (point 4)", () => {
    const hpaWorker = (hpa: Values, extra: Values = {}) => ({
        name: "w",
        resources: { requests: { cpu: "1" } },
        hpa,
        ...extra,
    });
    const behavior = {
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
        scaleDown: { stabilizationWindowSeconds: 300 },
    };

    it("derives the shape from the chart version: replicaCount for 1.x and 2.x up to 2.3.3, unknown after", () => {
        assert.equal(hpaShapeForChart("1.0.0"), "replicaCount");
        assert.equal(hpaShapeForChart("2.0.0"), "replicaCount");
        assert.equal(hpaShapeForChart("2.3.3"), "replicaCount");
        assert.equal(hpaShapeForChart("2.3.4"), undefined);
        assert.equal(hpaShapeForChart("3.0.0"), undefined);
    });

    it("emits the published values files' shape with the queue metric, extra metrics and behavior", () => {
        const cfg = configOf(
            (v) =>
                (v.workers = [
                    hpaWorker({ maxReplicas: 5, queueMetric: { targetValue: 20 }, metrics: [cpu], behavior }),
                ]),
        );
        assert.deepEqual(worker(build(cfg)).hpa, {
            enabled: true,
            minReplicaCount: 1,
            maxReplicaCount: 5,
            metric: {
                enabled: true,
                name: "astro_agent_client_queued_or_running_tasks",
                target: { type: "Value", value: 20 },
            },
            extraMetrics: [cpu],
            behavior,
        });
    });

    it("emits the docs' shape when chart.hpaShape says so, the queue metric as an Object metric", () => {
        const cfg = configOf((v) => {
            v.chart = { version: "3.0.0", hpaShape: "replicas" };
            v.workers = [hpaWorker({ maxReplicas: 5, queueMetric: { targetValue: 20 }, metrics: [cpu], behavior })];
        });
        assert.deepEqual(worker(build(cfg)).hpa, {
            enabled: true,
            minReplicas: 1,
            maxReplicas: 5,
            metrics: [
                {
                    type: "Object",
                    object: {
                        describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "astro-worker-w" },
                        metric: { name: "astro_agent_client_queued_or_running_tasks" },
                        target: { type: "Value", value: 20 },
                    },
                },
                cpu,
            ],
            behavior,
        });
    });

    it("requires chart.hpaShape for an unchecked chart version, and a metric when enabled", () => {
        refuses(
            (v) => {
                v.chart = { version: "2.4.0" };
                v.workers = [hpaWorker({ metrics: [cpu] })];
            },
            "chart.hpaShape",
            /is required: workers\[0\]\.hpa is set and chart 2\.4\.0 is newer than the versions whose HPA values were checked/,
        );
        assert.doesNotThrow(() => configOf((v) => (v.chart = { version: "2.4.0" })), "no HPA, no shape needed");
        refuses(
            (v) => (v.workers = [hpaWorker({})]),
            "workers[0].hpa.metrics",
            /must list at least one metric \(or set hpa\.queueMetric\)/,
        );
        refuses(
            (v) => (v.workers = [hpaWorker({ metrics: [cpu], behavior: { scaleUp: { selectPolicy: "Fastest" } } })]),
            "workers[0].hpa.behavior.scaleUp.selectPolicy",
            /Max|Min|Disabled/,
        );
    });
});

describe("probes, containers, KubernetesPodOperator (point 4)", () => {
    const liveness = { httpGet: { path: "healthz", port: 39091 }, initialDelaySeconds: 5, periodSeconds: 5 };

    it("passes probes and the KPO switch through on every component", () => {
        const v = build(
            configOf((c) => {
                c.workers = [
                    { name: "w", livenessProbe: liveness, readinessProbe: liveness, canUseKubernetesPodOperator: true },
                ];
                c.triggerer = { readinessProbe: liveness };
                c.dagProcessor = { livenessProbe: liveness };
            }),
        );
        assert.deepEqual(worker(v).livenessProbe, liveness);
        assert.deepEqual(worker(v).readinessProbe, liveness);
        assert.equal(worker(v).canUseKubernetesPodOperator, true);
        assert.deepEqual((v.triggerer as ChartValues).readinessProbe, liveness);
        assert.deepEqual((v.dagProcessor as ChartValues).livenessProbe, liveness);
    });

    it("refuses a probe with zero or two handlers, and a liveness successThreshold other than 1", () => {
        refuses(
            (v) => (v.triggerer = { livenessProbe: { httpGet: { port: 1 }, exec: { command: ["true"] } } }),
            "triggerer.livenessProbe.exec",
            /set exactly one of httpGet, tcpSocket, exec, grpc \(got httpGet, exec\)/,
        );
        refuses(
            (v) => (v.dagProcessor = { readinessProbe: { periodSeconds: 5 } }),
            "dagProcessor.readinessProbe",
            /set exactly one of httpGet/,
        );
        refuses(
            (v) => (v.workers = [{ name: "w", livenessProbe: { ...liveness, successThreshold: 2 } }]),
            "workers[0].livenessProbe.successThreshold",
            /must be 1 for a liveness probe/,
        );
    });

    it("starts init and extra containers from the restricted container context; passes them through otherwise", () => {
        const vault = { name: "vault-agent", image: "hashicorp/vault:1.13.0", args: ["agent"] };
        const tightened = { ...vault, securityContext: { runAsUser: 10001 } };
        const restricted = build(
            configOf((c) => (c.workers = [{ name: "w", initContainers: [vault], extraContainers: [tightened] }])),
        );
        assert.deepEqual(worker(restricted).initContainers, [
            { ...vault, securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT },
        ]);
        assert.deepEqual(worker(restricted).extraContainers, [
            { ...vault, securityContext: { ...RESTRICTED_CONTAINER_SECURITY_CONTEXT, runAsUser: 10001 } },
        ]);
        const open = build(
            configOf((c) => {
                c.restricted = false;
                c.triggerer = { initContainers: [vault] };
            }),
        );
        assert.deepEqual((open.triggerer as ChartValues).initContainers, [vault]);
        refuses(
            (v) => (v.dagProcessor = { initContainers: [{ name: "x", image: "busybox:latest" }] }),
            "dagProcessor.initContainers[0].image",
            /floating tag 'latest'/,
        );
    });
});

describe("security contexts only tighten when restricted (point 4)", () => {
    it("merges a tightening override over the restricted floor", () => {
        const v = build(
            configOf(
                (c) =>
                    (c.workers = [
                        {
                            name: "w",
                            podSecurityContext: { runAsGroup: 50000, supplementalGroups: [50001] },
                            containerSecurityContext: {
                                runAsNonRoot: true,
                                capabilities: { drop: ["ALL", "NET_RAW"] },
                            },
                        },
                    ]),
            ),
        );
        assert.deepEqual(worker(v).podSecurityContext, {
            ...RESTRICTED_POD_SECURITY_CONTEXT,
            runAsGroup: 50000,
            supplementalGroups: [50001],
        });
        assert.deepEqual(worker(v).containerSecurityContext, {
            ...RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL", "NET_RAW"] },
        });
        assert.equal((v.triggerer as ChartValues).podSecurityContext, undefined, "no override: the global applies");
    });

    const weakening: [string, Values, string, RegExp][] = [
        [
            "runAsNonRoot",
            { podSecurityContext: { runAsNonRoot: false } },
            "podSecurityContext.runAsNonRoot",
            /false loosens/,
        ],
        ["runAsUser 0", { podSecurityContext: { runAsUser: 0 } }, "podSecurityContext.runAsUser", /root/],
        [
            "seccomp Unconfined",
            { podSecurityContext: { seccompProfile: { type: "Unconfined" } } },
            "podSecurityContext.seccompProfile.type",
            /Unconfined/,
        ],
        [
            "privileged",
            { containerSecurityContext: { privileged: true } },
            "containerSecurityContext.privileged",
            /true loosens/,
        ],
        [
            "allowPrivilegeEscalation",
            { containerSecurityContext: { allowPrivilegeEscalation: true } },
            "containerSecurityContext.allowPrivilegeEscalation",
            /true loosens/,
        ],
        [
            "added capability",
            { containerSecurityContext: { capabilities: { add: ["NET_ADMIN"] } } },
            "containerSecurityContext.capabilities.add[0]",
            /adding NET_ADMIN loosens/,
        ],
        [
            "drop without ALL",
            { containerSecurityContext: { capabilities: { drop: ["NET_RAW"] } } },
            "containerSecurityContext.capabilities.drop",
            /must still contain ALL/,
        ],
        [
            "readOnlyRootFilesystem",
            { containerSecurityContext: { readOnlyRootFilesystem: false } },
            "containerSecurityContext.readOnlyRootFilesystem",
            /writable emptyDir/,
        ],
        [
            "privileged init container",
            { initContainers: [{ name: "init", image: "busybox:1.36", securityContext: { privileged: true } }] },
            "initContainers[0].securityContext.privileged",
            /true loosens/,
        ],
    ];
    for (const [what, override, key, message] of weakening) {
        it(`refuses ${what} with its key path, in prod and dev`, () => {
            for (const environment of ["dev", "prod"]) {
                refuses(
                    (v) =>
                        Object.assign(v, {
                            environment,
                            backend: { kind: "external", secretBackend: "a.b.C", xcomPath: "s3://b/x" },
                            agentTokenSecretName: "t",
                            imagePullSecretName: "p",
                            agentToken: undefined,
                            imagePullCredentials: undefined,
                            triggerer: override,
                        }),
                    `triggerer.${key}`,
                    message,
                );
            }
        });
    }

    it("refuses weakening Sentinel and the logging sidecar too, and allows anything when not restricted", () => {
        refuses(
            (v) => (v.sentinel = { containerSecurityContext: { privileged: true } }),
            "sentinel.containerSecurityContext.privileged",
            /loosens/,
        );
        refuses(
            (v) =>
                (v.loggingSidecar = {
                    enabled: true,
                    image: "timberio/vector:0.45.0-debian",
                    securityContext: { readOnlyRootFilesystem: false },
                }),
            "loggingSidecar.securityContext.readOnlyRootFilesystem",
            /loosens/,
        );
        const v = build(
            configOf((c) => {
                c.restricted = false;
                c.triggerer = { containerSecurityContext: { readOnlyRootFilesystem: false } };
            }),
        );
        assert.deepEqual((v.triggerer as ChartValues).containerSecurityContext, { readOnlyRootFilesystem: false });
    });
});

describe("per-component ServiceAccount annotations (point 4)", () => {
    async function serviceAccounts(change: (v: Values) => void): Promise<RecordedResource[]> {
        const cfg = configOf(change);
        const { resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => new RemoteExecutionAgent("agent", cfg),
        });
        return resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
    }
    const annotations = (r: RecordedResource | undefined) =>
        (r?.inputs.metadata as { annotations: Record<string, string> }).annotations;

    it("merges them with the backend's identity annotations on exactly that ServiceAccount", async () => {
        const sas = await serviceAccounts((v) => {
            v.backend = {
                kind: "external",
                secretBackend: "a.b.C",
                xcomPath: "s3://b/x",
                serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/agent" },
            };
            v.workers = [{ name: "gpu", serviceAccount: { annotations: { "example.com/team": "ml" } } }];
            v.sentinel = { serviceAccount: { annotations: { "example.com/scrape": "true" } } };
        });
        const byName = (n: string) => sas.find((r) => (r.inputs.metadata as { name: string }).name === n);
        assert.deepEqual(annotations(byName("astro-worker-gpu")), {
            "example.com/team": "ml",
            "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/agent",
        });
        assert.deepEqual(annotations(byName("astro-sentinel")), {
            "example.com/scrape": "true",
            "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/agent",
        });
        assert.deepEqual(annotations(byName("astro-triggerer")), {
            "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/agent",
        });
    });

    it("refuses a key the backend sets for identity", () => {
        refuses(
            (v) => {
                v.backend = AWS;
                v.triggerer = {
                    serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x" } },
                };
            },
            'triggerer.serviceAccount.annotations["eks.amazonaws.com/role-arn"]',
            /is set by the aws backend \(from backend\.identity\).*cannot be overridden/,
        );
        assert.doesNotThrow(() =>
            configOf((v) => {
                v.backend = { ...AWS, identity: "podIdentity" };
                v.triggerer = { serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "x" } } };
            }),
        );
    });
});

describe("Git bundles without repoUrl (point 5)", () => {
    it("accepts gitConnId alone: GitDagBundle clones the connection's host", () => {
        const cfg = configOf((v) => {
            v.dagBundles = [{ type: "git", name: "dags", trackingRef: "main", gitConnId: "git_repo", private: true }];
            v.backend = { kind: "local", connections: { git_repo: "{}" } };
        });
        assert.deepEqual(dagBundleConfigList(cfg.dagBundles), [
            {
                name: "dags",
                classpath: "airflow.providers.git.bundles.git.GitDagBundle",
                kwargs: { tracking_ref: "main", git_conn_id: "git_repo" },
            },
        ]);
    });

    it("still requires repoUrl without a connection, with a clear message", () => {
        refuses(
            (v) => (v.dagBundles = [{ type: "git", name: "dags", trackingRef: "main" }]),
            "dagBundles[0].repoUrl",
            /is required: the Git repository URL .* unless gitConnId names a connection whose host is that URL/,
        );
    });
});

describe("Sentinel (point 6)", () => {
    it("defaults only to Sentinel tags known for the agent version", () => {
        const astro = (v: string) =>
            `images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.1-3-python-3.12-astro-agent-${v}`;
        assert.deepEqual(defaultSentinelImage(astro("1.2.0")), {
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.2.0",
        });
        assert.deepEqual(defaultSentinelImage(astro("1.6.0")), {
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.6.0",
        });
        assert.deepEqual(defaultSentinelImage(astro("1.7.1")), {
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.2",
        });
        assert.deepEqual(Object.keys(SENTINEL_TAG_FOR_AGENT), ["1.2.0", "1.6.0", "1.7.1", "1.7.2"]);
        refuses(
            (v) => (v.image = astro("1.8.2")),
            "sentinel.image",
            /no Sentinel tag is known for agent 1\.8\.2 .*agent 1\.7\.1 → Sentinel 1\.7\.2/,
        );
    });

    it("takes the Sentinel image from the agent's mirror, or requires sentinel.image for another registry", () => {
        const mirrored = configOf(
            (v) =>
                (v.image =
                    "artifactory.example.com/astro/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.2"),
        );
        assert.equal(
            (build(mirrored).sentinel as ChartValues).image,
            "artifactory.example.com/astro/baseimages/astro-remote-execution-sentinel:1.7.2",
        );
        refuses(
            (v) => (v.image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/re-dr:3.2-5-python-3.14-astro-agent-1.7.1"),
            "sentinel.image",
            /comes from '123456789012\.dkr\.ecr\.us-west-2\.amazonaws\.com'.*set sentinel\.image/,
        );
    });

    it("gets proxy env, volumes and mounts (a CA bundle), a port its default probes follow, and its own contexts", () => {
        const v = build(
            configOf((c) => {
                c.proxy = { httpsProxy: "http://proxy:3128", noProxy: ["10.0.0.0/8", "kubernetes.default.svc"] };
                c.sentinel = {
                    port: 9090,
                    env: [{ name: "SSL_CERT_FILE", value: "/etc/corp-ca/ca.crt" }],
                    volumes: [{ name: "corp-ca", configMap: { name: "corp-ca" } }],
                    volumeMounts: [{ name: "corp-ca", mountPath: "/etc/corp-ca", readOnly: true }],
                    podSecurityContext: { runAsGroup: 5000 },
                };
            }),
        );
        const s = v.sentinel as ChartValues;
        assert.deepEqual(s.env, [
            { name: "HTTPS_PROXY", value: "http://proxy:3128" },
            { name: "NO_PROXY", value: "10.0.0.0/8,kubernetes.default.svc" },
            { name: "SSL_CERT_FILE", value: "/etc/corp-ca/ca.crt" },
        ]);
        assert.deepEqual(names(s.volumes), ["tmp", "corp-ca"]);
        assert.deepEqual(s.volumeMounts, [
            { name: "tmp", mountPath: "/tmp" },
            { name: "corp-ca", mountPath: "/etc/corp-ca", readOnly: true },
        ]);
        assert.equal(s.port, 9090);
        assert.deepEqual((s.livenessProbe as { httpGet: unknown }).httpGet, { path: "health", port: 9090 });
        assert.deepEqual((s.readinessProbe as { httpGet: unknown }).httpGet, { path: "health", port: 9090 });
        assert.deepEqual(s.podSecurityContext, {
            seccompProfile: { type: "RuntimeDefault" },
            runAsUser: 5000,
            fsGroup: 5000,
            runAsNonRoot: true,
            runAsGroup: 5000,
        });
        refuses(
            (c) => (c.sentinel = { port: 9090, livenessProbe: { httpGet: { path: "health", port: 8080 } } }),
            "sentinel.livenessProbe.httpGet.port",
            /must equal sentinel\.port \(9090\)/,
        );
        refuses(
            (c) => (c.sentinel = { volumes: [{ name: "tmp", emptyDir: {} }] }),
            "sentinel.volumes[0].name",
            /'tmp' is created by restricted mode/,
        );
    });
});

describe("logging sidecar (point 7)", () => {
    const sidecar = { enabled: true, image: "timberio/vector:0.45.0-debian" };

    it("restricted: a writable data dir, extra volumes in worker and triggerer pods, extra mounts after task-logs", () => {
        const v = build(
            configOf(
                (c) =>
                    (c.loggingSidecar = {
                        ...sidecar,
                        dataDir: "/vector-data",
                        config: "data_dir: /vector-data\nsources: {}",
                        volumes: [{ name: "vector-tls", secret: { secretName: "vector-tls" } }],
                        volumeMounts: [{ name: "vector-tls", mountPath: "/etc/vector-tls", readOnly: true }],
                    }),
            ),
        );
        assert.deepEqual((v.loggingSidecar as ChartValues).volumeMounts, [
            { name: "task-logs", mountPath: "/usr/local/airflow/logs", readOnly: true },
            { name: "logging-sidecar-data", mountPath: "/vector-data" },
            { name: "vector-tls", mountPath: "/etc/vector-tls", readOnly: true },
        ]);
        for (const pod of [worker(v), v.triggerer as ChartValues]) {
            assert.deepEqual(names(pod.volumes), ["tmp", "task-logs", "logging-sidecar-data", "vector-tls"]);
        }
        assert.deepEqual(names((v.dagProcessor as ChartValues).volumes), ["tmp"], "no sidecar in the dag processor");
    });

    it("not restricted: no data dir volume", () => {
        const v = build(
            configOf((c) => {
                c.restricted = false;
                c.loggingSidecar = sidecar;
            }),
        );
        assert.deepEqual((v.loggingSidecar as ChartValues).volumeMounts, [
            { name: "task-logs", mountPath: "/usr/local/airflow/logs", readOnly: true },
        ]);
        assert.deepEqual(names(worker(v).volumes), ["task-logs"]);
    });

    it("refuses a data_dir in the Vector config that differs from dataDir, and volume name clashes", () => {
        refuses(
            (c) => (c.loggingSidecar = { ...sidecar, config: "data_dir: /data\nsources: {}" }),
            "loggingSidecar.dataDir",
            /must match data_dir in loggingSidecar\.config \('\/data'\)/,
        );
        refuses(
            (c) => {
                c.loggingSidecar = { ...sidecar, volumes: [{ name: "shared", emptyDir: {} }] };
                c.triggerer = { volumes: [{ name: "shared", emptyDir: {} }] };
            },
            "triggerer.volumes[0].name",
            /also declared in loggingSidecar\.volumes/,
        );
        refuses(
            (c) => (c.loggingSidecar = { ...sidecar, volumes: [{ name: "logging-sidecar-data", emptyDir: {} }] }),
            "loggingSidecar.volumes[0].name",
            /is created by the program/,
        );
    });
});

describe("local DAG bundles (point 9)", () => {
    it("emits no path when unset, so Airflow uses [core] dags_folder; an explicit path still works", () => {
        const cfg = configOf(
            (v) =>
                (v.dagBundles = [
                    { type: "local", name: "dags-folder" },
                    { type: "local", name: "baked", path: "/opt/airflow/dags" },
                ]),
        );
        assert.deepEqual(
            dagBundleConfigList(cfg.dagBundles).map((b) => b.kwargs),
            [{}, { path: "/opt/airflow/dags" }],
        );
    });

    it("needs an explicit path for a claim, and mounts the claim there", () => {
        refuses(
            (v) => (v.dagBundles = [{ type: "local", name: "shared", persistentVolumeClaim: "dags-pvc" }]),
            "dagBundles[0].path",
            /is required with persistentVolumeClaim/,
        );
        const v = build(
            configOf(
                (c) =>
                    (c.dagBundles = [
                        { type: "local", name: "shared", path: "/dags", persistentVolumeClaim: "dags-pvc" },
                    ]),
            ),
        );
        assert.deepEqual((worker(v).volumeMounts as unknown[]).at(-1), {
            name: "dags-shared",
            mountPath: "/dags",
            readOnly: true,
        });
    });
});
