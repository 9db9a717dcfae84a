// The task logs' own S3 bucket (`backend.taskLogs.bucket`): an existing bucket that is only referenced,
// or a created one hardened like the XCom bucket (private, encrypted with the same key, TLS-only) with
// its own lifecycle expiry, optional S3 Object Lock (enabled at creation, versioned) and optional server
// access logging. Without `taskLogs.bucket` the logs stay in the XCom bucket (xcomStore.ts).
import * as s3 from "@pulumi/aws/s3";
import type * as inputs from "@pulumi/aws/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { BackendScope } from "../shared";
import type { AwsBackendConfig } from "../../../backends/aws/schema";
import { hardenBucket } from "./xcomStore";

/** What the log bucket gives the chart and the role. */
export interface AwsTaskLogsStore {
    bucketName: pulumi.Output<string>;
    /** `AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER`: `s3://<log bucket>/<prefix>`. */
    folder: pulumi.Output<string>;
    /** The bucket and its configuration resources (none for an existing bucket). */
    resources: pulumi.Resource[];
}

/**
 * The log bucket's lifecycle: logs expire `expirationDays` after creation. With Object Lock the bucket
 * is versioned and every log upload (S3RemoteLogIO rewrites the whole object) leaves the previous
 * version behind: noncurrent versions go `objectLock.days` after they became noncurrent (no version is
 * younger than its lock by then), and delete markers left alone by expiry are removed.
 */
export function taskLogsLifecycleRules(
    logs: AwsBackendConfig["taskLogs"],
): inputs.s3.BucketLifecycleConfigurationRule[] {
    const lock = logs.bucket?.objectLock;
    return [
        {
            id: "expire-task-logs",
            status: "Enabled",
            filter: { prefix: `${logs.prefix}/` },
            expiration: { days: logs.expirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            ...(lock === undefined ? {} : { noncurrentVersionExpiration: { noncurrentDays: lock.days } }),
        },
        ...(lock === undefined
            ? []
            : [
                  {
                      id: "remove-expired-delete-markers",
                      status: "Enabled",
                      filter: { prefix: `${logs.prefix}/` },
                      expiration: { expiredObjectDeleteMarker: true },
                  },
              ]),
    ];
}

/** Creates (or references) the log bucket; undefined when the logs share the XCom bucket or are off. */
export function createTaskLogsStore(
    scope: BackendScope,
    cfg: AwsBackendConfig,
    partition: pulumi.Output<string>,
    kmsKeyArn: pulumi.Output<string> | undefined,
): AwsTaskLogsStore | undefined {
    const logs = cfg.taskLogs;
    const b = logs.bucket;
    if (!logs.enabled || b === undefined) {
        return undefined;
    }
    const store = (bucketName: pulumi.Output<string>, resources: pulumi.Resource[]): AwsTaskLogsStore => ({
        bucketName,
        folder: pulumi.interpolate`s3://${bucketName}/${logs.prefix}`,
        resources,
    });
    if (b.existingBucket) {
        return store(pulumi.output(b.bucketName ?? ""), []);
    }
    const lock = b.objectLock;
    const name = `${scope.name}-task-logs`;
    const bucket = new s3.Bucket(
        name,
        {
            region: cfg.region,
            ...(b.bucketName === undefined ? {} : { bucket: b.bucketName }),
            // Object Lock can only be turned on when the bucket is created (S3 then enables versioning).
            ...(lock === undefined ? {} : { objectLockEnabled: true }),
            forceDestroy: scope.environment !== "prod" && b.forceDestroy,
            tags: scope.retainedTags,
        },
        scope.retained,
    );
    const resources: pulumi.Resource[] = [
        bucket,
        ...hardenBucket(scope, bucket, {
            suffix: "task-logs",
            region: cfg.region,
            partition,
            kmsKeyArn,
            lifecycleRules: taskLogsLifecycleRules(logs),
            versioning: lock !== undefined,
        }),
    ];
    const opts = { ...scope.retained, parent: bucket };
    if (lock !== undefined) {
        resources.push(
            new s3.BucketObjectLockConfiguration(
                name,
                {
                    region: cfg.region,
                    bucket: bucket.id,
                    objectLockEnabled: "Enabled",
                    rule: { defaultRetention: { mode: lock.mode, days: lock.days } },
                },
                opts,
            ),
        );
    }
    if (b.accessLogging !== undefined) {
        resources.push(
            new s3.BucketLogging(
                name,
                {
                    region: cfg.region,
                    bucket: bucket.id,
                    targetBucket: b.accessLogging.targetBucket,
                    targetPrefix: `${b.accessLogging.targetPrefix}/`,
                },
                opts,
            ),
        );
    }
    return store(bucket.bucket, resources);
}
