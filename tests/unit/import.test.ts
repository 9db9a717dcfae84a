// `npm run import`: a values file (as the Astro UI generates it and the published edits change it) →
// stack config. Each fixture's config, secrets and unmapped keys are written out by hand; the written
// stack validates, never holds a literal secret, and renders (the real program, offline) values whose
// every difference from the input has a reason. A generated property checks the inverse on the pure
// builder: config → values → import → the same values.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { formatDiff, formatRestarts, importDiff, podRestarts, restartedBy } from "../../chart/importDiff";
import { importValues, validateImported, type ImportResult } from "../../chart/importValues";
import { agentObjectNames } from "../../chart/names";
import { buildChartValues, type ChartValues, type ResolvedBackend } from "../../chart/values";
import type { ExternalBackendConfig } from "../../backends/external/schema";
import type { AgentConfig } from "../../config/schema";
import { requireKnownWiring } from "../../config/wiring";
import { readImportArgs, renderImported, stackFileText } from "../../scripts/lib/importStack";
import { rng } from "../lib/seeded";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "tests", "fixtures", "import");

function load(name: string): ChartValues {
    return parse(fs.readFileSync(path.join(FIXTURES, `${name}.yaml`), "utf8")) as ChartValues;
}

function imported(name: string): ImportResult {
    return importValues(load(name), { stack: "imported" });
}

const IDS = {
    organizationId: "clmh4n3gd000108l8cbzqapnp",
    workspaceId: "clmh4o5rv000208l8hs9zcqbw",
    deploymentId: "clmh57jtm000008lb58fe2wmv",
    deploymentNamespace: "cosmic-ray-1234",
};
const API_URL = "https://clmh57jtm000008lb58fe2wmv.external.astronomer.run/d2wmv001";
const IMAGE_171 = "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1";
const UNRESTRICTED = { restricted: false, acceptRisks: ["unrestrictedPods"] };

