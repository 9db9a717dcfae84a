// AWS backend: Secrets Manager for connections and variables, an S3 bucket for XCom, and one IAM role
// bound (IRSA or EKS Pod Identity) to exactly the agent's ServiceAccounts, with least privilege.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    connectionId,
    identifier,
    requiredString,
    secretString,
    strictObject,
    urlString,
} from "../../../config/primitives";
import { componentSlug } from "../../names";
import { AWS_SECRETS_MANAGER_BACKEND, XCOM_OBJECT_STORAGE_BACKEND } from "../airflow";
import type { AgentBackend, AgentServiceAccountRef, BackendContext, BackendContribution, BackendIssue } from "../types";
import {
    agentAccessPolicy,
    denyInsecureTransportPolicy,
    irsaTrustPolicy,
    issuerHostPath,
    podIdentityTrustPolicy,
} from "./policies";

const SECRET_PREFIX = /^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/;
const secretPrefix = identifier("a Secrets Manager name prefix", "astro/connections", {
    pattern: SECRET_PREFIX,
    rule: "letters, digits and _+=.@- in '/'-separated parts, no leading or trailing '/', no wildcards",
});
const S3_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
const BUCKET_NAME = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/;

export const awsBackendSchema = strictObject({
    kind: z.literal("aws"),
    region: requiredString("an AWS region such as eu-west-1", "eu-west-1")
        .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1")
        .describe("AWS region of the secrets, the bucket and the role's sessions (also `region_name`, `AWS_REGION`)."),
    eksClusterName: identifier("an EKS cluster name", "my-cluster", {
        pattern: /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
        rule: "at most 100 letters, digits, '_' and '-'",
    })
        .optional()
        .describe("EKS cluster: its OIDC issuer is looked up (IRSA) and Pod Identity associations target it."),
    oidcProvider: strictObject({
        arn: requiredString(
            "an IAM OIDC provider ARN",
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
        ).regex(
            OIDC_PROVIDER_ARN,
            "must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer host and path>)",
        ),
        issuerUrl: urlString({
            schemes: ["https"],
            what: "the https:// OIDC issuer URL of the cluster",
            example: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
        }).describe("The cluster's OIDC issuer URL."),
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
        .describe("Name of the agent's IAM role (default `<resourceNamePrefix>-agent`)."),
    secretsManager: strictObject({
        connectionsPrefix: secretPrefix.default("airflow/connections").describe("`connections_prefix`."),
        variablesPrefix: secretPrefix.default("airflow/variables").describe("`variables_prefix`."),
        configPrefix: secretPrefix.nullable().default(null).describe("`config_prefix`; null disables config lookups."),
        connections: z
            .record(connectionId("aws_default"), secretString())
            .default({})
            .describe("Connections to create as secrets `<connectionsPrefix>/<id>` (JSON or URI, secret config)."),
        variables: z
            .record(identifier("an Airflow variable key", "my_variable"), secretString())
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
        bucketName: identifier("a valid S3 bucket name", "astro-agent-xcom", {
            pattern: BUCKET_NAME,
            rule: "3-63 lower-case letters, digits, '.' and '-'",
        })
            .optional()
            .describe("Bucket name; unset = a generated unique name (ignored names are never reused)."),
        existingBucket: z.boolean().default(false).describe("Use `bucketName` as is: create and change nothing on it."),
        prefix: identifier("an S3 key prefix", "xcom", { pattern: S3_PREFIX, rule: "without leading or trailing '/'" })
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
    encryption: strictObject({
        kind: z
            .enum(["awsManaged", "createKey", "existingKey"], {
                error: "must be 'awsManaged', 'createKey' or 'existingKey'",
            })
            .default("awsManaged")
            .describe("AWS-managed keys (SSE-S3, aws/secretsmanager), a new customer key, or an existing one."),
        keyArn: identifier(
            "a KMS key ARN",
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            { pattern: KMS_KEY_ARN, rule: "arn:aws:kms:<region>:<account>:key/<id>" },
        )
            .optional()
            .describe("The existing key (with `kind: existingKey`)."),
    })
        .prefault({})
        .describe("Encryption of the bucket and the seeded secrets."),
});
export type AwsBackendConfig = z.output<typeof awsBackendSchema>;

function nested(a: string, b: string): boolean {
    return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
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
    const sm = cfg.secretsManager;
    const prefixes: [string, string][] = [
        ["connectionsPrefix", sm.connectionsPrefix],
        ["variablesPrefix", sm.variablesPrefix],
        ...(sm.configPrefix === null ? [] : ([["configPrefix", sm.configPrefix]] as [string, string][])),
    ];
    prefixes.forEach(([key, value], i) => {
        const clash = prefixes.slice(0, i).find(([, other]) => nested(value, other));
        if (clash !== undefined) {
            issues.push({
                path: at("secretsManager", key),
                message: `overlaps secretsManager.${clash[0]} ('${clash[1]}'); each kind needs its own prefix`,
            });
        }
    });
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

/** Args of {@link AwsBackend}. */
export interface AwsBackendArgs {
    /** The parsed `backend` block. */
    config: AwsBackendConfig;
    /** Namespace of the agent's ServiceAccounts (part of every trust subject). */
    namespace: string;
    /** The exact ServiceAccounts to bind. */
    serviceAccounts: AgentServiceAccountRef[];
    /** Default role name prefix. */
    resourceNamePrefix: string;
    /** prod retains the data stores on destroy. */
    environment: "dev" | "prod";
}

/**
 * The AWS resources behind the agent. Uses the `aws` provider from the parent chain when one is
 * passed (`providers: [awsProvider]`); otherwise creates one pinned to `backend.region`.
 */
export class AwsBackend extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly bucketName: pulumi.Output<string>;
    public readonly contribution: BackendContribution;

    constructor(name: string, args: AwsBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("astro-agent:index:AwsBackend", name, {}, opts);
        const { config: cfg, namespace, serviceAccounts } = args;
        const prod = args.environment === "prod";
        const explicit = this.getProvider("aws::");
        const provider = explicit ?? new aws.Provider(`${name}-provider`, { region: cfg.region }, { parent: this });
        const child: pulumi.CustomResourceOptions = explicit ? { parent: this } : { parent: this, provider };
        const retained: pulumi.CustomResourceOptions = { ...child, retainOnDelete: prod };
        const invoke: pulumi.InvokeOutputOptions = explicit ? { parent: this } : { parent: this, provider };
        const tags = {
            "managed-by": "pulumi",
            application: "astro-remote-execution-agent",
            "astro-agent/prefix": args.resourceNamePrefix,
        };

        const caller = aws.getCallerIdentityOutput({}, invoke);
        const partition = aws.getPartitionOutput({}, invoke);

        // Encryption key.
        let kmsKeyArn: pulumi.Output<string> | undefined;
        if (cfg.encryption.kind === "createKey") {
            const key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: `Remote Execution Agent ${args.resourceNamePrefix}: XCom bucket and Airflow secrets`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    tags,
                },
                retained,
            );
            kmsKeyArn = key.arn;
        } else if (cfg.encryption.keyArn !== undefined) {
            kmsKeyArn = pulumi.output(cfg.encryption.keyArn);
        }

        // Seeded connections and variables.
        const sm = cfg.secretsManager;
        const recoveryWindowInDays = sm.recoveryWindowInDays ?? (prod ? 30 : 0);
        const seeded: pulumi.Resource[] = [];
        const seed = (kind: "conn" | "var", prefix: string, values: Record<string, pulumi.Output<string>>) => {
            for (const key of Object.keys(values).sort()) {
                const logical = `${name}-${kind}-${key.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
                const secret = new aws.secretsmanager.Secret(
                    logical,
                    {
                        name: `${prefix}/${key}`,
                        recoveryWindowInDays,
                        tags,
                        ...(kmsKeyArn === undefined ? {} : { kmsKeyId: kmsKeyArn }),
                    },
                    child,
                );
                const version = new aws.secretsmanager.SecretVersion(
                    logical,
                    { secretId: secret.id, secretString: pulumi.secret(values[key] as pulumi.Output<string>) },
                    child,
                );
                seeded.push(secret, version);
            }
        };
        seed("conn", sm.connectionsPrefix, sm.connections);
        seed("var", sm.variablesPrefix, sm.variables);

        // XCom bucket.
        const bucketResources: pulumi.Resource[] = [];
        if (cfg.xcom.existingBucket) {
            this.bucketName = pulumi.output(cfg.xcom.bucketName ?? "");
        } else {
            const bucket = new aws.s3.Bucket(
                `${name}-xcom`,
                {
                    ...(cfg.xcom.bucketName === undefined ? {} : { bucket: cfg.xcom.bucketName }),
                    forceDestroy: !prod && cfg.xcom.forceDestroy,
                    tags,
                },
                retained,
            );
            const bucketOpts = { ...retained, parent: bucket };
            const publicAccess = new aws.s3.BucketPublicAccessBlock(
                `${name}-xcom`,
                {
                    bucket: bucket.id,
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
                bucketOpts,
            );
            const ownership = new aws.s3.BucketOwnershipControls(
                `${name}-xcom`,
                { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
                bucketOpts,
            );
            const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
                `${name}-xcom`,
                {
                    bucket: bucket.id,
                    rules: [
                        kmsKeyArn === undefined
                            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                            : {
                                  applyServerSideEncryptionByDefault: {
                                      sseAlgorithm: "aws:kms",
                                      kmsMasterKeyId: kmsKeyArn,
                                  },
                                  bucketKeyEnabled: true,
                              },
                    ],
                },
                bucketOpts,
            );
            const lifecycle = new aws.s3.BucketLifecycleConfiguration(
                `${name}-xcom`,
                {
                    bucket: bucket.id,
                    rules: [
                        {
                            id: "expire-xcom",
                            status: "Enabled",
                            filter: { prefix: `${cfg.xcom.prefix}/` },
                            expiration: { days: cfg.xcom.expirationDays },
                            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                        },
                    ],
                },
                bucketOpts,
            );
            const policy = new aws.s3.BucketPolicy(
                `${name}-xcom`,
                {
                    bucket: bucket.id,
                    policy: pulumi.jsonStringify(
                        pulumi
                            .all([partition.partition, bucket.bucket])
                            .apply(([p, b]) => denyInsecureTransportPolicy(p, b)),
                    ),
                },
                // The public-access block must exist first, or S3 may evaluate the policy against a public bucket.
                { ...bucketOpts, dependsOn: [publicAccess] },
            );
            bucketResources.push(bucket, publicAccess, ownership, encryption, lifecycle, policy);
            if (cfg.xcom.versioning) {
                bucketResources.push(
                    new aws.s3.BucketVersioning(
                        `${name}-xcom`,
                        { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
                        bucketOpts,
                    ),
                );
            }
            this.bucketName = bucket.bucket;
        }

        // One role for every agent component (they all read the same secrets and XCom objects, and
        // Sentinel checks both integrations), bound to exactly the agent's ServiceAccounts.
        const saNames = serviceAccounts.map((s) => s.name);
        let trust: pulumi.Output<object>;
        if (cfg.identity === "podIdentity") {
            trust = pulumi.output(podIdentityTrustPolicy());
        } else if (cfg.oidcProvider !== undefined) {
            trust = pulumi.output(
                irsaTrustPolicy(cfg.oidcProvider.arn, cfg.oidcProvider.issuerUrl, namespace, saNames),
            );
        } else {
            const cluster = aws.eks.getClusterOutput({ name: cfg.eksClusterName ?? "", region: cfg.region }, invoke);
            const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs[0]?.issuer ?? "");
            const oidc = aws.iam.getOpenIdConnectProviderOutput({ url: issuer }, invoke);
            trust = pulumi.all([oidc.arn, issuer]).apply(([arn, url]) => irsaTrustPolicy(arn, url, namespace, saNames));
        }
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: cfg.roleName ?? `${args.resourceNamePrefix}-agent`,
                description: `Remote Execution Agent ${args.resourceNamePrefix} (${namespace}): Airflow secrets and XCom`,
                assumeRolePolicy: pulumi.jsonStringify(trust),
                tags,
            },
            child,
        );
        const secretPrefixes = [
            sm.connectionsPrefix,
            sm.variablesPrefix,
            ...(sm.configPrefix === null ? [] : [sm.configPrefix]),
        ];
        const access = new aws.iam.RolePolicy(
            `${name}-access`,
            {
                role: this.role.name,
                name: "airflow-secrets-and-xcom",
                policy: pulumi.jsonStringify(
                    pulumi
                        .all([partition.partition, caller.accountId, this.bucketName, kmsKeyArn])
                        .apply(([p, account, bucket, key]) =>
                            agentAccessPolicy({
                                partition: p,
                                region: cfg.region,
                                accountId: account,
                                secretPrefixes,
                                bucket,
                                xcomPrefix: cfg.xcom.prefix,
                                kmsKeyArn: key,
                            }),
                        ),
                ),
            },
            child,
        );
        const associations = (cfg.identity === "podIdentity" ? serviceAccounts : []).map(
            (sa) =>
                new aws.eks.PodIdentityAssociation(
                    `${name}-pod-identity-${componentSlug(sa.component)}`,
                    {
                        clusterName: cfg.eksClusterName ?? "",
                        namespace,
                        serviceAccount: sa.name,
                        roleArn: this.role.arn,
                        tags,
                    },
                    child,
                ),
        );

        this.contribution = {
            secretBackend: AWS_SECRETS_MANAGER_BACKEND,
            secretBackendKwargs: {
                connections_prefix: sm.connectionsPrefix,
                variables_prefix: sm.variablesPrefix,
                config_prefix: sm.configPrefix,
                region_name: cfg.region,
            },
            xcomBackend: XCOM_OBJECT_STORAGE_BACKEND,
            xcomPath: pulumi.interpolate`s3://${this.bucketName}/${cfg.xcom.prefix}`,
            commonEnv: [
                { name: "AWS_DEFAULT_REGION", value: cfg.region },
                { name: "AWS_REGION", value: cfg.region },
            ],
            serviceAccountAnnotations: cfg.identity === "irsa" ? { "eks.amazonaws.com/role-arn": this.role.arn } : {},
            podLabels: {},
            volumes: [],
            volumeMounts: [],
            dependsOn: [this.role, access, ...associations, ...bucketResources, ...seeded],
        };
        this.registerOutputs({ roleArn: this.role.arn, bucketName: this.bucketName });
    }
}

export const awsBackend: AgentBackend<typeof awsBackendSchema> = {
    kind: "aws",
    schema: awsBackendSchema,
    summary:
        "AWS Secrets Manager (optionally seeded from secret config), a private encrypted S3 XCom bucket with lifecycle expiry, and one IAM role bound by IRSA or EKS Pod Identity to exactly the agent's ServiceAccounts.",
    envNames: () => ["AWS_DEFAULT_REGION", "AWS_REGION"].map((name) => ({ name, setBy: ["backend", "region"] })),
    serviceAccountAnnotationKeys: (backend) =>
        backend.identity === "irsa" ? [{ name: "eks.amazonaws.com/role-arn", setBy: ["backend", "identity"] }] : [],
    validate: (backend, view) => validateAwsBackend(backend, view.environment),
    create(backend, ctx: BackendContext): BackendContribution {
        return new AwsBackend(
            `${ctx.name}-aws`,
            {
                config: backend,
                namespace: ctx.namespaceName,
                serviceAccounts: ctx.serviceAccounts,
                resourceNamePrefix: ctx.resourceNamePrefix,
                environment: ctx.environment,
            },
            { parent: ctx.parent },
        ).contribution;
    },
};
