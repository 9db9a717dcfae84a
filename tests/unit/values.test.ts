// The pure config → chart values builder, block by block.
import * as assert from "node:assert/strict";
import { requireKnownWiring } from "../../config/wiring";
import fc from "fast-check";
import { validateStackConfig } from "../../chart/validate";
import type { AgentConfig } from "../../config/schema";
import { agentObjectNames } from "../../chart/names";
import {
    buildChartValues,
    dagBundleConfigList,
    mergeValues,
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    type ChartValues,
    type ResolvedBackend,
} from "../../chart/values";
import { baseValues, raw } from "../fixtures/config";

function configOf(change: (v: Record<string, unknown>) => void = () => undefined): AgentConfig {
    const values = baseValues();
    change(values);
    const result = validateStackConfig(raw(values));
    if (!result.ok) {
        throw new Error(result.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    }
    return result.config;
}

const backend: ResolvedBackend = {
    secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
    secretBackendKwargs: {
        variables_prefix: "p/variables",
        connections_prefix: "p/connections",
        region_name: "eu-west-1",
    },
    xcomBackend: "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend",
    xcomPath: "s3://bucket/xcom",
    commonEnv: [{ name: "AWS_REGION", value: "eu-west-1" }],
    serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/agent" },
    podLabels: { "azure.workload.identity/use": "true" },
    volumes: [{ name: "backend-vol", emptyDir: {} }],
    volumeMounts: [{ name: "backend-vol", mountPath: "/backend" }],
};

function build(cfg: AgentConfig, b: ResolvedBackend = backend): ChartValues {
    return buildChartValues(
        requireKnownWiring(cfg),
        agentObjectNames({
            resourceNamePrefix: cfg.resourceNamePrefix,
            workers: cfg.workers,
            releaseName: cfg.release.name,
        }),
        b,
    );
}

const IDS_ENV = [
    { name: "ASTRO_ORGANIZATION_ID", value: "org-1" },
    { name: "ASTRO_WORKSPACE_ID", value: "ws-1" },
    { name: "ASTRO_DEPLOYMENT_ID", value: "dep-1234567" },
    { name: "ASTRO_DEPLOYMENT_NAMESPACE", value: "cosmic-ray-1234" },
];

describe("buildChartValues", () => {
    it("sets the top-level values, with createNamespace false and only Secret names", () => {
        const v = build(configOf());
        assert.equal(v.resourceNamePrefix, "astro");
        assert.equal(v.namespace, "astro-agent");
        assert.equal(v.createNamespace, false);
        assert.equal(v.astroDeploymentAPIURL, "https://cabc.external.astronomer.run/d1234567");
        assert.equal(
            v.image,
            "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1",
        );
        assert.equal(v.imagePullPolicy, "IfNotPresent");
        assert.equal(v.agentTokenSecretName, "astro-agent-token");
        assert.equal(v.imagePullSecretName, "astro-image-pull");
        assert.equal(v.logLevel, "INFO");
        assert.equal(v.secretBackend, backend.secretBackend);
        assert.equal(v.xcomBackend, backend.xcomBackend);
        for (const k of ["agentToken", "imagePullSecretData", "agentTokenFile"]) {
            assert.ok(!(k in v), `${k} must not be set`);
        }
    });

    it("uses existing Secret names and the token file when configured", () => {
        const v = build(
            configOf((c) => {
                delete c.agentToken;
                delete c.imagePullCredentials;
                c.agentTokenFile = "/var/run/astro/token";
                c.imagePullSecretName = "corp-pull";
                // Every component that reads the file mounts its volume (chart/fileMounts.ts).
                const mounted = {
                    volumes: [{ name: "agent-token", secret: { secretName: "agent-token-file" } }],
                    volumeMounts: [{ name: "agent-token", mountPath: "/var/run/astro", readOnly: true }],
                };
                c.workers = [{ name: "default-worker", ...mounted }];
                c.dagProcessor = mounted;
                c.triggerer = mounted;
                c.sentinel = mounted;
            }),
        );
        assert.equal(v.agentTokenFile, "/var/run/astro/token");
        assert.ok(!("agentTokenSecretName" in v));
        assert.equal(v.imagePullSecretName, "corp-pull");
        const v2 = build(
            configOf((c) => {
                delete c.agentToken;
                c.agentTokenSecretName = "existing-token";
            }),
        );
        assert.equal(v2.agentTokenSecretName, "existing-token");
    });

    it("builds commonEnv: the four ASTRO_* IDs, backend kwargs JSON, XCom, proxy, backend and user extras, in order", () => {
        const v = build(
            configOf((c) => {
                c.xcom = { threshold: 1024, compression: "zip" };
                c.proxy = {
                    httpProxy: "http://proxy:3128",
                    httpsProxy: "http://proxy:3128",
                    noProxy: ["10.0.0.0/8", ".svc"],
                };
                c.commonEnv = [{ name: "MY_FLAG", value: "1" }];
            }),
        );
        assert.deepEqual(v.commonEnv, [
            ...IDS_ENV,
            {
                name: "AIRFLOW__SECRETS__BACKEND_KWARGS",
                value: '{"connections_prefix":"p/connections","region_name":"eu-west-1","variables_prefix":"p/variables"}',
            },
            { name: "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH", value: "s3://bucket/xcom" },
            { name: "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD", value: "1024" },
            { name: "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_COMPRESSION", value: "zip" },
            { name: "HTTP_PROXY", value: "http://proxy:3128" },
            { name: "HTTPS_PROXY", value: "http://proxy:3128" },
            { name: "NO_PROXY", value: "10.0.0.0/8,.svc" },
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "MY_FLAG", value: "1" },
        ]);
    });

    it("defaults the XCom threshold to 0 and leaves compression out", () => {
        const env = build(configOf()).commonEnv as { name: string; value: string }[];
        assert.deepEqual(
            env.filter((e) => e.name.startsWith("AIRFLOW__COMMON_IO__")),
            [
                { name: "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH", value: "s3://bucket/xcom" },
                { name: "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD", value: "0" },
            ],
        );
    });

    it("serialises the backend kwargs as JSON that round-trips, whatever the key order", () => {
        const shuffled = {
            ...backend,
            secretBackendKwargs: {
                region_name: "eu-west-1",
                variables_prefix: "p/variables",
                connections_prefix: "p/connections",
            },
        };
        const env = (b: ResolvedBackend) =>
            (build(configOf(), b).commonEnv as { name: string; value: string }[]).find(
                (e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS",
            )?.value;
        assert.equal(env(shuffled), env(backend));
        assert.deepEqual(JSON.parse(env(backend) ?? ""), backend.secretBackendKwargs);
    });

    it("renders dagBundleConfigList as a JSON string of Git and Local bundles", () => {
        const cfg = configOf((c) => {
            c.dagBundles = [
                {
                    type: "git",
                    name: "private-dags",
                    repoUrl: "https://github.com/org/private.git",
                    trackingRef: "main",
                    subdir: "dags",
                    refreshInterval: 120,
                    private: true,
                    gitConnId: "git_repo",
                },
                { type: "git", name: "public-dags", repoUrl: "https://github.com/org/public", trackingRef: "v1.2.0" },
                { type: "local", name: "baked", path: "/dags" },
                { type: "local", name: "shared", path: "/opt/airflow/dags", persistentVolumeClaim: "dags-pvc" },
            ];
            c.backend = { kind: "local", connections: { git_repo: "{}" } };
        });
        const v = build(cfg);
        assert.equal(typeof v.dagBundleConfigList, "string");
        assert.deepEqual(JSON.parse(v.dagBundleConfigList as string), [
            {
                name: "private-dags",
                classpath: "airflow.providers.git.bundles.git.GitDagBundle",
                kwargs: {
                    repo_url: "https://github.com/org/private.git",
                    tracking_ref: "main",
                    subdir: "dags",
                    git_conn_id: "git_repo",
                    refresh_interval: 120,
                },
            },
            {
                name: "public-dags",
                classpath: "airflow.providers.git.bundles.git.GitDagBundle",
                kwargs: { repo_url: "https://github.com/org/public", tracking_ref: "v1.2.0" },
            },
            {
                name: "baked",
                classpath: "airflow.dag_processing.bundles.local.LocalDagBundle",
                kwargs: { path: "/dags" },
            },
            {
                name: "shared",
                classpath: "airflow.dag_processing.bundles.local.LocalDagBundle",
                kwargs: { path: "/opt/airflow/dags" },
            },
        ]);
        // The PVC bundle is mounted read-only at its path in every agent component.
        const mount = { name: "dags-shared", mountPath: "/opt/airflow/dags", readOnly: true };
        const volume = { name: "dags-shared", persistentVolumeClaim: { claimName: "dags-pvc", readOnly: true } };
        const workers = v.workers as ChartValues[];
        for (const c of [workers[0], v.triggerer, v.dagProcessor] as ChartValues[]) {
            assert.deepEqual((c.volumeMounts as unknown[]).at(-1), mount);
            assert.deepEqual((c.volumes as unknown[]).at(-1), volume);
        }
    });

    it("renders workers with queues, HPA, grace period, placement and the pre-created ServiceAccount", () => {
        const cfg = configOf((c) => {
            c.restricted = false;
            c.workers = [
                { name: "default-worker" },
                {
                    name: "gpu",
                    queues: ["gpu", "ml"],
                    syncSlots: 4,
                    image: "registry.example.com/agent-gpu:1.0.0",
                    resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "4", memory: "16Gi" } },
                    hpa: {
                        minReplicas: 1,
                        maxReplicas: 4,
                        metrics: [
                            {
                                type: "Resource",
                                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
                            },
                        ],
                    },
                    terminationGracePeriodSeconds: 3600,
                    env: [{ name: "CUDA_VISIBLE_DEVICES", value: "0" }],
                    nodeSelector: { accelerator: "nvidia" },
                    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
                },
            ];
        });
        const workers = build(cfg, { ...backend, volumes: [], volumeMounts: [] }).workers as ChartValues[];
        assert.deepEqual(workers[0], {
            name: "default-worker",
            queues: "default",
            replicas: 1,
            terminationGracePeriodSeconds: 600,
            env: [],
            volumes: [],
            volumeMounts: [],
            canUseKubernetesPodOperator: false,
            serviceAccount: { create: false, name: "astro-worker-default-worker" },
        });
        assert.deepEqual(workers[1], {
            name: "gpu",
            queues: "gpu,ml",
            replicas: 1,
            syncSlots: 4,
            image: "registry.example.com/agent-gpu:1.0.0",
            resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "4", memory: "16Gi" } },
            // Chart 2.3.3 takes the published values files' HPA shape (see chart.hpaShape).
            hpa: {
                enabled: true,
                minReplicaCount: 1,
                maxReplicaCount: 4,
                metric: { enabled: false },
                extraMetrics: [
                    {
                        type: "Resource",
                        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
                    },
                ],
            },
            terminationGracePeriodSeconds: 3600,
            env: [{ name: "CUDA_VISIBLE_DEVICES", value: "0" }],
            volumes: [],
            volumeMounts: [],
            nodeSelector: { accelerator: "nvidia" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            canUseKubernetesPodOperator: false,
            serviceAccount: { create: false, name: "astro-worker-gpu" },
        });
    });

    it("renders triggerer, dag processor and the ServiceAccount block", () => {
        const cfg = configOf((c) => {
            c.restricted = false;
            c.triggerer = {
                replicas: 2,
                asyncSlots: 500,
                resources: { requests: { cpu: "1" } },
                affinity: { podAntiAffinity: {} },
            };
            c.dagProcessor = { image: "registry.example.com/agent:1.0.0", env: [{ name: "X", value: "y" }] };
        });
        const v = build(cfg, { ...backend, volumes: [], volumeMounts: [] });
        assert.deepEqual(v.triggerer, {
            replicas: 2,
            asyncSlots: 500,
            resources: { requests: { cpu: "1" } },
            env: [],
            volumes: [],
            volumeMounts: [],
            affinity: { podAntiAffinity: {} },
        });
        assert.deepEqual(v.dagProcessor, {
            image: "registry.example.com/agent:1.0.0",
            env: [{ name: "X", value: "y" }],
            volumes: [],
            volumeMounts: [],
        });
        assert.deepEqual(v.serviceAccount, {
            annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/agent" },
            workers: { create: false },
            dagProcessor: { create: false, name: "astro-dag-processor" },
            triggerer: { create: false, name: "astro-triggerer" },
            sentinel: { create: false, name: "astro-sentinel" },
        });
    });

    it("runs Sentinel with the tag known for the agent version, as its own restricted user; pinned or disabled on request", () => {
        const v = build(configOf());
        assert.deepEqual(v.sentinel, {
            enabled: true,
            // Agent 1.7.1 has no Sentinel 1.7.1: the published pairing is Sentinel 1.7.2.
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.2",
            imagePullPolicy: "IfNotPresent",
            env: [],
            podSecurityContext: {
                seccompProfile: { type: "RuntimeDefault" },
                runAsUser: 5000,
                fsGroup: 5000,
                runAsNonRoot: true,
            },
            containerSecurityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            volumes: [{ name: "tmp", emptyDir: {} }],
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        });
        const pinned = build(configOf((c) => (c.sentinel = { image: "mirror.example.com/sentinel:1.7.1" })));
        assert.equal((pinned.sentinel as ChartValues).image, "mirror.example.com/sentinel:1.7.1");
        assert.deepEqual(build(configOf((c) => (c.sentinel = { enabled: false }))).sentinel, { enabled: false });
    });

    it("always emits a complete openLineage block (chart 2.2.0 breaks without it)", () => {
        const endpoint =
            "/api/v1/lineage?ASTRO_DEPLOYMENT_ID=dep-1234567&ASTRO_DEPLOYMENT_NAMESPACE=cosmic-ray-1234&ASTRO_ORGANIZATION_ID=org-1&ASTRO_WORKSPACE_ID=ws-1";
        const facets = [
            "ASTRO_ORGANIZATION_ID",
            "ASTRO_WORKSPACE_ID",
            "ASTRO_DEPLOYMENT_ID",
            "ASTRO_DEPLOYMENT_NAMESPACE",
        ];
        assert.deepEqual(build(configOf()).openLineage, {
            enabled: false,
            url: "https://o11y.astronomer.io",
            namespace: "cosmic-ray-1234",
            endpoint,
            facetsEnvironmentVariables: facets,
        });
        assert.deepEqual(build(configOf((c) => (c.openLineage = { enabled: true, apiKey: "k" }))).openLineage, {
            enabled: true,
            apiKeySecret: "astro-openlineage-api-key",
            url: "https://o11y.astronomer.io",
            namespace: "cosmic-ray-1234",
            endpoint,
            facetsEnvironmentVariables: facets,
        });
        const existing = build(
            configOf((c) => (c.openLineage = { enabled: true, apiKeySecretName: "ol-key", namespace: "lineage" })),
        );
        assert.equal((existing.openLineage as ChartValues).apiKeySecret, "ol-key");
        assert.equal((existing.openLineage as ChartValues).namespace, "lineage");
    });

    it("restricted: the seed's security contexts and emptyDir mounts for /tmp and the task logs on every component", () => {
        const v = build(configOf(), { ...backend, volumes: [], volumeMounts: [] });
        assert.deepEqual(v.podSecurityContext, {
            seccompProfile: { type: "RuntimeDefault" },
            runAsUser: 50000,
            fsGroup: 50000,
            runAsNonRoot: true,
        });
        assert.deepEqual(v.containerSecurityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
        const both = {
            volumes: [
                { name: "tmp", emptyDir: {} },
                { name: "task-logs", emptyDir: {} },
            ],
            volumeMounts: [
                { name: "tmp", mountPath: "/tmp" },
                { name: "task-logs", mountPath: "/usr/local/airflow/logs" },
            ],
        };
        const worker = (v.workers as ChartValues[])[0] as ChartValues;
        const triggerer = v.triggerer as ChartValues;
        const dagProcessor = v.dagProcessor as ChartValues;
        assert.deepEqual({ volumes: worker.volumes, volumeMounts: worker.volumeMounts }, both);
        assert.deepEqual({ volumes: triggerer.volumes, volumeMounts: triggerer.volumeMounts }, both);
        assert.deepEqual(
            { volumes: dagProcessor.volumes, volumeMounts: dagProcessor.volumeMounts },
            { volumes: [{ name: "tmp", emptyDir: {} }], volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] },
        );
    });

    it("not restricted: explicit non-root pod context, no container context, no emptyDirs", () => {
        const v = build(
            configOf((c) => (c.restricted = false)),
            { ...backend, volumes: [], volumeMounts: [] },
        );
        assert.deepEqual(v.podSecurityContext, { runAsUser: 50000, fsGroup: 50000, runAsNonRoot: true });
        assert.ok(!("containerSecurityContext" in v));
        assert.deepEqual(((v.workers as ChartValues[])[0] as ChartValues).volumes, []);
        assert.notDeepEqual(v.podSecurityContext, RESTRICTED_POD_SECURITY_CONTEXT);
    });

    it("logging sidecar: restricted security context and the task-logs mount", () => {
        const v = build(
            configOf((c) => {
                c.loggingSidecar = { enabled: true, image: "timberio/vector:0.45.0-debian", config: "sources: {}" };
                c.taskLogsPath = "/var/log/airflow";
            }),
        );
        assert.deepEqual(v.loggingSidecar, {
            enabled: true,
            name: "vector-logging-sidecar",
            image: "timberio/vector:0.45.0-debian",
            imagePullPolicy: "IfNotPresent",
            config: "sources: {}",
            env: [],
            securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            volumeMounts: [
                { name: "task-logs", mountPath: "/var/log/airflow", readOnly: true },
                // Read-only root filesystem: Vector's data_dir (default /var/lib/vector) is a writable emptyDir.
                { name: "logging-sidecar-data", mountPath: "/var/lib/vector" },
            ],
        });
        for (const pod of [(v.workers as ChartValues[])[0], v.triggerer] as ChartValues[]) {
            assert.ok((pod.volumes as { name: string }[]).some((x) => x.name === "logging-sidecar-data"));
        }
        assert.deepEqual(build(configOf()).loggingSidecar, { enabled: false });
    });

    it("puts backend volumes after the restricted ones and before user volumes", () => {
        const cfg = configOf(
            (c) =>
                (c.workers = [
                    {
                        name: "w",
                        volumes: [{ name: "extra", emptyDir: {} }],
                        volumeMounts: [{ name: "extra", mountPath: "/extra" }],
                    },
                ]),
        );
        const w = (build(cfg).workers as ChartValues[])[0] as ChartValues;
        assert.deepEqual(
            (w.volumes as { name: string }[]).map((x) => x.name),
            ["tmp", "task-logs", "backend-vol", "extra"],
        );
    });

    it("merges labels with the backend's pod labels, and passes annotations", () => {
        const v = build(
            configOf((c) =>
                Object.assign(c, { labels: { team: "data" }, annotations: { "example.com/owner": "data" } }),
            ),
        );
        assert.deepEqual(v.labels, { team: "data", "azure.workload.identity/use": "true" });
        assert.deepEqual(v.annotations, { "example.com/owner": "data" });
    });

    it("is deterministic: the same config gives byte-identical values", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 5 }), fc.boolean(), (n, restricted) => {
                const cfg = configOf((c) => {
                    c.restricted = restricted;
                    c.workers = Array.from({ length: n }, (_, i) => ({ name: `w${i}` }));
                });
                assert.equal(JSON.stringify(build(cfg)), JSON.stringify(build(cfg)));
            }),
            { numRuns: 20 },
        );
    });

    it("never emits an env name twice in any env list, whatever the sources (property)", () => {
        // Names drawn from a small pool so that generated, backend and user names collide often. The
        // configs bypass validation (which refuses most of these collisions) to test the builder itself.
        const pool = [
            "ASTRO_DEPLOYMENT_ID",
            "AIRFLOW__SECRETS__BACKEND_KWARGS",
            "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH",
            "HTTP_PROXY",
            "NO_PROXY",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "MY_FLAG",
            "OTHER",
        ];
        const envs = fc.array(fc.record({ name: fc.constantFrom(...pool), value: fc.string({ maxLength: 3 }) }), {
            maxLength: 6,
        });
        const base = configOf((c) => {
            c.proxy = { httpProxy: "http://p:3128", noProxy: [".svc"] };
            c.loggingSidecar = { enabled: true, image: "timberio/vector:0.45.0-debian" };
            c.workers = [{ name: "a" }, { name: "b" }];
        });
        fc.assert(
            fc.property(
                fc.record({
                    common: envs,
                    backendEnv: envs,
                    w0: envs,
                    w1: envs,
                    triggerer: envs,
                    dagProcessor: envs,
                    sentinel: envs,
                    sidecar: envs,
                }),
                (e) => {
                    const cfg: AgentConfig = {
                        ...base,
                        commonEnv: e.common,
                        workers: base.workers.map((w, i) => ({ ...w, env: i === 0 ? e.w0 : e.w1 })),
                        triggerer: { ...base.triggerer, env: e.triggerer },
                        dagProcessor: { ...base.dagProcessor, env: e.dagProcessor },
                        sentinel: { ...base.sentinel, env: e.sentinel },
                        loggingSidecar: { ...base.loggingSidecar, env: e.sidecar },
                    };
                    const v = build(cfg, { ...backend, commonEnv: e.backendEnv });
                    const lists: [string, unknown, { name: string }[]][] = [
                        ["commonEnv", v.commonEnv, [...e.backendEnv, ...e.common]],
                        ...(v.workers as ChartValues[]).map((w, i): [string, unknown, { name: string }[]] => [
                            `workers[${i}].env`,
                            w.env,
                            i === 0 ? e.w0 : e.w1,
                        ]),
                        ["triggerer.env", (v.triggerer as ChartValues).env, e.triggerer],
                        ["dagProcessor.env", (v.dagProcessor as ChartValues).env, e.dagProcessor],
                        ["sentinel.env", (v.sentinel as ChartValues).env, e.sentinel],
                        ["loggingSidecar.env", (v.loggingSidecar as ChartValues).env, e.sidecar],
                    ];
                    for (const [where, list, given] of lists) {
                        const emitted = (list as { name: string }[]).map((x) => x.name);
                        assert.equal(
                            new Set(emitted).size,
                            emitted.length,
                            `${where} repeats a name: ${emitted.join(",")}`,
                        );
                        for (const g of given) {
                            assert.ok(emitted.includes(g.name), `${where} lost ${g.name}`);
                        }
                    }
                    // The program's own entries win: the IDs and the kwargs keep their values.
                    const common = v.commonEnv as { name: string; value: string }[];
                    assert.deepEqual(common.slice(0, 4), IDS_ENV);
                    assert.equal(
                        common.find((x) => x.name === "HTTP_PROXY")?.value,
                        "http://p:3128",
                        "generated proxy value kept",
                    );
                },
            ),
            { numRuns: 200 },
        );
    });

    it("dagBundleConfigList omits unset optional kwargs", () => {
        assert.deepEqual(
            dagBundleConfigList([
                { type: "git", name: "a", repoUrl: "https://x/y", trackingRef: "main", private: false },
            ]),
            [
                {
                    name: "a",
                    classpath: "airflow.providers.git.bundles.git.GitDagBundle",
                    kwargs: { repo_url: "https://x/y", tracking_ref: "main" },
                },
            ],
        );
    });
});

describe("mergeValues", () => {
    it("merges maps deeply and replaces lists, like Helm", () => {
        assert.deepEqual(
            mergeValues(
                { a: { b: 1, c: [1, 2] }, d: "x", workers: [{ name: "a" }] },
                { a: { c: [3] }, e: true, workers: [{ name: "b" }] },
            ),
            { a: { b: 1, c: [3] }, d: "x", e: true, workers: [{ name: "b" }] },
        );
    });
});