/** Hand-written: what each fixture must become. */
const EXPECTED: Record<string, Record<string, unknown>> = {
    "ui-secret-refs": {
        environment: "prod",
        resourceNamePrefix: "astro-agent",
        namespace: "astro-agent",
        createNamespace: false,
        astroDeploymentAPIURL: API_URL,
        agentTokenSecretName: "astro-agent-token",
        imagePullSecretName: "astro-image-pull",
        image: IMAGE_171,
        imagePullPolicy: "IfNotPresent",
        logLevel: "INFO",
        ...UNRESTRICTED,
        astro: IDS,
        xcom: { threshold: 0 },
        commonEnv: [{ name: "AWS_DEFAULT_REGION", value: "eu-west-1" }],
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
            secretBackendKwargs: {
                connections_prefix: "airflow/connections",
                variables_prefix: "airflow/variables",
                region_name: "eu-west-1",
            },
            xcomPath: "s3://aws_default@acme-xcom/xcom",
            serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/astro-agent" },
        },
        dagBundles: [
            {
                type: "git",
                name: "dags",
                repoUrl: "https://github.com/example/dags.git",
                trackingRef: "main",
                subdir: "dags",
                refreshInterval: 300,
            },
        ],
        workers: [
            {
                name: "default-worker",
                queues: ["default"],
                replicas: 1,
                syncSlots: 20,
                hpa: {
                    enabled: true,
                    minReplicas: 1,
                    maxReplicas: 5,
                    queueMetric: { name: "astro_agent_client_queued_or_running_tasks", targetValue: 20 },
                    behavior: {
                        scaleUp: {
                            stabilizationWindowSeconds: 0,
                            policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
                        },
                        scaleDown: { stabilizationWindowSeconds: 300 },
                    },
                },
                terminationGracePeriodSeconds: 600,
                resources: {
                    limits: { cpu: "1", memory: "2Gi", "ephemeral-storage": "1Gi" },
                    requests: { cpu: "1", memory: "2Gi", "ephemeral-storage": "1Gi" },
                },
            },
        ],
        triggerer: { replicas: 1, asyncSlots: 1000 },
        loggingSidecar: { enabled: false },
        sentinel: {
            enabled: true,
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.1",
        },
        openLineage: { enabled: true, apiKeySecretName: "astro-openlineage", url: "https://o11y.astronomer.io" },
        chart: { hpaShape: "replicaCount" },
    },
    "hpa-replicas-placement": {
        environment: "prod",
        resourceNamePrefix: "re-agent",
        namespace: "remote-exec",
        createNamespace: false,
        astroDeploymentAPIURL: API_URL,
        agentTokenSecretName: "agent-token",
        imagePullSecretName: "astro-pull",
        image: "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.1-3-python-3.12-astro-agent-1.2.0",
        imagePullPolicy: "Always",
        logLevel: "DEBUG",
        ...UNRESTRICTED,
        labels: { team: "data-platform" },
        annotations: { owner: "data-platform" },
        astro: IDS,
        xcom: { threshold: 1024, compression: "gzip" },
        proxy: {
            httpProxy: "http://proxy.acme.internal:3128",
            httpsProxy: "http://proxy.acme.internal:3128",
            noProxy: [".svc.cluster.local", "10.0.0.0/8"],
        },
        commonEnv: [{ name: "AIRFLOW__CORE__DEFAULT_TIMEZONE", value: "Europe/Berlin" }],
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
            secretBackendKwargs: {
                connections_prefix: "airflow-connections",
                variables_prefix: "airflow-variables",
                project_id: "acme-data",
            },
            xcomPath: "gs://google_cloud_default@acme-xcom/xcom",
            serviceAccountAnnotations: {
                "iam.gke.io/gcp-service-account": "astro-agent@acme-data.iam.gserviceaccount.com",
            },
        },
        dagBundles: [{ type: "local", name: "local-dags", path: "/opt/airflow/dags" }],
        workers: [
            {
                name: "default-worker",
                queues: ["default"],
                replicas: 2,
                hpa: {
                    enabled: true,
                    minReplicas: 2,
                    maxReplicas: 10,
                    metrics: [
                        {
                            type: "Resource",
                            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 75 } },
                        },
                        {
                            type: "Resource",
                            resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } },
                        },
                    ],
                },
                resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
                livenessProbe: { httpGet: { path: "healthz", port: 39091 }, initialDelaySeconds: 30, periodSeconds: 5 },
                volumes: [{ name: "dags", persistentVolumeClaim: { claimName: "dags-pvc" } }],
                volumeMounts: [{ name: "dags", mountPath: "/opt/airflow/dags", readOnly: true }],
                nodeSelector: { "node.kubernetes.io/instance-type": "c5.large" },
                tolerations: [{ key: "dedicated", operator: "Equal", value: "agents", effect: "NoSchedule" }],
            },
            {
                name: "high-memory-worker",
                queues: ["high-memory", "ml"],
                replicas: 1,
                syncSlots: 4,
                terminationGracePeriodSeconds: 3600,
                resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "4", memory: "16Gi" } },
                env: [{ name: "MALLOC_ARENA_MAX", value: "2" }],
                volumes: [{ name: "dags", persistentVolumeClaim: { claimName: "dags-pvc" } }],
                volumeMounts: [{ name: "dags", mountPath: "/opt/airflow/dags", readOnly: true }],
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [
                                { matchExpressions: [{ key: "workload", operator: "In", values: ["memory"] }] },
                            ],
                        },
                    },
                },
            },
        ],
        dagProcessor: {
            resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
            volumes: [{ name: "dags", persistentVolumeClaim: { claimName: "dags-pvc" } }],
            volumeMounts: [{ name: "dags", mountPath: "/opt/airflow/dags", readOnly: true }],
        },
        triggerer: {
            replicas: 2,
            asyncSlots: 500,
            resources: {
                limits: { cpu: "1", "ephemeral-storage": "1Gi", memory: "2Gi" },
                requests: { cpu: "1", "ephemeral-storage": "1Gi", memory: "2Gi" },
            },
            livenessProbe: {
                httpGet: { path: "healthz", port: 39091 },
                initialDelaySeconds: 30,
                periodSeconds: 5,
                failureThreshold: 3,
                successThreshold: 1,
                timeoutSeconds: 5,
            },
            readinessProbe: {
                httpGet: { path: "healthz", port: 39091 },
                initialDelaySeconds: 30,
                periodSeconds: 5,
                failureThreshold: 3,
                successThreshold: 1,
                timeoutSeconds: 5,
            },
            initContainers: [
                {
                    name: "vault-agent",
                    image: "hashicorp/vault:1.13.0",
                    command: ["vault", "agent", "-config=/etc/vault/config.hcl"],
                    volumeMounts: [{ name: "vault-config", mountPath: "/etc/vault" }],
                    env: [
                        { name: "VAULT_ADDR", value: "https://vault.example.com" },
                        { name: "VAULT_TOKEN", valueFrom: { secretKeyRef: { key: "token", name: "vault-token" } } },
                    ],
                },
            ],
            volumes: [
                { name: "vault-config", configMap: { name: "vault-config" } },
                { name: "dags", persistentVolumeClaim: { claimName: "dags-pvc" } },
            ],
            volumeMounts: [{ name: "dags", mountPath: "/opt/airflow/dags", readOnly: true }],
            nodeSelector: { "node.kubernetes.io/instance-type": "c5.large" },
        },
        loggingSidecar: { enabled: false },
        sentinel: {
            enabled: true,
            port: 8081,
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.2.0",
            resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
        },
        openLineage: { enabled: false },
        chart: { hpaShape: "replicas" },
    },
    "restricted-sidecar": {
        environment: "prod",
        resourceNamePrefix: "astro",
        namespace: "astro-agent-restricted",
        createNamespace: false,
        astroDeploymentAPIURL: API_URL,
        agentTokenSecretName: "astro-agent-token",
        imagePullSecretName: "astro-image-pull",
        image: IMAGE_171,
        restricted: true,
        astro: IDS,
        xcom: { threshold: 0 },
        backend: {
            kind: "external",
            podLabels: { "azure.workload.identity/use": "true" },
            secretBackend: "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend",
            secretBackendKwargs: {
                connections_prefix: "airflow-connections",
                variables_prefix: "airflow-variables",
                vault_url: "https://acme-agent.vault.azure.net/",
            },
            xcomPath: "abfs://wasb_default@xcom/agent",
            serviceAccountAnnotations: { "azure.workload.identity/client-id": "00000000-0000-0000-0000-0000000000a1" },
        },
        dagBundles: [
            {
                type: "git",
                name: "private-dags",
                repoUrl: "https://github.com/acme/private-dags",
                trackingRef: "main",
                subdir: "dags",
                gitConnId: "git_repo",
                refreshInterval: 300,
                private: true,
            },
        ],
        taskLogsPath: "/usr/local/airflow/logs",
        workers: [{ name: "default-worker", queues: ["default"] }],
        loggingSidecar: {
            enabled: true,
            name: "vector-logging-sidecar",
            image: "timberio/vector:0.45.0-debian",
            // The Vector config string as the fixture holds it.
            config: (load("restricted-sidecar").loggingSidecar as { config: string }).config,
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
            securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [{ name: "vector-config", mountPath: "/etc/vector/extra" }],
            volumes: [{ name: "vector-config", configMap: { name: "vector-extra" } }],
        },
        sentinel: { enabled: false },
        openLineage: { enabled: false },
    },
    "literal-secrets": {
        environment: "prod",
        resourceNamePrefix: "astro-agent",
        namespace: "astro-agent",
        createNamespace: false,
        astroDeploymentAPIURL: API_URL,
        imagePullCredentials: { registry: "images.astronomer.cloud", username: "cli" },
        image: IMAGE_171,
        ...UNRESTRICTED,
        astro: IDS,
        xcom: { threshold: 0 },
        commonEnv: [
            { name: "AIRFLOW_CONN_WAREHOUSE" },
            { name: "AIRFLOW_CONN_SLACK", valueFrom: { secretKeyRef: { name: "slack-connection", key: "uri" } } },
        ],
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.hashicorp.secrets.vault.VaultBackend",
            secretBackendKwargs: {
                connections_path: "connections",
                variables_path: "variables",
                mount_point: "airflow",
                url: "https://vault.acme.internal:8200",
                auth_type: "approle",
                role_id: "agent-role",
            },
            xcomPath: "s3://aws_default@acme-xcom/xcom",
        },
        dagBundles: [
            {
                type: "git",
                name: "public-dags",
                repoUrl: "https://github.com/your-org/public-dags",
                trackingRef: "main",
                subdir: "dags",
            },
        ],
        workers: [{ name: "default-worker", queues: ["default"], env: [{ name: "SNOWFLAKE_PASSWORD" }] }],
        loggingSidecar: { enabled: false },
        sentinel: {
            enabled: true,
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.1",
        },
        openLineage: { enabled: true, url: "https://o11y.astronomer.io" },
    },
    unmodelled: {
        environment: "prod",
        resourceNamePrefix: "astro-agent",
        namespace: "astro-agent",
        createNamespace: false,
        astroDeploymentAPIURL: API_URL,
        agentTokenSecretName: "astro-agent-token",
        imagePullSecretName: "astro-image-pull",
        image: "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.8.2",
        ...UNRESTRICTED,
        labels: { team: "data" },
        astro: IDS,
        // No threshold in the values: Airflow's default (-1, nothing goes to the store) is kept.
        xcom: { threshold: -1 },
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
            secretBackendKwargs: { connections_prefix: "airflow/connections", region_name: "eu-west-1" },
            xcomPath: "s3://aws_default@acme-xcom/xcom",
        },
        dagBundles: [
            { type: "git", name: "dags", repoUrl: "https://github.com/example/dags.git", trackingRef: "main" },
        ],
        taskLogsPath: "/usr/local/airflow/logs",
        workers: [{ name: "default-worker", queues: ["default"], extraValues: { priorityClassName: "agents-high" } }],
        triggerer: {
            extraValues: {
                topologySpreadConstraints: [
                    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
                ],
            },
        },
        loggingSidecar: {
            enabled: true,
            name: "vector-logging-sidecar",
            image: "timberio/vector:0.45.0-debian",
            extraValues: { preStopSleepSeconds: 5 },
        },
        sentinel: {
            enabled: true,
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.8.2",
            extraValues: { reconcileIntervalSeconds: 30 },
        },
        openLineage: { enabled: false },
        extraValues: {
            stateStoreBackend: "airflow.state_store.database.DatabaseStateStoreBackend",
            priorityClassName: "agents-high",
        },
    },
};

