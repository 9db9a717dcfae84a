// The agent's GCS bucket: XCom objects (and task logs, when enabled) in a bucket with uniform bucket-level
// access, public access prevention enforced, optional versioning with noncurrent-version cleanup, lifecycle
// rules on those prefixes and an optional customer key; or an existing bucket that is only referenced.
import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/gcp/storage";
import type { BackendScope } from "../shared";
import { type GcpBackendConfig, storeProjects } from "../../../backends/gcp/schema";

/** What the XCom store gives the chart and the grants. */
export interface GcpXComStore {
    bucketName: pulumi.Output<string>;
    /** `AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`: `gs://<bucket>/<prefix>`, no connection id (ADC). */
    path: pulumi.Output<string>;
    /** `AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER` when task logs are enabled: `gs://<bucket>/<logs prefix>`. */
    taskLogsFolder?: pulumi.Output<string>;
    /** The bucket (none for an existing bucket). */
    resources: pulumi.Resource[];
}

/**
 * Lifecycle rules: XCom objects are deleted `expirationDays` after creation (only under the prefix), task
 * logs (when enabled) `taskLogs.expirationDays` after creation under theirs; with versioning, noncurrent
 * versions under both prefixes are deleted `noncurrentVersionDays` after they became noncurrent (each log
 * upload replaces the object, leaving one).
 */
export function lifecycleRules(cfg: GcpBackendConfig): storage.BucketArgs["lifecycleRules"] {
    const prefix = `${cfg.xcom.prefix}/`;
    const logs = cfg.taskLogs.enabled ? `${cfg.taskLogs.prefix}/` : undefined;
    return [
        {
            action: { type: "Delete" },
            condition: { age: cfg.xcom.expirationDays, matchesPrefixes: [prefix], withState: "ANY" },
        },
        ...(logs === undefined
            ? []
            : [
                  {
                      action: { type: "Delete" },
                      condition: { age: cfg.taskLogs.expirationDays, matchesPrefixes: [logs], withState: "ANY" },
                  },
              ]),
        ...(cfg.xcom.versioning
            ? [
                  {
                      action: { type: "Delete" },
                      condition: {
                          daysSinceNoncurrentTime: cfg.xcom.noncurrentVersionDays,
                          matchesPrefixes: logs === undefined ? [prefix] : [prefix, logs],
                          withState: "ARCHIVED",
                      },
                  },
              ]
            : []),
    ];
}

/** Creates (or references) the agent's bucket. */
export function createXComStore(
    scope: BackendScope,
    cfg: GcpBackendConfig,
    kmsKeyName: pulumi.Input<string> | undefined,
    dependsOn: pulumi.Resource[],
): GcpXComStore {
    const paths = (bucketName: pulumi.Output<string>) => ({
        bucketName,
        path: pulumi.interpolate`gs://${bucketName}/${cfg.xcom.prefix}`,
        ...(cfg.taskLogs.enabled
            ? { taskLogsFolder: pulumi.interpolate`gs://${bucketName}/${cfg.taskLogs.prefix}` }
            : {}),
    });
    if (cfg.xcom.existingBucket) {
        return { ...paths(pulumi.output(cfg.xcom.bucketName ?? "")), resources: [] };
    }
    const bucket = new storage.Bucket(
        `${scope.name}-xcom`,
        {
            project: storeProjects(cfg).bucket,
            ...(cfg.xcom.bucketName === undefined ? {} : { name: cfg.xcom.bucketName }),
            location: cfg.location.toUpperCase(),
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: cfg.xcom.versioning },
            lifecycleRules: lifecycleRules(cfg),
            ...(kmsKeyName === undefined ? {} : { encryption: { defaultKmsKeyName: kmsKeyName } }),
            forceDestroy: scope.environment !== "prod" && cfg.xcom.forceDestroy,
            labels: scope.retainedTags,
        },
        { ...scope.retained, dependsOn },
    );
    return { ...paths(bucket.name), resources: [bucket] };
}
