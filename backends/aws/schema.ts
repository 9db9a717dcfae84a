// The `backend` config branch of the AWS backend and its cross-key checks.
import { z } from "zod";
import {
    configPath,
    connectionId,
    identifier,
    requiredString,
    ruledName,
    secretString,
    strictObject,
    urlString,
    wiring,
    type Resolved,
} from "../../schema/primitives";
import { withWiringStandIns } from "../../schema/wiring";
import {
    bucketIssues,
    customerKeyIssues,
    defaultSecretPrefixes,
    grantsSchema,
    objectPrefix,
    prefixesOverlap,
    prefixOverlapIssues,
    repeatIssues,
    secretPrefixEntries,
    type SecretPrefixes,
    handWrittenLogFolderIssues,
    taskLogsShape,
} from "../shared";
import type { BackendIssue, BackendValidationView } from "../types";
import { issuerHostPath } from "./policies";

const secretPrefix = configPath({
    what: "a Secrets Manager name prefix",
    example: "astro/connections",
    form: "relative",
    segment: { pattern: /^[A-Za-z0-9_+=.@-]+$/, rule: "parts of letters, digits and _+=.@-" },
    max: 400,
});
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/;
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
/** `arn:<partition>:eks:<region>:<account>:cluster/<name>`; groups: region, account, name. */
export const EKS_CLUSTER_ARN = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):(\d{12}):cluster\/([0-9A-Za-z][A-Za-z0-9_-]{0,99})$/;
const MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
const s3Prefix = objectPrefix("an S3 key prefix", "logs");

/** Prefixes and suffixes S3 reserves (general purpose bucket naming rules, Amazon S3 User Guide). */
const S3_RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const S3_RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/**
 * Why `name` is not a general purpose S3 bucket name, or undefined ("" when it has characters S3
 * does not allow): 3-63 characters of `a-z0-9.-`, a letter or digit at both ends, no `..`, not an IP
 * address, none of the reserved prefixes and suffixes.
 */
export function s3BucketNameProblem(name: string): string | undefined {
    if (!/^[a-z0-9.-]+$/.test(name)) {
        return "";
    }
    if (name.length < 3 || name.length > 63) {
        return `has ${name.length} characters (S3 allows 3 to 63)`;
    }
    if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
        return "must start and end with a letter or digit";
    }
    if (name.includes("..")) {
        return "contains '..' (two adjacent periods)";
    }
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) {
        return "is in IP address form, which S3 refuses";
    }
    const prefix = S3_RESERVED_PREFIXES.find((p) => name.startsWith(p));
    if (prefix !== undefined) {
        return `starts with '${prefix}', a prefix S3 reserves`;
    }
    const suffix = S3_RESERVED_SUFFIXES.find((s) => name.endsWith(s));
    if (suffix !== undefined) {
        return `ends with '${suffix}', a suffix S3 reserves`;
    }
    return undefined;
}

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const s3BucketName = ruledName(
    "a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit)",
    "astro-agent-xcom",
    s3BucketNameProblem,
);

