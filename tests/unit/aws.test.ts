// The AWS backend: exact IAM documents, bucket hardening, identity bindings, prod protections,
// seeded secrets and AWS-specific validation.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import {
    agentAccessPolicy,
    denyInsecureTransportPolicy,
    irsaTrustPolicy,
    issuerHostPath,
    eksClusterArn,
    podIdentityTrustPolicy,
    RemoteExecutionAgent,
} from "../../components";
import { secretPrefixes } from "../../backends/aws/schema";
import { validateStackConfig } from "../../chart/validate";
import {
    MOCK_ACCOUNT_ID,
    plaintextPaths,
    runUnderMocks,
    unwrapSecrets,
    type RecordedResource,
} from "../../scripts/lib/mockRun";
import { awsDocuments } from "../../scripts/aws-policy";
import { applySet } from "../../scripts/lib/documentScript";
import { readStackFile } from "../../scripts/lib/stackFile";
import agentProgram from "../../index";
import { type BackendCase, itRefusesBackendCases } from "../fixtures/backendCases";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
const ROOT = path.join(__dirname, "..", "..");
const REGION = "eu-west-1";
const ISSUER = `https://oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;
const OIDC_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;
const SAS = ["astro-worker-default-worker", "astro-dag-processor", "astro-triggerer", "astro-sentinel"];
const CONN_SECRET = '{"conn_type":"git","login":"bot","password":"aws-seeded-pat-6f5e4d3c"}';
const VAR_SECRET = "aws-seeded-variable-1a2b3c4d";
/**
 * The default role name of the test stack (project astro-agent, stack test, cluster prod-eks, namespace
 * astro-agent): `astro-agent-` + 8 hex of sha256("astro-agent/test/prod-eks/astro-agent"). Pinned: a change
 * renames, so replaces, every deployed role.
 */
const ROLE = "astro-agent-62a37b39";
const ROLE_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${ROLE}`;
const CLUSTER_ARN = `arn:aws:eks:${REGION}:${MOCK_ACCOUNT_ID}:cluster/prod-eks`;
const POLICY_BASE = { partition: "aws", dnsSuffix: "amazonaws.com", region: REGION };

function awsValues(backend: Values = {}, change: (v: Values) => void = () => undefined): Values {
    const v = baseValues();
    v.backend = { kind: "aws", region: REGION, eksClusterName: "prod-eks", ...backend };
    change(v);
    return v;
}

