// The Vault backend: exact Vault documents (policy, role, mount config, seeded data), the resources
// under mocks, the VaultBackend kwargs and pod volumes, and Vault-specific validation.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Provider as VaultProvider } from "@pulumi/vault/provider";
import { RemoteExecutionAgent } from "../../components";
import { agentPolicy, agentRole, authMountConfig, kvDataPath, seedData } from "../../backends/vault/policies";
import { vaultNames, vaultPaths } from "../../backends/vault/schema";
import { validateStackConfig } from "../../chart/validate";
import { plaintextPaths, runUnderMocks, unwrapSecrets, type RecordedResource } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { vaultDocuments } from "../../scripts/vault-policy";
import agentProgram from "../../index";
import { type BackendCase, itRefusesBackendCases } from "../fixtures/backendCases";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
const ROOT = path.join(__dirname, "..", "..");
const SAS = ["astro-worker-default-worker", "astro-dag-processor", "astro-triggerer", "astro-sentinel"];
/**
 * The role and policy name of the test stack, pinned: `astro-agent-` + 8 hex of sha256 of project, stack,
 * Vault namespace, auth mount and Kubernetes namespace joined with "/". A change renames both in Vault.
 */
const ROLE = "astro-agent-c06ea428";
const CONN_JSON = '{"conn_type":"postgres","host":"db","login":"airflow","password":"vault-seeded-pw-5e4d3c2b"}';
const CONN_URI = "postgres://airflow:vault-seeded-uri-pw-9a8b7c@db:5432/airflow";
const VAR_SECRET = "vault-seeded-variable-1a2b3c4d";
const TOKEN = "hvs.vault-deployer-token-0f1e2d3c";
const REVIEWER_JWT = "reviewer-jwt-7d6c5b4a";

function vaultValues(backend: Values = {}, change: (v: Values) => void = () => undefined): Values {
    const v = baseValues();
    v.backend = {
        kind: "vault",
        address: "https://vault.example.com:8200",
        xcomPath: "s3://xcom-bucket/xcom",
        ...backend,
    };
    change(v);
    return v;
}

async function deploy(
    values: Values,
    opts: { withProvider?: boolean; stack?: string } = {},
): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks({
        project: PROJECT,
        stack: opts.stack ?? "test",
        config: {},
        program: () => {
            const providers = opts.withProvider
                ? [new VaultProvider("explicit-vault", { address: "https://other.example.com" })]
                : [];
            return new RemoteExecutionAgent("agent", values as ConstructorParameters<typeof RemoteExecutionAgent>[1], {
                providers,
            });
        },
    });
    return resources;
}

const byType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
function one(rs: RecordedResource[], type: string): RecordedResource {
    const found = byType(rs, type);
    assert.equal(found.length, 1, `exactly one ${type} (found ${found.length})`);
    return found[0] as RecordedResource;
}
interface ChartValues {
    secretBackend: string;
    xcomBackend: string;
    commonEnv: { name: string; value?: string }[];
    workers: { volumes: Values[]; volumeMounts: Values[] }[];
    triggerer: { volumes: Values[]; volumeMounts: Values[] };
    dagProcessor: { volumes: Values[]; volumeMounts: Values[] };
}
const chart = (rs: RecordedResource[]) =>
    unwrapSecrets(one(rs, "kubernetes:helm.sh/v3:Release").inputs.values) as ChartValues;
const env = (rs: RecordedResource[], name: string) => chart(rs).commonEnv.find((e) => e.name === name)?.value;
const kwargs = (rs: RecordedResource[]) =>
    JSON.parse(env(rs, "AIRFLOW__SECRETS__BACKEND_KWARGS") ?? "{}") as Record<string, unknown>;

const TOKEN_VOLUME = {
    name: "vault-token",
    projected: { sources: [{ serviceAccountToken: { audience: "vault", expirationSeconds: 3600, path: "token" } }] },
};
const TOKEN_MOUNT = { name: "vault-token", mountPath: "/var/run/secrets/vault", readOnly: true };