export const awsBackendSchema = strictObject({
    kind: z.literal("aws"),
    grants: grantsSchema("the role's inline policy on the secrets, the bucket and the key"),
    region: requiredString("an AWS region such as eu-west-1", "eu-west-1")
        .regex(AWS_REGION, "must be an AWS region such as eu-west-1")
        .describe("AWS region of the secrets, the bucket and the role's sessions (also `region_name`, `AWS_REGION`)."),
    eksClusterName: wiring(
        identifier("an EKS cluster name", "my-cluster", {
            pattern: EKS_CLUSTER_NAME,
            rule: "at most 100 letters, digits, '_' and '-'",
        }),
    )
        .optional()
        .describe(
            "EKS cluster in `region` and the deploying account: its OIDC issuer is looked up (IRSA); Pod Identity associations target it and the trust requires its ARN.",
        ),
    eksClusterArn: wiring(
        identifier("an EKS cluster ARN", "arn:aws:eks:eu-west-1:123456789012:cluster/my-cluster", {
            pattern: EKS_CLUSTER_ARN,
            rule: "arn:aws:eks:<region>:<account>:cluster/<name>",
        }),
    )
        .optional()
        .describe("The EKS cluster as an ARN instead of `eksClusterName` (account and region explicit)."),
    oidcProvider: strictObject({
        arn: wiring(
            requiredString(
                "an IAM OIDC provider ARN",
                "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
            ).regex(
                OIDC_PROVIDER_ARN,
                "must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer host and path>)",
            ),
        ),
        issuerUrl: wiring(
            urlString({
                schemes: ["https"],
                what: "the https:// OIDC issuer URL of the cluster",
                example: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
            }),
        ).describe("The cluster's OIDC issuer URL."),
    })
        .optional()
        .describe("IRSA without an EKS lookup: the IAM OIDC provider ARN and the issuer URL."),
    identity: z
        .enum(["irsa", "podIdentity"], { error: "must be 'irsa' or 'podIdentity'" })
        .default("irsa")
        .describe(
            "IRSA (role annotation on each ServiceAccount) or EKS Pod Identity (one association per ServiceAccount).",
        ),
    roleName: identifier("an IAM role name", "astro-agent", {
        pattern: /^[\w+=,.@-]{1,64}$/,
        rule: "at most 64 of [A-Za-z0-9+=,.@_-]",
    })
        .optional()
        .describe(
            "Name of the agent's IAM role (default `<resourceNamePrefix>-agent-<8 hex>`, unique per stack, cluster and namespace).",
        ),
    managedPolicyArns: z
        .array(
            identifier("an IAM managed policy ARN", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", {
                pattern: MANAGED_POLICY_ARN,
                rule: "arn:aws:iam::<account or aws>:policy/<path/><name>",
            }),
        )
        .max(20, "at most 20 managed policies can be attached to a role")
        .default([])
        .describe("Managed policies to attach to the agent's role as well (what DAGs need beyond the agent)."),
    secretsManager: strictObject({
        connectionsPrefix: secretPrefix
            .optional()
            .describe("`connections_prefix` (default `<project>/<stack>/connections`, unique per stack)."),
        variablesPrefix: secretPrefix
            .optional()
            .describe("`variables_prefix` (default `<project>/<stack>/variables`, unique per stack)."),
        configPrefix: secretPrefix.nullable().default(null).describe("`config_prefix`; null disables config lookups."),
        connections: z
            .record(connectionId("aws_default"), secretString())
            .default({})
            .describe("Connections to create as secrets `<connectionsPrefix>/<id>` (JSON or URI, secret config)."),
        variables: z
            .record(identifier("an Airflow variable key", "my_variable"), secretString())
            .default({})
            .describe("Variables to create as secrets `<variablesPrefix>/<key>` (secret config)."),
        replicaRegions: z
            .array(identifier("an AWS region", "us-east-2", { pattern: AWS_REGION, rule: "such as us-east-2" }))
            .default([])
            .describe(
                "Regions the seeded secrets are replicated to (Secrets Manager replicas, same names), e.g. a standby cluster's: its agent reads them there (docs/fleet.md).",
            ),
        recoveryWindowInDays: z
            .int()
            .refine((d) => d === 0 || (d >= 7 && d <= 30), "must be 0 or between 7 and 30")
            .optional()
            .describe("Days a deleted seeded secret stays recoverable (default 30 in prod, 0 in dev)."),
    })
        .prefault({})
        .describe("Secrets Manager backend."),
    xcom: strictObject({
        bucketName: wiring(s3BucketName)
            .optional()
            .describe("Bucket name; unset = a generated unique name (ignored names are never reused)."),
        existingBucket: z.boolean().default(false).describe("Use `bucketName` as is: create and change nothing on it."),
        prefix: objectPrefix("an S3 key prefix", "xcom")
            .default("xcom")
            .describe("Key prefix of XCom objects; the role may touch nothing else."),
        expirationDays: z
            .int()
            .min(1, "must be at least 1 day")
            .max(3650, "must be at most 3650 days (ten years)")
            .default(30)
            .describe("Lifecycle expiry of XCom objects."),
        versioning: z.boolean().default(false).describe("Enable bucket versioning."),
        forceDestroy: z
            .boolean()
            .default(false)
            .describe("Let `destroy` delete a non-empty bucket (dev only; refused in prod)."),
    })
        .prefault({})
        .describe("The S3 XCom bucket."),
    taskLogs: strictObject({
        ...taskLogsShape({ location: "`s3://<bucket>/<prefix>`", prefix: s3Prefix, grantee: "the role" }),
        bucket: strictObject({
            bucketName: wiring(s3BucketName)
                .optional()
                .describe("Name of the log bucket; unset = a generated unique name."),
            existingBucket: z
                .boolean()
                .default(false)
                .describe("Use `bucketName` as is: create and change nothing on it (no lifecycle either)."),
            forceDestroy: z
                .boolean()
                .default(false)
                .describe("Let `destroy` delete a non-empty log bucket (dev only; refused in prod)."),
            objectLock: strictObject({
                mode: z
                    .enum(["GOVERNANCE", "COMPLIANCE"], { error: "must be 'GOVERNANCE' or 'COMPLIANCE'" })
                    .describe(
                        "`GOVERNANCE`: callers with `s3:BypassGovernanceRetention` may still delete; `COMPLIANCE`: nobody, the account root included, until the retention ends (refused in dev).",
                    ),
                days: z
                    .int()
                    .min(1, "must be at least 1 day")
                    .max(36500, "must be at most 36500 days (100 years)")
                    .describe("Default retention of every log object version; at most `taskLogs.expirationDays`."),
            })
                .optional()
                .describe(
                    "S3 Object Lock on the created bucket (enabled at creation, with versioning): every log version is kept for `days`.",
                ),
            accessLogging: strictObject({
                targetBucket: s3BucketName.describe(
                    "Existing bucket in the same account and region that receives the access logs (its policy must let `logging.s3.amazonaws.com` write).",
                ),
                targetPrefix: s3Prefix
                    .default("s3-access-logs")
                    .describe("Key prefix of the access logs in `targetBucket`."),
            })
                .optional()
                .describe("S3 server access logging of the created bucket."),
        })
            .optional()
            .describe(
                "A separate bucket for task logs (created, or an existing one); unset = the XCom bucket under `prefix`.",
            ),
    })
        .prefault({})
        .describe("Remote task logs, in the XCom bucket or their own bucket."),
    extraS3Prefixes: z
        .array(
            strictObject({
                prefix: s3Prefix.describe("Key prefix in the agent's bucket."),
                access: z
                    .enum(["read", "readWrite"], { error: "must be 'read' or 'readWrite'" })
                    .default("readWrite")
                    .describe("`read`: GetObject; `readWrite`: also PutObject and DeleteObject."),
            }),
        )
        .default([])
        .describe("Further prefixes of the agent's bucket the role may use (data the DAGs exchange)."),
    encryption: strictObject({
        kind: z
            .enum(["awsManaged", "createKey", "existingKey"], {
                error: "must be 'awsManaged', 'createKey' or 'existingKey'",
            })
            .default("awsManaged")
            .describe("AWS-managed keys (SSE-S3, aws/secretsmanager), a new customer key, or an existing one."),
        keyArn: wiring(
            identifier("a KMS key ARN", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", {
                pattern: KMS_KEY_ARN,
                rule: "arn:aws:kms:<region>:<account>:key/<id>",
            }),
        )
            .optional()
            .describe("The existing key (with `kind: existingKey`)."),
    })
        .prefault({})
        .describe("Encryption of the bucket and the seeded secrets."),
});
export type AwsBackendConfig = z.output<typeof awsBackendSchema>;

