// Components under Pulumi's mock runtime: exact child types, names, parents and inputs.
import * as assert from "node:assert/strict";
import {
    AgentCredentials,
    AgentNamespace,
    AgentRelease,
    AgentServiceAccounts,
    chartLocation,
    dockerConfigJson,
    LocalBackend,
    RemoteExecutionAgent,
} from "../../components";
import { validateStackConfig } from "../../chart/validate";
import { plaintextPaths, runUnderMocks, unwrapSecrets, type RecordedResource } from "../../scripts/lib/mockRun";
import { AGENT_TOKEN, baseValues, PROJECT, PULL_PASSWORD, raw } from "../fixtures/config";

async function run(program: () => unknown, stack = "test"): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks({ project: PROJECT, stack, config: {}, program });
    return resources;
}

function only(resources: RecordedResource[], type: string, name?: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `expected exactly one ${type} ${name ?? ""}, found ${found.length}`);
    return found[0] as RecordedResource;
}

const PSS = (enforce: string) => ({
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": "v1.30",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "v1.30",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "v1.30",
});

describe("AgentNamespace", () => {
    it("creates a restricted namespace with pinned Pod Security Standards labels", async () => {
        const rs = await run(
            () => new AgentNamespace("agent-ns", { name: "astro", restricted: true, labels: { team: "data" } }),
        );
        assert.deepEqual(
            rs.map((r) => [r.type, r.name, r.parent]),
            [
                ["astro-remote-agent:index:AgentNamespace", "agent-ns", undefined],
                ["kubernetes:core/v1:Namespace", "agent-ns", "agent-ns"],
            ],
        );
        const ns = only(rs, "kubernetes:core/v1:Namespace");
        assert.deepEqual(ns.inputs, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: "astro", labels: { team: "data", ...PSS("restricted") } },
        });
    });

    it("annotates a namespace it retains on delete (the policy pack's evidence of retainOnDelete)", async () => {
        const rs = await run(
            () => new AgentNamespace("agent-ns", { name: "astro", restricted: true, retainOnDelete: true }),
        );
        const ns = only(rs, "kubernetes:core/v1:Namespace");
        assert.equal(ns.retainOnDelete, true);
        assert.deepEqual(ns.inputs, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                name: "astro",
                labels: PSS("restricted"),
                annotations: { "astro-agent-retain-on-delete": "true" },
            },
        });
    });

    it("enforces baseline (and warns on restricted) when not restricted", async () => {
        const rs = await run(() => new AgentNamespace("agent-ns", { name: "astro", restricted: false }));
        assert.deepEqual(
            (only(rs, "kubernetes:core/v1:Namespace").inputs.metadata as { labels: unknown }).labels,
            PSS("baseline"),
        );
    });

    it("adopts an existing namespace by reading it, creating nothing", async () => {
        const rs = await run(() => new AgentNamespace("agent-ns", { name: "platform", create: false }));
        const ns = only(rs, "kubernetes:core/v1:Namespace");
        assert.equal(ns.readId, "platform");
        assert.equal(ns.parent, "agent-ns");
    });
});

describe("AgentCredentials", () => {
    it("creates the token, pull and OpenLineage Secrets with the chart's key names, values secret", async () => {
        const rs = await run(
            () =>
                new AgentCredentials("creds", {
                    namespace: "astro",
                    agentToken: AGENT_TOKEN,
                    agentTokenSecretName: "astro-agent-token",
                    imagePull: { registry: "images.astronomer.cloud", username: "cli", password: PULL_PASSWORD },
                    imagePullSecretName: "astro-image-pull",
                    openLineageApiKey: "ol-key",
                    openLineageSecretName: "astro-openlineage-api-key",
                    labels: { team: "data" },
                }),
        );
        assert.deepEqual(
            rs.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:AgentCredentials", "creds", undefined],
                ["kubernetes:core/v1:Secret", "creds-agent-token", "creds"],
                ["kubernetes:core/v1:Secret", "creds-image-pull", "creds"],
                ["kubernetes:core/v1:Secret", "creds-openlineage", "creds"],
            ].sort(),
        );
        const token = only(rs, "kubernetes:core/v1:Secret", "creds-agent-token");
        assert.deepEqual(token.inputs.metadata, {
            name: "astro-agent-token",
            namespace: "astro",
            labels: { team: "data" },
        });
        assert.equal(token.inputs.type, "Opaque");
        assert.deepEqual(plaintextPaths(token.inputs, AGENT_TOKEN), [], "the token must only travel as a secret");
        assert.deepEqual(unwrapSecrets(token.inputs.stringData), { token: AGENT_TOKEN });

        const pull = only(rs, "kubernetes:core/v1:Secret", "creds-image-pull");
        assert.equal(pull.inputs.type, "kubernetes.io/dockerconfigjson");
        assert.deepEqual(plaintextPaths(pull.inputs, PULL_PASSWORD), []);
        const pullData = unwrapSecrets(pull.inputs.stringData) as Record<string, string>;
        assert.deepEqual(JSON.parse(pullData[".dockerconfigjson"] ?? ""), {
            auths: {
                "images.astronomer.cloud": {
                    username: "cli",
                    password: PULL_PASSWORD,
                    auth: Buffer.from(`cli:${PULL_PASSWORD}`).toString("base64"),
                },
            },
        });

        const ol = only(rs, "kubernetes:core/v1:Secret", "creds-openlineage");
        assert.deepEqual(unwrapSecrets(ol.inputs.stringData), { "api-key": "ol-key" });
        assert.equal((ol.inputs.metadata as { name: string }).name, "astro-openlineage-api-key");
    });

    it("creates nothing for sources that are existing Secrets", async () => {
        const rs = await run(
            () =>
                new AgentCredentials("creds", {
                    namespace: "astro",
                    agentTokenSecretName: "t",
                    imagePullSecretName: "p",
                    openLineageSecretName: "o",
                }),
        );
        assert.deepEqual(
            rs.map((r) => r.type),
            ["astro-remote-agent:index:AgentCredentials"],
        );
    });

    it("builds docker config JSON with a base64 auth field", () => {
        assert.equal(
            dockerConfigJson("r.example.com", "u", "p"),
            '{"auths":{"r.example.com":{"username":"u","password":"p","auth":"dTpw"}}}',
        );
    });
});