describe("Vault documents", () => {
    it("policy: read on exactly the KV v2 data paths, nothing on metadata, no list", () => {
        assert.equal(
            agentPolicy({ kvMount: "kv/team", paths: ["a/connections", "a/variables"], installation: "agent x" }),
            [
                "# agent x: Airflow reads its connections and variables; nothing else.\n",
                'path "kv/team/data/a/connections/*" {\n  capabilities = ["read"]\n}\n',
                'path "kv/team/data/a/variables/*" {\n  capabilities = ["read"]\n}\n',
            ].join("\n"),
        );
        assert.equal(kvDataPath("secret", "p/q"), "secret/data/p/q");
    });

    it("role: exactly the ServiceAccount names and the namespace, one audience, short TTLs, only the agent's policy", () => {
        assert.deepEqual(
            agentRole({
                authMount: "kubernetes-prod",
                roleName: "r",
                policyName: "p",
                namespace: "astro",
                serviceAccounts: [
                    { component: "worker:a", name: "sa-a" },
                    { component: "triggerer", name: "sa-t" },
                ],
                audience: "vault",
                tokenTtlSeconds: 900,
                tokenMaxTtlSeconds: 1800,
            }),
            {
                backend: "kubernetes-prod",
                roleName: "r",
                boundServiceAccountNames: ["sa-a", "sa-t"],
                boundServiceAccountNamespaces: ["astro"],
                audience: "vault",
                tokenPolicies: ["p"],
                tokenTtl: 900,
                tokenMaxTtl: 1800,
                tokenNoDefaultPolicy: true,
            },
        );
    });

    it("mount config: host, CA and issuer as given; a reviewer token disables Vault's local fallback", () => {
        assert.deepEqual(authMountConfig({ authMount: "k", kubernetesHost: "https://h", withReviewerJwt: false }), {
            backend: "k",
            kubernetesHost: "https://h",
            disableLocalCaJwt: false,
        });
        assert.deepEqual(
            authMountConfig({
                authMount: "k",
                kubernetesHost: "https://h",
                kubernetesCaCert: "PEM",
                issuer: "https://iss",
                withReviewerJwt: true,
            }),
            {
                backend: "k",
                kubernetesHost: "https://h",
                kubernetesCaCert: "PEM",
                issuer: "https://iss",
                disableLocalCaJwt: true,
            },
        );
    });

    it("seeded data: variables under `value`, JSON connections field by field, URIs as conn_uri", () => {
        assert.deepEqual(seedData("variable", "v", "k"), { value: "v" });
        assert.deepEqual(seedData("connection", CONN_JSON, "db"), JSON.parse(CONN_JSON));
        assert.deepEqual(seedData("connection", ` ${CONN_URI}`, "db"), { conn_uri: ` ${CONN_URI}` });
        for (const bad of ['{"conn_type": ', "[1]", "{ not json vault-secret-x }"]) {
            assert.throws(
                () => seedData("connection", bad.startsWith("[") ? `{${bad}` : bad, "db"),
                (err: Error) =>
                    /^backend\.kv\.connections\.db: starts with '\{' but is not a JSON object/.test(err.message) &&
                    !err.message.includes("vault-secret-x"),
            );
        }
    });
});