const IMAGE_102 = "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.0-4-python-3.12-astro-agent-1.0.2";
EXPECTED["chart1-components"] = {
    environment: "prod",
    resourceNamePrefix: "astro-agent",
    namespace: "astro-agent",
    createNamespace: false,
    astroDeploymentAPIURL: API_URL,
    agentTokenSecretName: "astro-agent-token",
    imagePullSecretName: "astro-image-pull",
    // No top-level image in chart 1.x: the first worker's.
    image: IMAGE_102,
    logLevel: "INFO",
    ...UNRESTRICTED,
    astro: IDS,
    xcom: { threshold: -1 },
    backend: {
        kind: "external",
        secretBackend: "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        secretBackendKwargs: {
            connections_file_path: "/usr/local/airflow/secrets/connections.json",
            variables_file_path: "/usr/local/airflow/secrets/variables.json",
        },
        xcomPath: "file:///usr/local/airflow/xcom",
    },
    dagBundles: [{ type: "local", name: "dags-folder" }],
    workers: [
        {
            name: "default-worker",
            queues: ["default"],
            replicas: 1,
            syncSlots: 20,
            // Disabled as shipped; the chart's queue metric block is kept for when it is enabled.
            hpa: {
                enabled: false,
                minReplicas: 1,
                maxReplicas: 1,
                queueMetric: { name: "astro_agent_client_queued_or_running_tasks", targetValue: 20 },
            },
            image: IMAGE_102,
            volumes: [{ name: "local-files", secret: { secretName: "airflow-local-files" } }],
            volumeMounts: [{ name: "local-files", mountPath: "/usr/local/airflow/secrets", readOnly: true }],
        },
    ],
    dagProcessor: { image: IMAGE_102 },
    triggerer: { image: IMAGE_102 },
    loggingSidecar: { enabled: false },
    sentinel: { enabled: false },
    openLineage: { enabled: false },
    chart: { hpaShape: "replicaCount" },
};

