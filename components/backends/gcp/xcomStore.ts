// The agent's GCS bucket: XCom objects in a bucket with uniform bucket-level access, public access
// prevention enforced, optional versioning with noncurrent-version cleanup, a lifecycle rule on the XCom
// prefix and an optional customer key; or an existing bucket that is only referenced.
import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/gcp/storage";
import type { BackendScope } from "../shared";
import type { GcpBackendConfig } from "../../../backends/gcp/schema";

/** What the XCom store gives the chart and the grants. */
export interface GcpXComStore {
    bucketName: pulumi.Output<string>;
    /** `AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`: `gs://<bucket>/<prefix>`, no connection id (ADC). */
    path: pulumi.Output<string>;
    /** The bucket (none for an existing bucket). */
    resources: pulumi.Resource[];
}

/**
 * Lifecycle rules: XCom objects are deleted `expirationDays` after creation (only under the prefix);
 * with versioning, noncurrent versions are deleted `noncurrentVersionDays` after they became noncurrent.
 */
export function lifecycleRules(cfg: GcpBackendConfig): storage.BucketArgs["lifecycleRules"] {
    const prefix = `${cfg.xcom.prefix}/`;
    return [
        {
            action: { type: "Delete" },
            condition: { age: cfg.xcom.expirationDays, matchesPrefixes: [prefix], withState: "ANY" },
        },
        ...(cfg.xcom.versioning
            ? [
                  {
                      action: { type: "Delete" },
                      condition: {
                          daysSinceNoncurrentTime: cfg.xcom.noncurrentVersionDays,
                          matchesPrefixes: [prefix],
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
    });
    if (cfg.xcom.existingBucket) {
        return { ...paths(pulumi.output(cfg.xcom.bucketName ?? "")), resources: [] };
    }
    const bucket = new storage.Bucket(
        `${scope.name}-xcom`,
        {
            project: cfg.project,
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
