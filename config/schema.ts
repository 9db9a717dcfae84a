// The one schema for the stack config: the source of the TypeScript types, of validation (with the
// messages users see) and of the config reference (docs/config-reference.md). Key names mirror the chart's values.
import { z } from "zod";
import { backendSchema } from "../backends/registry";
import {
    ASTRO_REGISTRY,
    agentVersionOf,
    DEFAULT_CHART_VERSION,
    HPA_SHAPES,
    NEWEST_CHECKED_CHART_VERSION,
    SENTINEL_REPOSITORY,
} from "./chartVersions";
import {
    absolutePath,
    annotationsSchema,
    connectionId,
    dnsLabel,
    dnsSubdomain,
    envVarSchema,
    gitRef,
    gitRepoUrl,
    helmChartName,
    identifier,
    imageRef,
    k8sObjectLike,
    labelsSchema,
    resourcesSchema,
    secretString,
    strictObject,
    configPath,
    urlString,
    volumeMountSchema,
    volumeSchema,
    wholeNumber,
    wiring,
    type Resolved,
} from "../schema/primitives";
import { clustersSchema } from "./clusters";
import {
    componentPodSettings,
    podDefaultsSchema,
    ROOT_POD_SETTING_HINTS,
    SIDECAR_POD_SETTING_HINTS,
} from "./podSettings";
import { networkPolicySchema } from "./networkPolicy";
import { caBundleSchema, namespaceLimitsSchema, namespaceQuotaSchema } from "./tenant";
import { EXACT_CHART_VERSION } from "../schema/pins";
import { RISK_IDS } from "./risks";
import { CONFIG_RULES } from "./rules";
import { reading, reporter } from "./rules/rule";
import { containerSecurityContextSchema, podSecurityContextSchema, POD_IDENTITIES } from "./securityContext";

export { ASTRO_REGISTRY, SENTINEL_REPOSITORY, agentVersionOf };
export { DEFAULT_CHART_VERSION, hpaShapeOf } from "./chartVersions";
export { GENERATED_ENV, GENERATED_SENTINEL_ENV } from "./rules/envNames";
export { workerObjectName } from "./rules/workers";
export { SIDECAR_DATA_VOLUME, TASK_LOGS_VOLUME, TMP_VOLUME } from "./volumes";

/** What shape-only checks assume for an `image` given as an Output (a tag that names the agent version). */
const DEFAULT_IMAGE_STAND_IN =
    "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1";
export const DEFAULT_CHART_NAME = "astro-remote-execution-agent";
export const DEFAULT_CHART_REPO = "https://helm.astronomer.io";
export const DEFAULT_VECTOR_DATA_DIR = "/var/lib/vector";
export const DEFAULT_QUEUE_METRIC = "astro_agent_client_queued_or_running_tasks";
export const DEFAULT_TASK_LOGS_PATH = "/usr/local/airflow/logs";
export const DEFAULT_OPENLINEAGE_URL = "https://o11y.astronomer.io";
export const ASTRO_ID_ENV = [
    "ASTRO_ORGANIZATION_ID",
    "ASTRO_WORKSPACE_ID",
    "ASTRO_DEPLOYMENT_ID",
    "ASTRO_DEPLOYMENT_NAMESPACE",
] as const;
const envList = z.array(envVarSchema).default([]);

/** One of the four IDs the Astro UI puts in the agent's values file. */
function astroId(what: string, example: string) {
    return identifier(`the Astro ${what} from the Astro UI values file`, example, {
        pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
        rule: "letters, digits, '.', '_' and '-'",
        max: 253,
    });
}

const proxyUrl = urlString({
    schemes: ["http", "https"],
    what: "a proxy URL",
    example: "http://proxy.example.com:3128",
    originOnly: true,
});
const volumes = z.array(volumeSchema).default([]);
const volumeMounts = z.array(volumeMountSchema()).default([]);

/** Pod settings under Kubernetes' own names (config/podSettings.ts), inheriting `podDefaults`. */
const podPlacement = componentPodSettings;

