// The `backend` config branch of the AWS backend and its cross-key checks.
import { z } from "zod";
import { requiredString, secretString, strictObject } from "../../../config/primitives";
import { prefixOverlapIssues } from "../shared";
import type { BackendIssue } from "../types";
import { issuerHostPath } from "./policies";

const SECRET_PREFIX = /^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/;
const secretPrefix = requiredString("a Secrets Manager name prefix such as astro/connections").regex(
    SECRET_PREFIX,
    "must be a Secrets Manager name prefix: letters, digits and _+=.@- in '/'-separated parts, no leading or trailing '/', no wildcards",
);
const S3_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/;
const CONN_ID = /^[A-Za-z0-9_-]+$/;

export const awsBackendSchema = strictObject({
    kind: z.literal("aws"),
    region: requiredString("an AWS region such as eu-west-1")
        .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1")
        .describe("AWS region of the secrets, the bucket and the role's sessions (also `region_name`, `AWS_REGION`)."),
    eksClusterName: z
        .string()
        .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, "must be an EKS cluster name")
        .optional()
        .describe("EKS cluster: its OIDC issuer is looked up (IRSA) and Pod Identity associations target it."),
    oidcProvider: strictObject({
        arn: requiredString("an IAM OIDC provider ARN").regex(
            OIDC_PROVIDER_ARN,
            "must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer host and path>)",
        ),
        issuerUrl: z
            .url({ protocol: /^https$/, error: "must be the https:// OIDC issuer URL of the cluster" })
            .describe("The cluster's OIDC issuer URL."),
    })
        .optional()
        .describe("IRSA without an EKS lookup: the IAM OIDC provider ARN and the issuer URL."),
    identity: z
        .enum(["irsa", "podIdentity"], { error: "must be 'irsa' or 'podIdentity'" })
        .default("irsa")
        .describe(
            "IRSA (role annotation on each ServiceAccount) or EKS Pod Identity (one association per ServiceAccount).",
        ),
    roleName: z
        .string()
        .regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name (at most 64 of [A-Za-z0-9+=,.@_-])")
        .optional()
        .describe("Name of the agent's IAM role (default `<resourceNamePrefix>-agent`)."),
    secretsManager: strictObject({
        connectionsPrefix: secretPrefix.default("airflow/connections").describe("`connections_prefix`."),
        variablesPrefix: secretPrefix.default("airflow/variables").describe("`variables_prefix`."),
        configPrefix: secretPrefix.nullable().default(null).describe("`config_prefix`; null disables config lookups."),
        connections: z
            .record(
                z.string().regex(CONN_ID, "connection ids may only contain letters, digits, '_' and '-'"),
                secretString(),
            )
            .default({})
            .describe("Connections to create as secrets `<connectionsPrefix>/<id>` (JSON or URI, secret config)."),
        variables: z
            .record(z.string().min(1), secretString())
            .default({})
            .describe("Variables to create as secrets `<variablesPrefix>/<key>` (secret config)."),
        recoveryWindowInDays: z
            .int()
            .refine((d) => d === 0 || (d >= 7 && d <= 30), "must be 0 or between 7 and 30")
            .optional()
            .describe("Days a deleted seeded secret stays recoverable (default 30 in prod, 0 in dev)."),
    })
        .prefault({})
        .describe("Secrets Manager backend."),
    xcom: strictObject({
        bucketName: z
            .string()
            .regex(BUCKET_NAME, "must be a valid S3 bucket name (3-63 lower-case letters, digits, '.' and '-')")
            .optional()
            .describe("Bucket name; unset = a generated unique name (ignored names are never reused)."),
        existingBucket: z.boolean().default(false).describe("Use `bucketName` as is: create and change nothing on it."),
        prefix: z
            .string()
            .regex(S3_PREFIX, "must be an S3 key prefix without leading or trailing '/'")
            .default("xcom")
            .describe("Key prefix of XCom objects; the role may touch nothing else."),
        expirationDays: z
            .int()
            .min(1, "must be at least 1 day")
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
    encryption: strictObject({
        kind: z
            .enum(["awsManaged", "createKey", "existingKey"], {
                error: "must be 'awsManaged', 'createKey' or 'existingKey'",
            })
            .default("awsManaged")
            .describe("AWS-managed keys (SSE-S3, aws/secretsmanager), a new customer key, or an existing one."),
        keyArn: z
            .string()
            .regex(KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
            .optional()
            .describe("The existing key (with `kind: existingKey`)."),
    })
        .prefault({})
        .describe("Encryption of the bucket and the seeded secrets."),
});
export type AwsBackendConfig = z.output<typeof awsBackendSchema>;

/** The Secrets Manager prefixes in use, as `[config key, prefix]` (config only when enabled). */
export function secretPrefixEntries(sm: AwsBackendConfig["secretsManager"]): [string, string][] {
    return [
        ["connectionsPrefix", sm.connectionsPrefix],
        ["variablesPrefix", sm.variablesPrefix],
        ...(sm.configPrefix === null ? [] : ([["configPrefix", sm.configPrefix]] as [string, string][])),
    ];
}

/** Cross-key checks of the AWS branch. */
export function validateAwsBackend(cfg: AwsBackendConfig, environment: "dev" | "prod"): BackendIssue[] {
    const issues: BackendIssue[] = [];
    const at = (...path: (string | number)[]) => ["backend", ...path];
    if (cfg.eksClusterName === undefined && cfg.oidcProvider === undefined) {
        issues.push({
            path: at("eksClusterName"),
            message: "set the EKS cluster name (its OIDC issuer is looked up) or oidcProvider {arn, issuerUrl}",
        });
    }
    if (cfg.eksClusterName !== undefined && cfg.oidcProvider !== undefined) {
        issues.push({ path: at("oidcProvider"), message: "set either eksClusterName or oidcProvider, not both" });
    }
    if (cfg.identity === "podIdentity" && cfg.eksClusterName === undefined) {
        issues.push({
            path: at("eksClusterName"),
            message: "is required with identity 'podIdentity' (associations belong to a cluster)",
        });
    }
    if (cfg.oidcProvider !== undefined) {
        const fromArn = OIDC_PROVIDER_ARN.exec(cfg.oidcProvider.arn)?.[1];
        if (fromArn !== undefined && fromArn !== issuerHostPath(cfg.oidcProvider.issuerUrl)) {
            issues.push({
                path: at("oidcProvider", "issuerUrl"),
                message: `does not match the provider ARN (which names '${fromArn}'); trust conditions would never match`,
            });
        }
    }
    issues.push(
        ...prefixOverlapIssues(
            secretPrefixEntries(cfg.secretsManager),
            (key) => at("secretsManager", key),
            "secretsManager",
        ),
    );
    if (cfg.xcom.existingBucket && cfg.xcom.bucketName === undefined) {
        issues.push({
            path: at("xcom", "bucketName"),
            message: "is required with xcom.existingBucket: name the bucket",
        });
    }
    if (cfg.xcom.existingBucket && (cfg.xcom.versioning || cfg.xcom.forceDestroy)) {
        issues.push({
            path: at("xcom", "existingBucket"),
            message: "an existing bucket is not managed here: drop xcom.versioning and xcom.forceDestroy",
        });
    }
    if (environment === "prod" && cfg.xcom.forceDestroy) {
        issues.push({
            path: at("xcom", "forceDestroy"),
            message: "is refused in prod: the XCom bucket must survive destroy",
        });
    }
    if (cfg.encryption.kind === "existingKey" && cfg.encryption.keyArn === undefined) {
        issues.push({ path: at("encryption", "keyArn"), message: "is required with encryption.kind 'existingKey'" });
    }
    if (cfg.encryption.kind !== "existingKey" && cfg.encryption.keyArn !== undefined) {
        issues.push({ path: at("encryption", "keyArn"), message: "is only used with encryption.kind 'existingKey'" });
    }
    if (cfg.encryption.keyArn !== undefined && !cfg.encryption.keyArn.includes(`:kms:${cfg.region}:`)) {
        issues.push({ path: at("encryption", "keyArn"), message: `must be a key in ${cfg.region} (backend.region)` });
    }
    return issues;
}
