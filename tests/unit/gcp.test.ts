// The GCP backend: exact IAM members, roles and conditions, bucket hardening, identity bindings, prod
// retention, seeded secrets and GCP-specific validation.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Provider as GcpProvider } from "@pulumi/gcp/provider";
import {
    agentGrants,
    principalMember,
    RemoteExecutionAgent,
    secretAccessCondition,
    TASK_LOG_OBJECT_PERMISSIONS,
    taskLogsCustomRole,
    taskLogsObjectCondition,
    workloadIdentityUserMember,
    XCOM_OBJECT_PERMISSIONS,
    xcomCustomRole,
    xcomObjectCondition,
} from "../../components";
import {
    defaultCustomRoleId,
    defaultServiceAccountId,
    defaultTaskLogsRoleId,
} from "../../components/backends/gcp/identity";
import { secretPrefixesOf } from "../../backends/gcp/schema";
import { installationKey } from "../../backends/shared";
import { validateStackConfig } from "../../chart/validate";
import agentProgram from "../../index";
import { RETAIN_ON_DELETE_MARKER } from "../../components/retention";
import { gcpDocuments, grantsOf } from "../../scripts/gcp-policy";
import {
    MOCK_GCP_PROJECT_NUMBER,
    plaintextPaths,
    runUnderMocks,
    unwrapSecrets,
    type RecordedResource,
} from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
const ROOT = path.join(__dirname, "..", "..");
const GCP_PROJECT = "data-project";
const N = MOCK_GCP_PROJECT_NUMBER;
const POOL = `${GCP_PROJECT}.svc.id.goog`;
const NS = "astro-agent";
const SAS = ["astro-worker-default-worker", "astro-dag-processor", "astro-triggerer", "astro-sentinel"];
const SLUGS = ["worker-default-worker", "dag-processor", "triggerer", "sentinel"];
const CONN_SECRET = '{"conn_type":"git","login":"bot","password":"gcp-seeded-pat-8a7b6c5d"}';
const VAR_SECRET = "gcp-seeded-variable-4e3f2a1b";
const PRINCIPALS = SAS.map(
    (sa) =>
        `principal://iam.googleapis.com/projects/${N}/locations/global/workloadIdentityPools/${POOL}/subject/ns/${NS}/sa/${sa}`,
);
// Default ids of the test stack, pinned (8 hex of sha256 of its installation, project, stack, cluster and
// namespace joined with "/": astro-agent/test/data-project/europe-west1/prod-gke/astro-agent): a change
// renames, so replaces, the deployed custom role and Google service account.
const ROLE_ID = "astroAgentXcom_0c3ce223";
const ACCOUNT_ID = "astro-0c3ce223";
const ROLE_NAME = `projects/${GCP_PROJECT}/roles/${ROLE_ID}`;
const SECRET_CONDITION = {
    title: "airflow-secret-prefixes",
    description: "Only secrets named astro-agent-test-connections-*, astro-agent-test-variables-*",
    expression: `resource.name.startsWith("projects/${N}/secrets/astro-agent-test-connections-") || resource.name.startsWith("projects/${N}/secrets/astro-agent-test-variables-")`,
};
const bucketCondition = (bucket: string) => ({
    title: "xcom-prefix-only",
    description: `The bucket, and objects under gs://${bucket}/xcom/ only`,
    expression: `resource.name == "projects/_/buckets/${bucket}" || resource.name.startsWith("projects/_/buckets/${bucket}/objects/xcom/")`,
});

function gcpValues(backend: Values = {}, change: (v: Values) => void = () => undefined): Values {
    const v = baseValues();
    v.backend = {
        kind: "gcp",
        project: GCP_PROJECT,
        location: "europe-west1",
        gkeCluster: { name: "prod-gke", location: "europe-west1" },
        ...backend,
    };
    change(v);
    return v;
}

async function deploy(values: Values, opts: { withProvider?: boolean } = {}): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks({
        project: PROJECT,
        stack: "test",
        config: {},
        program: () => {
            const providers = opts.withProvider ? [new GcpProvider("explicit-gcp", { project: GCP_PROJECT })] : [];
            return new RemoteExecutionAgent("agent", values as ConstructorParameters<typeof RemoteExecutionAgent>[1], {
                providers,
            });
        },
    });
    return resources;
}

const byType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
function one(rs: RecordedResource[], type: string, name?: string): RecordedResource {
    const found = rs.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `exactly one ${type} ${name ?? ""} (found ${found.length})`);
    return found[0] as RecordedResource;
}
const env = (rs: RecordedResource[]) =>
    Object.fromEntries(
        (
            one(rs, "kubernetes:helm.sh/v3:Release").inputs.values as { commonEnv: { name: string; value: string }[] }
        ).commonEnv.map((e) => [e.name, e.value]),
    );