describe("Vault backend under mocks (existing auth mount, created provider)", () => {
    let rs: RecordedResource[];
    before(async () => (rs = await deploy(vaultValues())));

    it("creates the provider, the policy and the role, parented under VaultBackend, all through the created provider", () => {
        const vault = rs.filter(
            (r) =>
                r.type.startsWith("vault:") || r.type === "pulumi:providers:vault" || r.type.endsWith(":VaultBackend"),
        );
        assert.deepEqual(
            vault.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:VaultBackend", "agent-vault", "agent"],
                ["pulumi:providers:vault", "agent-vault-provider", "agent-vault"],
                ["vault:index/policy:Policy", "agent-vault-policy", "agent-vault"],
                ["vault:kubernetes/authBackendRole:AuthBackendRole", "agent-vault-role", "agent-vault"],
            ].sort(),
        );
        // The address, and the SDK's own defaults (no token: the provider reads VAULT_TOKEN).
        assert.deepEqual(unwrapSecrets(one(rs, "pulumi:providers:vault").inputs), {
            address: "https://vault.example.com:8200",
            maxLeaseTtlSeconds: "1200",
            maxRetries: "2",
        });
        for (const r of rs.filter((x) => x.type.startsWith("vault:"))) {
            assert.match(r.provider ?? "", /::agent-vault-provider::/, `${r.type} uses the created provider`);
        }
    });

    it("the policy grants read on the default per-stack paths only", () => {
        const policy = one(rs, "vault:index/policy:Policy");
        assert.equal(policy.inputs.name, ROLE);
        assert.equal(
            policy.inputs.policy,
            agentPolicy({
                kvMount: "secret",
                paths: [`${PROJECT}/test/connections`, `${PROJECT}/test/variables`],
                installation: `Remote Execution Agent astro (stack ${PROJECT}/test, namespace astro-agent)`,
            }),
        );
    });

    it("the role binds exactly the agent's four ServiceAccounts in its namespace, audience vault, 15/30 min tokens", () => {
        const role = one(rs, "vault:kubernetes/authBackendRole:AuthBackendRole");
        assert.deepEqual(Object.fromEntries(Object.entries(role.inputs).filter(([k]) => !k.startsWith("__"))), {
            backend: "kubernetes",
            roleName: ROLE,
            boundServiceAccountNames: SAS,
            boundServiceAccountNamespaces: ["astro-agent"],
            audience: "vault",
            tokenPolicies: [ROLE],
            tokenTtl: 900,
            tokenMaxTtl: 1800,
            tokenNoDefaultPolicy: true,
        });
        const sas = byType(rs, "kubernetes:core/v1:ServiceAccount").map(
            (s) => (s.inputs.metadata as { name: string }).name,
        );
        assert.deepEqual(sas, SAS, "the role names exactly the ServiceAccounts the program creates");
    });

    it("wires VaultBackend: class, every kwarg, no secret in them, the XCom store as given", () => {
        const c = chart(rs);
        assert.equal(c.secretBackend, "airflow.providers.hashicorp.secrets.vault.VaultBackend");
        assert.deepEqual(kwargs(rs), {
            url: "https://vault.example.com:8200",
            auth_type: "kubernetes",
            auth_mount_point: "kubernetes",
            kubernetes_role: ROLE,
            kubernetes_jwt_path: "/var/run/secrets/vault/token",
            mount_point: "secret",
            kv_engine_version: 2,
            connections_path: `${PROJECT}/test/connections`,
            variables_path: `${PROJECT}/test/variables`,
            config_path: null,
        });
        assert.equal(c.xcomBackend, "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend");
        assert.equal(env(rs, "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH"), "s3://xcom-bucket/xcom");
    });

    it("mounts the audience-bound projected token into worker, triggerer and dag processor", () => {
        const c = chart(rs);
        for (const [where, pod] of [
            ["worker", c.workers[0]!],
            ["triggerer", c.triggerer],
            ["dagProcessor", c.dagProcessor],
        ] as const) {
            assert.deepEqual(
                pod.volumes.filter((v) => String(v.name).startsWith("vault-")),
                [TOKEN_VOLUME],
                where,
            );
            assert.deepEqual(
                pod.volumeMounts.filter((v) => String(v.name).startsWith("vault-")),
                [TOKEN_MOUNT],
                where,
            );
        }
    });

    it("seeds nothing, creates no auth mount, and deletes nothing of Vault's on destroy in dev", () => {
        assert.deepEqual(byType(rs, "vault:kv/secretV2:SecretV2"), []);
        assert.deepEqual(byType(rs, "vault:index/authBackend:AuthBackend"), []);
        assert.deepEqual(byType(rs, "vault:kubernetes/authBackendConfig:AuthBackendConfig"), []);
    });
});