const extraValues = z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
        "Chart values deep-merged into this component's values after the program's own (maps merge, lists replace). No secrets.",
    );

const PROBE_HANDLERS = ["httpGet", "tcpSocket", "exec", "grpc"] as const;
const probeSchema = strictObject({
    httpGet: k8sObjectLike("an HTTP GET probe handler", { path: "healthz", port: 39091 }).optional(),
    tcpSocket: k8sObjectLike("a TCP probe handler", { port: 8080 }).optional(),
    exec: k8sObjectLike("an exec probe handler", { command: ["airflow", "jobs", "check"] }).optional(),
    grpc: k8sObjectLike("a gRPC probe handler", { port: 9090 }).optional(),
    initialDelaySeconds: z.int().min(0, "must be 0 or more").optional(),
    periodSeconds: z.int().min(1, "must be at least 1").optional(),
    timeoutSeconds: z.int().min(1, "must be at least 1").optional(),
    successThreshold: z.int().min(1, "must be at least 1").optional(),
    failureThreshold: z.int().min(1, "must be at least 1").optional(),
    terminationGracePeriodSeconds: z.int().min(1, "must be at least 1").optional(),
})
    .superRefine((p, ctx) => {
        const set = PROBE_HANDLERS.filter((h) => p[h] !== undefined);
        if (set.length !== 1) {
            ctx.addIssue({
                code: "custom",
                path: set.length === 0 ? [] : [set[1] ?? "httpGet"],
                message: `set exactly one of ${PROBE_HANDLERS.join(", ")}${set.length > 1 ? ` (got ${set.join(", ")})` : ""}`,
            });
        }
    })
    .meta({
        collapse: "Kubernetes Probe",
        expected: "a Kubernetes probe with exactly one handler",
        example: { httpGet: { path: "healthz", port: 39091 }, periodSeconds: 10 },
    });
export type ProbeConfig = z.output<typeof probeSchema>;
const livenessProbeSchema = probeSchema.superRefine((p, ctx) => {
    if (p.successThreshold !== undefined && p.successThreshold !== 1) {
        ctx.addIssue({
            code: "custom",
            path: ["successThreshold"],
            message: "must be 1 for a liveness probe (a Kubernetes rule)",
        });
    }
});

/** An init or extra container: a Kubernetes Container with a name and a pinned image. */
const containerSchema = z
    .looseObject({
        name: dnsLabel(),
        image: imageRef,
        securityContext: containerSecurityContextSchema.optional(),
    })
    .meta({ collapse: "Kubernetes Container" });
export type ContainerConfig = z.output<typeof containerSchema>;

const serviceAccountSchema = strictObject({
    annotations: annotationsSchema
        .default({})
        .describe("Annotations of this component's ServiceAccount, merged with the backend's (whose keys win)."),
});

/** Pod-level settings every agent component (and Sentinel) takes, named like the chart's keys. */
const podExtras = {
    livenessProbe: livenessProbeSchema.optional().describe("Replaces the chart's liveness probe."),
    readinessProbe: probeSchema.optional().describe("Replaces the chart's readiness probe."),
    podSecurityContext: podSecurityContextSchema
        .optional()
        .describe("Merged over the program's pod securityContext; when `restricted`, it may only tighten it."),
    containerSecurityContext: containerSecurityContextSchema
        .optional()
        .describe("Merged over the program's container securityContext; when `restricted`, it may only tighten it."),
    initContainers: z
        .array(containerSchema)
        .optional()
        .describe("Init containers (Kubernetes Container objects with a pinned image)."),
    extraContainers: z
        .array(containerSchema)
        .optional()
        .describe("Extra (sidecar) containers; when `restricted` they start from the restricted container context."),
    serviceAccount: serviceAccountSchema
        .optional()
        .describe("This component's ServiceAccount (created by the program)."),
    extraValues,
};