describe("GCP IAM members, roles and conditions (pure)", () => {
    it("members: the principal of a Kubernetes ServiceAccount (pool project number and id) and the workload identity user", () => {
        assert.equal(
            principalMember("123456789012", "p-1.svc.id.goog", "ns", "sa"),
            "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/p-1.svc.id.goog/subject/ns/ns/sa/sa",
        );
        assert.equal(
            workloadIdentityUserMember("p-1.svc.id.goog", "ns", "sa"),
            "serviceAccount:p-1.svc.id.goog[ns/sa]",
        );
    });

    it("secret access is conditioned to each prefix plus the separator, by project number", () => {
        assert.deepEqual(secretAccessCondition("42", ["a-conn", "a-var"], "_"), {
            title: "airflow-secret-prefixes",
            description: "Only secrets named a-conn_*, a-var_*",
            expression:
                'resource.name.startsWith("projects/42/secrets/a-conn_") || resource.name.startsWith("projects/42/secrets/a-var_")',
        });
    });

    it("the bucket grant covers the bucket and objects under the prefix only; the role holds exactly five permissions", () => {
        assert.deepEqual(xcomObjectCondition("b", "x/y"), {
            title: "xcom-prefix-only",
            description: "The bucket, and objects under gs://b/x/y/ only",
            expression:
                'resource.name == "projects/_/buckets/b" || resource.name.startsWith("projects/_/buckets/b/objects/x/y/")',
        });
        assert.deepEqual(xcomCustomRole("r", "astro").permissions, [
            "storage.buckets.get",
            "storage.objects.create",
            "storage.objects.delete",
            "storage.objects.get",
            "storage.objects.list",
        ]);
        assert.deepEqual([...XCOM_OBJECT_PERMISSIONS], xcomCustomRole("r", "astro").permissions);
    });

    it("the task logs grant covers objects under the logs prefix only (not the bucket); its role holds get, create, delete", () => {
        assert.deepEqual(taskLogsObjectCondition("b", "task/logs"), {
            title: "task-logs-prefix-only",
            description: "Objects under gs://b/task/logs/ only",
            expression: 'resource.name.startsWith("projects/_/buckets/b/objects/task/logs/")',
        });
        assert.deepEqual(taskLogsCustomRole("r", "astro"), {
            roleId: "r",
            title: "Remote Execution Agent task logs (astro)",
            description:
                "Read, write and replace Airflow task log objects. Granted on the agent's bucket under a prefix condition.",
            permissions: ["storage.objects.create", "storage.objects.delete", "storage.objects.get"],
        });
        assert.deepEqual([...TASK_LOG_OBJECT_PERMISSIONS], taskLogsCustomRole("r", "astro").permissions);
        const grants = agentGrants({
            project: "p",
            projectNumber: "7",
            members: ["m1", "m2"],
            secretPrefixes: ["c"],
            sep: "-",
            bucket: "b",
            xcomPrefix: "xcom",
            bucketRole: "projects/p/roles/x",
            taskLogs: { prefix: "logs", role: "projects/p/roles/l" },
        });
        assert.deepEqual(
            grants.map((g) => [g.resource.kind, g.resource.name, g.role, g.members, g.condition?.title]),
            [
                ["project", "p", "roles/secretmanager.secretAccessor", ["m1", "m2"], "airflow-secret-prefixes"],
                ["bucket", "b", "projects/p/roles/x", ["m1", "m2"], "xcom-prefix-only"],
                ["bucket", "b", "projects/p/roles/l", ["m1", "m2"], "task-logs-prefix-only"],
            ],
        );
    });

    it("agentGrants: impersonation first (unconditioned, exact members), then secrets and bucket", () => {
        const grants = agentGrants({
            project: "p",
            projectNumber: "7",
            members: ["serviceAccount:gsa@p.iam.gserviceaccount.com"],
            secretPrefixes: ["c", "v"],
            sep: "-",
            bucket: "b",
            xcomPrefix: "xcom",
            bucketRole: "projects/p/roles/r",
            impersonation: { serviceAccountEmail: "gsa@p.iam.gserviceaccount.com", members: ["serviceAccount:x[n/s]"] },
        });
        assert.deepEqual(
            grants.map((g) => [g.resource.kind, g.resource.name, g.role, g.members, g.condition?.title]),
            [
                [
                    "serviceAccount",
                    "gsa@p.iam.gserviceaccount.com",
                    "roles/iam.workloadIdentityUser",
                    ["serviceAccount:x[n/s]"],
                    undefined,
                ],
                [
                    "project",
                    "p",
                    "roles/secretmanager.secretAccessor",
                    ["serviceAccount:gsa@p.iam.gserviceaccount.com"],
                    "airflow-secret-prefixes",
                ],
                [
                    "bucket",
                    "b",
                    "projects/p/roles/r",
                    ["serviceAccount:gsa@p.iam.gserviceaccount.com"],
                    "xcom-prefix-only",
                ],
            ],
        );
    });
});