/** Hand-written: the secret config paths of each fixture. */
const SECRET_PATHS: Record<string, string[]> = {
    "ui-secret-refs": [],
    "hpa-replicas-placement": [],
    "restricted-sidecar": [],
    "literal-secrets": [
        "agentToken",
        "imagePullCredentials.password",
        "backend.secretBackendKwargs.secret_id",
        "commonEnv[0].value",
        "workers[0].env[0].value",
        "openLineage.apiKey",
    ],
    unmodelled: [],
    "chart1-components": [],
};

/** The literal secrets of literal-secrets.yaml, as written there. */
const LITERALS = [
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFzdHJvLWFnZW50In0",
    "astro-api-token-Qm9WxL2pT7vN4kZ8rY3s",
    "Y2xpOmFzdHJvLWFwaS10b2tlbi1RbTlXeEwycFQ3dk40a1o4clkzcw",
    "c7d1e0b2-4f4a-4c8e-9a51-7e2f0d6b9c31",
    "Xk29vLq7Rt4mWz8p",
    "Vq8#mZ2!pL6@rT9w",
    "astro-deployment-token-7f3kQ9mX2vB8nL4pR6tW",
];

describe("import: values file → stack config", () => {
    for (const name of Object.keys(EXPECTED)) {
        describe(name, () => {
            it("maps to the hand-written config", () => {
                assert.deepEqual(imported(name).config, EXPECTED[name]);
            });

            it("returns exactly the expected secret paths", () => {
                assert.deepEqual(
                    imported(name).secrets.map((s) => s.path),
                    SECRET_PATHS[name],
                );
            });

            it("passes validation as a stack", () => {
                const r = validateImported(imported(name));
                assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems, null, 1));
            });

            it("renders values whose every difference from the input has a reason", async function () {
                this.timeout(120000);
                const result = imported(name);
                const rendered = await renderImported(ROOT, "imported", "astro-agent", result, "");
                const diff = importDiff(load(name), rendered, {
                    names: agentObjectNames({
                        resourceNamePrefix: String(result.config.resourceNamePrefix),
                        workers: result.config.workers as { name: string }[],
                    }),
                    dropped: result.unmapped.filter((u) => !u.keptInExtraValues).map((u) => u.at),
                });
                const unexplained = diff.filter((d) => d.reason === undefined);
                assert.deepEqual(unexplained, [], formatDiff(unexplained));
            });
        });
    }

    it("keeps every literal secret out of the stack file text and out of the printed diff", async function () {
        this.timeout(120000);
        const result = imported("literal-secrets");
        const text = stackFileText("astro-agent", result, {}, "values.yaml");
        const rendered = await renderImported(ROOT, "imported", "astro-agent", result, "");
        const diff = formatDiff(
            importDiff(load("literal-secrets"), rendered, {
                names: agentObjectNames({ resourceNamePrefix: "astro-agent", workers: [{ name: "default-worker" }] }),
            }),
        );
        for (const literal of LITERALS) {
            assert.ok(!text.includes(literal), `stack file holds ${literal.slice(0, 6)}…`);
            assert.ok(!diff.includes(literal), `diff shows ${literal.slice(0, 6)}…`);
            // The docker config's `auth` is base64 of user:password: the password is what is returned.
            if (literal !== LITERALS[2]) {
                assert.ok(
                    result.secrets.some((s) => s.value.includes(literal)),
                    `secret ${literal.slice(0, 6)}… is returned for secret config`,
                );
            }
        }
        // The values file's own literals are what the secrets carry.
        assert.equal(result.secrets.find((s) => s.path === "imagePullCredentials.password")?.value, LITERALS[1]);
    });

    it("lists exactly the unmodelled keys, with what is kept under extraValues", () => {
        assert.deepEqual(
            imported("unmodelled").unmapped.map((u) => [u.path, u.keptInExtraValues]),
            [
                ['labels["app.kubernetes.io/managed-by"]', false],
                ["serviceAccount.workers.name", false],
                ["dagBundleConfigList[1]", false],
                ["workers[0].priorityClassName", true],
                ["workers[0].podAnnotations", false],
                ["triggerer.topologySpreadConstraints", true],
                ["loggingSidecar.preStopSleepSeconds", true],
                ["sentinel.reconcileIntervalSeconds", true],
                ["stateStoreBackend", true],
                ["priorityClassName", true],
                ["alerting", false],
            ],
        );
        const why = new Map(imported("unmodelled").unmapped.map((u) => [u.path, u.why]));
        assert.match(why.get("alerting") ?? "", /credential-shaped/);
        assert.match(why.get("workers[0].podAnnotations") ?? "", /refused as an extra value/);
        assert.match(why.get("dagBundleConfigList[1]") ?? "", /S3DagBundle/);
    });

    it("takes --namespace over the values file's, and the diff explains it only then", () => {
        assert.equal(
            importValues(load("ui-secret-refs"), { stack: "s", namespace: "other" }).config.namespace,
            "other",
        );
        const names = agentObjectNames({ resourceNamePrefix: "astro-agent", workers: [] });
        const asked = importDiff({ namespace: "astro-agent" }, { namespace: "other" }, { names, namespace: "other" });
        assert.deepEqual(
            asked.map((d) => d.reason),
            ["the namespace given with --namespace"],
        );
        const notAsked = importDiff({ namespace: "astro-agent" }, { namespace: "other" }, { names });
        assert.deepEqual(
            notAsked.map((d) => d.reason),
            [undefined],
        );
    });

    it("counts a Sentinel env secret's index after the proxy entries the program gives Sentinel itself", () => {
        const values = load("hpa-replicas-placement");
        const sentinel = values.sentinel as { env: unknown[] };
        sentinel.env = [...sentinel.env, { name: "SENTINEL_DB_PASSWORD", value: "Vq8#mZ2!pL6@rT9w" }];
        const result = importValues(values, { stack: "s" });
        assert.deepEqual(
            result.secrets.map((s) => s.path),
            ["sentinel.env[0].value"],
        );
        assert.deepEqual((result.config.sentinel as { env: unknown }).env, [{ name: "SENTINEL_DB_PASSWORD" }]);
        const r = validateImported(result);
        assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
    });

    it("acknowledges a prod weakening the release already runs with (a floating image tag), naming it", () => {
        const values = load("ui-secret-refs");
        values.image = "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14";
        const result = importValues(values, { stack: "s" });
        assert.deepEqual(result.config.acceptRisks, ["unrestrictedPods", "floatingImageTag"]);
        assert.ok(result.notes.some((n) => n.includes("'floatingImageTag'") && n.includes("(image)")));
        const r = validateImported(result);
        assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
    });

    it("lists a key misplaced under a worker's hpa (as one published copy has its probes) and drops it", () => {
        assert.deepEqual(
            imported("chart1-components").unmapped.map((u) => [u.path, u.keptInExtraValues]),
            [["workers[0].hpa.livenessProbe", false]],
        );
    });

    it("lists nothing as unmapped for the files the program models", () => {
        for (const name of ["ui-secret-refs", "hpa-replicas-placement", "restricted-sidecar", "literal-secrets"]) {
            assert.deepEqual(imported(name).unmapped, [], name);
        }
    });
});