describe("Vault backend options", () => {
    it("seeds connections (JSON and URI) and variables as KV v2 secrets whose data stays secret", async () => {
        const rs = await deploy(
            vaultValues({
                kv: {
                    connectionsPath: "astro/connections",
                    variablesPath: "astro/variables",
                    connections: { db_json: CONN_JSON, db_uri: CONN_URI },
                    variables: { api_key: VAR_SECRET },
                },
            }),
        );
        const secrets = byType(rs, "vault:kv/secretV2:SecretV2");
        assert.deepEqual(
            secrets.map((s) => [s.name, s.parent, s.inputs.mount, s.inputs.name, s.inputs.deleteAllVersions]),
            [
                ["agent-vault-conn-db-json", "agent-vault", "secret", "astro/connections/db_json", true],
                ["agent-vault-conn-db-uri", "agent-vault", "secret", "astro/connections/db_uri", true],
                ["agent-vault-var-api-key", "agent-vault", "secret", "astro/variables/api_key", true],
            ],
        );
        assert.deepEqual(
            secrets.map((s) => JSON.parse(unwrapSecrets(s.inputs.dataJson) as string) as unknown),
            [JSON.parse(CONN_JSON), { conn_uri: CONN_URI }, { value: VAR_SECRET }],
        );
        for (const r of rs) {
            for (const secret of ["vault-seeded-pw-5e4d3c2b", "vault-seeded-uri-pw-9a8b7c", VAR_SECRET]) {
                assert.deepEqual(plaintextPaths(r.inputs, secret), [], `${r.type} ${r.name}`);
            }
        }
    });

    it("prod: a destroy only soft-deletes seeded secrets (recoverable)", async () => {
        const rs = await deploy(
            vaultValues({ kv: { variables: { api_key: VAR_SECRET } } }, (v) => {
                v.environment = "prod";
                v.agentTokenSecretName = "t";
                delete v.agentToken;
                v.imagePullSecretName = "p";
                delete v.imagePullCredentials;
            }),
        );
        assert.equal(one(rs, "vault:kv/secretV2:SecretV2").inputs.deleteAllVersions, false);
    });

    it("createMount: the kubernetes auth mount and its config (reviewer token secret), the role after both", async () => {
        const rs = await deploy(
            vaultValues({
                auth: {
                    mount: "kubernetes-prod",
                    createMount: {
                        kubernetesHost: "https://api.prod.example.com:6443",
                        kubernetesCaCert: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
                        issuer: "https://kubernetes.default.svc.cluster.local",
                        tokenReviewerJwt: REVIEWER_JWT,
                    },
                },
            }),
        );
        const mount = one(rs, "vault:index/authBackend:AuthBackend");
        assert.equal(mount.name, "agent-vault-auth");
        assert.equal(mount.inputs.type, "kubernetes");
        assert.equal(mount.inputs.path, "kubernetes-prod");
        const config = one(rs, "vault:kubernetes/authBackendConfig:AuthBackendConfig");
        assert.equal(config.name, "agent-vault-auth");
        const { tokenReviewerJwt, ...rest } = Object.fromEntries(
            Object.entries(config.inputs).filter(([k]) => !k.startsWith("__")),
        );
        assert.deepEqual(unwrapSecrets(rest), {
            backend: "kubernetes-prod",
            kubernetesHost: "https://api.prod.example.com:6443",
            kubernetesCaCert: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
            issuer: "https://kubernetes.default.svc.cluster.local",
            disableLocalCaJwt: true,
        });
        assert.equal(unwrapSecrets(tokenReviewerJwt), REVIEWER_JWT);
        for (const r of rs) {
            assert.deepEqual(plaintextPaths(r.inputs, REVIEWER_JWT), [], `${r.type} ${r.name}`);
        }
        assert.equal(one(rs, "vault:kubernetes/authBackendRole:AuthBackendRole").inputs.backend, "kubernetes-prod");
        assert.equal(kwargs(rs).auth_mount_point, "kubernetes-prod");
    });

    it("createMount without a reviewer token lets Vault use its own (in-cluster) credentials", async () => {
        const rs = await deploy(
            vaultValues({ auth: { createMount: { kubernetesHost: "https://kubernetes.default.svc" } } }),
        );
        const config = unwrapSecrets(one(rs, "vault:kubernetes/authBackendConfig:AuthBackendConfig").inputs) as Values;
        assert.equal(config.disableLocalCaJwt, false);
        assert.equal(config.tokenReviewerJwt, undefined);
        assert.equal(config.kubernetesCaCert, undefined);
    });

    it("TLS: the CA bundle from a Secret is mounted and passed as verify; namespace, config path and names as set", async () => {
        const rs = await deploy(
            vaultValues({
                namespace: "admin/data",
                token: TOKEN,
                providerAddress: "https://vault-admin.example.com",
                kv: { mount: "kv", configPath: "astro/config" },
                auth: {
                    roleName: "astro-agent",
                    policyName: "astro-agent-read",
                    audience: "https://vault.example.com",
                },
                tls: { secretName: "vault-ca", key: "bundle.pem", mountPath: "/etc/vault-ca" },
            }),
        );
        const k = kwargs(rs);
        assert.equal(k.namespace, "admin/data");
        assert.equal(k.verify, "/etc/vault-ca/bundle.pem");
        assert.equal(k.mount_point, "kv");
        assert.equal(k.config_path, "astro/config");
        assert.equal(k.kubernetes_role, "astro-agent");
        const provider = one(rs, "pulumi:providers:vault").inputs;
        assert.equal(provider.address, "https://vault-admin.example.com");
        assert.equal(provider.namespace, "admin/data");
        assert.equal(unwrapSecrets(provider.token), TOKEN);
        assert.deepEqual(plaintextPaths(provider, TOKEN), [], "the deployer token stays secret");
        assert.ok(!JSON.stringify(chart(rs)).includes(TOKEN), "the deployer token never reaches the chart");
        const worker = chart(rs).workers[0]!;
        assert.deepEqual(
            worker.volumes.find((v) => v.name === "vault-ca"),
            {
                name: "vault-ca",
                secret: { secretName: "vault-ca", items: [{ key: "bundle.pem", path: "bundle.pem" }] },
            },
        );
        assert.deepEqual(
            worker.volumeMounts.find((v) => v.name === "vault-ca"),
            {
                name: "vault-ca",
                mountPath: "/etc/vault-ca",
                readOnly: true,
            },
        );
        const tokenVolume = worker.volumes.find((v) => v.name === "vault-token") as typeof TOKEN_VOLUME;
        assert.equal(tokenVolume.projected.sources[0]?.serviceAccountToken.audience, "https://vault.example.com");
        const role = one(rs, "vault:kubernetes/authBackendRole:AuthBackendRole").inputs;
        assert.equal(role.audience, "https://vault.example.com");
        assert.deepEqual(role.tokenPolicies, ["astro-agent-read"]);
        assert.equal(one(rs, "vault:index/policy:Policy").inputs.name, "astro-agent-read");
        assert.match(String(one(rs, "vault:index/policy:Policy").inputs.policy), /path "kv\/data\/astro\/config\/\*"/);
    });

    it("uses an explicitly passed vault provider instead of creating one", async () => {
        const rs = await deploy(vaultValues(), { withProvider: true });
        assert.deepEqual(
            byType(rs, "pulumi:providers:vault").map((p) => p.name),
            ["explicit-vault"],
        );
        for (const r of rs.filter((x) => x.type.startsWith("vault:"))) {
            assert.match(r.provider ?? "", /::explicit-vault::/, r.type);
        }
    });

    it("annotates every ServiceAccount for the XCom store; the backend owns those keys", async () => {
        const annotation = { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/xcom" };
        const rs = await deploy(vaultValues({ serviceAccountAnnotations: annotation }));
        for (const sa of byType(rs, "kubernetes:core/v1:ServiceAccount")) {
            assert.deepEqual((sa.inputs.metadata as { annotations: Values }).annotations, annotation);
        }
        const clash = validateStackConfig(
            raw(
                vaultValues({ serviceAccountAnnotations: annotation }, (v) => {
                    v.triggerer = { serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "x" } } };
                }),
            ),
        );
        assert.equal(clash.ok, false);
        assert.ok(
            clash.problems.some(
                (p) =>
                    p.key === 'triggerer.serviceAccount.annotations["eks.amazonaws.com/role-arn"]' ||
                    p.key === "triggerer.serviceAccount.annotations.eks.amazonaws.com/role-arn",
            ),
            JSON.stringify(clash),
        );
    });

    it("exposes the role and policy names as stack outputs", async () => {
        const run = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => ({
                ...new RemoteExecutionAgent(
                    "agent",
                    vaultValues() as ConstructorParameters<typeof RemoteExecutionAgent>[1],
                ).backendOutputs,
            }),
        });
        const resolved = await new Promise<unknown>((resolve) => {
            pulumi.output(run.outputs).apply(resolve);
        });
        assert.deepEqual(resolved, { vaultRoleName: ROLE, vaultPolicyName: ROLE });
    });

    it("default names and paths are unique per stack (and the role per auth mount and namespace)", () => {
        const kv = { mount: "secret", configPath: null, connections: {}, variables: {} };
        assert.deepEqual(vaultPaths(kv, "p", "s1"), {
            connections: "p/s1/connections",
            variables: "p/s1/variables",
            config: null,
        });
        const cfg = (mount: string) =>
            ({ auth: { mount }, namespace: undefined }) as unknown as Parameters<typeof vaultNames>[0];
        const names = new Set([
            vaultNames(cfg("kubernetes"), "astro", "ns", "p", "s1").role,
            vaultNames(cfg("kubernetes"), "astro", "ns", "p", "s2").role,
            vaultNames(cfg("kubernetes-b"), "astro", "ns", "p", "s1").role,
            vaultNames(cfg("kubernetes"), "astro", "ns2", "p", "s1").role,
        ]);
        assert.equal(names.size, 4);
        for (const n of names) {
            assert.match(n, /^astro-agent-[0-9a-f]{8}$/);
        }
    });

    it("the example stack Pulumi.vault.yaml renders without a Vault server: exact plan and documents", async () => {
        const result = await runUnderMocks({ ...readStackFile(ROOT, "vault"), program: agentProgram });
        const counts: Record<string, number> = {};
        for (const r of result.resources.filter((x) => x.custom)) {
            counts[r.type] = (counts[r.type] ?? 0) + 1;
        }
        assert.deepEqual(counts, {
            "kubernetes:core/v1:Namespace": 1,
            "kubernetes:core/v1:ServiceAccount": 4,
            "pulumi:providers:vault": 1,
            "vault:index/policy:Policy": 1,
            "vault:kubernetes/authBackendRole:AuthBackendRole": 1,
            "kubernetes:helm.sh/v3:Release": 1,
            // networkPolicy: on by default in prod (default-deny and egress).
            "kubernetes:networking.k8s.io/v1:NetworkPolicy": 2,
        });
        const docs = vaultDocuments(result.resources) as { chart: { kwargs: Values } };
        assert.equal(docs.chart.kwargs.verify, "/usr/local/airflow/vault-ca/ca.crt");
        assert.equal(docs.chart.kwargs.auth_mount_point, "kubernetes-prod");
        assert.equal(docs.chart.kwargs.connections_path, "astro-prod/connections");
    });
});