const scalingRules = strictObject({
    stabilizationWindowSeconds: z.int().min(0).max(3600, "must be at most 3600").optional(),
    selectPolicy: z.enum(["Max", "Min", "Disabled"]).optional(),
    policies: z
        .array(
            strictObject({
                type: z.enum(["Pods", "Percent"]),
                value: z.int().min(1, "must be at least 1"),
                periodSeconds: z.int().min(1).max(1800, "must be at most 1800"),
            }),
        )
        .optional(),
});

const hpaSchema = strictObject({
    enabled: z.boolean().default(true).describe("Create a HorizontalPodAutoscaler for this worker."),
    minReplicas: wholeNumber(1, 1000, 1)
        .default(1)
        .describe("Lower bound of replicas (chart `minReplicaCount` or `minReplicas`, see `chart.hpaShape`)."),
    maxReplicas: wholeNumber(1, 1000, 10)
        .default(10)
        .describe("Upper bound of replicas (chart `maxReplicaCount` or `maxReplicas`)."),
    metrics: z
        .array(
            k8sObjectLike("an HPA metric", {
                type: "Resource",
                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
            }),
        )
        .default([])
        .describe(
            "HPA metrics (autoscaling/v2 spec; chart `extraMetrics` or `metrics`). Resource metrics need matching `resources.requests`.",
        ),
    queueMetric: strictObject({
        name: z
            .string()
            .regex(/^[A-Za-z_:][A-Za-z0-9_:]*$/, "must be a metric name")
            .default(DEFAULT_QUEUE_METRIC)
            .describe("Custom metric on the worker Deployment (e.g. served by prometheus-adapter)."),
        targetValue: z.int().min(1, "must be at least 1").describe("Target value, typically the worker's syncSlots."),
    })
        .optional()
        .describe("Scale on the agent's queued+running task count (the chart's `metric`)."),
    behavior: strictObject({
        scaleUp: scalingRules.optional(),
        scaleDown: scalingRules.optional(),
    })
        .meta({ collapse: "autoscaling/v2 HorizontalPodAutoscalerBehavior" })
        .optional()
        .describe("Scaling behavior (autoscaling/v2 `behavior`)."),
});

const workerSchema = strictObject({
    name: dnsLabel(63, "high-mem").describe(
        "Unique worker name; the Deployment is `<resourceNamePrefix>-worker-<name>`.",
    ),
    queues: z
        .array(
            identifier("an Airflow queue name", "default", {
                pattern: /^[A-Za-z0-9_.-]+$/,
                rule: "queue names may only contain letters, digits, '_', '.' and '-'",
                // Airflow stores a task's queue in a VARCHAR(256) column (task_instance.queue).
                max: 256,
            }),
        )
        .min(1, "must list at least one queue")
        .default(["default"])
        .describe(
            "Airflow queues this worker serves (chart `queues`, joined with commas): at most 1000, 128 KiB joined.",
        ),
    replicas: wholeNumber(0, 1000, 2).default(1).describe("Replicas; ignored when `hpa.enabled`."),
    syncSlots: wholeNumber(1, 1024, 20).optional().describe("Concurrent tasks per pod."),
    image: imageRef.optional().describe("Image override for this worker."),
    resources: resourcesSchema.optional().describe("Container requests and limits."),
    hpa: hpaSchema.optional().describe("Horizontal Pod Autoscaler."),
    terminationGracePeriodSeconds: wholeNumber(0, 86400, 600, "seconds")
        .default(600)
        .describe("Time running tasks get to finish on shutdown."),
    env: envList.describe("Worker-only environment variables."),
    volumes: volumes.describe("Extra volumes."),
    volumeMounts: volumeMounts.describe("Extra volume mounts."),
    canUseKubernetesPodOperator: z
        .boolean()
        .default(false)
        .describe("Let the chart bind this worker's ServiceAccount to its KubernetesPodOperator Role."),
    ...podPlacement,
    ...podExtras,
});
export type WorkerConfig = z.output<typeof workerSchema>;