/**
 * The prefixes in use: the configured ones, else `<project>/<stack>/connections` and `…/variables`, so
 * two stacks in one account never seed the same secret names nor read each other's secrets.
 */
export function secretPrefixes(
    sm: Omit<AwsBackendConfig["secretsManager"], "replicaRegions">,
    project?: string,
    stack?: string,
): SecretPrefixes {
    return defaultSecretPrefixes(sm, "/", project, stack);
}

/** The keys naming the cluster whose tokens the role trusts, with their values known. */
export type AwsClusterKeys = Resolved<Pick<AwsBackendConfig, "eksClusterName" | "eksClusterArn" | "oidcProvider">>;

/** The cluster the role is bound to, from `eksClusterArn` or `eksClusterName` (account filled in later). */
export function clusterName(cfg: Pick<AwsClusterKeys, "eksClusterName" | "eksClusterArn">): string | undefined {
    return (
        cfg.eksClusterName ??
        (cfg.eksClusterArn === undefined ? undefined : EKS_CLUSTER_ARN.exec(cfg.eksClusterArn)?.[3])
    );
}

/** The bucket prefixes the role uses, as `[config path, prefix]`: XCom, task logs, extras. */
function bucketPrefixEntries(cfg: AwsBackendConfig): [(string | number)[], string][] {
    return [
        [["xcom", "prefix"], cfg.xcom.prefix],
        ...(cfg.taskLogs.enabled && cfg.taskLogs.bucket === undefined
            ? ([[["taskLogs", "prefix"], cfg.taskLogs.prefix]] as [string[], string][])
            : []),
        ...cfg.extraS3Prefixes.map(
            (e, i) => [["extraS3Prefixes", i, "prefix"], e.prefix] as [(string | number)[], string],
        ),
    ];
}

