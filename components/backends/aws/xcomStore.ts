// The agent's S3 bucket: XCom objects (and task logs, when enabled without their own bucket) in a private, encrypted, TLS-only
// bucket with lifecycle expiry of those prefixes, or an existing bucket that is only referenced.
import * as s3 from "@pulumi/aws/s3";
import type * as inputs from "@pulumi/aws/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { BackendScope } from "../shared";
import { denyInsecureTransportPolicy } from "../../../backends/aws/policies";
import type { AwsBackendConfig } from "../../../backends/aws/schema";

/** What the XCom store gives the chart and the role. */
export interface AwsXComStore {
    bucketName: pulumi.Output<string>;
    /** `AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`: `s3://<bucket>/<prefix>`, no connection id. */
    path: pulumi.Output<string>;
    /** `AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER` when task logs share the bucket: `s3://<bucket>/<logs prefix>`. */
    taskLogsFolder?: pulumi.Output<string>;
    /** The bucket and its configuration resources (none for an existing bucket). */
    resources: pulumi.Resource[];
}

/** Default encryption of new objects: SSE-KMS with bucket keys under a customer key, else SSE-S3. */
function encryptionRule(
    kmsKeyArn: pulumi.Output<string> | undefined,
): inputs.s3.BucketServerSideEncryptionConfigurationRule {
    return kmsKeyArn === undefined
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
        : {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
              bucketKeyEnabled: true,
          };
}

/** What {@link hardenBucket} sets on a created bucket besides the common hardening. */
export interface BucketHardening {
    /** Logical-name suffix of the bucket's configuration resources (`xcom`, `task-logs`). */
    suffix: string;
    region: string;
    partition: pulumi.Output<string>;
    kmsKeyArn: pulumi.Output<string> | undefined;
    lifecycleRules: inputs.s3.BucketLifecycleConfigurationRule[];
    versioning: boolean;
}

/** A created bucket's hardening: public access blocked, owner-enforced, encrypted, TLS-only, expiring. */
export function hardenBucket(scope: BackendScope, bucket: s3.Bucket, h: BucketHardening): pulumi.Resource[] {
    const name = `${scope.name}-${h.suffix}`;
    const opts = { ...scope.retained, parent: bucket };
    const region = h.region;
    const publicAccess = new s3.BucketPublicAccessBlock(
        name,
        {
            region,
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        opts,
    );
    const ownership = new s3.BucketOwnershipControls(
        name,
        { region, bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        opts,
    );
    const encryption = new s3.BucketServerSideEncryptionConfiguration(
        name,
        { region, bucket: bucket.id, rules: [encryptionRule(h.kmsKeyArn)] },
        opts,
    );
    const lifecycle = new s3.BucketLifecycleConfiguration(
        name,
        { region, bucket: bucket.id, rules: h.lifecycleRules },
        opts,
    );
    const policy = new s3.BucketPolicy(
        name,
        {
            region,
            bucket: bucket.id,
            policy: pulumi.jsonStringify(
                pulumi.all([h.partition, bucket.bucket]).apply(([p, b]) => denyInsecureTransportPolicy(p, b)),
            ),
        },
        // The public-access block must exist first, or S3 may evaluate the policy against a public bucket.
        { ...opts, dependsOn: [publicAccess] },
    );
    const versioning = h.versioning
        ? [
              new s3.BucketVersioning(
                  name,
                  { region, bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
                  opts,
              ),
          ]
        : [];
    return [publicAccess, ownership, encryption, lifecycle, policy, ...versioning];
}

/** The XCom bucket's lifecycle: XCom objects, and task logs when they share the bucket. */
function xcomLifecycleRules(cfg: AwsBackendConfig): inputs.s3.BucketLifecycleConfigurationRule[] {
    return [
        {
            id: "expire-xcom",
            status: "Enabled",
            filter: { prefix: `${cfg.xcom.prefix}/` },
            expiration: { days: cfg.xcom.expirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
        ...(cfg.taskLogs.enabled && cfg.taskLogs.bucket === undefined
            ? [
                  {
                      id: "expire-task-logs",
                      status: "Enabled",
                      filter: { prefix: `${cfg.taskLogs.prefix}/` },
                      expiration: { days: cfg.taskLogs.expirationDays },
                  },
              ]
            : []),
    ];
}

/** Creates (or references) the agent's bucket. */
export function createXComStore(
    scope: BackendScope,
    cfg: AwsBackendConfig,
    partition: pulumi.Output<string>,
    kmsKeyArn: pulumi.Output<string> | undefined,
): AwsXComStore {
    const paths = (bucketName: pulumi.Output<string>) => ({
        bucketName,
        path: pulumi.interpolate`s3://${bucketName}/${cfg.xcom.prefix}`,
        ...(cfg.taskLogs.enabled && cfg.taskLogs.bucket === undefined
            ? { taskLogsFolder: pulumi.interpolate`s3://${bucketName}/${cfg.taskLogs.prefix}` }
            : {}),
    });
    if (cfg.xcom.existingBucket) {
        return { ...paths(pulumi.output(cfg.xcom.bucketName ?? "")), resources: [] };
    }
    const bucket = new s3.Bucket(
        `${scope.name}-xcom`,
        {
            region: cfg.region,
            ...(cfg.xcom.bucketName === undefined ? {} : { bucket: cfg.xcom.bucketName }),
            forceDestroy: scope.environment !== "prod" && cfg.xcom.forceDestroy,
            tags: scope.retainedTags,
        },
        scope.retained,
    );
    const hardening = hardenBucket(scope, bucket, {
        suffix: "xcom",
        region: cfg.region,
        partition,
        kmsKeyArn,
        lifecycleRules: xcomLifecycleRules(cfg),
        versioning: cfg.xcom.versioning,
    });
    return { ...paths(bucket.bucket), resources: [bucket, ...hardening] };
}