const componentCommon = {
    image: imageRef.optional().describe("Image override (defaults to the top-level `image`)."),
    resources: resourcesSchema.optional().describe("Container requests and limits."),
    env: envList.describe("Environment variables for this component only."),
    volumes: volumes.describe("Extra volumes."),
    volumeMounts: volumeMounts.describe("Extra volume mounts."),
    ...podPlacement,
    ...podExtras,
};

const triggererSchema = strictObject({
    replicas: wholeNumber(0, 100, 1).default(1).describe("Triggerer replicas."),
    asyncSlots: wholeNumber(1, 10000, 1000).default(1000).describe("Concurrent triggers per pod."),
    ...componentCommon,
});

const dagProcessorSchema = strictObject({ ...componentCommon });

const sentinelSchema = strictObject({
    enabled: z.boolean().default(true).describe("Run Sentinel (health reporting; recommended by Astronomer)."),
    image: imageRef
        .optional()
        .describe(
            "Sentinel image. Default: the Sentinel tag known to go with the agent version in `image`, from the agent's registry (Astronomer's, or a mirror keeping its paths); otherwise required.",
        ),
    resources: resourcesSchema.optional().describe("Container requests and limits."),
    env: envList.describe("Sentinel environment variables (it does not get commonEnv; `proxy` is applied)."),
    port: z
        .int()
        .min(1)
        .max(65535, "must be a port (1-65535)")
        .optional()
        .describe("Sentinel's HTTP port (chart default 8080); the default probes follow it."),
    volumes: volumes.describe("Extra volumes (for example a corporate CA bundle)."),
    volumeMounts: volumeMounts.describe("Extra volume mounts."),
    ...podPlacement,
    ...podExtras,
});

const loggingSidecarSchema = strictObject(
    {
        enabled: z.boolean().default(false).describe("Run a log-shipping sidecar in worker and triggerer pods."),
        name: dnsLabel(60, "vector-logging-sidecar")
            .default("vector-logging-sidecar")
            .describe("Container name (its ConfigMap is `<name>-cm`)."),
        image: imageRef.optional().describe("Sidecar image, pinned (for example timberio/vector:0.45.0-debian)."),
        config: z
            .string()
            .meta({ expected: "Vector configuration as a YAML string", example: "sources: {logs: {type: file}}" })
            .optional()
            .describe("Vector configuration (YAML)."),
        resources: resourcesSchema.optional().describe("Container requests and limits."),
        env: envList.describe("Sidecar environment variables (commonEnv is not passed to it)."),
        dataDir: absolutePath
            .default(DEFAULT_VECTOR_DATA_DIR)
            .describe(
                "Vector's `data_dir` (Vector's default); when `restricted`, a writable emptyDir is mounted there. Must match `data_dir` in `config`.",
            ),
        volumes: volumes.describe("Volumes the sidecar mounts; added to every worker and triggerer pod."),
        volumeMounts: volumeMounts.describe("Extra sidecar mounts (the read-only task-logs mount is always added)."),
        securityContext: containerSecurityContextSchema
            .optional()
            .describe("Merged over the sidecar's securityContext; when `restricted`, it may only tighten it."),
        extraValues,
    },
    SIDECAR_POD_SETTING_HINTS,
);

const openLineageSchema = strictObject({
    enabled: z.boolean().default(false).describe("Send lineage to Astro Observe."),
    apiKey: secretString()
        .optional()
        .describe("Deployment API token for lineage (secret); stored in a Secret the program creates."),
    apiKeySecretName: wiring(dnsSubdomain("openlineage-api-key"))
        .optional()
        .describe("Existing Secret with key `api-key`, instead of `apiKey`."),
    configFile: absolutePath
        .optional()
        .describe(
            "OpenLineage client config file that a volume provides (a Vault agent template, a CSI secrets-store volume), holding the HTTP transport with the API key; instead of `apiKey`. Rendered as `OPENLINEAGE_CONFIG`; every worker, the dag processor and the triggerer must mount it (docs/secrets.md).",
        ),
    url: urlString({ schemes: ["https"], what: "the OpenLineage endpoint", example: DEFAULT_OPENLINEAGE_URL })
        .default(DEFAULT_OPENLINEAGE_URL)
        .describe("OpenLineage endpoint host."),
    namespace: identifier("an OpenLineage namespace", "cosmic-ray-1234")
        .meta({ notAPath: "a name in lineage events, never a file, key or secret path" })
        .optional()
        .describe("OpenLineage namespace; defaults to `astro.deploymentNamespace`."),
});