describe("AgentServiceAccounts", () => {
    it("creates one ServiceAccount per component with the backend's annotations", async () => {
        const rs = await run(
            () =>
                new AgentServiceAccounts("sas", {
                    namespace: "astro",
                    serviceAccounts: [
                        { component: "worker:default", name: "astro-worker-default" },
                        { component: "dagProcessor", name: "astro-dag-processor" },
                    ],
                    annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" },
                    labels: { team: "data" },
                }),
        );
        assert.deepEqual(
            rs.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:AgentServiceAccounts", "sas", undefined],
                ["kubernetes:core/v1:ServiceAccount", "sas-worker-default", "sas"],
                ["kubernetes:core/v1:ServiceAccount", "sas-dag-processor", "sas"],
            ].sort(),
        );
        assert.deepEqual(only(rs, "kubernetes:core/v1:ServiceAccount", "sas-worker-default").inputs, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: {
                name: "astro-worker-default",
                namespace: "astro",
                labels: { team: "data", "astronomer.io/agent-component": "worker-default" },
                annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" },
            },
        });
    });
});

describe("AgentRelease", () => {
    it("installs the pinned chart from Astronomer's repository with an explicit name", async () => {
        const rs = await run(
            () =>
                new AgentRelease("rel", {
                    releaseName: "astro",
                    namespace: "astro-ns",
                    values: { a: { b: 1, c: 2 }, list: [2] },
                    atomic: true,
                    timeoutSeconds: 900,
                }),
        );
        assert.deepEqual(
            rs.map((r) => [r.type, r.name, r.parent]),
            [
                ["astro-remote-agent:index:AgentRelease", "rel", undefined],
                ["kubernetes:helm.sh/v3:Release", "rel", "rel"],
            ],
        );
        const release = only(rs, "kubernetes:helm.sh/v3:Release");
        assert.deepEqual(release.inputs, {
            name: "astro",
            namespace: "astro-ns",
            chart: "astro-remote-execution-agent",
            version: "2.3.3",
            repositoryOpts: { repo: "https://helm.astronomer.io" },
            createNamespace: false,
            values: { a: { b: 1, c: 2 }, list: [2] },
            atomic: true,
            cleanupOnFail: true,
            timeout: 900,
            skipAwait: false,
            maxHistory: 10,
            compat: "true",
        });
    });

    it("resolves local-path and OCI chart sources", () => {
        assert.deepEqual(chartLocation({ path: "./charts/agent" }), { chart: "./charts/agent" });
        assert.deepEqual(chartLocation({ name: "oci://registry.example.com/charts/agent", version: "2.3.3" }), {
            chart: "oci://registry.example.com/charts/agent",
            version: "2.3.3",
        });
        assert.deepEqual(chartLocation({ repo: "https://mirror.example.com", version: "2.2.1" }), {
            chart: "astro-remote-execution-agent",
            version: "2.2.1",
            repositoryOpts: { repo: "https://mirror.example.com" },
        });
    });
});