describe("GCP backend under mocks (direct identity, created bucket, Google-managed keys)", () => {
    let rs: RecordedResource[];
    before(async () => (rs = await deploy(gcpValues())));

    it("creates the provider, custom role, bucket and one secret and one bucket grant per ServiceAccount, under GcpBackend", () => {
        const gcp = rs.filter(
            (r) => r.type.startsWith("gcp:") || r.type.endsWith(":gcp") || r.type.endsWith("GcpBackend"),
        );
        assert.deepEqual(
            gcp.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:GcpBackend", "agent-gcp", "agent"],
                ["pulumi:providers:gcp", "agent-gcp-provider", "agent-gcp"],
                ["gcp:projects/iAMCustomRole:IAMCustomRole", "agent-gcp-xcom-role", "agent-gcp"],
                ["gcp:storage/bucket:Bucket", "agent-gcp-xcom", "agent-gcp"],
                ...SLUGS.map((s) => ["gcp:projects/iAMMember:IAMMember", `agent-gcp-secrets-${s}`, "agent-gcp"]),
                ...SLUGS.map((s) => [
                    "gcp:storage/bucketIAMMember:BucketIAMMember",
                    `agent-gcp-xcom-${s}`,
                    "agent-gcp",
                ]),
            ].sort(),
        );
        assert.equal(one(rs, "pulumi:providers:gcp").inputs.project, GCP_PROJECT);
        for (const r of rs.filter((x) => x.type.startsWith("gcp:"))) {
            assert.match(r.provider ?? "", /::agent-gcp-provider::/, r.type);
        }
    });

    it("grants roles/secretmanager.secretAccessor on the project to each principal, conditioned to the prefixes", () => {
        const members = byType(rs, "gcp:projects/iAMMember:IAMMember");
        assert.deepEqual(
            members.map((m) => m.inputs),
            PRINCIPALS.map((member) => ({
                project: GCP_PROJECT,
                role: "roles/secretmanager.secretAccessor",
                member,
                condition: SECRET_CONDITION,
            })),
        );
    });

    it("grants the custom role on the bucket only, conditioned to the bucket and the XCom prefix", () => {
        const role = one(rs, "gcp:projects/iAMCustomRole:IAMCustomRole");
        assert.deepEqual(role.inputs, {
            project: GCP_PROJECT,
            roleId: ROLE_ID,
            title: "Remote Execution Agent XCom (astro)",
            description:
                "Check the bucket; read, write, list and delete XCom objects. Granted on the agent's bucket under a prefix condition.",
            permissions: [...XCOM_OBJECT_PERMISSIONS],
            stage: "GA",
        });
        assert.deepEqual(
            byType(rs, "gcp:storage/bucketIAMMember:BucketIAMMember").map((m) => m.inputs),
            PRINCIPALS.map((member) => ({
                bucket: "agent-gcp-xcom",
                role: ROLE_NAME,
                member,
                condition: bucketCondition("agent-gcp-xcom"),
            })),
        );
    });

    it("hardens the bucket: uniform access, public access prevention, lifecycle on the prefix, no versioning", () => {
        assert.deepEqual(one(rs, "gcp:storage/bucket:Bucket").inputs, {
            project: GCP_PROJECT,
            location: "EUROPE-WEST1",
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: false },
            lifecycleRules: [
                { action: { type: "Delete" }, condition: { age: 30, matchesPrefixes: ["xcom/"], withState: "ANY" } },
            ],
            forceDestroy: false,
            labels: {
                "managed-by": "pulumi",
                application: "astro-remote-execution-agent",
                "astro-agent-prefix": "astro",
            },
        });
    });

    it("wires CloudSecretManagerBackend kwargs and the gs:// path with ADC; no annotation, no env, nothing retained in dev", () => {
        const values = one(rs, "kubernetes:helm.sh/v3:Release").inputs.values as Record<string, unknown>;
        assert.equal(
            values.secretBackend,
            "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend",
        );
        const e = env(rs);
        assert.deepEqual(JSON.parse(e.AIRFLOW__SECRETS__BACKEND_KWARGS as string), {
            config_prefix: null,
            connections_prefix: "astro-agent-test-connections",
            project_id: GCP_PROJECT,
            sep: "-",
            variables_prefix: "astro-agent-test-variables",
        });
        assert.equal(e.AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH, "gs://agent-gcp-xcom/xcom");
        assert.ok(!Object.keys(e).some((k) => k.startsWith("GOOGLE_")));
        for (const sa of byType(rs, "kubernetes:core/v1:ServiceAccount")) {
            const annotations = (sa.inputs.metadata as { annotations?: Record<string, string> }).annotations ?? {};
            assert.ok(!("iam.gke.io/gcp-service-account" in annotations), sa.name);
        }
        assert.deepEqual(
            rs.filter((r) => r.type.startsWith("gcp:") && r.retainOnDelete === true),
            [],
        );
        assert.ok(!JSON.stringify(values).includes("private_key") && !JSON.stringify(values).includes("keyfile"));
    });
});

