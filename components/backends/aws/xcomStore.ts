// The S3 XCom store: a private, encrypted, TLS-only bucket with lifecycle expiry of the XCom prefix,
// or an existing bucket that is only referenced.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackendScope } from "../shared";
import { denyInsecureTransportPolicy } from "./policies";
import type { AwsBackendConfig } from "./schema";

/** What the XCom store gives the chart and the role. */
export interface AwsXComStore {
    bucketName: pulumi.Output<string>;
    /** `AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`: `s3://<bucket>/<prefix>`, no connection id. */
    path: pulumi.Output<string>;
    /** The bucket and its configuration resources (none for an existing bucket). */
    resources: pulumi.Resource[];
}

/** Default encryption of new objects: SSE-KMS with bucket keys under a customer key, else SSE-S3. */
function encryptionRule(
    kmsKeyArn: pulumi.Output<string> | undefined,
): aws.types.input.s3.BucketServerSideEncryptionConfigurationRule {
    return kmsKeyArn === undefined
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
        : {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
              bucketKeyEnabled: true,
          };
}

/** The created bucket's hardening: public access blocked, owner-enforced, encrypted, TLS-only, expiring. */
function hardenBucket(
    scope: BackendScope,
    bucket: aws.s3.Bucket,
    cfg: AwsBackendConfig["xcom"],
    partition: pulumi.Output<string>,
    kmsKeyArn: pulumi.Output<string> | undefined,
): pulumi.Resource[] {
    const name = `${scope.name}-xcom`;
    const opts = { ...scope.retained, parent: bucket };
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        name,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        opts,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
        name,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        opts,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        { bucket: bucket.id, rules: [encryptionRule(kmsKeyArn)] },
        opts,
    );
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
        name,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-xcom",
                    status: "Enabled",
                    filter: { prefix: `${cfg.prefix}/` },
                    expiration: { days: cfg.expirationDays },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        },
        opts,
    );
    const policy = new aws.s3.BucketPolicy(
        name,
        {
            bucket: bucket.id,
            policy: pulumi.jsonStringify(
                pulumi.all([partition, bucket.bucket]).apply(([p, b]) => denyInsecureTransportPolicy(p, b)),
            ),
        },
        // The public-access block must exist first, or S3 may evaluate the policy against a public bucket.
        { ...opts, dependsOn: [publicAccess] },
    );
    const versioning = cfg.versioning
        ? [
              new aws.s3.BucketVersioning(
                  name,
                  { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
                  opts,
              ),
          ]
        : [];
    return [publicAccess, ownership, encryption, lifecycle, policy, ...versioning];
}

/** Creates (or references) the XCom bucket. */
export function createXComStore(
    scope: BackendScope,
    cfg: AwsBackendConfig["xcom"],
    partition: pulumi.Output<string>,
    kmsKeyArn: pulumi.Output<string> | undefined,
): AwsXComStore {
    if (cfg.existingBucket) {
        const bucketName = pulumi.output(cfg.bucketName ?? "");
        return { bucketName, path: pulumi.interpolate`s3://${bucketName}/${cfg.prefix}`, resources: [] };
    }
    const bucket = new aws.s3.Bucket(
        `${scope.name}-xcom`,
        {
            ...(cfg.bucketName === undefined ? {} : { bucket: cfg.bucketName }),
            forceDestroy: scope.environment !== "prod" && cfg.forceDestroy,
            tags: scope.tags,
        },
        scope.retained,
    );
    return {
        bucketName: bucket.bucket,
        path: pulumi.interpolate`s3://${bucket.bucket}/${cfg.prefix}`,
        resources: [bucket, ...hardenBucket(scope, bucket, cfg, partition, kmsKeyArn)],
    };
}
