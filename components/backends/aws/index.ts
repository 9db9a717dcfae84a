// AWS backend: Secrets Manager for connections and variables, an S3 bucket for XCom, and one IAM role
// bound (IRSA or EKS Pod Identity) to exactly the agent's ServiceAccounts, with least privilege.
// Layout: schema.ts (config), backend.ts (what the registry lists, SDK-free), secretsStore.ts,
// xcomStore.ts, identity.ts, policies.ts (pure IAM documents); this file wires them in one component.
// The SDK is imported per module (`@pulumi/aws/<module>`), never the whole `@pulumi/aws`.
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import type * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { AWS_SECRETS_MANAGER_BACKEND, XCOM_OBJECT_STORAGE_BACKEND } from "../../../backends/airflow";
import { componentType, withLegacyAlias } from "../../typeTokens";
import { type BackendScope, type CloudBackendArgs, cloudBackendScope, taskLogsEnv } from "../shared";
import type { BackendContribution } from "../../../backends/types";
import { OWNER_GRANTS_OUTPUT } from "../../../backends/shared";
import { createIdentity } from "./identity";
import type { AwsBackendConfig } from "../../../backends/aws/schema";
import { createSecretsStore } from "./secretsStore";
import { createTaskLogsStore } from "./taskLogsStore";
import { createXComStore } from "./xcomStore";

export { awsBackend } from "../../../backends/aws/backend";
export { awsBackendSchema, validateAwsBackend, type AwsBackendConfig } from "../../../backends/aws/schema";

/** Args of {@link AwsBackend}. */
export type AwsBackendArgs = CloudBackendArgs<AwsBackendConfig>;

/** The customer-managed key of the bucket and the seeded secrets: created, given, or none (AWS-managed). */
function customerKey(scope: BackendScope, cfg: AwsBackendConfig, prefix: string): pulumi.Output<string> | undefined {
    if (cfg.encryption.kind === "createKey") {
        return new kms.Key(
            `${scope.name}-key`,
            {
                region: cfg.region,
                description: `Remote Execution Agent ${prefix}: XCom bucket and Airflow secrets`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags: scope.retainedTags,
            },
            scope.retained,
        ).arn;
    }
    return cfg.encryption.keyArn === undefined ? undefined : pulumi.output(cfg.encryption.keyArn);
}

/**
 * The AWS resources behind the agent. Uses the `aws` provider from the parent chain when one is
 * passed (`providers: [awsProvider]`); otherwise creates one pinned to `backend.region`. Either way
 * every regional resource names `backend.region` itself, so a provider for another region cannot move
 * the bucket or the secrets away from where the agent reads them.
 */
export class AwsBackend extends pulumi.ComponentResource {
    public readonly role: iam.Role;
    /** ARN of the agent's role (what IRSA annotations and Pod Identity associations name). */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the agent's role (attach further policies to it). */
    public readonly roleName: pulumi.Output<string>;
    public readonly bucketName: pulumi.Output<string>;
    /** The task logs' own bucket (`taskLogs.bucket`), when they have one. */
    public readonly taskLogsBucketName?: pulumi.Output<string>;
    public readonly contribution: BackendContribution;

    constructor(name: string, args: AwsBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AwsBackend"), name, {}, withLegacyAlias("AwsBackend", opts));
        const cfg = args.config;
        const scope = cloudBackendScope(this, {
            name,
            environment: args.environment,
            pkg: "aws",
            newProvider: (o) => new AwsProvider(`${name}-provider`, { region: cfg.region }, o),
            tagSeparator: "/",
            resourceNamePrefix: args.resourceNamePrefix,
        });
        const caller = getCallerIdentityOutput({}, scope.invoke);
        const partition = getPartitionOutput({}, scope.invoke);

        const kmsKeyArn = customerKey(scope, cfg, args.resourceNamePrefix);
        const secrets = createSecretsStore(scope, cfg, kmsKeyArn);
        const xcom = createXComStore(scope, cfg, partition.partition, kmsKeyArn);
        const logs = createTaskLogsStore(scope, cfg, partition.partition, kmsKeyArn);
        const identity = createIdentity(scope, {
            config: cfg,
            namespace: args.namespace,
            serviceAccounts: args.serviceAccounts,
            resourceNamePrefix: args.resourceNamePrefix,
            partition: partition.partition,
            dnsSuffix: partition.dnsSuffix,
            accountId: caller.accountId,
            secretPrefixes: secrets.prefixes,
            bucketName: xcom.bucketName,
            taskLogsBucketName: logs?.bucketName,
            kmsKeyArn,
        });

        this.role = identity.role;
        this.roleArn = identity.role.arn;
        this.roleName = identity.role.name;
        this.bucketName = xcom.bucketName;
        const outputs: Record<string, pulumi.Output<string>> = {
            awsRoleArn: this.roleArn,
            awsRoleName: this.roleName,
            awsBucketName: this.bucketName,
        };
        if (logs !== undefined) {
            this.taskLogsBucketName = logs.bucketName;
            outputs.awsTaskLogsBucketName = logs.bucketName;
        }
        this.contribution = {
            secretBackend: AWS_SECRETS_MANAGER_BACKEND,
            secretBackendKwargs: secrets.kwargs,
            xcomBackend: XCOM_OBJECT_STORAGE_BACKEND,
            xcomPath: xcom.path,
            commonEnv: [
                { name: "AWS_DEFAULT_REGION", value: cfg.region },
                { name: "AWS_REGION", value: cfg.region },
                ...taskLogsEnv(logs?.folder ?? xcom.taskLogsFolder),
            ],
            serviceAccountAnnotations: identity.serviceAccountAnnotations,
            podLabels: {},
            volumes: [],
            volumeMounts: [],
            dependsOn: [...identity.resources, ...xcom.resources, ...(logs?.resources ?? []), ...secrets.resources],
            outputs: {
                ...outputs,
                ...(identity.ownerGrants === undefined ? {} : { [OWNER_GRANTS_OUTPUT]: identity.ownerGrants }),
            },
        };
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            bucketName: this.bucketName,
            ...(logs === undefined ? {} : { taskLogsBucketName: logs.bucketName }),
        });
    }
}