describe("LocalBackend", () => {
    it("mounts connections and variables from a Secret and creates the XCom claim", async () => {
        const { config } = (() => {
            const v = baseValues();
            v.backend = {
                kind: "local",
                connections: { git_repo: '{"conn_type":"git"}' },
                variables: { b: "2", a: "1" },
            };
            const r = validateStackConfig({
                ...raw(v, ["agentToken", "imagePullCredentials", "backend"]),
                securePaths: new Map([
                    [
                        "backend",
                        [
                            ["backend", "connections", "git_repo"],
                            ["backend", "variables", "a"],
                            ["backend", "variables", "b"],
                        ],
                    ],
                ]),
            });
            assert.ok(r.ok);
            return r;
        })();
        assert.ok(config.backend.kind === "local");
        const backendConfig = config.backend;
        const rs = await run(
            () =>
                new LocalBackend("local", {
                    config: backendConfig,
                    namespace: "astro",
                    resourceNamePrefix: "astro",
                    labels: {},
                }),
        );
        assert.deepEqual(
            rs.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:LocalBackend", "local", undefined],
                ["kubernetes:core/v1:Secret", "local-secrets", "local"],
                ["kubernetes:core/v1:PersistentVolumeClaim", "local-xcom", "local"],
            ].sort(),
        );
        const secret = only(rs, "kubernetes:core/v1:Secret");
        assert.deepEqual(plaintextPaths(secret.inputs, "conn_type"), []);
        const data = unwrapSecrets(secret.inputs.stringData) as Record<string, string>;
        assert.deepEqual(JSON.parse(data["connections.json"] ?? ""), { git_repo: { conn_type: "git" } });
        assert.equal(data["variables.json"], '{\n  "a": "1",\n  "b": "2"\n}');
        assert.deepEqual(only(rs, "kubernetes:core/v1:PersistentVolumeClaim").inputs, {
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: {
                name: "astro-xcom",
                namespace: "astro",
                labels: {},
                annotations: { "pulumi.com/skipAwait": "true" },
            },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        });
    });
});