/** Cross-key checks of the AWS branch. */
export function validateAwsBackend(
    cfg: AwsBackendConfig,
    environment: "dev" | "prod",
    env: BackendValidationView["env"] = [],
): BackendIssue[] {
    const issues: BackendIssue[] = [];
    const at = (...path: (string | number)[]) => ["backend", ...path];
    // Whether a cluster is named (a key given as an Output names one; its value is checked when it resolves).
    const cluster = cfg.eksClusterName ?? cfg.eksClusterArn;
    if (cluster === undefined && cfg.oidcProvider === undefined) {
        issues.push({
            path: at("eksClusterName"),
            message:
                "set the EKS cluster name (its OIDC issuer is looked up), eksClusterArn, or oidcProvider {arn, issuerUrl}",
        });
    }
    if (cfg.eksClusterName !== undefined && cfg.eksClusterArn !== undefined) {
        issues.push({ path: at("eksClusterArn"), message: "set either eksClusterName or eksClusterArn, not both" });
    }
    if (cluster !== undefined && cfg.oidcProvider !== undefined) {
        issues.push({
            path: at("oidcProvider"),
            message: "set either eksClusterName (or eksClusterArn) or oidcProvider, not both",
        });
    }
    if (cfg.identity === "podIdentity" && cluster === undefined) {
        issues.push({
            path: at("eksClusterName"),
            message:
                "is required with identity 'podIdentity' (or set eksClusterArn): associations belong to a cluster, and the trust names its ARN",
        });
    }
    // Comparisons of two values need both known: a key given as an Output is not compared (its own
    // check still runs when it resolves).
    const arnRegion = typeof cfg.eksClusterArn === "string" ? EKS_CLUSTER_ARN.exec(cfg.eksClusterArn)?.[1] : undefined;
    if (arnRegion !== undefined && arnRegion !== cfg.region) {
        issues.push({
            path: at("eksClusterArn"),
            message: `names a cluster in ${arnRegion}; it must be in ${cfg.region} (backend.region), where the associations and lookups are made`,
        });
    }
    const oidc = cfg.oidcProvider;
    if (typeof oidc?.arn === "string" && typeof oidc.issuerUrl === "string") {
        const fromArn = OIDC_PROVIDER_ARN.exec(oidc.arn)?.[1];
        if (fromArn !== undefined && fromArn !== issuerHostPath(oidc.issuerUrl)) {
            issues.push({
                path: at("oidcProvider", "issuerUrl"),
                message: `does not match the provider ARN (which names '${fromArn}'); trust conditions would never match`,
            });
        }
    }
    issues.push(
        ...prefixOverlapIssues(
            secretPrefixEntries(secretPrefixes(cfg.secretsManager)),
            (key) => at("secretsManager", key),
            "secretsManager",
        ),
    );
    const bucketPrefixes = bucketPrefixEntries(cfg);
    bucketPrefixes.forEach(([path, prefix], i) => {
        const clash = bucketPrefixes.slice(0, i).find(([, other]) => prefixesOverlap(prefix, other));
        if (clash !== undefined) {
            issues.push({
                path: at(...path),
                message: `overlaps ${clash[0].join(".").replace(/\.(\d+)\./g, "[$1].")} ('${clash[1]}'); each use of the bucket needs its own prefix`,
            });
        }
    });
    issues.push(
        ...repeatIssues(cfg.managedPolicyArns, (i) => at("managedPolicyArns", i)),
        // These look only at whether the bucket and the key are named: Outputs count as named.
        ...bucketIssues(withWiringStandIns(cfg.xcom), environment, at),
        ...customerKeyIssues(cfg.encryption.kind, "keyArn", withWiringStandIns(cfg.encryption).keyArn, at),
    );
    const replicas = cfg.secretsManager.replicaRegions;
    issues.push(...repeatIssues(replicas, (i) => at("secretsManager", "replicaRegions", i)));
    replicas.forEach((r, i) => {
        if (r === cfg.region) {
            issues.push({
                path: at("secretsManager", "replicaRegions", i),
                message: `is backend.region (${cfg.region}), where the secrets already are; list only other regions, for example us-east-2`,
            });
        }
    });
    if (replicas.length > 0 && cfg.encryption.kind !== "awsManaged") {
        issues.push({
            path: at("secretsManager", "replicaRegions"),
            message: `cannot be used with encryption.kind '${cfg.encryption.kind}': a KMS key lives in one region, so the replicas would fall back to each region's aws/secretsmanager key; use encryption.kind awsManaged, or replicate with a multi-Region key outside this program`,
        });
    }
    if (typeof cfg.encryption.keyArn === "string" && !cfg.encryption.keyArn.includes(`:kms:${cfg.region}:`)) {
        issues.push({ path: at("encryption", "keyArn"), message: `must be a key in ${cfg.region} (backend.region)` });
    }
    issues.push(
        ...taskLogsBucketIssues(cfg, environment),
        ...handWrittenLogFolderIssues(
            { env },
            {
                kind: "aws",
                enabled: cfg.taskLogs.enabled,
                schemes: ["s3", "s3a"],
                location: "s3://<bucket>/<backend.taskLogs.prefix>",
                granted: (folder) => readWriteGranted(cfg, folder),
            },
        ),
    );
    return issues;
}