describe("Vault backend validation", () => {
    const prod = (v: Values) => (v.environment = "prod");
    const cases: BackendCase[] = [
        {
            name: "address missing",
            backend: { address: undefined },
            key: "backend.address",
            message: /is required \(the Vault address/,
        },
        {
            name: "address without a scheme",
            backend: { address: "vault.example.com:8200" },
            key: "backend.address",
            message: /has no scheme: write 'https:\/\/vault.example.com:8200'/,
        },
        {
            name: "address with a path",
            backend: { address: "https://vault.example.com/v1" },
            key: "backend.address",
            message: /only scheme:\/\/host\[:port\]/,
        },
        {
            name: "plain http in prod",
            backend: { address: "http://vault.internal:8200" },
            change: prod,
            key: "backend.address",
            message:
                /^uses http:\/\/: tokens and secrets cross the network in clear text; refused in prod \(risk 'plainHttpVault'\)/,
        },
        {
            name: "xcomPath missing",
            backend: { xcomPath: undefined },
            key: "backend.xcomPath",
            message: /is required \(an object storage URL/,
        },
        {
            name: "xcomPath with an unknown scheme",
            backend: { xcomPath: "vault://secret/xcom" },
            key: "backend.xcomPath",
            message: /must use one of the schemes/,
        },
        {
            name: "KV mount is an auth path",
            backend: { kv: { mount: "auth/kubernetes" } },
            key: "backend.kv.mount",
            message: /is the KV v2 secrets engine mount \(mount_point\), and 'auth\/' is Vault's own/,
        },
        {
            name: "KV mount equals the auth mount",
            backend: { kv: { mount: "kubernetes" } },
            key: "backend.kv.mount",
            message: /equals backend.auth.mount \('kubernetes'\): mount_point is the KV secrets engine/,
        },
        {
            name: "auth mount written with auth/",
            backend: { auth: { mount: "auth/kubernetes" } },
            key: "backend.auth.mount",
            message: /without 'auth\/' \(hvac adds it\): 'kubernetes'/,
        },
        {
            name: "path repeats the KV mount",
            backend: { kv: { connectionsPath: "secret/astro/connections" } },
            key: "backend.kv.connectionsPath",
            message: /starts with the KV mount 'secret'.*write 'astro\/connections'/,
        },
        {
            name: "path with the KV v2 data/ prefix",
            backend: { kv: { variablesPath: "data/astro/variables" } },
            key: "backend.kv.variablesPath",
            message: /starts with 'data\/', a KV v2 API prefix/,
        },
        {
            name: "path with a wildcard",
            backend: { kv: { connectionsPath: "astro/*" } },
            key: "backend.kv.connectionsPath",
            message: /no wildcards/,
        },
        {
            name: "path with a leading slash",
            backend: { kv: { variablesPath: "/astro/variables" } },
            key: "backend.kv.variablesPath",
            message: /starts with '\/': write it relative/,
        },
        {
            name: "overlapping paths",
            backend: { kv: { connectionsPath: "astro", variablesPath: "astro/variables" } },
            key: "backend.kv.variablesPath",
            message: /overlaps kv.connectionsPath \('astro'\)/,
        },
        {
            name: "config path overlapping variables",
            backend: { kv: { variablesPath: "astro/v", configPath: "astro/v" } },
            key: "backend.kv.configPath",
            message: /overlaps kv.variablesPath/,
        },
        {
            name: "TTL above the maximum",
            backend: { auth: { tokenTtlSeconds: 3600, tokenMaxTtlSeconds: 1800 } },
            key: "backend.auth.tokenTtlSeconds",
            message: /\(3600\) exceeds auth.tokenMaxTtlSeconds \(1800\)/,
        },
        {
            name: "TTL out of range",
            backend: { auth: { tokenMaxTtlSeconds: 10 } },
            key: "backend.auth.tokenMaxTtlSeconds",
            message: /from 60 to 86400/,
        },
        {
            name: "projected token shorter than the kubelet allows",
            backend: { auth: { jwtExpirationSeconds: 300 } },
            key: "backend.auth.jwtExpirationSeconds",
            message: /from 600 to 86400/,
        },
        {
            name: "TLS without a source",
            backend: { tls: { key: "ca.crt" } },
            key: "backend.tls.configMapName",
            message: /exactly one of tls.configMapName and tls.secretName/,
        },
        {
            name: "TLS with both sources",
            backend: { tls: { configMapName: "a", secretName: "b" } },
            key: "backend.tls.secretName",
            message: /exactly one of/,
        },
        {
            name: "TLS with an http address",
            backend: { address: "http://vault:8200", tls: { configMapName: "ca" } },
            key: "backend.tls",
            message: /backend.address uses http:\/\//,
        },
        {
            name: "createMount with an http API server",
            backend: { auth: { createMount: { kubernetesHost: "http://k8s:6443" } } },
            key: "backend.auth.createMount.kubernetesHost",
            message: /uses the scheme 'http'/,
        },
        {
            name: "createMount CA not PEM",
            backend: { auth: { createMount: { kubernetesHost: "https://k8s", kubernetesCaCert: "MIIC..." } } },
            key: "backend.auth.createMount.kubernetesCaCert",
            message: /must be a PEM certificate/,
        },
        {
            name: "deployer token in plain text in prod",
            backend: { token: TOKEN },
            change: prod,
            // The stack-level secrecy check names the top-level key of the plain-text secret.
            key: "backend",
            message: /holds a secret in plain text .*refused when environment is 'prod'/,
        },
        {
            name: "role name with a space",
            backend: { auth: { roleName: "astro agent" } },
            key: "backend.auth.roleName",
            message: /contains a space/,
        },
        {
            name: "misspelled key",
            backend: { kv: { connectionPath: "a/b" } },
            key: "backend.kv.connectionPath",
            message: /did you mean 'connectionsPath'\?/,
        },
    ];

    itRefusesBackendCases("Vault", 10, cases, vaultValues);

    it("accepts the documented good shapes", () => {
        for (const backend of [
            {},
            { address: "http://127.0.0.1:8200" },
            { namespace: "admin", kv: { mount: "kv/team-a", configPath: "astro/config" } },
            { auth: { mount: "kubernetes-prod", roleName: "astro", audience: "https://vault.example.com" } },
            {
                auth: {
                    createMount: { kubernetesHost: "https://10.0.0.1:443", issuer: "https://kubernetes.default.svc" },
                },
            },
            { tls: { configMapName: "corporate-ca" } },
            {
                xcomPath: "gs://bucket/xcom",
                serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": "x@p.iam.gserviceaccount.com" },
            },
        ]) {
            const result = validateStackConfig(raw(vaultValues(backend)));
            assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
        }
    });
});