// ---- The inverse on generated configs ----

/** What the external backend hands the chart (components/backends/external, plain values). */
function externalResolved(b: ExternalBackendConfig): ResolvedBackend {
    return {
        secretBackend: b.secretBackend,
        secretBackendKwargs: b.secretBackendKwargs,
        xcomBackend: b.xcomBackend,
        xcomPath: b.xcomPath as string,
        commonEnv: b.env,
        serviceAccountAnnotations: b.serviceAccountAnnotations as Record<string, string>,
        podLabels: b.podLabels,
        volumes: [],
        volumeMounts: [],
    };
}

function render(cfg: AgentConfig): ChartValues {
    const known = requireKnownWiring(cfg);
    return buildChartValues(
        known,
        agentObjectNames({ resourceNamePrefix: cfg.resourceNamePrefix, workers: cfg.workers }),
        externalResolved(cfg.backend as ExternalBackendConfig),
    );
}

/** A generated stack config (external backend, Secrets by name: what the pure builder renders alone). */
function generateConfig(seed: number): Record<string, unknown> {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const maybe = <T>(v: () => T, p = 0.5): T | undefined => (r() < p ? v() : undefined);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const restricted = r() < 0.5;
    const sidecar = r() < 0.4;
    const shape = pick(["replicaCount", "replicas"] as const);
    const bundles = [
        pick([
            { type: "git", name: "dags", repoUrl: "https://github.com/acme/dags.git", trackingRef: "main" },
            {
                type: "git",
                name: "team-dags",
                repoUrl: "https://github.com/acme/team.git",
                trackingRef: "v1.2.3",
                subdir: "dags",
                gitConnId: "git_repo",
                private: true,
                refreshInterval: int(30, 600),
            },
        ]),
        ...(r() < 0.4
            ? [
                  r() < 0.5
                      ? { type: "local", name: "local-dags", path: "/opt/airflow/dags" }
                      : {
                            type: "local",
                            name: "pvc-dags",
                            path: "/opt/airflow/pvc-dags",
                            persistentVolumeClaim: "dags-pvc",
                        },
              ]
            : []),
    ];
    const workerCount = int(1, 3);
    const workers = Array.from({ length: workerCount }, (_, i) => ({
        name: `w${i}-${pick(["default", "ml", "etl"])}`,
        queues: Array.from({ length: int(1, 3) }, (_, q) => `q${i}${q}`),
        replicas: int(0, 4),
        syncSlots: maybe(() => int(1, 64)),
        terminationGracePeriodSeconds: int(30, 3600),
        canUseKubernetesPodOperator: r() < 0.3,
        resources: maybe(() => ({ requests: { cpu: `${int(1, 9)}00m`, memory: `${int(1, 8)}Gi` } })),
        hpa: maybe(() => ({
            enabled: r() < 0.8,
            minReplicas: int(1, 2),
            maxReplicas: int(3, 20),
            metrics:
                r() < 0.5
                    ? [
                          {
                              type: "Resource",
                              resource: {
                                  name: "cpu",
                                  target: { type: "Utilization", averageUtilization: int(50, 90) },
                              },
                          },
                      ]
                    : [],
            queueMetric: { targetValue: int(1, 40) },
            behavior: maybe(() => ({ scaleDown: { stabilizationWindowSeconds: int(0, 600) } })),
        })),
        env: r() < 0.4 ? [{ name: `WORKER_${i}_MODE`, value: pick(["fast", "safe"]) }] : [],
        nodeSelector: maybe(() => ({ "kubernetes.io/arch": pick(["amd64", "arm64"]) })),
        tolerations: maybe(() => [{ key: "agents", operator: "Exists", effect: "NoSchedule" }]),
        livenessProbe: maybe(() =>
            r() < 0.5
                ? { httpGet: { path: "healthz", port: 39091 }, periodSeconds: int(5, 30) }
                : { tcpSocket: { port: 39091 }, periodSeconds: int(5, 30) },
        ),
        volumes: r() < 0.3 ? [{ name: "scratch", emptyDir: {} }] : [],
        volumeMounts: [] as unknown[],
    }));
    for (const w of workers) {
        // A CPU utilisation target needs a CPU request; an enabled HPA needs a metric (validation says so).
        if (w.hpa?.metrics.length === 1) {
            w.resources = { requests: { cpu: "500m", memory: "1Gi" } };
            if (r() < 0.5) {
                Reflect.deleteProperty(w.hpa, "queueMetric");
            }
        }
        if (w.volumes.length > 0) {
            w.volumeMounts = [{ name: "scratch", mountPath: "/scratch" }];
        }
    }
    const proxy = r() < 0.4;
    return {
        environment: "prod",
        resourceNamePrefix: pick(["astro", "agent-a", "re"]),
        namespace: pick(["astro-agent", "agents"]),
        createNamespace: false,
        restricted,
        ...(restricted ? {} : { acceptRisks: ["unrestrictedPods"] }),
        astroDeploymentAPIURL: API_URL,
        astro: IDS,
        agentTokenSecretName: "agent-token",
        imagePullSecretName: "pull-secret",
        image: pick([
            IMAGE_171,
            "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.1-3-python-3.12-astro-agent-1.2.0",
        ]),
        imagePullPolicy: pick(["IfNotPresent", "Always"]),
        logLevel: pick(["INFO", "DEBUG"]),
        chart: { hpaShape: shape },
        backend: {
            kind: "external",
            secretBackend: pick([
                "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
                "airflow.secrets.local_filesystem.LocalFilesystemBackend",
            ]),
            secretBackendKwargs: r() < 0.7 ? { connections_prefix: `c${int(0, 9)}`, region_name: "eu-west-1" } : {},
            xcomPath: pick(["s3://aws_default@bucket/xcom", "gs://google_cloud_default@bucket/x"]),
            serviceAccountAnnotations:
                r() < 0.5 ? { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/agent" } : {},
            podLabels: r() < 0.3 ? { "azure.workload.identity/use": "true" } : {},
            env: r() < 0.3 ? [{ name: "AWS_REGION", value: "eu-west-1" }] : [],
        },
        xcom: { threshold: int(-1, 4096), ...(r() < 0.5 ? { compression: pick(["gzip", "zip"]) } : {}) },
        proxy: proxy
            ? {
                  httpsProxy: "http://proxy.acme.internal:3128",
                  ...(r() < 0.5 ? { httpProxy: "http://proxy.acme.internal:3128" } : {}),
                  noProxy: r() < 0.5 ? [".svc", "10.0.0.0/8"] : [],
              }
            : {},
        dagBundles: bundles,
        taskLogsPath: pick(["/usr/local/airflow/logs", "/var/log/airflow"]),
        workers,
        triggerer: {
            replicas: int(0, 3),
            asyncSlots: int(100, 2000),
            nodeSelector: maybe(() => ({ pool: "triggers" })),
        },
        dagProcessor: { resources: maybe(() => ({ limits: { memory: `${int(1, 4)}Gi` } })) },
        sentinel:
            r() < 0.6
                ? {
                      enabled: true,
                      port: maybe(() => int(8000, 9000)),
                      env: r() < 0.3 ? [{ name: "S", value: "1" }] : [],
                  }
                : { enabled: false },
        loggingSidecar: sidecar
            ? {
                  enabled: true,
                  image: "timberio/vector:0.45.0-debian",
                  config: "sources: {}\n",
                  ...(r() < 0.5
                      ? {
                            volumes: [{ name: "vector-extra", configMap: { name: "vector-extra" } }],
                            volumeMounts: [{ name: "vector-extra", mountPath: "/etc/vector/extra" }],
                        }
                      : {}),
              }
            : { enabled: false },
        openLineage:
            r() < 0.5
                ? { enabled: true, apiKeySecretName: "ol-key", ...(r() < 0.5 ? { namespace: "other-ns" } : {}) }
                : { enabled: false },
        labels: r() < 0.5 ? { team: pick(["a", "b"]) } : {},
        annotations: r() < 0.5 ? { owner: "data" } : {},
        commonEnv: r() < 0.5 ? [{ name: "TZ", value: "UTC" }] : [],
    };
}

function validated(values: Record<string, unknown>): AgentConfig {
    const r = validateImported({ config: values, secrets: [] });
    assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems, null, 1));
    return r.config;
}

