// AWS task logs in their own bucket (`backend.taskLogs.bucket`): the created bucket's exact resources
// (hardening, lifecycle, Object Lock, access logging), an existing bucket only referenced, the role's
// log statements moved to that bucket, and every refusal with its exact message.
import * as assert from "node:assert/strict";
import { agentAccessPolicy, RemoteExecutionAgent } from "../../components";
import { validateStackConfig } from "../../chart/validate";
import { MOCK_ACCOUNT_ID, runUnderMocks, unwrapSecrets, type RecordedResource } from "../../scripts/lib/mockRun";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

const REGION = "eu-west-1";
const POLICY_BASE = { partition: "aws", dnsSuffix: "amazonaws.com", region: REGION, accountId: MOCK_ACCOUNT_ID };
const SECRET_PREFIXES = ["astro-agent/test/connections", "astro-agent/test/variables"];

function awsValues(backend: Values = {}, environment: "dev" | "prod" = "dev"): Values {
    const v = baseValues();
    v.backend = { kind: "aws", region: REGION, eksClusterName: "prod-eks", ...backend };
    if (environment === "prod") {
        v.environment = "prod";
        v.agentTokenSecretName = "t";
        delete v.agentToken;
        v.imagePullSecretName = "p";
        delete v.imagePullCredentials;
    }
    return v;
}

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

function one(rs: RecordedResource[], type: string, name: string): RecordedResource {
    const found = rs.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `exactly one ${type} ${name} (found ${found.length})`);
    return found[0] as RecordedResource;
}
const names = (rs: RecordedResource[], prefix: string) =>
    rs
        .filter((r) => r.type.startsWith(prefix))
        .map((r) => `${r.type} ${r.name}`)
        .sort();
const json = (v: unknown) => JSON.parse(unwrapSecrets(v) as string) as unknown;

function logEnv(rs: RecordedResource[]): { name: string; value: string }[] {
    const values = rs.find((r) => r.type === "kubernetes:helm.sh/v3:Release")?.inputs.values as {
        commonEnv: { name: string; value: string }[];
    };
    return values.commonEnv.filter((e) => e.name.startsWith("AIRFLOW__LOGGING__"));
}