const bundleName = identifier("a DAG bundle name", "dags", {
    pattern: /^[A-Za-z0-9_-]+$/,
    rule: "bundle names may only contain letters, digits, '_' and '-'",
    max: 250,
});

const gitBundleSchema = strictObject({
    type: z.literal("git"),
    name: bundleName.describe("Bundle name."),
    repoUrl: gitRepoUrl
        .optional()
        .describe(
            "Repository URL (`repo_url`). Optional with `gitConnId`: GitDagBundle then clones the connection's `host`, which must be the full repository URL.",
        ),
    trackingRef: gitRef.describe("Branch, tag or commit to track (`tracking_ref`)."),
    subdir: configPath({
        what: "a folder inside the repository",
        example: "dags",
        form: "relative",
        noLeadingDash: true,
    })
        .optional()
        .describe("Folder of the DAGs inside the repository."),
    refreshInterval: wholeNumber(1, 86400, 300, "seconds").optional().describe("Seconds between refreshes."),
    private: z.boolean().default(false).describe("The repository needs credentials: set `gitConnId`."),
    gitConnId: connectionId("git_default")
        .optional()
        .describe("Airflow connection with the Git credentials (`git_conn_id`)."),
});

const localBundleSchema = strictObject({
    type: z.literal("local"),
    name: bundleName.describe("Bundle name."),
    path: absolutePath
        .optional()
        .describe(
            "Folder the DAGs are read from. Unset: no `path` kwarg, so Airflow uses `[core] dags_folder` of the image.",
        ),
    persistentVolumeClaim: dnsSubdomain("airflow-dags")
        .optional()
        .describe("Existing claim (ReadWriteMany) mounted read-only at `path` (required then) in every component."),
});

const dagBundleSchema = z.discriminatedUnion("type", [gitBundleSchema, localBundleSchema], {
    error: () => "must be 'git' or 'local'",
});
export type DagBundleConfig = z.output<typeof dagBundleSchema>;