describe("RemoteExecutionAgent", () => {
    function agentArgs(change: (v: Record<string, unknown>) => void = () => undefined) {
        const v = baseValues();
        change(v);
        return v as unknown as ConstructorParameters<typeof RemoteExecutionAgent>[1];
    }

    it("composes namespace, backend, credentials, ServiceAccounts and release, all parented", async () => {
        const rs = await run(() => new RemoteExecutionAgent("agent", agentArgs()));
        assert.deepEqual(
            rs.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:RemoteExecutionAgent", "agent", undefined],
                ["astro-remote-agent:index:AgentNamespace", "agent-namespace", "agent"],
                ["kubernetes:core/v1:Namespace", "agent-namespace", "agent-namespace"],
                ["astro-remote-agent:index:LocalBackend", "agent-local", "agent"],
                ["kubernetes:core/v1:Secret", "agent-local-secrets", "agent-local"],
                ["kubernetes:core/v1:PersistentVolumeClaim", "agent-local-xcom", "agent-local"],
                ["astro-remote-agent:index:AgentCredentials", "agent-credentials", "agent"],
                ["kubernetes:core/v1:Secret", "agent-credentials-agent-token", "agent-credentials"],
                ["kubernetes:core/v1:Secret", "agent-credentials-image-pull", "agent-credentials"],
                ["astro-remote-agent:index:AgentServiceAccounts", "agent-service-accounts", "agent"],
                [
                    "kubernetes:core/v1:ServiceAccount",
                    "agent-service-accounts-worker-default-worker",
                    "agent-service-accounts",
                ],
                ["kubernetes:core/v1:ServiceAccount", "agent-service-accounts-dag-processor", "agent-service-accounts"],
                ["kubernetes:core/v1:ServiceAccount", "agent-service-accounts-triggerer", "agent-service-accounts"],
                ["kubernetes:core/v1:ServiceAccount", "agent-service-accounts-sentinel", "agent-service-accounts"],
                ["astro-remote-agent:index:AgentRelease", "agent-release", "agent"],
                ["kubernetes:helm.sh/v3:Release", "agent-release", "agent-release"],
            ].sort(),
        );
        const release = only(rs, "kubernetes:helm.sh/v3:Release");
        const values = release.inputs.values as Record<string, unknown>;
        assert.equal(release.inputs.name, "astro");
        assert.equal(release.inputs.namespace, "astro-agent");
        assert.equal(values.agentTokenSecretName, "astro-agent-token");
        assert.equal(values.imagePullSecretName, "astro-image-pull");
        assert.equal(values.secretBackend, "airflow.secrets.local_filesystem.LocalFilesystemBackend");
        // The chart's ServiceAccount names are exactly the ones created.
        const created = rs
            .filter((r) => r.type === "kubernetes:core/v1:ServiceAccount")
            .map((r) => (r.inputs.metadata as { name: string }).name)
            .sort();
        const sa = values.serviceAccount as Record<string, { name?: string }>;
        const workers = values.workers as { serviceAccount: { name: string } }[];
        assert.deepEqual(
            [
                ...workers.map((w) => w.serviceAccount.name),
                sa.dagProcessor?.name,
                sa.triggerer?.name,
                sa.sentinel?.name,
            ].sort(),
            created,
        );
    });

    it("pulls with the nodes' credentials: an image pull Secret holding no registry, named in the chart", async () => {
        const mirror = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/baseimages";
        const rs = await run(
            () =>
                new RemoteExecutionAgent(
                    "agent",
                    agentArgs((v) => {
                        delete v.imagePullCredentials;
                        v.imagePullFromNodes = true;
                        v.image = `${mirror}/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1`;
                    }),
                ),
        );
        const pull = only(rs, "kubernetes:core/v1:Secret", "agent-credentials-image-pull");
        assert.equal(pull.parent, "agent-credentials");
        assert.equal(pull.inputs.type, "kubernetes.io/dockerconfigjson");
        assert.deepEqual(unwrapSecrets(pull.inputs.stringData), { ".dockerconfigjson": '{"auths":{}}' });
        assert.equal((pull.inputs.metadata as { name: string }).name, "astro-image-pull");
        const values = only(rs, "kubernetes:helm.sh/v3:Release").inputs.values as Record<string, unknown>;
        assert.equal(values.imagePullSecretName, "astro-image-pull");
        assert.equal(
            (values.sentinel as { image: string }).image.startsWith(`${mirror}/astro-remote-execution-sentinel:`),
            true,
        );
    });

    it("OpenLineage from a client config file: OPENLINEAGE_CONFIG for Airflow's components, no key Secret", async () => {
        const mount = {
            volumes: [{ name: "openlineage", csi: { driver: "secrets-store.csi.k8s.io", readOnly: true } }],
            volumeMounts: [{ name: "openlineage", mountPath: "/mnt/openlineage", readOnly: true }],
        };
        const rs = await run(
            () =>
                new RemoteExecutionAgent(
                    "agent",
                    agentArgs((v) => {
                        v.openLineage = { enabled: true, configFile: "/mnt/openlineage/openlineage.yml" };
                        v.workers = [{ name: "default-worker", ...mount }];
                        v.dagProcessor = mount;
                        v.triggerer = mount;
                    }),
                ),
        );
        assert.deepEqual(
            rs.filter((r) => r.name.endsWith("-openlineage")).map((r) => r.name),
            [],
        );
        const values = only(rs, "kubernetes:helm.sh/v3:Release").inputs.values as {
            commonEnv: { name: string; value?: string }[];
            openLineage: Record<string, unknown>;
        };
        assert.deepEqual(
            values.commonEnv.filter((e) => e.name.startsWith("OPENLINEAGE")),
            [{ name: "OPENLINEAGE_CONFIG", value: "/mnt/openlineage/openlineage.yml" }],
        );
        assert.equal(values.openLineage.enabled, true);
        assert.equal("apiKeySecret" in values.openLineage, false);
    });

    it("skips the Sentinel ServiceAccount when Sentinel is off", async () => {
        const rs = await run(
            () =>
                new RemoteExecutionAgent(
                    "agent",
                    agentArgs((v) => (v.sentinel = { enabled: false })),
                ),
        );
        assert.equal(rs.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount").length, 3);
    });

    it("wires the external backend's annotations onto every ServiceAccount and its class paths into the chart", async () => {
        const rs = await run(
            () =>
                new RemoteExecutionAgent(
                    "agent",
                    agentArgs((v) => {
                        v.backend = {
                            kind: "external",
                            secretBackend:
                                "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
                            secretBackendKwargs: { project_id: "p" },
                            xcomPath: "gs://bucket/xcom",
                            serviceAccountAnnotations: {
                                "iam.gke.io/gcp-service-account": "agent@p.iam.gserviceaccount.com",
                            },
                            podLabels: { "example.com/identity": "gke" },
                        };
                    }),
                ),
        );
        for (const sa of rs.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount")) {
            assert.deepEqual((sa.inputs.metadata as { annotations: unknown }).annotations, {
                "iam.gke.io/gcp-service-account": "agent@p.iam.gserviceaccount.com",
            });
        }
        const values = only(rs, "kubernetes:helm.sh/v3:Release").inputs.values as Record<string, unknown>;
        assert.equal(
            values.secretBackend,
            "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
        );
        assert.deepEqual(values.labels, { "example.com/identity": "gke" });
        assert.equal(
            rs.some((r) => r.type === "astro-remote-agent:index:LocalBackend"),
            false,
        );
    });

    it("validates its args like the stack config and creates nothing when they are bad", async () => {
        await assert.rejects(
            run(
                () =>
                    new RemoteExecutionAgent(
                        "agent",
                        agentArgs((v) => delete v.image),
                    ),
            ),
            /Invalid RemoteExecutionAgent args \(1 problem\):\n {2}- image: is required/,
        );
    });
});