describe("AWS task logs in their own bucket", () => {
    it("a created log bucket: hardened like the XCom bucket, its own expiry, the role's log grants moved to it", async () => {
        const rs = await deploy(
            awsValues({
                taskLogs: {
                    enabled: true,
                    prefix: "airflow",
                    expirationDays: 400,
                    bucket: { bucketName: "acme-logs" },
                },
                encryption: { kind: "existingKey", keyArn: `arn:aws:kms:${REGION}:${MOCK_ACCOUNT_ID}:key/k-1` },
            }),
        );
        assert.deepEqual(logEnv(rs), [
            { name: "AIRFLOW__LOGGING__REMOTE_LOGGING", value: "True" },
            { name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "s3://acme-logs/airflow" },
        ]);
        assert.deepEqual(names(rs, "aws:s3/"), [
            "aws:s3/bucket:Bucket agent-aws-task-logs",
            "aws:s3/bucket:Bucket agent-aws-xcom",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration agent-aws-task-logs",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration agent-aws-xcom",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls agent-aws-task-logs",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls agent-aws-xcom",
            "aws:s3/bucketPolicy:BucketPolicy agent-aws-task-logs",
            "aws:s3/bucketPolicy:BucketPolicy agent-aws-xcom",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock agent-aws-task-logs",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock agent-aws-xcom",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration agent-aws-task-logs",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration agent-aws-xcom",
        ]);
        const bucket = one(rs, "aws:s3/bucket:Bucket", "agent-aws-task-logs");
        assert.equal(bucket.inputs.bucket, "acme-logs");
        assert.equal(bucket.inputs.forceDestroy, false);
        assert.equal(bucket.inputs.objectLockEnabled, undefined);
        assert.deepEqual(
            one(
                rs,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "agent-aws-task-logs",
            ).inputs.rules,
            [
                {
                    applyServerSideEncryptionByDefault: {
                        sseAlgorithm: "aws:kms",
                        kmsMasterKeyId: `arn:aws:kms:${REGION}:${MOCK_ACCOUNT_ID}:key/k-1`,
                    },
                    bucketKeyEnabled: true,
                },
            ],
        );
        assert.deepEqual(
            one(rs, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "agent-aws-task-logs").inputs
                .rules,
            [
                {
                    id: "expire-task-logs",
                    status: "Enabled",
                    filter: { prefix: "airflow/" },
                    expiration: { days: 400 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        );
        // The XCom bucket no longer carries the task logs rule.
        assert.deepEqual(
            (
                one(rs, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "agent-aws-xcom").inputs
                    .rules as { id: string }[]
            ).map((r) => r.id),
            ["expire-xcom"],
        );
        assert.deepEqual(json(one(rs, "aws:s3/bucketPolicy:BucketPolicy", "agent-aws-task-logs").inputs.policy), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: ["arn:aws:s3:::acme-logs", "arn:aws:s3:::acme-logs/*"],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        });
        const statements = (
            json(one(rs, "aws:iam/rolePolicy:RolePolicy", "agent-aws-access").inputs.policy) as {
                Statement: Record<string, unknown>[];
            }
        ).Statement;
        assert.deepEqual(statements.slice(1, 4), [
            {
                Sid: "ListAgentBucket",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: ["arn:aws:s3:::agent-aws-xcom", "arn:aws:s3:::acme-logs"],
            },
            {
                Sid: "ReadWriteXComObjects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: "arn:aws:s3:::agent-aws-xcom/xcom/*",
            },
            {
                Sid: "ReadWriteTaskLogs",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: "arn:aws:s3:::acme-logs/airflow/*",
            },
        ]);
    });

    it("Object Lock and access logging on a created bucket: lock at creation, versioning, retention, noncurrent cleanup", async () => {
        const rs = await deploy(
            awsValues(
                {
                    taskLogs: {
                        enabled: true,
                        expirationDays: 2555,
                        bucket: {
                            objectLock: { mode: "COMPLIANCE", days: 2555 },
                            accessLogging: { targetBucket: "acme-s3-access-logs" },
                        },
                    },
                },
                "prod",
            ),
        );
        const bucket = one(rs, "aws:s3/bucket:Bucket", "agent-aws-task-logs");
        assert.equal(bucket.inputs.objectLockEnabled, true);
        assert.equal(bucket.inputs.bucket, undefined);
        assert.deepEqual(
            one(rs, "aws:s3/bucketVersioning:BucketVersioning", "agent-aws-task-logs").inputs.versioningConfiguration,
            { status: "Enabled" },
        );
        const lock = one(
            rs,
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "agent-aws-task-logs",
        );
        assert.deepEqual(
            { ...lock.inputs, bucket: undefined },
            {
                region: REGION,
                bucket: undefined,
                objectLockEnabled: "Enabled",
                rule: { defaultRetention: { mode: "COMPLIANCE", days: 2555 } },
            },
        );
        const logging = one(rs, "aws:s3/bucketLogging:BucketLogging", "agent-aws-task-logs");
        assert.equal(logging.inputs.targetBucket, "acme-s3-access-logs");
        assert.equal(logging.inputs.targetPrefix, "s3-access-logs/");
        assert.equal(logging.inputs.region, REGION);
        assert.deepEqual(
            one(rs, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "agent-aws-task-logs").inputs
                .rules,
            [
                {
                    id: "expire-task-logs",
                    status: "Enabled",
                    filter: { prefix: "logs/" },
                    expiration: { days: 2555 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    noncurrentVersionExpiration: { noncurrentDays: 2555 },
                },
                {
                    id: "remove-expired-delete-markers",
                    status: "Enabled",
                    filter: { prefix: "logs/" },
                    expiration: { expiredObjectDeleteMarker: true },
                },
            ],
        );
        // prod: the log bucket and its configuration are retained on destroy, like the XCom bucket.
        for (const r of rs.filter((x) => x.name === "agent-aws-task-logs")) {
            assert.equal(r.retainOnDelete, true, `${r.type} is retained`);
        }
    });

    it("an existing log bucket is only referenced: nothing created on it, the grants name it", async () => {
        const rs = await deploy(
            awsValues({ taskLogs: { enabled: true, bucket: { bucketName: "team-logs", existingBucket: true } } }),
        );
        assert.deepEqual(
            rs.filter((r) => r.name.includes("task-logs")).map((r) => r.type),
            [],
        );
        assert.deepEqual(logEnv(rs)[1], {
            name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER",
            value: "s3://team-logs/logs",
        });
        assert.deepEqual(
            json(one(rs, "aws:iam/rolePolicy:RolePolicy", "agent-aws-access").inputs.policy),
            agentAccessPolicy({
                ...POLICY_BASE,
                secretPrefixes: SECRET_PREFIXES,
                bucket: "agent-aws-xcom",
                xcomPrefix: "xcom",
                taskLogsPrefix: "logs",
                taskLogsBucket: "team-logs",
            }),
        );
    });

    it("the access policy: the log bucket changes only where the log statements point, never the actions", () => {
        const shared = agentAccessPolicy({
            ...POLICY_BASE,
            secretPrefixes: ["a"],
            bucket: "x",
            xcomPrefix: "xcom",
            taskLogsPrefix: "logs",
        });
        const separate = agentAccessPolicy({
            ...POLICY_BASE,
            secretPrefixes: ["a"],
            bucket: "x",
            xcomPrefix: "xcom",
            taskLogsPrefix: "logs",
            taskLogsBucket: "l",
        });
        const actions = (d: typeof shared) => d.Statement.map((s) => [s.Sid, s.Action]);
        assert.deepEqual(actions(separate), actions(shared));
        const resources = (d: typeof shared) => d.Statement.map((s) => s.Resource);
        assert.deepEqual(resources(shared), [
            ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/*"],
            "arn:aws:s3:::x",
            "arn:aws:s3:::x/xcom/*",
            "arn:aws:s3:::x/logs/*",
        ]);
        assert.deepEqual(resources(separate), [
            ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/*"],
            ["arn:aws:s3:::x", "arn:aws:s3:::l"],
            "arn:aws:s3:::x/xcom/*",
            "arn:aws:s3:::l/logs/*",
        ]);
        // A log bucket without task logs grants nothing on it.
        assert.deepEqual(
            agentAccessPolicy({
                ...POLICY_BASE,
                secretPrefixes: ["a"],
                bucket: "x",
                xcomPrefix: "xcom",
                taskLogsBucket: "l",
            }),
            agentAccessPolicy({ ...POLICY_BASE, secretPrefixes: ["a"], bucket: "x", xcomPrefix: "xcom" }),
        );
    });

    it("the log prefix may equal the XCom prefix in its own bucket (no overlap across buckets)", () => {
        const result = validateStackConfig(
            raw(awsValues({ taskLogs: { enabled: true, prefix: "xcom", bucket: { bucketName: "acme-logs" } } })),
        );
        assert.deepEqual(result.ok ? [] : result.problems, []);
    });

    const refusals: { name: string; backend: Values; environment?: "prod"; problems: [string, string][] }[] = [
        {
            name: "a log bucket without task logs",
            backend: { taskLogs: { bucket: { bucketName: "acme-logs" } } },
            problems: [
                [
                    "backend.taskLogs.bucket",
                    "is only used with backend.taskLogs.enabled: true; enable task logs (e.g. taskLogs: {enabled: true, bucket: {...}}) or remove it",
                ],
            ],
        },
        {
            name: "an existing log bucket without a name, with created-bucket settings",
            backend: {
                taskLogs: {
                    enabled: true,
                    bucket: {
                        existingBucket: true,
                        forceDestroy: true,
                        objectLock: { mode: "GOVERNANCE", days: 30 },
                        accessLogging: { targetBucket: "acme-s3-access-logs" },
                    },
                },
            },
            problems: [
                [
                    "backend.taskLogs.bucket.bucketName",
                    "is required with taskLogs.bucket.existingBucket: name the bucket, e.g. bucketName: acme-airflow-logs",
                ],
                [
                    "backend.taskLogs.bucket.existingBucket",
                    "an existing bucket is not managed here (Object Lock in particular can only be turned on when a bucket is created): drop taskLogs.bucket.forceDestroy and taskLogs.bucket.objectLock and taskLogs.bucket.accessLogging, or let the program create the bucket (existingBucket: false)",
                ],
            ],
        },
        {
            name: "forceDestroy in prod, and the XCom bucket named as log bucket",
            environment: "prod",
            backend: {
                xcom: { bucketName: "acme-xcom" },
                taskLogs: { enabled: true, bucket: { bucketName: "acme-xcom", forceDestroy: true } },
            },
            problems: [
                ["backend.taskLogs.bucket.forceDestroy", "is refused in prod: the log bucket must survive destroy"],
                [
                    "backend.taskLogs.bucket.bucketName",
                    "is the XCom bucket (backend.xcom.bucketName); name another bucket, or remove taskLogs.bucket to keep the logs in the XCom bucket under taskLogs.prefix",
                ],
            ],
        },
        {
            name: "a lock longer than the expiry, COMPLIANCE in dev, access logs into the log bucket itself",
            backend: {
                taskLogs: {
                    enabled: true,
                    expirationDays: 90,
                    bucket: {
                        bucketName: "acme-logs",
                        objectLock: { mode: "COMPLIANCE", days: 365 },
                        accessLogging: { targetBucket: "acme-logs" },
                    },
                },
            },
            problems: [
                [
                    "backend.taskLogs.bucket.objectLock.days",
                    "is 365, longer than taskLogs.expirationDays (90): the lifecycle would expire logs that Object Lock still holds, so they would not go away before 365 days anyway while looking expired; set taskLogs.expirationDays to at least 365, or objectLock.days to at most 90",
                ],
                [
                    "backend.taskLogs.bucket.objectLock.mode",
                    "COMPLIANCE is refused in dev: nobody, the account root included, could delete this stack's log bucket or any log in it for 365 days; use mode GOVERNANCE in dev (deletable with s3:BypassGovernanceRetention)",
                ],
                [
                    "backend.taskLogs.bucket.accessLogging.targetBucket",
                    "is the log bucket itself: every access log written would be logged again, without end; name another bucket, e.g. acme-s3-access-logs",
                ],
            ],
        },
    ];
    for (const c of refusals) {
        it(`refuses ${c.name}, every problem at once with its exact message`, () => {
            const result = validateStackConfig(raw(awsValues(c.backend, c.environment)));
            assert.equal(result.ok, false);
            const got = result.problems.map((p) => [p.key, p.message]);
            assert.deepEqual(got, c.problems);
        });
    }

    it("refuses an unknown lock mode and a lock of zero days with the schema's messages", () => {
        const result = validateStackConfig(
            raw(awsValues({ taskLogs: { enabled: true, bucket: { objectLock: { mode: "LEGAL", days: 0 } } } })),
        );
        assert.equal(result.ok, false);
        assert.deepEqual(
            result.problems.map((p) => [p.key, p.message]),
            [
                ["backend.taskLogs.bucket.objectLock.mode", "must be 'GOVERNANCE' or 'COMPLIANCE'"],
                ["backend.taskLogs.bucket.objectLock.days", "must be at least 1 day"],
            ],
        );
    });
});