/** The complete stack config. Each top-level key is one `pulumi config` key. */
export const agentConfigShape = {
    environment: z
        .enum(["dev", "prod"], { error: "must be 'dev' or 'prod'" })
        .default("prod")
        .describe(
            "`prod` is stricter: no local backend, no plain-text secrets in config, and every weakening (floating image tags, `restricted: false`…) refused unless listed in `acceptRisks`.",
        ),
    resourceNamePrefix: dnsLabel(30, "astro").describe("Prefix of every object name (chart `resourceNamePrefix`)."),
    namespace: wiring(dnsLabel()).describe("Namespace of the agent (chart `namespace`)."),
    createNamespace: z
        .boolean()
        .default(true)
        .describe(
            "Create the namespace with Pulumi (true) or adopt an existing one (false). The chart is always told `false`.",
        ),
    restricted: z
        .boolean()
        .default(true)
        .describe(
            "Pod Security Standard `restricted`: namespace labels, security contexts and writable emptyDir mounts.",
        ),
    podSecurityVersion: identifier("a Kubernetes minor version", "v1.30", {
        pattern: /^v1\.[0-9]+$/,
        rule: "v1.<minor>, such as v1.30",
    })
        .default("v1.30")
        .describe("Pinned Pod Security Standards version for the namespace labels."),
    namespaceQuota: namespaceQuotaSchema
        .optional()
        .describe(
            "A ResourceQuota created with the namespace (needs `createNamespace`): the agent's pods, at their most replicas, must fit, and carry the requests and limits it caps (docs/tenants.md).",
        ),
    namespaceLimits: namespaceLimitsSchema
        .optional()
        .describe(
            "A LimitRange (type Container) created with the namespace (needs `createNamespace`): every agent container must fit its min/max once its defaults apply (docs/tenants.md).",
        ),
    podIdentity: z
        .enum(POD_IDENTITIES, { error: `must be one of ${POD_IDENTITIES.map((x) => `'${x}'`).join(", ")}` })
        .default("fixed")
        .describe(
            "Who picks the pods' UID and groups. `fixed`: the program sets runAsUser/fsGroup 50000 (Sentinel 5000). `assignedByCluster`: runAsUser, runAsGroup and fsGroup are left unset everywhere so the cluster assigns them (OpenShift `restricted-v2`); every other restricted control stays, and no context may set them (docs/pod-security.md).",
        ),
    astroDeploymentAPIURL: wiring(
        urlString({
            schemes: ["https"],
            what: "the Deployment's API URL from the values file the Astro UI generates",
            example: "https://clmh57jtm000008lb58fe2wmv.external.astronomer.run/d1234567",
        }),
    ).describe("Orchestration plane API URL of the Deployment (chart `astroDeploymentAPIURL`)."),
    astro: strictObject({
        organizationId: wiring(astroId("organization ID", "clmh4n3gd000108l8cbzqapnp")),
        workspaceId: wiring(astroId("workspace ID", "clmh4o5rv000208l8hs9zcqbw")),
        deploymentId: wiring(astroId("deployment ID", "clmh57jtm000008lb58fe2wmv")),
        deploymentNamespace: wiring(astroId("deployment namespace", "cosmic-ray-1234")),
    }).describe("The four `ASTRO_*` IDs of the Deployment the agent token belongs to (commonEnv)."),
    agentToken: secretString()
        .optional()
        .describe(
            "Agent token (secret): `pulumi config set --secret agentToken`. Stored in a Secret with key `token`.",
        ),
    agentTokenSecretName: wiring(dnsSubdomain("astro-agent-token"))
        .optional()
        .describe("Existing Secret with key `token` (instead of `agentToken`)."),
    agentTokenFile: absolutePath
        .optional()
        .describe(
            "Token file path the agent components and Sentinel read (instead of `agentToken`): each must mount a volume at it or a folder above it (`volumes`/`volumeMounts`; a Vault agent injector's folder counts).",
        ),
    imagePullCredentials: strictObject({
        registry: identifier("a registry host", ASTRO_REGISTRY, {
            pattern: /^[A-Za-z0-9.-]+(:[0-9]+)?$/,
            rule: "host[:port], no scheme",
        })
            .default(ASTRO_REGISTRY)
            .describe("Registry host."),
        username: identifier("a registry user name", "cli")
            .default("cli")
            .describe("Registry user (`cli` for Astronomer's registry)."),
        password: secretString().describe(
            "Astro API token (not the agent token): `pulumi config set --secret --path imagePullCredentials.password`.",
        ),
    })
        .optional()
        .describe("Credentials for a `kubernetes.io/dockerconfigjson` Secret the program creates."),
    imagePullSecretName: wiring(dnsSubdomain("astro-image-pull"))
        .optional()
        .describe("Existing docker-registry Secret (instead of credentials)."),
    imagePullFromNodes: z
        .boolean()
        .default(false)
        .describe(
            "Nodes pull the images with their own credentials (a mirror in ECR, ACR or Artifact Registry; instead of credentials or a Secret): the program creates an empty docker-registry Secret for the chart's required `imagePullSecretName`.",
        ),
    image: wiring(imageRef, { standIn: DEFAULT_IMAGE_STAND_IN }).describe(
        "Agent image, pinned, e.g. images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1.",
    ),
    imagePullPolicy: z.enum(["IfNotPresent", "Always", "Never"]).default("IfNotPresent").describe("Image pull policy."),
    logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).default("INFO").describe("Agent log level."),
    chart: strictObject({
        name: helmChartName.default(DEFAULT_CHART_NAME).describe("Chart name, or an `oci://` reference."),
        version: identifier("an exact chart version", DEFAULT_CHART_VERSION, {
            pattern: EXACT_CHART_VERSION,
            rule: "major.minor.patch, no ranges",
        })
            .optional()
            .describe(`Pinned chart version (default ${DEFAULT_CHART_VERSION} from the repository).`),
        repo: wiring(
            urlString({
                schemes: ["https", "http"],
                what: "a Helm chart repository URL",
                example: DEFAULT_CHART_REPO,
                schemeHints: {
                    oci: "is an OCI registry, not a chart repository: set chart.name to the full oci:// reference and leave chart.repo unset",
                },
            }),
        )
            .optional()
            .describe(`Chart repository (default ${DEFAULT_CHART_REPO}).`),
        path: wiring(
            configPath({
                what: "a local chart directory or .tgz archive",
                example: "./charts/astro-remote-execution-agent",
                form: "either",
                allowParent: true,
            }),
        )
            .optional()
            .describe(
                "Local chart directory or archive (mirrored or air-gapped installs); set `version` to the archive's version.",
            ),
        hpaShape: z
            .enum(HPA_SHAPES, { error: `must be one of ${HPA_SHAPES.map((x) => `'${x}'`).join(", ")}` })
            .optional()
            .describe(
                `Worker HPA values shape: 'replicaCount' (minReplicaCount/maxReplicaCount/metric/extraMetrics, every published values file) or 'replicas' (minReplicas/maxReplicas/metrics, the docs page). Default: derived from the chart version (replicaCount for 1.x and 2.x up to ${NEWEST_CHECKED_CHART_VERSION}).`,
            ),
    })
        .prefault({})
        .describe("Where the chart comes from."),
    release: strictObject({
        name: dnsLabel(53, "astro-agent").optional().describe("Helm release name (default `resourceNamePrefix`)."),
        atomic: z.boolean().default(false).describe("Roll back a failed install or upgrade (implies waiting)."),
        timeoutSeconds: wholeNumber(1, 7200, 600, "seconds")
            .default(600)
            .describe("How long Helm waits for the workloads."),
        skipAwait: z.boolean().default(false).describe("Do not wait for the workloads to become ready."),
        maxHistory: wholeNumber(1, 100, 10).default(10).describe("Helm release revisions kept."),
    })
        .prefault({})
        .describe("Helm release options."),
    backend: backendSchema.describe("Secrets and XCom backend; `kind` selects the branch."),
    xcom: strictObject({
        threshold: wholeNumber(-1, 1073741824, 0, "bytes")
            .default(0)
            .describe("Bytes above which XCom goes to the store (0 = always)."),
        compression: z
            .enum(["snappy", "zip", "gzip", "bz2", "lzma"])
            .optional()
            .describe("Compression of stored XComs."),
        retentionDays: z
            .int()
            .min(1, "must be at least 1 day")
            .max(3650, "must be at most 3650 days")
            .default(7)
            .describe(
                "How long XComs must stay readable (your longest DAG run, plus the time within which you clear or retry tasks); a backend lifecycle expiry shorter than this warns.",
            ),
    })
        .prefault({})
        .describe("XCom object storage settings."),
    dagBundles: z
        .array(dagBundleSchema)
        .min(1, "must list at least one DAG bundle")
        .describe("DAG bundles, rendered into the chart's `dagBundleConfigList` JSON string."),
    workers: z
        .array(workerSchema)
        .min(1, "must list at least one worker")
        .prefault([{ name: "default-worker" }])
        .describe("Worker Deployments (chart `workers`)."),
    podDefaults: podDefaultsSchema,
    triggerer: triggererSchema.prefault({}).describe("Triggerer (chart `triggerer`)."),
    dagProcessor: dagProcessorSchema.prefault({}).describe("DAG processor (chart `dagProcessor`)."),
    sentinel: sentinelSchema.prefault({}).describe("Sentinel (chart `sentinel`)."),
    loggingSidecar: loggingSidecarSchema.prefault({}).describe("Logging sidecar (chart `loggingSidecar`)."),
    openLineage: openLineageSchema.prefault({}).describe("OpenLineage (chart `openLineage`; always rendered in full)."),
    commonEnv: envList.describe("Extra environment for worker, triggerer and dag processor (chart `commonEnv`)."),
    proxy: strictObject({
        httpProxy: proxyUrl.optional().describe("HTTP_PROXY (agent 1.3.2+)."),
        httpsProxy: proxyUrl.optional().describe("HTTPS_PROXY (agent 1.3.2+)."),
        noProxy: z
            .array(
                identifier("a NO_PROXY entry (host, .domain, IP address or CIDR)", ".svc.cluster.local", {
                    pattern: /^[A-Za-z0-9.*:[\]/_-]+$/,
                    rule: "no commas",
                }),
            )
            .default([])
            .describe("NO_PROXY entries."),
    })
        .prefault({})
        .describe("Outbound proxy settings."),
    caBundle: caBundleSchema
        .optional()
        .describe(
            "Corporate CA bundle (a ConfigMap or Secret in the namespace) mounted read-only into every pod, Sentinel and the logging sidecar included, with `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE` and `GIT_SSL_CAINFO` pointing at it (and the Vault backend's `verify`, unless `backend.tls` is set).",
        ),
    networkPolicy: networkPolicySchema,
    taskLogsPath: absolutePath
        .default(DEFAULT_TASK_LOGS_PATH)
        .describe("Folder of task logs (writable mount when restricted)."),
    labels: labelsSchema
        .default({})
        .describe(
            "Labels on every object and pod (chart `labels`). Keys the program sets (`pod-security.kubernetes.io/*`, `app.kubernetes.io/managed-by`, `…/part-of`, identity keys…) are refused.",
        ),
    annotations: annotationsSchema
        .default({})
        .describe(
            "Annotations on every object and pod (chart `annotations`). Keys the program sets (the rotation annotation, `pulumi.com/*`, identity keys…) are refused.",
        ),
    extraValues: k8sObjectLike("a mapping of chart values", { sentinel: { resources: { requests: { cpu: "100m" } } } })
        .default({})
        .describe("Chart values not modelled here, deep-merged last (maps merge, lists replace). No secrets."),
    clusters: clustersSchema,
    removeClusters: z
        .array(dnsLabel(24, "dr"))
        .optional()
        .describe(
            "Clusters of the last update this stack stops managing, on purpose: their release, Secrets, ServiceAccounts and identity are deleted (namespaces and data stores are retained in prod). Without it, prod refuses a change that drops a cluster (docs/fleet.md).",
        ),
    acceptRisks: z
        .array(z.enum(RISK_IDS, { error: `must be one of ${RISK_IDS.map((r) => `'${r}'`).join(", ")}` }))
        .default([])
        .describe(
            "Prod weakenings this stack acknowledges, by risk id (see Risks below): each is otherwise refused in prod.",
        ),
};

const agentConfigObject = strictObject(agentConfigShape, ROOT_POD_SETTING_HINTS);
/** The config as its shape parses it: what the cross-key rules (config/rules/) read. */
export type ParsedConfigShape = z.output<typeof agentConfigObject>;

/** The stack config: its shape, then every cross-key rule of config/rules/ in order. */
export const agentConfigSchema = CONFIG_RULES.reduce(
    (schema, rule) =>
        schema.superRefine((cfg, ctx) => {
            rule.check(cfg, reporter(ctx));
        }, reading(rule.reads)),
    agentConfigObject,
);

/** Stack config as written (defaults optional): also the args type of `RemoteExecutionAgent`. */
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
/** Stack config after validation and defaults. */
export type AgentConfig = z.output<typeof agentConfigSchema>;
/** {@link AgentConfig} with every wiring key's value known: what the chart values are built from. */
export type ResolvedAgentConfig = Resolved<AgentConfig>;
/** The top-level stack config keys. */
export const CONFIG_KEYS = Object.keys(agentConfigShape);
