// `backend.grants: none` on AWS, GCP and Vault (Azure: tests/unit/azure.test.ts): the identity is
// created, no grant is, the stack output ownerGrants is exactly what `grants: create` would have
// granted, and a store the program would create is refused with the key and the fix.
import * as assert from "node:assert/strict";
import { RemoteExecutionAgent } from "../../components";
import { validateStackConfig } from "../../chart/validate";
import { runUnderMocks, unwrapSecrets, MOCK_ACCOUNT_ID, type RecordedResource } from "../../scripts/lib/mockRun";
import { resolvedOutputs } from "../../scripts/lib/documentScript";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

function withBackend(backend: Values): Values {
    const v = baseValues();
    v.backend = backend;
    return v;
}

async function run(values: Values): Promise<{ resources: RecordedResource[]; outputs: Record<string, unknown> }> {
    const result = await runUnderMocks({
        project: PROJECT,
        stack: "test",
        config: {},
        program: () => ({
            ...new RemoteExecutionAgent("agent", values as ConstructorParameters<typeof RemoteExecutionAgent>[1])
                .backendOutputs,
        }),
    });
    return { resources: result.resources, outputs: await resolvedOutputs(result.outputs) };
}

function problems(values: Values): string[] {
    const result = validateStackConfig(raw(values));
    return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
}

/** The cloud resources (and the backend component) as sorted `[type, name]` pairs. */
const cloudChildren = (rs: RecordedResource[], pkg: string, component: string) =>
    rs
        .filter((r) => r.type.startsWith(`${pkg}:`) || r.type === `pulumi:providers:${pkg}` || r.type === component)
        .map((r) => [r.type, r.name])
        .sort();

const refusal = (key: string, what: string, instead: string) =>
    `backend.${key}: backend.grants: none leaves granting to the owner of existing stores, but ${what} is created by this program (which then owns it, so it grants on it): ${instead}, or set backend.grants: create`;