/**
 * The separate log bucket (`taskLogs.bucket`): only with task logs on; an existing one needs a name and
 * takes none of the created bucket's settings; a created one keeps logs at least as long as Object Lock
 * holds them, never locks a dev stack's bucket in COMPLIANCE mode, and does not log access into itself.
 */
function taskLogsBucketIssues(cfg: AwsBackendConfig, environment: "dev" | "prod"): BackendIssue[] {
    const logs = cfg.taskLogs;
    const b = logs.bucket;
    if (b === undefined) {
        return [];
    }
    const at = (...path: string[]) => ["backend", "taskLogs", "bucket", ...path];
    const issues: BackendIssue[] = [];
    if (!logs.enabled) {
        issues.push({
            path: at(),
            message:
                "is only used with backend.taskLogs.enabled: true; enable task logs (e.g. taskLogs: {enabled: true, bucket: {...}}) or remove it",
        });
    }
    if (b.existingBucket && b.bucketName === undefined) {
        issues.push({
            path: at("bucketName"),
            message:
                "is required with taskLogs.bucket.existingBucket: name the bucket, e.g. bucketName: acme-airflow-logs",
        });
    }
    if (b.existingBucket) {
        const managed = (
            [
                ["forceDestroy", b.forceDestroy],
                ["objectLock", b.objectLock !== undefined],
                ["accessLogging", b.accessLogging !== undefined],
            ] as const
        )
            .filter(([, set]) => set)
            .map(([key]) => `taskLogs.bucket.${key}`);
        if (managed.length > 0) {
            issues.push({
                path: at("existingBucket"),
                message: `an existing bucket is not managed here (Object Lock in particular can only be turned on when a bucket is created): drop ${managed.join(" and ")}, or let the program create the bucket (existingBucket: false)`,
            });
        }
    }
    if (environment === "prod" && b.forceDestroy) {
        issues.push({
            path: at("forceDestroy"),
            message: "is refused in prod: the log bucket must survive destroy",
        });
    }
    const xcomBucket = cfg.xcom.bucketName;
    if (typeof b.bucketName === "string" && b.bucketName === xcomBucket) {
        issues.push({
            path: at("bucketName"),
            message: `is the XCom bucket (backend.xcom.bucketName); name another bucket, or remove taskLogs.bucket to keep the logs in the XCom bucket under taskLogs.prefix`,
        });
    }
    const lock = b.existingBucket ? undefined : b.objectLock;
    if (lock !== undefined && logs.expirationDays < lock.days) {
        issues.push({
            path: at("objectLock", "days"),
            message: `is ${lock.days}, longer than taskLogs.expirationDays (${logs.expirationDays}): the lifecycle would expire logs that Object Lock still holds, so they would not go away before ${lock.days} days anyway while looking expired; set taskLogs.expirationDays to at least ${lock.days}, or objectLock.days to at most ${logs.expirationDays}`,
        });
    }
    if (lock?.mode === "COMPLIANCE" && environment === "dev") {
        issues.push({
            path: at("objectLock", "mode"),
            message: `COMPLIANCE is refused in dev: nobody, the account root included, could delete this stack's log bucket or any log in it for ${lock.days} days; use mode GOVERNANCE in dev (deletable with s3:BypassGovernanceRetention)`,
        });
    }
    const target = b.existingBucket ? undefined : b.accessLogging?.targetBucket;
    if (target !== undefined && typeof b.bucketName === "string" && target === b.bucketName) {
        issues.push({
            path: at("accessLogging", "targetBucket"),
            message:
                "is the log bucket itself: every access log written would be logged again, without end; name another bucket, e.g. acme-s3-access-logs",
        });
    }
    return issues;
}