describe("import: the inverse of the values builder (generated configs)", () => {
    const CASES = 60;
    it(`config → values → import → the same values, for ${CASES} generated configs`, () => {
        for (let seed = 1; seed <= CASES; seed++) {
            const input = generateConfig(seed);
            const values = render(validated(input));
            const back = importValues(values, { stack: "generated" });
            assert.deepEqual(back.secrets, [], `seed ${seed}`);
            const again = render(validated(back.config));
            assert.deepEqual(again, values, `seed ${seed}: re-rendered values differ`);
        }
    });
});

// ---- The script's argument checks (the script end to end: tests/e2e/import-script.test.ts) ----

describe("npm run import (the script)", () => {
    it("refuses bad arguments and an existing stack file without --force (exit 2), writing nothing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-usage-"));
        const values = path.join(FIXTURES, "ui-secret-refs.yaml");
        const error = (argv: string[]) => {
            const r = readImportArgs(argv, dir);
            return "error" in r ? r.error : undefined;
        };
        try {
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            assert.match(error(["--stack", "x"]) ?? "", /--values and --stack are required/);
            assert.match(error(["--values", values]) ?? "", /--values and --stack are required/);
            assert.match(error(["--values", values, "--stack", "a b"]) ?? "", /not a stack name/);
            assert.match(error(["--values", values, "--stack", "x", "--bogus"]) ?? "", /bogus/);
            assert.match(error(["--values", path.join(dir, "missing.yaml"), "--stack", "x"]) ?? "", /missing\.yaml/);
            fs.writeFileSync(path.join(dir, "list.yaml"), "- a\n");
            assert.match(error(["--values", path.join(dir, "list.yaml"), "--stack", "x"]) ?? "", /not a values file/);
            assert.equal(error(["--values", values, "--stack", "x"]), undefined);
            fs.writeFileSync(path.join(dir, "Pulumi.x.yaml"), "config: {}\n");
            assert.match(error(["--values", values, "--stack", "x"]) ?? "", /exists; pass --force/);
            assert.equal(error(["--values", values, "--stack", "x", "--force"]), undefined);
            assert.equal(error(["--values", values, "--stack", "x", "--dry-run"]), undefined);
            assert.equal(fs.readFileSync(path.join(dir, "Pulumi.x.yaml"), "utf8"), "config: {}\n");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("import diff: which pods the first up restarts", () => {
    const rendered = {
        workers: [{ name: "a" }, { name: "b" }],
        sentinel: { enabled: true },
        loggingSidecar: { enabled: true },
    };
    const diff = (path: string, reason?: string, before?: unknown) => ({ path, before, after: 1, reason });

    it("names the components whose pod templates a difference reaches", () => {
        assert.deepEqual(restartedBy(diff("workers[1].env[name=X].value"), rendered), ["worker b"]);
        assert.deepEqual(restartedBy(diff("triggerer.resources.limits.cpu"), rendered), ["triggerer"]);
        assert.deepEqual(restartedBy(diff("loggingSidecar.image"), rendered), ["worker a", "worker b", "triggerer"]);
        assert.deepEqual(restartedBy(diff("commonEnv[name=X].value"), rendered), [
            "worker a",
            "worker b",
            "dagProcessor",
            "triggerer",
        ]);
        assert.deepEqual(restartedBy(diff("annotations.x"), rendered), [
            "worker a",
            "worker b",
            "dagProcessor",
            "triggerer",
            "sentinel",
        ]);
        // A disabled Sentinel or sidecar runs nothing to restart.
        const off = { ...rendered, sentinel: { enabled: false }, loggingSidecar: { enabled: false } };
        assert.deepEqual(restartedBy(diff("sentinel.env[name=X].value"), off), []);
        assert.deepEqual(restartedBy(diff("loggingSidecar.image"), off), []);
        assert.deepEqual(restartedBy(diff("annotations.x"), off), [
            "worker a",
            "worker b",
            "dagProcessor",
            "triggerer",
        ]);
    });

    it("restarts nothing for replicas, autoscaling, ServiceAccounts under the chart's names and defaults made explicit", () => {
        for (const path of [
            "workers[0].replicas",
            "workers[0].hpa.maxReplicaCount",
            "triggerer.replicas",
            "serviceAccount.triggerer.create",
            "workers[0].serviceAccount.create",
            "workers[0].serviceAccount.name",
            "createNamespace",
            "agentToken",
        ]) {
            assert.deepEqual(restartedBy(diff(path), rendered), [], path);
        }
        assert.deepEqual(
            restartedBy(diff("logLevel", "the chart's (or Airflow's) default, now explicit"), rendered),
            [],
        );
        // A ServiceAccount name the values set (a custom one) does reach the pods.
        assert.deepEqual(restartedBy(diff("workers[0].serviceAccount.name", undefined, "custom"), rendered), [
            "worker a",
        ]);
    });

    it("prints every restarted component with its causes, or that none restarts", () => {
        const restarts = podRestarts(
            [diff("workers[0].replicas"), diff("workers[0].image"), diff("labels.x")],
            rendered,
        );
        assert.equal(
            formatRestarts(restarts),
            [
                "Pods restarted by the first up: worker a, worker b, dagProcessor, triggerer, sentinel",
                "  worker a: workers[0].image, labels.x",
                "  worker b: labels.x",
                "  dagProcessor: labels.x",
                "  triggerer: labels.x",
                "  sentinel: labels.x",
            ].join("\n"),
        );
        assert.equal(
            formatRestarts(podRestarts([diff("workers[0].replicas")], rendered)),
            "Pods restarted by the first up: none (no difference reaches a pod template).",
        );
    });
});