describe("backend.grants: none on AWS", () => {
    const owned: Values = {
        kind: "aws",
        region: "eu-west-1",
        eksClusterName: "prod-eks",
        grants: "none",
        xcom: { existingBucket: true, bucketName: "corp-xcom", prefix: "agents/prod" },
    };

    it("creates the role (trust only) and no inline policy; ownerGrants is the inline policy grants: create attaches", async () => {
        const none = await run(withBackend(owned));
        assert.deepEqual(cloudChildren(none.resources, "aws", "astro-remote-agent:index:AwsBackend"), [
            ["astro-remote-agent:index:AwsBackend", "agent-aws"],
            ["aws:iam/role:Role", "agent-aws-role"],
            ["pulumi:providers:aws", "agent-aws-provider"],
        ]);
        const doc = JSON.parse(String(none.outputs.ownerGrants)) as {
            roleArn: string;
            roleName: string;
            policyName: string;
            policy: { Statement: { Sid: string; Resource: unknown }[] };
        };
        assert.equal(doc.roleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/astro-agent-62a37b39`);
        assert.equal(doc.roleName, "astro-agent-62a37b39");
        assert.equal(doc.policyName, "airflow-secrets-and-xcom");
        assert.equal(
            doc.policy.Statement.find((s) => s.Sid === "ReadWriteXComObjects")?.Resource,
            "arn:aws:s3:::corp-xcom/agents/prod/*",
        );
        const created = await run(withBackend({ ...owned, grants: "create" }));
        const inline = created.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
        assert.deepEqual(
            inline.map((p) => [p.inputs.name, JSON.parse(unwrapSecrets(p.inputs.policy) as string) as unknown]),
            [[doc.policyName, doc.policy]],
        );
        assert.equal(created.outputs.ownerGrants, undefined);
    });

    it("refuses every store the program would create, at once", () => {
        assert.deepEqual(
            problems(
                withBackend({
                    kind: "aws",
                    region: "eu-west-1",
                    eksClusterName: "prod-eks",
                    grants: "none",
                    secretsManager: { variables: { env_name: "x" } },
                    encryption: { kind: "createKey" },
                }),
            ),
            [
                refusal("xcom.existingBucket", "the XCom bucket", "set xcom.existingBucket: true with xcom.bucketName"),
                refusal(
                    "secretsManager.variables",
                    "each seeded secret (secretsManager.connections, secretsManager.variables)",
                    "have the owner create them under secretsManager.connectionsPrefix and variablesPrefix",
                ),
                refusal(
                    "encryption.kind",
                    "the KMS key",
                    "set encryption.kind: existingKey with encryption.keyArn (or awsManaged)",
                ),
            ],
        );
        assert.deepEqual(problems(withBackend(owned)), []);
    });

    it("refuses a created task-log bucket, and puts an existing one's grants in ownerGrants", async () => {
        const logs = (bucket: Values) => withBackend({ ...owned, taskLogs: { enabled: true, bucket } });
        assert.deepEqual(problems(logs({ bucketName: "corp-logs" })), [
            refusal(
                "taskLogs.bucket.existingBucket",
                "the task-log bucket",
                "set taskLogs.bucket.existingBucket: true with taskLogs.bucket.bucketName",
            ),
        ]);
        const none = await run(logs({ bucketName: "corp-logs", existingBucket: true }));
        assert.deepEqual(
            none.resources.filter((r) => r.type.startsWith("aws:s3")).map((r) => r.type),
            [],
            "nothing is created on an existing log bucket",
        );
        const doc = JSON.parse(String(none.outputs.ownerGrants)) as {
            policy: { Statement: { Resource: unknown }[] };
        };
        const resources = JSON.stringify(doc.policy.Statement.map((st) => st.Resource));
        assert.ok(resources.includes("arn:aws:s3:::corp-logs/logs/*"), resources);
        assert.ok(resources.includes("arn:aws:s3:::corp-xcom/agents/prod/*"), resources);
    });
});

describe("backend.grants: none on GCP", () => {
    const owned: Values = {
        kind: "gcp",
        project: "my-data-project",
        location: "europe-west1",
        gkeCluster: { name: "prod-gke", location: "europe-west1" },
        identity: "serviceAccount",
        grants: "none",
        xcom: { existingBucket: true, bucketName: "shared-xcom" },
        taskLogs: { enabled: true },
        encryption: {
            kind: "existingKey",
            keyName: "projects/my-kms-project/locations/europe-west1/keyRings/astro/cryptoKeys/xcom",
        },
    };

    it("creates the Google service account and its impersonation only; ownerGrants holds the custom roles and bindings grants: create makes", async () => {
        const none = await run(withBackend(owned));
        assert.deepEqual(cloudChildren(none.resources, "gcp", "astro-remote-agent:index:GcpBackend"), [
            ["astro-remote-agent:index:GcpBackend", "agent-gcp"],
            ["gcp:serviceaccount/account:Account", "agent-gcp-sa"],
            ["gcp:serviceaccount/iAMMember:IAMMember", "agent-gcp-wi-dag-processor"],
            ["gcp:serviceaccount/iAMMember:IAMMember", "agent-gcp-wi-sentinel"],
            ["gcp:serviceaccount/iAMMember:IAMMember", "agent-gcp-wi-triggerer"],
            ["gcp:serviceaccount/iAMMember:IAMMember", "agent-gcp-wi-worker-default-worker"],
            ["pulumi:providers:gcp", "agent-gcp-provider"],
        ]);
        const doc = JSON.parse(String(none.outputs.ownerGrants)) as {
            customRoles: { name: string; permissions: string[] }[];
            bindings: { resource: { kind: string; name: string }; role: string; members: string[] }[];
        };
        const created = await run(withBackend({ ...owned, grants: "create" }));
        const roles = created.resources.filter((r) => r.type === "gcp:projects/iAMCustomRole:IAMCustomRole");
        assert.deepEqual(
            doc.customRoles.map((r) => [r.name, r.permissions]).sort(),
            roles
                .map((r) => [`projects/my-data-project/roles/${String(r.inputs.roleId)}`, r.inputs.permissions])
                .sort(),
        );
        assert.equal(doc.customRoles.length, 2);
        const email = /^serviceAccount:.*@my-data-project\.iam\.gserviceaccount\.com$/;
        assert.deepEqual(
            doc.bindings.map((b) => [b.resource.kind, b.resource.name, b.role.replace(/_[0-9a-f]{8}$/, "_<hex>")]),
            [
                ["project", "my-data-project", "roles/secretmanager.secretAccessor"],
                ["bucket", "shared-xcom", "projects/my-data-project/roles/astroAgentXcom_<hex>"],
                ["bucket", "shared-xcom", "projects/my-data-project/roles/astroAgentLogs_<hex>"],
            ],
        );
        for (const b of doc.bindings) {
            assert.equal(b.members.length, 1);
            assert.match(b.members[0] ?? "", email);
        }
        const members = created.resources.filter(
            (r) =>
                r.type === "gcp:projects/iAMMember:IAMMember" ||
                r.type === "gcp:storage/bucketIAMMember:BucketIAMMember",
        );
        assert.deepEqual(
            members
                .map((m) => [m.inputs.role, m.inputs.member, m.inputs.condition])
                .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
            doc.bindings
                .map((b) => [b.role, b.members[0], (b as { condition?: unknown }).condition])
                .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
        );
        assert.equal(created.outputs.ownerGrants, undefined);
    });

    it("with the bucket in its own project, ownerGrants defines the custom roles there (roles bind only in their project)", async () => {
        const none = await run(
            withBackend({ ...owned, xcom: { ...(owned.xcom as Values), project: "shared-storage-proj" } }),
        );
        const doc = JSON.parse(String(none.outputs.ownerGrants)) as {
            customRoles: { project: string; name: string }[];
            bindings: { resource: { kind: string; name: string }; role: string }[];
        };
        assert.deepEqual(
            doc.customRoles.map((r) => [r.project, r.name.replace(/_[0-9a-f]{8}$/, "_<hex>")]),
            [
                ["shared-storage-proj", "projects/shared-storage-proj/roles/astroAgentXcom_<hex>"],
                ["shared-storage-proj", "projects/shared-storage-proj/roles/astroAgentLogs_<hex>"],
            ],
        );
        assert.deepEqual(
            doc.bindings.map((b) => [b.resource.kind, b.resource.name, b.role.replace(/_[0-9a-f]{8}$/, "_<hex>")]),
            [
                ["project", "my-data-project", "roles/secretmanager.secretAccessor"],
                ["bucket", "shared-xcom", "projects/shared-storage-proj/roles/astroAgentXcom_<hex>"],
                ["bucket", "shared-xcom", "projects/shared-storage-proj/roles/astroAgentLogs_<hex>"],
            ],
        );
    });

    it("refuses every store the program would create, at once", () => {
        assert.deepEqual(
            problems(
                withBackend({
                    kind: "gcp",
                    project: "my-data-project",
                    location: "europe-west1",
                    gkeCluster: { name: "prod-gke", location: "europe-west1" },
                    grants: "none",
                    secretManager: {
                        connections: { git_repo: "x" },
                        replication: { kind: "userManaged", locations: ["europe-west1"] },
                    },
                    encryption: { kind: "createKey" },
                }),
            ),
            [
                refusal("xcom.existingBucket", "the XCom bucket", "set xcom.existingBucket: true with xcom.bucketName"),
                refusal(
                    "secretManager.connections",
                    "each seeded secret (secretManager.connections, secretManager.variables)",
                    "have the owner create them under secretManager.connectionsPrefix and variablesPrefix",
                ),
                refusal(
                    "encryption.kind",
                    "the Cloud KMS key",
                    "set encryption.kind: googleManaged (an existing bucket keeps its own encryption)",
                ),
            ],
        );
        assert.deepEqual(problems(withBackend(owned)), []);
    });
});

describe("backend.grants: none on Vault", () => {
    const owned: Values = {
        kind: "vault",
        address: "https://vault.example.com:8200",
        xcomPath: "s3://xcom-bucket/xcom",
        grants: "none",
        auth: { mount: "kubernetes-prod", roleName: "team-a-agent" },
    };

    it("writes nothing into Vault; ownerGrants is the HCL policy and the auth role grants: create writes", async () => {
        const none = await run(withBackend(owned));
        assert.deepEqual(cloudChildren(none.resources, "vault", "astro-remote-agent:index:VaultBackend"), [
            ["astro-remote-agent:index:VaultBackend", "agent-vault"],
            ["pulumi:providers:vault", "agent-vault-provider"],
        ]);
        const doc = JSON.parse(String(none.outputs.ownerGrants)) as {
            policyName: string;
            policy: string;
            role: Record<string, unknown>;
        };
        assert.equal(doc.policyName, "team-a-agent");
        assert.match(
            doc.policy,
            /\npath "secret\/data\/astro-agent\/test\/connections\/\*" \{\n {2}capabilities = \["read"\]\n\}\n/,
        );
        assert.deepEqual(doc.role, {
            backend: "kubernetes-prod",
            roleName: "team-a-agent",
            boundServiceAccountNames: [
                "astro-worker-default-worker",
                "astro-dag-processor",
                "astro-triggerer",
                "astro-sentinel",
            ],
            boundServiceAccountNamespaces: ["astro-agent"],
            audience: "vault",
            tokenPolicies: ["team-a-agent"],
            tokenTtl: 900,
            tokenMaxTtl: 1800,
            tokenNoDefaultPolicy: true,
        });
        assert.deepEqual(none.outputs.vaultRoleName, "team-a-agent");
        const created = await run(withBackend({ ...owned, grants: "create" }));
        const policy = created.resources.filter((r) => r.type === "vault:index/policy:Policy");
        const role = created.resources.filter((r) => r.type === "vault:kubernetes/authBackendRole:AuthBackendRole");
        assert.deepEqual(
            policy.map((p) => [p.inputs.name, p.inputs.policy]),
            [[doc.policyName, doc.policy]],
        );
        assert.equal(role.length, 1);
        for (const [key, value] of Object.entries(doc.role)) {
            assert.deepEqual(role[0]?.inputs[key], value, key);
        }
        assert.equal(created.outputs.ownerGrants, undefined);
    });

    it("refuses seeded secrets and a created auth mount, at once", () => {
        assert.deepEqual(
            problems(
                withBackend({
                    ...owned,
                    kv: { variables: { env_name: "x" } },
                    auth: {
                        mount: "kubernetes-prod",
                        createMount: { kubernetesHost: "https://kubernetes.default.svc" },
                    },
                }),
            ),
            [
                refusal(
                    "kv.variables",
                    "each seeded KV secret (kv.connections, kv.variables)",
                    "have the Vault team write them under kv.connectionsPath and kv.variablesPath",
                ),
                refusal(
                    "auth.createMount",
                    "the Kubernetes auth mount",
                    "remove auth.createMount and name the Vault team's mount in auth.mount",
                ),
            ],
        );
        assert.deepEqual(problems(withBackend(owned)), []);
    });
});