/**
 * Whether the role may read and write under `folder` (`s3://<bucket>/<key prefix>`): the bucket is the
 * agent's, named in config, and the key prefix lies in an `extraS3Prefixes` entry with `readWrite`.
 */
function readWriteGranted(cfg: AwsBackendConfig, folder: string): boolean {
    const m = /^s3a?:\/\/([^/]+)\/(.+?)\/*$/.exec(folder);
    if (m === null || typeof cfg.xcom.bucketName !== "string" || m[1] !== cfg.xcom.bucketName) {
        return false;
    }
    const key = m[2] ?? "";
    return cfg.extraS3Prefixes.some(
        (x) => x.access === "readWrite" && (key === x.prefix || key.startsWith(`${x.prefix}/`)),
    );
}

/**
 * Across the clusters of a fleet: a Secrets Manager name exists once per region, so no two clusters may
 * seed, or replicate into, the same name in one region (a seeded secret and a replica of one name
 * conflict, and two seeds would fight over one value).
 */
export function validateAwsFleet(
    members: readonly { name: string; backend: AwsBackendConfig }[],
): { member: number; issue: BackendIssue }[] {
    const owners = new Map<string, { member: number; how: string }>();
    const found: { member: number; issue: BackendIssue }[] = [];
    members.forEach(({ backend }, member) => {
        const sm = backend.secretsManager;
        const prefixes = secretPrefixes(sm);
        const seeded = [
            ...Object.keys(sm.connections).map((k) => ({ name: `${prefixes.connections}/${k}`, key: "connections" })),
            ...Object.keys(sm.variables).map((k) => ({ name: `${prefixes.variables}/${k}`, key: "variables" })),
        ];
        const places = [
            { region: backend.region, how: "seeds", path: ["backend", "secretsManager"] },
            ...sm.replicaRegions.map((region, i) => ({
                region,
                how: "replicates",
                path: ["backend", "secretsManager", "replicaRegions", i],
            })),
        ].filter((p, i) => i === 0 || p.region !== backend.region); // a replica in its own region is refused by validate
        for (const { region, how, path } of places) {
            for (const s of seeded) {
                const at = `${region}\0${s.name}`;
                const first = owners.get(at);
                if (first === undefined) {
                    owners.set(at, { member, how });
                    continue;
                }
                if (first.member === member) {
                    continue;
                }
                const other = members[first.member]?.name ?? "";
                found.push({
                    member,
                    issue: {
                        path: how === "seeds" ? [...path, s.key] : path,
                        message: `${how} '${s.name}' ${how === "seeds" ? "in" : "to"} ${region}, where cluster '${other}' already ${first.how} it: a Secrets Manager name exists once per region; seed it from one cluster and replicate it to the others (secretsManager.replicaRegions), e.g. remove it here with secretsManager: {connections: null, variables: null}`,
                    },
                });
                break; // one problem per place is enough
            }
        }
    });
    return found;
}
