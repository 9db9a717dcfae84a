// The agent's IAM role: one for every agent component (they read the same secrets and XCom objects,
// and Sentinel checks both integrations), bound by IRSA or EKS Pod Identity to exactly the agent's
// ServiceAccounts in this cluster, with the least-privilege inline policy and any managed policies
// the config adds.
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { componentSlug } from "../../../chart/names";
import {
    agentIdentityName,
    type CloudBackendArgs,
    type BackendScope,
    installationKey as installation,
    serviceAccountNames,
    stableHex,
} from "../shared";
import {
    agentAccessPolicy,
    eksClusterArn,
    irsaTrustPolicy,
    podIdentityTrustPolicy,
} from "../../../backends/aws/policies";
import { type AwsBackendConfig, clusterName, EKS_CLUSTER_ARN } from "../../../backends/aws/schema";

/** Inputs of {@link createIdentity}. */
export interface AwsIdentityArgs extends Omit<CloudBackendArgs<AwsBackendConfig>, "environment"> {
    partition: pulumi.Output<string>;
    dnsSuffix: pulumi.Output<string>;
    /** The deploying account (the cluster's, unless `eksClusterArn` names another). */
    accountId: pulumi.Output<string>;
    /** Secrets Manager prefixes the backend reads. */
    secretPrefixes: string[];
    bucketName: pulumi.Output<string>;
    kmsKeyArn: pulumi.Output<string> | undefined;
}

/** The role and what binds it. */
export interface AwsIdentity {
    role: iam.Role;
    /** Annotations for every agent ServiceAccount (IRSA only). */
    serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
    /** Role, inline policy, managed policy attachments and Pod Identity associations (the release waits for them). */
    resources: pulumi.Resource[];
}

/**
 * Default role name: `<resourceNamePrefix>-agent-<8 hex>`, the hex digits from the project, stack,
 * cluster and namespace, so two stacks (or two clusters, or two namespaces) in one account never
 * collide. At most 30 + 15 characters (IAM allows 64).
 */
export function defaultRoleName(resourceNamePrefix: string, installation: readonly string[]): string {
    return agentIdentityName(resourceNamePrefix, installation);
}

/** Logical-name part of a managed policy attachment: policy name + 8 hex of the ARN (order-independent, unique). */
export function attachmentSlug(policyArn: string): string {
    const name = (policyArn.split("/").pop() ?? "").toLowerCase().replace(/[^a-z0-9-]/g, "-");
    return `${name}-${stableHex([policyArn])}`;
}

/** What identifies this installation for the role name: project, stack, cluster, namespace. */
export function installationKey(cfg: AwsBackendConfig, namespace: string): string[] {
    const cluster = cfg.eksClusterArn ?? cfg.eksClusterName ?? cfg.oidcProvider?.arn ?? "";
    return installation(cluster, namespace);
}

/** Trust: the cluster's OIDC provider with the exact subjects (IRSA), or Pod Identity for this cluster's ServiceAccounts. */
function trustPolicy(scope: BackendScope, args: AwsIdentityArgs): pulumi.Output<object> {
    const cfg = args.config;
    const names = serviceAccountNames(args.serviceAccounts);
    const name = clusterName(cfg) ?? "";
    if (cfg.identity === "podIdentity") {
        const explicit = cfg.eksClusterArn === undefined ? undefined : EKS_CLUSTER_ARN.exec(cfg.eksClusterArn);
        const accountId = explicit?.[2] === undefined ? args.accountId : pulumi.output(explicit[2]);
        const clusterArn =
            cfg.eksClusterArn === undefined
                ? pulumi
                      .all([args.partition, args.accountId])
                      .apply(([partition, account]) => eksClusterArn(partition, cfg.region, account, name))
                : pulumi.output(cfg.eksClusterArn);
        return pulumi.all([accountId, clusterArn]).apply(([account, arn]) =>
            podIdentityTrustPolicy({
                accountId: account,
                clusterArn: arn,
                namespace: args.namespace,
                serviceAccounts: names,
            }),
        );
    }
    if (cfg.oidcProvider !== undefined) {
        return pulumi.output(irsaTrustPolicy(cfg.oidcProvider.arn, cfg.oidcProvider.issuerUrl, args.namespace, names));
    }
    const cluster = eks.getClusterOutput({ name, region: cfg.region }, scope.invoke);
    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs[0]?.issuer ?? "");
    const oidc = iam.getOpenIdConnectProviderOutput({ url: issuer }, scope.invoke);
    return pulumi.all([oidc.arn, issuer]).apply(([arn, url]) => irsaTrustPolicy(arn, url, args.namespace, names));
}

/** Creates the role, its policies and (Pod Identity) one association per ServiceAccount. */
export function createIdentity(scope: BackendScope, args: AwsIdentityArgs): AwsIdentity {
    const cfg = args.config;
    const role = new iam.Role(
        `${scope.name}-role`,
        {
            name: cfg.roleName ?? defaultRoleName(args.resourceNamePrefix, installationKey(cfg, args.namespace)),
            description: `Remote Execution Agent ${args.resourceNamePrefix} (stack ${pulumi.getProject()}/${pulumi.getStack()}, namespace ${args.namespace}): Airflow secrets and XCom`,
            assumeRolePolicy: pulumi.jsonStringify(trustPolicy(scope, args)),
            tags: scope.tags,
        },
        scope.child,
    );
    const access = new iam.RolePolicy(
        `${scope.name}-access`,
        {
            role: role.name,
            name: "airflow-secrets-and-xcom",
            policy: pulumi.jsonStringify(
                pulumi
                    .all([args.partition, args.dnsSuffix, args.accountId, args.bucketName, args.kmsKeyArn])
                    .apply(([partition, dnsSuffix, accountId, bucket, key]) =>
                        agentAccessPolicy({
                            partition,
                            dnsSuffix,
                            region: cfg.region,
                            accountId,
                            secretPrefixes: args.secretPrefixes,
                            bucket,
                            xcomPrefix: cfg.xcom.prefix,
                            taskLogsPrefix: cfg.taskLogs.enabled ? cfg.taskLogs.prefix : undefined,
                            extraPrefixes: cfg.extraS3Prefixes,
                            kmsKeyArn: key,
                        }),
                    ),
            ),
        },
        scope.child,
    );
    const attachments = cfg.managedPolicyArns.map(
        (policyArn) =>
            new iam.RolePolicyAttachment(
                `${scope.name}-managed-${attachmentSlug(policyArn)}`,
                { role: role.name, policyArn },
                scope.child,
            ),
    );
    const associations = (cfg.identity === "podIdentity" ? args.serviceAccounts : []).map(
        (sa) =>
            new eks.PodIdentityAssociation(
                `${scope.name}-pod-identity-${componentSlug(sa.component)}`,
                {
                    clusterName: clusterName(cfg) ?? "",
                    region: cfg.region,
                    namespace: args.namespace,
                    serviceAccount: sa.name,
                    roleArn: role.arn,
                    // The trust policy requires the cluster, namespace and ServiceAccount session tags.
                    disableSessionTags: false,
                    tags: scope.tags,
                },
                scope.child,
            ),
    );
    return {
        role,
        serviceAccountAnnotations: cfg.identity === "irsa" ? { "eks.amazonaws.com/role-arn": role.arn } : {},
        resources: [role, access, ...attachments, ...associations],
    };
}