async function deploy(
    values: Values,
    opts: { withProvider?: boolean; providerRegion?: string; stack?: string } = {},
): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks({
        project: PROJECT,
        stack: opts.stack ?? "test",
        config: {},
        program: () => {
            const providers = opts.withProvider
                ? [new AwsProvider("explicit-aws", { region: opts.providerRegion ?? REGION })]
                : [];
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

/** The plain values of a map of Outputs (after a mock run). */
async function resolved(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
        pulumi.output(outputs).apply((v) => {
            resolve(v);
        });
    });
}
const json = (v: unknown) => JSON.parse(unwrapSecrets(v) as string) as unknown;

describe("AWS policy documents", () => {
    it("IRSA trust: the cluster's OIDC provider, exact subjects, STS audience, StringEquals only", () => {
        assert.deepEqual(irsaTrustPolicy(OIDC_ARN, `${ISSUER}/`, "astro", ["a", "b"]), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AgentServiceAccountsViaIrsa",
                    Effect: "Allow",
                    Principal: { Federated: OIDC_ARN },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": [
                                "system:serviceaccount:astro:a",
                                "system:serviceaccount:astro:b",
                            ],
                            "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud":
                                "sts.amazonaws.com",
                        },
                    },
                },
            ],
        });
        assert.equal(issuerHostPath("https://oidc.example.com/id/X/"), "oidc.example.com/id/X");
    });

    it("Pod Identity trust: the pods.eks service, this account, and the cluster, namespace and ServiceAccount session tags", () => {
        assert.deepEqual(
            podIdentityTrustPolicy({
                accountId: "111122223333",
                clusterArn: "arn:aws:eks:eu-west-1:111122223333:cluster/c",
                namespace: "astro",
                serviceAccounts: ["a", "b"],
            }),
            {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AgentServiceAccountsViaPodIdentity",
                        Effect: "Allow",
                        Principal: { Service: "pods.eks.amazonaws.com" },
                        Action: ["sts:AssumeRole", "sts:TagSession"],
                        Condition: {
                            StringEquals: {
                                "aws:SourceAccount": "111122223333",
                                "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c",
                                "aws:RequestTag/kubernetes-namespace": "astro",
                                "aws:RequestTag/kubernetes-service-account": ["a", "b"],
                            },
                        },
                    },
                ],
            },
        );
        assert.equal(eksClusterArn("aws-cn", "cn-north-1", "1", "c"), "arn:aws-cn:eks:cn-north-1:1:cluster/c");
    });

    it("permissions: GetSecretValue on the prefixes, ListBucket unconditioned, XCom objects, KMS only through S3 and Secrets Manager", () => {
        const doc = agentAccessPolicy({
            ...POLICY_BASE,
            accountId: "111122223333",
            secretPrefixes: ["p/connections", "p/variables"],
            bucket: "xcom-bucket",
            xcomPrefix: "xcom",
            kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/k",
        });
        assert.deepEqual(doc, {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ReadAirflowSecrets",
                    Effect: "Allow",
                    Action: "secretsmanager:GetSecretValue",
                    Resource: [
                        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:p/connections/*",
                        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:p/variables/*",
                    ],
                },
                {
                    Sid: "ListAgentBucket",
                    Effect: "Allow",
                    Action: "s3:ListBucket",
                    Resource: "arn:aws:s3:::xcom-bucket",
                },
                {
                    Sid: "ReadWriteXComObjects",
                    Effect: "Allow",
                    Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    Resource: "arn:aws:s3:::xcom-bucket/xcom/*",
                },
                {
                    Sid: "DecryptThroughS3AndSecretsManager",
                    Effect: "Allow",
                    Action: "kms:Decrypt",
                    Resource: "arn:aws:kms:eu-west-1:111122223333:key/k",
                    Condition: {
                        StringEquals: {
                            "kms:ViaService": ["s3.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"],
                        },
                    },
                },
                {
                    Sid: "EncryptThroughS3",
                    Effect: "Allow",
                    Action: "kms:GenerateDataKey",
                    Resource: "arn:aws:kms:eu-west-1:111122223333:key/k",
                    Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
                },
            ],
        });
        const noKey = agentAccessPolicy({
            ...POLICY_BASE,
            accountId: "1",
            secretPrefixes: ["a"],
            bucket: "b",
            xcomPrefix: "x",
        });
        assert.deepEqual(
            noKey.Statement.map((st) => st.Sid),
            ["ReadAirflowSecrets", "ListAgentBucket", "ReadWriteXComObjects"],
        );
        assert.ok(!JSON.stringify(doc).includes('"*"'), "no wildcard resource");
        assert.ok(!JSON.stringify(doc).includes("DescribeSecret"), "DescribeSecret is not granted");
    });

    it("permissions: task logs read and write (never delete), extra prefixes by access level", () => {
        const doc = agentAccessPolicy({
            ...POLICY_BASE,
            accountId: "1",
            secretPrefixes: ["a"],
            bucket: "b",
            xcomPrefix: "xcom",
            taskLogsPrefix: "logs",
            extraPrefixes: [
                { prefix: "exports", access: "readWrite" },
                { prefix: "ref/a", access: "read" },
                { prefix: "ref/b", access: "read" },
            ],
        });
        assert.deepEqual(doc.Statement.slice(3), [
            {
                Sid: "ReadWriteTaskLogs",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: "arn:aws:s3:::b/logs/*",
            },
            {
                Sid: "ReadExtraPrefixes",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: ["arn:aws:s3:::b/ref/a/*", "arn:aws:s3:::b/ref/b/*"],
            },
            {
                Sid: "ReadWriteExtraPrefixes",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: "arn:aws:s3:::b/exports/*",
            },
        ]);
    });

    it("bucket policy denies every request without TLS", () => {
        assert.deepEqual(denyInsecureTransportPolicy("aws", "b"), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        });
    });
});

describe("AWS backend under mocks (IRSA, created bucket, AWS-managed keys)", () => {
    let rs: RecordedResource[];
    before(async () => (rs = await deploy(awsValues())));

    it("creates the provider, bucket and its hardening, role and inline policy, parented under AwsBackend", () => {
        const aws = rs.filter(
            (r) =>
                r.type.startsWith("aws:") ||
                r.type === "pulumi:providers:aws" ||
                r.type === "astro-remote-agent:index:AwsBackend",
        );
        assert.deepEqual(
            aws.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:AwsBackend", "agent-aws", "agent"],
                ["aws:iam/role:Role", "agent-aws-role", "agent-aws"],
                ["aws:iam/rolePolicy:RolePolicy", "agent-aws-access", "agent-aws"],
                ["aws:s3/bucket:Bucket", "agent-aws-xcom", "agent-aws"],
                [
                    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    "agent-aws-xcom",
                    "agent-aws-xcom",
                ],
                ["aws:s3/bucketOwnershipControls:BucketOwnershipControls", "agent-aws-xcom", "agent-aws-xcom"],
                ["aws:s3/bucketPolicy:BucketPolicy", "agent-aws-xcom", "agent-aws-xcom"],
                ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "agent-aws-xcom", "agent-aws-xcom"],
                [
                    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                    "agent-aws-xcom",
                    "agent-aws-xcom",
                ],
                ["pulumi:providers:aws", "agent-aws-provider", "agent-aws"],
            ].sort(),
        );
        assert.equal(one(rs, "pulumi:providers:aws").inputs.region, REGION);
        for (const r of rs.filter((x) => x.type.startsWith("aws:"))) {
            assert.match(r.provider ?? "", /::agent-aws-provider::/, `${r.type} uses the pinned-region provider`);
        }
    });

    it("trusts exactly the agent's ServiceAccounts through the cluster's OIDC provider", () => {
        const role = one(rs, "aws:iam/role:Role");
        assert.equal(role.inputs.name, ROLE);
        assert.equal(
            ROLE,
            "astro-agent-62a37b39",
            "the default name is stable for a given stack, cluster and namespace",
        );
        assert.deepEqual(json(role.inputs.assumeRolePolicy), irsaTrustPolicy(OIDC_ARN, ISSUER, "astro-agent", SAS));
    });

    it("grants only the prefixes in the backend kwargs and the XCom prefix of the bucket", () => {
        const policy = one(rs, "aws:iam/rolePolicy:RolePolicy");
        assert.equal(policy.inputs.role, ROLE);
        assert.deepEqual(
            json(policy.inputs.policy),
            agentAccessPolicy({
                ...POLICY_BASE,
                accountId: MOCK_ACCOUNT_ID,
                secretPrefixes: ["astro-agent/test/connections", "astro-agent/test/variables"],
                bucket: "agent-aws-xcom",
                xcomPrefix: "xcom",
            }),
        );
    });

    it("makes the bucket private, owner-enforced, encrypted, TLS-only, with XCom expiry", () => {
        const bucket = one(rs, "aws:s3/bucket:Bucket");
        assert.equal(bucket.inputs.forceDestroy, false);
        assert.deepEqual(one(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs, {
            region: REGION,
            bucket: "agent-aws-xcom-id",
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        assert.deepEqual(one(rs, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule, {
            objectOwnership: "BucketOwnerEnforced",
        });
        assert.deepEqual(
            one(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs
                .rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        );
        assert.deepEqual(one(rs, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules, [
            {
                id: "expire-xcom",
                status: "Enabled",
                filter: { prefix: "xcom/" },
                expiration: { days: 30 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            },
        ]);
        assert.deepEqual(
            json(one(rs, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy),
            denyInsecureTransportPolicy("aws", "agent-aws-xcom"),
        );
        assert.equal(byType(rs, "aws:s3/bucketVersioning:BucketVersioning").length, 0);
    });

    it("annotates every ServiceAccount with the role and wires class, kwargs, s3:// path and region env", () => {
        const roleArn = ROLE_ARN;
        for (const sa of byType(rs, "kubernetes:core/v1:ServiceAccount")) {
            assert.deepEqual((sa.inputs.metadata as { annotations: unknown }).annotations, {
                "eks.amazonaws.com/role-arn": roleArn,
            });
        }
        const values = one(rs, "kubernetes:helm.sh/v3:Release").inputs.values as Record<string, unknown>;
        assert.equal(
            values.secretBackend,
            "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
        );
        const env = Object.fromEntries(
            (values.commonEnv as { name: string; value: string }[]).map((e) => [e.name, e.value]),
        );
        assert.deepEqual(JSON.parse(env.AIRFLOW__SECRETS__BACKEND_KWARGS ?? ""), {
            config_prefix: null,
            connections_prefix: "astro-agent/test/connections",
            region_name: REGION,
            variables_prefix: "astro-agent/test/variables",
        });
        assert.equal(env.AIRFLOW__LOGGING__REMOTE_LOGGING, undefined, "no remote logging unless asked");
        assert.equal(env.AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH, "s3://agent-aws-xcom/xcom");
        assert.equal(env.AWS_REGION, REGION);
        assert.equal(env.AWS_DEFAULT_REGION, REGION);
        assert.deepEqual((values.serviceAccount as { annotations: unknown }).annotations, {
            "eks.amazonaws.com/role-arn": roleArn,
        });
    });

    it("retains nothing on destroy in dev, and marks nothing as retained", () => {
        assert.deepEqual(
            rs.filter((r) => r.retainOnDelete === true).map((r) => r.type),
            [],
        );
        assert.deepEqual(one(rs, "aws:s3/bucket:Bucket").inputs.tags, {
            "managed-by": "pulumi",
            application: "astro-remote-execution-agent",
            "astro-agent/prefix": "astro",
        });
    });
});

describe("AWS backend options", () => {
    it("Pod Identity: trust conditioned on account, cluster ARN, namespace and exact ServiceAccounts; one association each, session tags on", async () => {
        const rs = await deploy(awsValues({ identity: "podIdentity" }));
        assert.deepEqual(
            json(one(rs, "aws:iam/role:Role").inputs.assumeRolePolicy),
            podIdentityTrustPolicy({
                accountId: MOCK_ACCOUNT_ID,
                clusterArn: CLUSTER_ARN,
                namespace: "astro-agent",
                serviceAccounts: SAS,
            }),
        );
        const associations = byType(rs, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
        assert.deepEqual(
            associations
                .map((a) => [
                    a.name,
                    a.inputs.clusterName,
                    a.inputs.region,
                    a.inputs.namespace,
                    a.inputs.serviceAccount,
                    a.inputs.roleArn,
                    a.inputs.disableSessionTags,
                ])
                .sort(),
            [
                ["agent-aws-pod-identity-dag-processor", "astro-dag-processor"],
                ["agent-aws-pod-identity-sentinel", "astro-sentinel"],
                ["agent-aws-pod-identity-triggerer", "astro-triggerer"],
                ["agent-aws-pod-identity-worker-default-worker", "astro-worker-default-worker"],
            ].map(([name, sa]) => [name, "prod-eks", REGION, "astro-agent", sa, ROLE_ARN, false]),
        );
        for (const sa of byType(rs, "kubernetes:core/v1:ServiceAccount")) {
            assert.deepEqual((sa.inputs.metadata as { annotations: unknown }).annotations, {});
        }
    });

    it("Pod Identity with eksClusterArn: the ARN's account and cluster in the trust, its name in the associations", async () => {
        const arn = "arn:aws:eks:eu-west-1:444455556666:cluster/shared-eks";
        const rs = await deploy(awsValues({ identity: "podIdentity", eksClusterName: undefined, eksClusterArn: arn }));
        assert.deepEqual(
            json(one(rs, "aws:iam/role:Role").inputs.assumeRolePolicy),
            podIdentityTrustPolicy({
                accountId: "444455556666",
                clusterArn: arn,
                namespace: "astro-agent",
                serviceAccounts: SAS,
            }),
        );
        const clusters = byType(rs, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map(
            (a) => a.inputs.clusterName,
        );
        assert.deepEqual(clusters, ["shared-eks", "shared-eks", "shared-eks", "shared-eks"]);
    });

    it("an explicit OIDC provider is trusted as given", async () => {
        const arn = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC";
        const rs = await deploy(
            awsValues({
                eksClusterName: undefined,
                oidcProvider: { arn, issuerUrl: "https://oidc.example.com/id/ABC" },
            }),
        );
        assert.deepEqual(
            json(one(rs, "aws:iam/role:Role").inputs.assumeRolePolicy),
            irsaTrustPolicy(arn, "https://oidc.example.com/id/ABC", "astro-agent", SAS),
        );
    });

    it("a created KMS key encrypts the bucket (with bucket keys) and seeded secrets, and is granted", async () => {
        const rs = await deploy(
            awsValues({
                encryption: { kind: "createKey" },
                secretsManager: { connections: { git_repo: CONN_SECRET } },
            }),
        );
        const key = one(rs, "aws:kms/key:Key");
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(key.inputs.deletionWindowInDays, 30);
        const keyArn = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/agent-aws-key-id`;
        assert.deepEqual(
            one(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs
                .rules,
            [
                {
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
                    bucketKeyEnabled: true,
                },
            ],
        );
        assert.equal(one(rs, "aws:secretsmanager/secret:Secret").inputs.kmsKeyId, keyArn);
        const statements = (
            json(one(rs, "aws:iam/rolePolicy:RolePolicy").inputs.policy) as {
                Statement: { Sid: string; Resource: unknown }[];
            }
        ).Statement;
        assert.deepEqual(
            statements.filter((s) => s.Sid.includes("Through")).map((s) => [s.Sid, s.Resource]),
            [
                ["DecryptThroughS3AndSecretsManager", keyArn],
                ["EncryptThroughS3", keyArn],
            ],
        );
    });

    it("an existing key is used and granted, no key is created", async () => {
        const keyArn = "arn:aws:kms:eu-west-1:111122223333:key/existing";
        const rs = await deploy(awsValues({ encryption: { kind: "existingKey", keyArn } }));
        assert.equal(byType(rs, "aws:kms/key:Key").length, 0);
        const statements = (
            json(one(rs, "aws:iam/rolePolicy:RolePolicy").inputs.policy) as {
                Statement: { Sid: string; Resource: unknown }[];
            }
        ).Statement;
        assert.deepEqual(
            statements.filter((s) => s.Sid.includes("Through")).map((s) => [s.Sid, s.Resource]),
            [
                ["DecryptThroughS3AndSecretsManager", keyArn],
                ["EncryptThroughS3", keyArn],
            ],
        );
    });

    it("an existing bucket is only referenced: nothing is created on it", async () => {
        const rs = await deploy(
            awsValues({ xcom: { existingBucket: true, bucketName: "corp-xcom", prefix: "agents/prod" } }),
        );
        assert.equal(rs.filter((r) => r.type.startsWith("aws:s3/")).length, 0);
        const values = one(rs, "kubernetes:helm.sh/v3:Release").inputs.values as {
            commonEnv: { name: string; value: string }[];
        };
        assert.equal(
            values.commonEnv.find((e) => e.name === "AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH")?.value,
            "s3://corp-xcom/agents/prod",
        );
        const statements = (
            json(one(rs, "aws:iam/rolePolicy:RolePolicy").inputs.policy) as {
                Statement: { Sid: string; Resource: unknown }[];
            }
        ).Statement;
        assert.equal(
            statements.find((s) => s.Sid === "ReadWriteXComObjects")?.Resource,
            "arn:aws:s3:::corp-xcom/agents/prod/*",
        );
    });

    it("versioning on request", async () => {
        const rs = await deploy(awsValues({ xcom: { versioning: true } }));
        assert.deepEqual(one(rs, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration, {
            status: "Enabled",
        });
    });

    it("prod: the bucket, its configuration and the key survive destroy; secrets keep a recovery window; no force-destroy", async () => {
        const rs = await deploy(
            awsValues({ encryption: { kind: "createKey" }, secretsManager: { variables: { v: VAR_SECRET } } }, (v) => {
                v.environment = "prod";
            }),
        );
        const retained = rs
            .filter((r) => r.retainOnDelete === true && r.type.startsWith("aws:"))
            .map((r) => r.type)
            .sort();
        assert.deepEqual(retained, [
            "aws:kms/key:Key",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ]);
        assert.equal(one(rs, "aws:s3/bucket:Bucket").inputs.forceDestroy, false);
        assert.equal(one(rs, "aws:secretsmanager/secret:Secret").inputs.recoveryWindowInDays, 30);
        // The retention marker the policy pack checks (it is never shown retainOnDelete), on the stores only.
        const tags = {
            "managed-by": "pulumi",
            application: "astro-remote-execution-agent",
            "astro-agent/prefix": "astro",
            "astro-agent-retain-on-delete": "true",
        };
        assert.deepEqual(one(rs, "aws:s3/bucket:Bucket").inputs.tags, tags);
        assert.deepEqual(one(rs, "aws:kms/key:Key").inputs.tags, tags);
        assert.equal(
            (one(rs, "aws:secretsmanager/secret:Secret").inputs.tags as Record<string, string>)[
                "astro-agent-retain-on-delete"
            ],
            undefined,
        );
    });

    it("seeds connections and variables under the prefixes; their values stay secret", async () => {
        const rs = await deploy(
            awsValues({
                secretsManager: {
                    connectionsPrefix: "astro/connections",
                    variablesPrefix: "astro/variables",
                    connections: { git_repo: CONN_SECRET },
                    variables: { api_key: VAR_SECRET },
                },
            }),
        );
        assert.deepEqual(
            byType(rs, "aws:secretsmanager/secret:Secret")
                .map((s) => [s.name, s.inputs.name, s.inputs.recoveryWindowInDays])
                .sort(),
            [
                ["agent-aws-conn-git-repo", "astro/connections/git_repo", 0],
                ["agent-aws-var-api-key", "astro/variables/api_key", 0],
            ],
        );
        for (const r of rs) {
            for (const secret of [CONN_SECRET, VAR_SECRET, "aws-seeded-pat-6f5e4d3c"]) {
                assert.deepEqual(plaintextPaths(r.inputs, secret), [], `${r.type} ${r.name}`);
            }
        }
        const versions = byType(rs, "aws:secretsmanager/secretVersion:SecretVersion");
        assert.deepEqual(
            versions.map((v) => unwrapSecrets(v.inputs.secretString)).sort(),
            [CONN_SECRET, VAR_SECRET].sort(),
        );
        const values = JSON.stringify(one(rs, "kubernetes:helm.sh/v3:Release").inputs.values);
        assert.ok(!values.includes("aws-seeded"));
    });

    it("uses an explicitly passed aws provider instead of creating one", async () => {
        const rs = await deploy(awsValues(), { withProvider: true });
        assert.deepEqual(
            byType(rs, "pulumi:providers:aws").map((p) => p.name),
            ["explicit-aws"],
        );
        for (const r of rs.filter((x) => x.type.startsWith("aws:"))) {
            assert.match(r.provider ?? "", /::explicit-aws::/, r.type);
        }
    });

    it("pins every regional resource to backend.region, whatever region a passed provider has", async () => {
        // Every optional regional resource on: a created key, seeded secrets, versioning, task logs, Pod Identity.
        const values = awsValues({
            identity: "podIdentity",
            encryption: { kind: "createKey" },
            secretsManager: { connections: { git_repo: CONN_SECRET }, variables: { v: VAR_SECRET } },
            xcom: { versioning: true },
            taskLogs: { enabled: true },
        });
        for (const providerRegion of ["us-west-2", REGION]) {
            const rs = await deploy(values, { withProvider: true, providerRegion });
            const cloud = rs.filter((r) => r.type.startsWith("aws:"));
            // IAM is global: it has no region to pin. Everything else must name backend.region itself.
            const regional = cloud.filter((r) => !r.type.startsWith("aws:iam/"));
            assert.deepEqual(
                regional.filter((r) => r.inputs.region !== REGION).map((r) => `${r.type} ${r.name}`),
                [],
                `provider in ${providerRegion}`,
            );
            assert.deepEqual([...new Set(regional.map((r) => r.type.split("/")[0]))].sort(), [
                "aws:eks",
                "aws:kms",
                "aws:s3",
                "aws:secretsmanager",
            ]);
            assert.ok(cloud.every((r) => !r.type.startsWith("aws:iam/") || r.inputs.region === undefined));
        }
    });
});

describe("AWS backend extensions and names", () => {
    it("task logs: remote logging env, read/write grant on the prefix, lifecycle expiry", async () => {
        const rs = await deploy(awsValues({ taskLogs: { enabled: true, prefix: "task-logs", expirationDays: 30 } }));
        const values = one(rs, "kubernetes:helm.sh/v3:Release").inputs.values as {
            commonEnv: { name: string; value: string }[];
        };
        const env = values.commonEnv.filter((e) => e.name.startsWith("AIRFLOW__LOGGING__"));
        assert.deepEqual(env, [
            { name: "AIRFLOW__LOGGING__REMOTE_LOGGING", value: "True" },
            { name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "s3://agent-aws-xcom/task-logs" },
        ]);
        assert.deepEqual(
            json(one(rs, "aws:iam/rolePolicy:RolePolicy").inputs.policy),
            agentAccessPolicy({
                ...POLICY_BASE,
                accountId: MOCK_ACCOUNT_ID,
                secretPrefixes: ["astro-agent/test/connections", "astro-agent/test/variables"],
                bucket: "agent-aws-xcom",
                xcomPrefix: "xcom",
                taskLogsPrefix: "task-logs",
            }),
        );
        const rules = one(rs, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
            .rules as unknown[];
        assert.deepEqual(rules[1], {
            id: "expire-task-logs",
            status: "Enabled",
            filter: { prefix: "task-logs/" },
            expiration: { days: 30 },
        });
    });

    it("extra prefixes are granted and managed policies attached, one attachment per ARN", async () => {
        const managed = [
            "arn:aws:iam::aws:policy/AmazonAthenaFullAccess",
            "arn:aws:iam::111122223333:policy/team/dags",
        ];
        const rs = await deploy(
            awsValues({
                extraS3Prefixes: [{ prefix: "exports" }, { prefix: "reference", access: "read" }],
                managedPolicyArns: managed,
            }),
        );
        const statements = (json(one(rs, "aws:iam/rolePolicy:RolePolicy").inputs.policy) as { Statement: object[] })
            .Statement;
        assert.deepEqual(statements.slice(3), [
            {
                Sid: "ReadExtraPrefixes",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: "arn:aws:s3:::agent-aws-xcom/reference/*",
            },
            {
                Sid: "ReadWriteExtraPrefixes",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: "arn:aws:s3:::agent-aws-xcom/exports/*",
            },
        ]);
        assert.deepEqual(
            byType(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => [
                a.name,
                a.parent,
                a.inputs.role,
                a.inputs.policyArn,
            ]),
            [
                ["agent-aws-managed-amazonathenafullaccess-0835f601", "agent-aws", ROLE, managed[0]],
                ["agent-aws-managed-dags-ef105581", "agent-aws", ROLE, managed[1]],
            ],
        );
    });

    it("exposes the role ARN and name (and the bucket) as component and stack outputs; none for other backends", async () => {
        const aws = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => {
                const agent = new RemoteExecutionAgent(
                    "agent",
                    awsValues() as ConstructorParameters<typeof RemoteExecutionAgent>[1],
                );
                return { ...agent.backendOutputs };
            },
        });
        assert.deepEqual(await resolved(aws.outputs), {
            awsRoleArn: ROLE_ARN,
            awsRoleName: ROLE,
            awsBucketName: "agent-aws-xcom",
        });
        const local = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => ({
                ...new RemoteExecutionAgent(
                    "agent",
                    baseValues() as ConstructorParameters<typeof RemoteExecutionAgent>[1],
                ).backendOutputs,
            }),
        });
        assert.deepEqual(await resolved(local.outputs), {});
    });

    it("the default role name is unique per stack, cluster and namespace, readable, and within IAM's 64 characters", async () => {
        const nameOf = async (values: Values, stack = "test") =>
            one(await deploy(values, { stack }), "aws:iam/role:Role").inputs.name as string;
        const names = [
            await nameOf(awsValues()),
            await nameOf(awsValues(), "prod"),
            await nameOf(awsValues({ eksClusterName: "other-eks" })),
            await nameOf(awsValues({}, (v) => (v.namespace = "astro-agent-2"))),
        ];
        assert.equal(new Set(names).size, 4, names.join(", "));
        for (const n of names) {
            assert.match(n, /^astro-agent-[0-9a-f]{8}$/);
        }
        const longest = await nameOf(awsValues({}, (v) => (v.resourceNamePrefix = "p".repeat(30))));
        assert.equal(longest, `${"p".repeat(30)}-agent-62a37b39`);
        assert.ok(longest.length <= 64, longest);
        assert.equal(await nameOf(awsValues({ roleName: "corp-astro-agent" })), "corp-astro-agent");
    });

    it("default secret prefixes are per project and stack, so stacks never share or collide on secrets", async () => {
        assert.deepEqual(secretPrefixes({ connections: {}, variables: {}, configPrefix: null }, "proj", "prod"), {
            connections: "proj/prod/connections",
            variables: "proj/prod/variables",
            config: null,
        });
        const secretNames = async (stack: string) =>
            byType(
                await deploy(awsValues({ secretsManager: { connections: { git_repo: CONN_SECRET } } }), { stack }),
                "aws:secretsmanager/secret:Secret",
            ).map((x) => x.inputs.name);
        assert.deepEqual(await secretNames("dev"), ["astro-agent/dev/connections/git_repo"]);
        assert.deepEqual(await secretNames("prod"), ["astro-agent/prod/connections/git_repo"]);
    });

    it("the program's stack outputs include the AWS outputs for the prod example", async () => {
        const result = await runUnderMocks({ ...readStackFile(ROOT, "prod"), program: agentProgram });
        const stored = await resolved(result.outputs);
        assert.match(String(stored.awsRoleArn), /^arn:aws:iam::123456789012:role\/astro-prod-agent-[0-9a-f]{8}$/);
        assert.equal(String(stored.awsRoleArn).endsWith(`/${String(stored.awsRoleName)}`), true);
        assert.equal(stored.awsBucketName, "astro-agent-aws-xcom");
    });
});

describe("scripts/aws-policy.ts (the documents the permission proof judges)", () => {
    it("--set changes one nested key of a structured config value, JSON or plain string", () => {
        const stack = readStackFile(ROOT, "prod");
        applySet(stack, "backend.identity=podIdentity");
        applySet(stack, "backend.taskLogs.expirationDays=7");
        applySet(stack, "backend.new.deep=true");
        const backend = JSON.parse(stack.config.backend ?? "{}") as Record<string, unknown>;
        assert.equal(backend.identity, "podIdentity");
        assert.deepEqual(backend.taskLogs, { enabled: true, prefix: "logs", expirationDays: 7 });
        assert.deepEqual(backend.new, { deep: true });
        assert.equal(backend.region, "eu-west-1", "other keys stay");
        assert.throws(() => {
            applySet(stack, "no-equals-sign");
        }, /--set needs key.path=value/);
    });

    it("prints the prod stack's role documents exactly as the program registers them", async () => {
        const { resources } = await runUnderMocks({ ...readStackFile(ROOT, "prod"), program: agentProgram });
        const docs = awsDocuments(resources) as {
            roles: { roleName: string; trustPolicy: unknown; inlinePolicies: { name: string; document: unknown }[] }[];
            chart: { commonEnv: Record<string, string> };
            serviceAccounts: { name: string }[];
        };
        const role = one(resources, "aws:iam/role:Role");
        assert.equal(docs.roles.length, 1);
        assert.equal(docs.roles[0]?.roleName, role.inputs.name);
        assert.deepEqual(docs.roles[0]?.trustPolicy, json(role.inputs.assumeRolePolicy));
        assert.deepEqual(docs.roles[0]?.inlinePolicies, [
            {
                name: "airflow-secrets-and-xcom",
                document: json(one(resources, "aws:iam/rolePolicy:RolePolicy").inputs.policy),
            },
        ]);
        assert.equal(docs.chart.commonEnv.AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER, "s3://astro-agent-aws-xcom/logs");
        assert.equal(docs.serviceAccounts.length, 5);
    });
});

describe("AWS backend validation", () => {
    const cases: BackendCase[] = [
        {
            name: "region missing",
            backend: { region: undefined },
            key: "backend.region",
            message: /is required \(an AWS region/,
        },
        {
            name: "region malformed",
            backend: { region: "europe" },
            key: "backend.region",
            message: /must be an AWS region/,
        },
        {
            name: "no cluster and no OIDC provider",
            backend: { eksClusterName: undefined },
            key: "backend.eksClusterName",
            message: /set the EKS cluster name .* or oidcProvider/,
        },
        {
            name: "cluster and OIDC provider both",
            backend: { oidcProvider: { arn: OIDC_ARN, issuerUrl: ISSUER } },
            key: "backend.oidcProvider",
            message: /either eksClusterName \(or eksClusterArn\) or oidcProvider, not both/,
        },
        {
            name: "Pod Identity without a cluster",
            backend: {
                eksClusterName: undefined,
                identity: "podIdentity",
                oidcProvider: { arn: OIDC_ARN, issuerUrl: ISSUER },
            },
            key: "backend.eksClusterName",
            message: /is required with identity 'podIdentity'/,
        },
        {
            name: "identity unknown",
            backend: { identity: "keys" },
            key: "backend.identity",
            message: /must be 'irsa' or 'podIdentity'/,
        },
        {
            name: "OIDC provider ARN malformed",
            backend: { eksClusterName: undefined, oidcProvider: { arn: "arn:aws:iam::1:role/x", issuerUrl: ISSUER } },
            key: "backend.oidcProvider.arn",
            message: /must be an IAM OIDC provider ARN/,
        },
        {
            name: "issuer not https",
            backend: {
                eksClusterName: undefined,
                oidcProvider: { arn: OIDC_ARN, issuerUrl: "http://oidc.example.com" },
            },
            key: "backend.oidcProvider.issuerUrl",
            message: /https:\/\/ OIDC issuer URL/,
        },
        {
            name: "issuer and ARN disagree",
            backend: {
                eksClusterName: undefined,
                oidcProvider: { arn: OIDC_ARN, issuerUrl: "https://oidc.example.com/id/OTHER" },
            },
            key: "backend.oidcProvider.issuerUrl",
            message: /does not match the provider ARN/,
        },
        {
            name: "secret prefix with a wildcard",
            backend: { secretsManager: { connectionsPrefix: "astro/*" } },
            key: "backend.secretsManager.connectionsPrefix",
            message: /no wildcards/,
        },
        {
            name: "secret prefix with a leading slash",
            backend: { secretsManager: { variablesPrefix: "/astro/variables" } },
            key: "backend.secretsManager.variablesPrefix",
            message: /starts with '\/': write it relative/,
        },
        {
            name: "variables prefix equal to connections prefix",
            backend: { secretsManager: { connectionsPrefix: "astro", variablesPrefix: "astro" } },
            key: "backend.secretsManager.variablesPrefix",
            message: /overlaps secretsManager.connectionsPrefix/,
        },
        {
            name: "config prefix nested in connections prefix",
            backend: { secretsManager: { connectionsPrefix: "astro", configPrefix: "astro/config" } },
            key: "backend.secretsManager.configPrefix",
            message: /overlaps secretsManager.connectionsPrefix/,
        },
        {
            name: "seeded connection id with a slash",
            backend: { secretsManager: { connections: { "git/repo": "x" } } },
            key: 'backend.secretsManager.connections["git/repo"]',
            message: /connection ids may only contain/,
        },
        {
            name: "recovery window out of range",
            backend: { secretsManager: { recoveryWindowInDays: 3 } },
            key: "backend.secretsManager.recoveryWindowInDays",
            message: /must be 0 or between 7 and 30/,
        },
        {
            name: "XCom prefix with a leading slash",
            backend: { xcom: { prefix: "/xcom" } },
            key: "backend.xcom.prefix",
            message: /without leading or trailing/,
        },
        {
            name: "expiry of zero days",
            backend: { xcom: { expirationDays: 0 } },
            key: "backend.xcom.expirationDays",
            message: /at least 1 day/,
        },
        {
            name: "bucket name upper case",
            backend: { xcom: { bucketName: "Astro_XCom" } },
            key: "backend.xcom.bucketName",
            message: /valid S3 bucket name/,
        },
        {
            name: "existing bucket without a name",
            backend: { xcom: { existingBucket: true } },
            key: "backend.xcom.bucketName",
            message: /is required with xcom.existingBucket/,
        },
        {
            name: "existing bucket with versioning",
            backend: { xcom: { existingBucket: true, bucketName: "corp-xcom", versioning: true } },
            key: "backend.xcom.existingBucket",
            message: /is not managed here/,
        },
        {
            name: "force destroy in prod",
            backend: { xcom: { forceDestroy: true } },
            change: (v) => (v.environment = "prod"),
            key: "backend.xcom.forceDestroy",
            message: /refused in prod/,
        },
        {
            name: "existing key without ARN",
            backend: { encryption: { kind: "existingKey" } },
            key: "backend.encryption.keyArn",
            message: /is required with encryption.kind 'existingKey'/,
        },
        {
            name: "key ARN with AWS-managed keys",
            backend: { encryption: { keyArn: "arn:aws:kms:eu-west-1:111122223333:key/k" } },
            key: "backend.encryption.keyArn",
            message: /only used with encryption.kind 'existingKey'/,
        },
        {
            name: "key ARN malformed",
            backend: { encryption: { kind: "existingKey", keyArn: "alias/astro" } },
            key: "backend.encryption.keyArn",
            message: /must be a KMS key ARN/,
        },
        {
            name: "key in another region",
            backend: { encryption: { kind: "existingKey", keyArn: "arn:aws:kms:us-east-1:111122223333:key/k" } },
            key: "backend.encryption.keyArn",
            message: /must be a key in eu-west-1/,
        },
        {
            name: "role name too long",
            backend: { roleName: "r".repeat(65) },
            key: "backend.roleName",
            message: /at most 64/,
        },
        {
            name: "cluster ARN malformed",
            backend: { eksClusterName: undefined, eksClusterArn: "arn:aws:eks:eu-west-1:1:nodegroup/x" },
            key: "backend.eksClusterArn",
            message: /must be an EKS cluster ARN/,
        },
        {
            name: "cluster name and cluster ARN both",
            backend: { eksClusterArn: `arn:aws:eks:eu-west-1:${MOCK_ACCOUNT_ID}:cluster/prod-eks` },
            key: "backend.eksClusterArn",
            message: /either eksClusterName or eksClusterArn, not both/,
        },
        {
            name: "cluster ARN in another region",
            backend: { eksClusterName: undefined, eksClusterArn: `arn:aws:eks:us-east-1:${MOCK_ACCOUNT_ID}:cluster/c` },
            key: "backend.eksClusterArn",
            message: /names a cluster in us-east-1; it must be in eu-west-1 \(backend.region\)/,
        },
        {
            name: "cluster ARN and OIDC provider both",
            backend: {
                eksClusterName: undefined,
                eksClusterArn: `arn:aws:eks:eu-west-1:${MOCK_ACCOUNT_ID}:cluster/c`,
                oidcProvider: { arn: OIDC_ARN, issuerUrl: ISSUER },
            },
            key: "backend.oidcProvider",
            message: /not both/,
        },
        {
            name: "managed policy ARN malformed",
            backend: { managedPolicyArns: ["arn:aws:iam::aws:role/Admin"] },
            key: "backend.managedPolicyArns[0]",
            message: /must be an IAM managed policy ARN/,
        },
        {
            name: "managed policy listed twice",
            backend: {
                managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"],
            },
            key: "backend.managedPolicyArns[1]",
            message: /lists 'arn:aws:iam::aws:policy\/ReadOnlyAccess' twice/,
        },
        {
            name: "more than 20 managed policies",
            backend: {
                managedPolicyArns: Array.from({ length: 21 }, (_, i) => `arn:aws:iam::111122223333:policy/p${i}`),
            },
            key: "backend.managedPolicyArns",
            message: /at most 20/,
        },
        {
            name: "task logs under the XCom prefix",
            backend: { taskLogs: { enabled: true, prefix: "xcom/logs" } },
            key: "backend.taskLogs.prefix",
            message: /overlaps xcom.prefix \('xcom'\)/,
        },
        {
            name: "task logs prefix with a trailing slash",
            backend: { taskLogs: { enabled: true, prefix: "logs/" } },
            key: "backend.taskLogs.prefix",
            message: /without leading or trailing/,
        },
        {
            name: "task logs expiry of zero days",
            backend: { taskLogs: { enabled: true, expirationDays: 0 } },
            key: "backend.taskLogs.expirationDays",
            message: /at least 1 day/,
        },
        {
            name: "extra prefix equal to an earlier one",
            backend: { extraS3Prefixes: [{ prefix: "exports" }, { prefix: "exports" }] },
            key: "backend.extraS3Prefixes[1].prefix",
            message: /overlaps extraS3Prefixes\[0\].prefix \('exports'\)/,
        },
        {
            name: "extra prefix covering the task logs",
            backend: { taskLogs: { enabled: true }, extraS3Prefixes: [{ prefix: "logs/archive" }] },
            key: "backend.extraS3Prefixes[0].prefix",
            message: /overlaps taskLogs.prefix \('logs'\)/,
        },
        {
            name: "extra prefix access unknown",
            backend: { extraS3Prefixes: [{ prefix: "exports", access: "write" }] },
            key: "backend.extraS3Prefixes[0].access",
            message: /must be 'read' or 'readWrite'/,
        },
        {
            name: "hand-written s3:// remote log folder in commonEnv",
            change: (v) =>
                (v.commonEnv = [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "s3://team-logs/airflow" }]),
            key: "commonEnv[0].name",
            message:
                /^points outside what the aws backend grants \(its storage grant covers only the XCom prefix and the prefixes granted read-write\), so every task log write would be refused; remove this entry and set backend\.taskLogs\.enabled: true .* sets it to s3:\/\/<bucket>\/<backend\.taskLogs\.prefix> and grants exactly that prefix$/,
        },
        {
            name: "hand-written remote log folder under a read-only extra prefix",
            backend: { xcom: { bucketName: "agent-xcom" }, extraS3Prefixes: [{ prefix: "logs", access: "read" }] },
            change: (v) =>
                (v.workers = [
                    {
                        name: "w",
                        env: [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "s3://agent-xcom/logs" }],
                    },
                ]),
            key: "workers[0].env[0].name",
            message: /points outside what the aws backend grants/,
        },
        {
            name: "misspelled key",
            backend: { secretManager: {} },
            key: "backend.secretManager",
            message: /did you mean 'secretsManager'\?/,
        },
    ];

    itRefusesBackendCases("AWS", 15, cases, awsValues);

    it("a hand-written remote log folder is accepted where the role may write: an extra prefix granted read-write", () => {
        const values = awsValues(
            { xcom: { bucketName: "agent-xcom" }, extraS3Prefixes: [{ prefix: "team/logs" }] },
            (v) => {
                v.commonEnv = [
                    { name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "s3://agent-xcom/team/logs/airflow" },
                ];
            },
        );
        const result = validateStackConfig(raw(values));
        assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
    });

    it("accepts the documented good shapes", () => {
        for (const backend of [
            {},
            { identity: "podIdentity" },
            { identity: "podIdentity", eksClusterName: undefined, eksClusterArn: CLUSTER_ARN },
            { eksClusterName: undefined, oidcProvider: { arn: OIDC_ARN, issuerUrl: ISSUER } },
            {
                taskLogs: { enabled: true },
                extraS3Prefixes: [{ prefix: "exports" }, { prefix: "reference", access: "read" }],
                managedPolicyArns: ["arn:aws-us-gov:iam::aws:policy/service-role/AmazonS3ReadOnly"],
            },
            { encryption: { kind: "createKey" }, xcom: { versioning: true, expirationDays: 7 } },
            {
                xcom: { existingBucket: true, bucketName: "corp-xcom" },
                secretsManager: { configPrefix: "astro/config" },
            },
        ]) {
            const result = validateStackConfig(raw(awsValues(backend)));
            assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
        }
    });
});