describe("GCP backend options", () => {
    it("serviceAccount identity: one Google service account, workloadIdentityUser for each exact ServiceAccount, annotated", async () => {
        const rs = await deploy(gcpValues({ identity: "serviceAccount" }));
        const accountId = ACCOUNT_ID;
        const email = `${accountId}@${GCP_PROJECT}.iam.gserviceaccount.com`;
        assert.deepEqual(one(rs, "gcp:serviceaccount/account:Account").inputs, {
            project: GCP_PROJECT,
            accountId,
            displayName: "Remote Execution Agent astro",
            description: `Airflow secrets and XCom of the agent in namespace ${NS} (stack ${PROJECT}/test)`,
        });
        assert.deepEqual(
            byType(rs, "gcp:serviceaccount/iAMMember:IAMMember").map((m) => [m.name, m.inputs]),
            SAS.map((sa, i) => [
                `agent-gcp-wi-${SLUGS[i] ?? ""}`,
                {
                    serviceAccountId: `projects/${GCP_PROJECT}/serviceAccounts/${email}`,
                    role: "roles/iam.workloadIdentityUser",
                    member: `serviceAccount:${POOL}[${NS}/${sa}]`,
                },
            ]),
        );
        assert.deepEqual(
            [
                ...byType(rs, "gcp:projects/iAMMember:IAMMember"),
                ...byType(rs, "gcp:storage/bucketIAMMember:BucketIAMMember"),
            ].map((m) => [m.name, m.inputs.member]),
            [
                ["agent-gcp-secrets-agent", `serviceAccount:${email}`],
                ["agent-gcp-xcom-agent", `serviceAccount:${email}`],
            ],
        );
        for (const sa of byType(rs, "kubernetes:core/v1:ServiceAccount")) {
            assert.deepEqual((sa.inputs.metadata as { annotations?: Record<string, string> }).annotations, {
                "iam.gke.io/gcp-service-account": email,
            });
        }
        assert.ok(accountId.length <= 30 && /^[a-z][-a-z0-9]*[a-z0-9]$/.test(accountId), accountId);
    });

    it("a created key encrypts the bucket and the seeded secrets; the service agents, not the agent, may use it", async () => {
        const rs = await deploy(
            gcpValues({
                encryption: { kind: "createKey" },
                secretManager: {
                    variables: { v: VAR_SECRET },
                    replication: { kind: "userManaged", locations: ["europe-west1"] },
                },
            }),
        );
        const ring = one(rs, "gcp:kms/keyRing:KeyRing");
        assert.equal(ring.inputs.location, "europe-west1");
        const keyName = `projects/${GCP_PROJECT}/locations/europe-west1/keyRings/${String(ring.inputs.name)}/cryptoKeys/agent-data`;
        assert.deepEqual(one(rs, "gcp:kms/cryptoKey:CryptoKey").inputs, {
            keyRing: `projects/${GCP_PROJECT}/locations/europe-west1/keyRings/${String(ring.inputs.name)}`,
            name: "agent-data",
            purpose: "ENCRYPT_DECRYPT",
            rotationPeriod: "7776000s",
            labels: {
                "managed-by": "pulumi",
                application: "astro-remote-execution-agent",
                "astro-agent-prefix": "astro",
            },
        });
        assert.deepEqual(one(rs, "gcp:storage/bucket:Bucket").inputs.encryption, { defaultKmsKeyName: keyName });
        assert.deepEqual(one(rs, "gcp:secretmanager/secret:Secret").inputs.replication, {
            userManaged: {
                replicas: [{ location: "europe-west1", customerManagedEncryption: { kmsKeyName: keyName } }],
            },
        });
        assert.deepEqual(
            byType(rs, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map((m) => m.inputs),
            [
                `serviceAccount:service-${N}@gs-project-accounts.iam.gserviceaccount.com`,
                `serviceAccount:service-${N}@gcp-sa-secretmanager.iam.gserviceaccount.com`,
            ].map((member) => ({ cryptoKeyId: keyName, role: "roles/cloudkms.cryptoKeyEncrypterDecrypter", member })),
        );
        assert.deepEqual(one(rs, "gcp:projects/serviceIdentity:ServiceIdentity").inputs, {
            project: GCP_PROJECT,
            service: "secretmanager.googleapis.com",
        });
        const agentMembers = new Set(PRINCIPALS);
        assert.ok(
            byType(rs, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").every(
                (m) => !agentMembers.has(String(m.inputs.member)),
            ),
        );
    });

    it("an existing key is used and granted to the storage agent; nothing is created for it", async () => {
        const key = `projects/${GCP_PROJECT}/locations/europe-west1/keyRings/shared/cryptoKeys/xcom`;
        const rs = await deploy(gcpValues({ encryption: { kind: "existingKey", keyName: key } }));
        assert.deepEqual(byType(rs, "gcp:kms/keyRing:KeyRing"), []);
        assert.deepEqual(byType(rs, "gcp:kms/cryptoKey:CryptoKey"), []);
        assert.deepEqual(one(rs, "gcp:storage/bucket:Bucket").inputs.encryption, { defaultKmsKeyName: key });
        assert.equal(one(rs, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").inputs.cryptoKeyId, key);
    });

    it("prod: bucket, key ring, key and seeded secrets survive destroy and are delete-protected; no force-destroy", async () => {
        const rs = await deploy(
            gcpValues(
                {
                    encryption: { kind: "createKey" },
                    secretManager: {
                        connections: { git_repo: CONN_SECRET },
                        replication: { kind: "userManaged", locations: ["europe-west1"] },
                    },
                },
                (v) => {
                    v.environment = "prod";
                    v.agentTokenSecretName = "token";
                    delete v.agentToken;
                    v.imagePullSecretName = "pull";
                    delete v.imagePullCredentials;
                },
            ),
        );
        assert.deepEqual(
            rs
                .filter((r) => r.retainOnDelete === true && r.type.startsWith("gcp:"))
                .map((r) => r.type)
                .sort(),
            [
                "gcp:kms/cryptoKey:CryptoKey",
                "gcp:kms/keyRing:KeyRing",
                "gcp:secretmanager/secret:Secret",
                "gcp:secretmanager/secretVersion:SecretVersion",
                "gcp:storage/bucket:Bucket",
            ],
        );
        for (const type of ["gcp:kms/cryptoKey:CryptoKey", "gcp:storage/bucket:Bucket"]) {
            assert.equal(
                (one(rs, type).inputs.labels as Record<string, string>)[RETAIN_ON_DELETE_MARKER],
                "true",
                type,
            );
        }
        assert.equal(one(rs, "gcp:storage/bucket:Bucket").inputs.forceDestroy, false);
        assert.equal(one(rs, "gcp:secretmanager/secret:Secret").inputs.deletionProtection, true);
    });

    it("seeds connections and variables as <prefix><sep><key>; their values stay secret", async () => {
        const rs = await deploy(
            gcpValues({
                secretManager: {
                    connectionsPrefix: "astro-conn",
                    variablesPrefix: "astro-var",
                    sep: "_",
                    connections: { git_repo: CONN_SECRET },
                    variables: { api_key: VAR_SECRET },
                },
            }),
        );
        assert.deepEqual(
            byType(rs, "gcp:secretmanager/secret:Secret")
                .map((s) => [s.name, s.inputs.secretId, s.inputs.replication, s.inputs.deletionProtection])
                .sort(),
            [
                ["agent-gcp-conn-git-repo", "astro-conn_git_repo", { auto: {} }, false],
                ["agent-gcp-var-api-key", "astro-var_api_key", { auto: {} }, false],
            ],
        );
        for (const r of rs) {
            for (const secret of [CONN_SECRET, VAR_SECRET, "gcp-seeded-pat-8a7b6c5d"]) {
                assert.deepEqual(plaintextPaths(r.inputs, secret), [], `${r.type} ${r.name}`);
            }
        }
        assert.deepEqual(
            byType(rs, "gcp:secretmanager/secretVersion:SecretVersion")
                .map((v) => [v.parent, unwrapSecrets(v.inputs.secretData)])
                .sort(),
            [
                ["agent-gcp-conn-git-repo", CONN_SECRET],
                ["agent-gcp-var-api-key", VAR_SECRET],
            ],
        );
        const condition = one(rs, "gcp:projects/iAMMember:IAMMember", "agent-gcp-secrets-worker-default-worker").inputs
            .condition as { expression: string };
        assert.equal(
            condition.expression,
            `resource.name.startsWith("projects/${N}/secrets/astro-conn_") || resource.name.startsWith("projects/${N}/secrets/astro-var_")`,
        );
        assert.ok(!JSON.stringify(one(rs, "kubernetes:helm.sh/v3:Release").inputs.values).includes("gcp-seeded"));
    });

    it("an existing bucket is only referenced; versioning adds a noncurrent-version rule; a config prefix joins the condition", async () => {
        const existing = await deploy(gcpValues({ xcom: { existingBucket: true, bucketName: "shared-xcom" } }));
        assert.deepEqual(byType(existing, "gcp:storage/bucket:Bucket"), []);
        assert.equal(env(existing).AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH, "gs://shared-xcom/xcom");
        assert.deepEqual(
            byType(existing, "gcp:storage/bucketIAMMember:BucketIAMMember")[0]?.inputs.condition,
            bucketCondition("shared-xcom"),
        );
        const versioned = await deploy(
            gcpValues({
                xcom: { versioning: true, noncurrentVersionDays: 2 },
                secretManager: { configPrefix: "astro-cfg" },
            }),
        );
        const bucket = one(versioned, "gcp:storage/bucket:Bucket").inputs;
        assert.deepEqual(bucket.versioning, { enabled: true });
        assert.deepEqual((bucket.lifecycleRules as unknown[])[1], {
            action: { type: "Delete" },
            condition: { daysSinceNoncurrentTime: 2, matchesPrefixes: ["xcom/"], withState: "ARCHIVED" },
        });
        const triggerer = one(versioned, "gcp:projects/iAMMember:IAMMember", "agent-gcp-secrets-triggerer");
        assert.match(
            (triggerer.inputs.condition as { expression: string }).expression,
            /\|\| resource\.name\.startsWith\("projects\/\d+\/secrets\/astro-cfg-"\)$/,
        );
    });

    it("a given workload pool is used as is (no cluster lookup), and its project's principals are bound", async () => {
        const rs = await deploy(gcpValues({ gkeCluster: undefined, workloadPool: "gke-host.svc.id.goog" }));
        const members = byType(rs, "gcp:projects/iAMMember:IAMMember").map((m) => String(m.inputs.member));
        assert.ok(
            members.every((m) => m.includes("/workloadIdentityPools/gke-host.svc.id.goog/subject/ns/astro-agent/sa/")),
        );
    });

    it("uses an explicitly passed gcp provider instead of creating one", async () => {
        const rs = await deploy(gcpValues(), { withProvider: true });
        assert.deepEqual(
            byType(rs, "pulumi:providers:gcp").map((p) => p.name),
            ["explicit-gcp"],
        );
        for (const r of rs.filter((x) => x.type.startsWith("gcp:"))) {
            assert.match(r.provider ?? "", /::explicit-gcp::/, r.type);
        }
    });

    it("taskLogs: the folder env, a task logs role and grant per ServiceAccount on the logs prefix, an expiry rule", async () => {
        const rs = await deploy(
            gcpValues({
                taskLogs: { enabled: true, prefix: "task-logs", expirationDays: 14 },
                xcom: { versioning: true },
            }),
        );
        const e = env(rs);
        assert.equal(e.AIRFLOW__LOGGING__REMOTE_LOGGING, "True");
        assert.equal(e.AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER, "gs://agent-gcp-xcom/task-logs");
        assert.ok(!("AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID" in e), "no connection: the handler uses ADC");
        const logsRoleId = "astroAgentLogs_0c3ce223";
        const role = one(rs, "gcp:projects/iAMCustomRole:IAMCustomRole", "agent-gcp-task-logs-role");
        assert.deepEqual(role.inputs, {
            project: GCP_PROJECT,
            roleId: logsRoleId,
            title: "Remote Execution Agent task logs (astro)",
            description:
                "Read, write and replace Airflow task log objects. Granted on the agent's bucket under a prefix condition.",
            permissions: ["storage.objects.create", "storage.objects.delete", "storage.objects.get"],
            stage: "GA",
        });
        const members = byType(rs, "gcp:storage/bucketIAMMember:BucketIAMMember");
        assert.deepEqual(
            members.filter((m) => m.name.startsWith("agent-gcp-task-logs-")).map((m) => [m.name, m.inputs]),
            PRINCIPALS.map((member, i) => [
                `agent-gcp-task-logs-${SLUGS[i]}`,
                {
                    bucket: "agent-gcp-xcom",
                    role: `projects/${GCP_PROJECT}/roles/${logsRoleId}`,
                    member,
                    condition: {
                        title: "task-logs-prefix-only",
                        description: "Objects under gs://agent-gcp-xcom/task-logs/ only",
                        expression: 'resource.name.startsWith("projects/_/buckets/agent-gcp-xcom/objects/task-logs/")',
                    },
                },
            ]),
        );
        assert.deepEqual(
            members.filter((m) => m.name.startsWith("agent-gcp-xcom-")).map((m) => m.inputs.condition),
            PRINCIPALS.map(() => bucketCondition("agent-gcp-xcom")),
            "the XCom grant is unchanged",
        );
        assert.deepEqual(one(rs, "gcp:storage/bucket:Bucket").inputs.lifecycleRules, [
            { action: { type: "Delete" }, condition: { age: 30, matchesPrefixes: ["xcom/"], withState: "ANY" } },
            { action: { type: "Delete" }, condition: { age: 14, matchesPrefixes: ["task-logs/"], withState: "ANY" } },
            {
                action: { type: "Delete" },
                condition: {
                    daysSinceNoncurrentTime: 7,
                    matchesPrefixes: ["xcom/", "task-logs/"],
                    withState: "ARCHIVED",
                },
            },
        ]);
    });

    it("taskLogs on an existing bucket: the folder and the grant, no bucket change", async () => {
        const rs = await deploy(
            gcpValues({ taskLogs: { enabled: true }, xcom: { existingBucket: true, bucketName: "shared-bucket" } }),
        );
        assert.equal(byType(rs, "gcp:storage/bucket:Bucket").length, 0);
        assert.equal(env(rs).AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER, "gs://shared-bucket/logs");
        const logs = byType(rs, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((m) =>
            m.name.startsWith("agent-gcp-task-logs-"),
        );
        assert.deepEqual(
            logs.map((m) => [m.inputs.bucket, (m.inputs.condition as { expression: string }).expression]),
            PRINCIPALS.map(() => [
                "shared-bucket",
                'resource.name.startsWith("projects/_/buckets/shared-bucket/objects/logs/")',
            ]),
        );
    });

    it("names are unique per installation and valid: service account ids, custom role ids, default secret prefixes", () => {
        const a = defaultServiceAccountId("astro", [PROJECT, "dev", "c", NS]);
        assert.notEqual(a, defaultServiceAccountId("astro", [PROJECT, "prod", "c", NS]));
        assert.match(defaultServiceAccountId("9-Very_Long-Resource-Name-Prefix", ["x"]), /^a[-a-z0-9]{5,28}[a-z0-9]$/);
        assert.match(defaultCustomRoleId(installationKey("c", NS)), /^astroAgentXcom_[0-9a-f]{8}$/);
        assert.match(defaultTaskLogsRoleId(installationKey("c", NS)), /^astroAgentLogs_[0-9a-f]{8}$/);
        assert.notEqual(
            defaultTaskLogsRoleId(installationKey("c", NS)),
            defaultTaskLogsRoleId(installationKey("d", NS)),
        );
        const parsed = validateStackConfig(raw(gcpValues()));
        assert.ok(parsed.ok);
        const cfg = (parsed.config.backend as { kind: string }).kind === "gcp" ? parsed.config.backend : undefined;
        assert.ok(cfg !== undefined && cfg.kind === "gcp");
        assert.deepEqual(secretPrefixesOf(cfg, "astro.agent", "prod.eu"), {
            connections: "astro-agent-prod-eu-connections",
            variables: "astro-agent-prod-eu-variables",
            config: null,
        });
    });
});

describe("scripts/gcp-policy.ts and the GCP example stack", () => {
    it("renders the example without Google credentials and prints the grants exactly as the program registers them", async () => {
        const stack = readStackFile(ROOT, "gcp");
        const { resources, outputs } = await runUnderMocks({ ...stack, program: agentProgram });
        const docs = gcpDocuments(resources);
        const grants = grantsOf(resources);
        assert.deepEqual(docs.grants, grants);
        assert.deepEqual(
            grants.map((g) => [g.resource.kind, g.role, g.members.length, g.condition?.title]),
            [
                ["project", "roles/secretmanager.secretAccessor", 4, "airflow-secret-prefixes"],
                ["bucket", String((docs.customRoles as { name: string }[])[0]?.name), 4, "xcom-prefix-only"],
            ],
        );
        const bucket = await new Promise<unknown>((resolve) => {
            pulumi.output(outputs.gcpBucketName as pulumi.Output<string>).apply(resolve);
        });
        assert.equal(bucket, "astro-agent-gcp-xcom");
    });
});

describe("GCP backend validation", () => {
    interface Case {
        name: string;
        backend?: Values;
        change?: (v: Values) => void;
        key: string;
        message: RegExp;
    }
    const cases: Case[] = [
        { name: "project missing", backend: { project: undefined }, key: "backend.project", message: /is required/ },
        {
            name: "project malformed",
            backend: { project: "My_Project" },
            key: "backend.project",
            message: /Google Cloud project id/,
        },
        {
            name: "project number not digits",
            backend: { projectNumber: "12ab" },
            key: "backend.projectNumber",
            message: /project number/,
        },
        { name: "location missing", backend: { location: undefined }, key: "backend.location", message: /is required/ },
        {
            name: "no cluster and no pool",
            backend: { gkeCluster: undefined },
            key: "backend.gkeCluster",
            message: /set the GKE cluster/,
        },
        {
            name: "cluster and pool",
            backend: { workloadPool: "data-project.svc.id.goog" },
            key: "backend.workloadPool",
            message: /either gkeCluster or workloadPool/,
        },
        {
            name: "pool malformed",
            backend: { gkeCluster: undefined, workloadPool: "data-project.iam.goog" },
            key: "backend.workloadPool",
            message: /svc\.id\.goog/,
        },
        {
            name: "cluster name malformed",
            backend: { gkeCluster: { name: "Prod_GKE", location: "europe-west1" } },
            key: "backend.gkeCluster.name",
            message: /GKE cluster name/,
        },
        {
            name: "identity unknown",
            backend: { identity: "keyFile" },
            key: "backend.identity",
            message: /'direct' or 'serviceAccount'/,
        },
        {
            name: "service account id with direct identity",
            backend: { serviceAccountId: "astro-agent" },
            key: "backend.serviceAccountId",
            message: /only used with identity 'serviceAccount'/,
        },
        {
            name: "service account id malformed",
            backend: { identity: "serviceAccount", serviceAccountId: "a" },
            key: "backend.serviceAccountId",
            message: /service account id/,
        },
        {
            name: "prefix with a slash",
            backend: { secretManager: { connectionsPrefix: "airflow/connections" } },
            key: "backend.secretManager.connectionsPrefix",
            message: /Secret Manager ids have no '\/'/,
        },
        {
            name: "sep '/'",
            backend: { secretManager: { sep: "/" } },
            key: "backend.secretManager.sep",
            message: /never '\/'/,
        },
        {
            name: "overlapping prefixes",
            backend: { secretManager: { connectionsPrefix: "airflow", variablesPrefix: "airflow-vars" } },
            key: "backend.secretManager.variablesPrefix",
            message: /overlaps secretManager\.connectionsPrefix/,
        },
        {
            name: "seeded connection id invalid",
            backend: { secretManager: { connections: { "bad id": "x" } } },
            key: 'backend.secretManager.connections["bad id"]',
            message: /connection id/,
        },
        {
            name: "user-managed replication without locations",
            backend: { secretManager: { replication: { kind: "userManaged" } } },
            key: "backend.secretManager.replication.locations",
            message: /at least one region/,
        },
        {
            name: "automatic replication with locations",
            backend: { secretManager: { replication: { locations: ["europe-west1"] } } },
            key: "backend.secretManager.replication.locations",
            message: /only used with replication kind 'userManaged'/,
        },
        {
            name: "CMEK and seeded secrets with automatic replication",
            backend: { encryption: { kind: "createKey" }, secretManager: { variables: { v: "x" } } },
            key: "backend.secretManager.replication",
            message: /userManaged, locations: \[europe-west1\]/,
        },
        {
            name: "bucket name with dots",
            backend: { xcom: { bucketName: "xcom.example.com" } },
            key: "backend.xcom.bucketName",
            message: /no dots/,
        },
        {
            name: "existing bucket unnamed",
            backend: { xcom: { existingBucket: true } },
            key: "backend.xcom.bucketName",
            message: /is required with xcom\.existingBucket/,
        },
        {
            name: "existing bucket with versioning",
            backend: { xcom: { existingBucket: true, bucketName: "b-1", versioning: true } },
            key: "backend.xcom.existingBucket",
            message: /not managed here/,
        },
        {
            name: "XCom prefix with a trailing slash",
            backend: { xcom: { prefix: "xcom/" } },
            key: "backend.xcom.prefix",
            message: /ends with '\/': drop the trailing/,
        },
        {
            name: "expiration zero",
            backend: { xcom: { expirationDays: 0 } },
            key: "backend.xcom.expirationDays",
            message: /at least 1 day/,
        },
        {
            name: "force destroy in prod",
            backend: { xcom: { forceDestroy: true } },
            change: (v) => (v.environment = "prod"),
            key: "backend.xcom.forceDestroy",
            message: /refused in prod/,
        },
        {
            name: "existing key missing",
            backend: { encryption: { kind: "existingKey" } },
            key: "backend.encryption.keyName",
            message: /is required with encryption\.kind 'existingKey'/,
        },
        {
            name: "key in another location",
            backend: {
                encryption: {
                    kind: "existingKey",
                    keyName: "projects/data-project/locations/us-east1/keyRings/r/cryptoKeys/k",
                },
            },
            key: "backend.encryption.keyName",
            message: /is in us-east1; a bucket's key must be in the bucket's location europe-west1/,
        },
        {
            name: "key name malformed",
            backend: { encryption: { kind: "existingKey", keyName: "alias/xcom" } },
            key: "backend.encryption.keyName",
            message: /Cloud KMS key name/,
        },
        {
            name: "GOOGLE_APPLICATION_CREDENTIALS in commonEnv",
            change: (v) => (v.commonEnv = [{ name: "GOOGLE_APPLICATION_CREDENTIALS", value: "/var/secrets/key.json" }]),
            key: "commonEnv[0].name",
            message: /key file overrides Workload Identity/,
        },
        {
            name: "GOOGLE_APPLICATION_CREDENTIALS in a worker's env",
            change: (v) =>
                (v.workers = [{ name: "w", env: [{ name: "GOOGLE_APPLICATION_CREDENTIALS", value: "/k.json" }] }]),
            key: "workers[0].env[0].name",
            message: /is refused with the gcp backend/,
        },
        {
            name: "compressed XCom",
            change: (v) => (v.xcom = { threshold: 0, compression: "zip" }),
            key: "xcom.compression",
            message: /garbage-collected/,
        },
        {
            name: "task logs prefix inside the XCom prefix",
            backend: { taskLogs: { enabled: true, prefix: "xcom/logs" } },
            key: "backend.taskLogs.prefix",
            message: /^overlaps xcom\.prefix \('xcom'\); task logs need their own prefix/,
        },
        {
            name: "task logs prefix with a trailing slash",
            backend: { taskLogs: { enabled: true, prefix: "logs/" } },
            key: "backend.taskLogs.prefix",
            message: /ends with '\/': drop the trailing/,
        },
        {
            name: "task logs expiry zero",
            backend: { taskLogs: { enabled: true, expirationDays: 0 } },
            key: "backend.taskLogs.expirationDays",
            message: /at least 1 day/,
        },
        {
            name: "hand-written gs:// remote log folder in commonEnv",
            change: (v) =>
                (v.commonEnv = [
                    { name: "AIRFLOW__LOGGING__REMOTE_LOGGING", value: "True" },
                    { name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "gs://team-logs/airflow" },
                ]),
            key: "commonEnv[1].name",
            message:
                /^points outside what the gcp backend grants \(its storage grant covers only the XCom prefix\), so every task log write would be refused; remove this entry and set backend\.taskLogs\.enabled: true .* sets it to gs:\/\/<bucket>\/<backend\.taskLogs\.prefix> and grants exactly that prefix$/,
        },
        {
            name: "hand-written gs:// remote log folder in a worker's env",
            change: (v) =>
                (v.workers = [
                    {
                        name: "w",
                        env: [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "gs://b/xcom/logs" }],
                    },
                ]),
            key: "workers[0].env[0].name",
            message: /points outside what the gcp backend grants/,
        },
        {
            name: "hand-written remote log folder while taskLogs sets it",
            backend: { taskLogs: { enabled: true } },
            change: (v) =>
                (v.triggerer = { env: [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "gs://b/l" }] }),
            key: "triggerer.env[0].name",
            message: /is also set by the gcp backend \(from backend\.taskLogs\); remove it here/,
        },
        { name: "unknown key", backend: { region: "europe-west1" }, key: "backend.region", message: /unknown key/ },
    ];

    it(`covers at least 15 GCP-specific bad configs (${cases.length})`, () => {
        assert.ok(cases.length >= 15);
    });

    for (const c of cases) {
        it(`${c.name} → ${c.key}`, () => {
            const values = gcpValues(c.backend ?? {}, c.change);
            const result = validateStackConfig(raw(values));
            assert.equal(result.ok, false);
            const match = result.problems.find((p) => p.key === c.key && c.message.test(p.message));
            assert.ok(
                match,
                `expected ${c.key} ~ ${String(c.message)}; got:\n${result.problems.map((p) => `  ${p.key}: ${p.message}`).join("\n")}`,
            );
        });
    }

    it("accepts the documented good shapes", () => {
        for (const backend of [
            {},
            { identity: "serviceAccount", serviceAccountId: "astro-agent" },
            { gkeCluster: undefined, workloadPool: "gke-host.svc.id.goog", projectNumber: "123456789012" },
            { gkeCluster: { name: "c", location: "europe-west1-b", project: "gke-host" } },
            { encryption: { kind: "createKey" } },
            { secretManager: { replication: { kind: "userManaged", locations: ["europe-west1", "europe-west4"] } } },
            { xcom: { existingBucket: true, bucketName: "shared_xcom-1", prefix: "teams/data/xcom" } },
            { taskLogs: { enabled: true } },
            {
                taskLogs: { enabled: true, prefix: "teams/data/logs", expirationDays: 365 },
                xcom: { prefix: "teams/data/xcom" },
            },
        ]) {
            const result = validateStackConfig(raw(gcpValues(backend)));
            assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
        }
    });

    it("a hand-written remote log folder that is not on GCS is left alone (another store, its own connection)", () => {
        const values = gcpValues({}, (v) => {
            v.commonEnv = [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "s3://other-logs/airflow" }];
        });
        const result = validateStackConfig(raw(values));
        assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
    });
});
