// The agent's IAM role: one for every agent component (they read the same secrets and XCom objects,
// and Sentinel checks both integrations), bound by IRSA or EKS Pod Identity to exactly the agent's
// ServiceAccounts in this cluster, with the least-privilege inline policy (with `grants: none` left
// to the stores' owner, as the ownerGrants document) and any managed policies the config adds.
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { IRSA_ROLE_ANNOTATION } from "../../../backends/aws/backend";
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
import { ACCESS_POLICY_NAME, awsOwnerGrants } from "../../../backends/aws/ownerGrants";
import { type AwsBackendConfig, type AwsClusterKeys, clusterName, EKS_CLUSTER_ARN } from "../../../backends/aws/schema";

/** Inputs of {@link createIdentity}. */
export interface AwsIdentityArgs extends Omit<CloudBackendArgs<AwsBackendConfig>, "environment"> {
    partition: pulumi.Output<string>;
    dnsSuffix: pulumi.Output<string>;
    /** The deploying account (the cluster's, unless `eksClusterArn` names another). */
    accountId: pulumi.Output<string>;
    /** Secrets Manager prefixes the backend reads. */
    secretPrefixes: string[];
    bucketName: pulumi.Output<string>;
    /** The task logs' own bucket, when they have one. */
    taskLogsBucketName?: pulumi.Output<string> | undefined;
    kmsKeyArn: pulumi.Output<string> | undefined;
}

/** The role and what binds it. */
export interface AwsIdentity {
    role: iam.Role;
    /** Annotations for every agent ServiceAccount (IRSA only). */
    serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
    /** Role, inline policy, managed policy attachments and Pod Identity associations (the release waits for them). */
    resources: pulumi.Resource[];
    /** With `grants: none`: the document the stores' owner applies (JSON); else undefined. */
    ownerGrants?: pulumi.Output<string>;
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
export function installationKey(cfg: AwsClusterKeys, namespace: string): string[] {
    const cluster = cfg.eksClusterArn ?? cfg.eksClusterName ?? cfg.oidcProvider?.arn ?? "";
    return installation(cluster, namespace);
}

/**
 * The cluster keys with their values known, as one Output. A key given as an Output (another
 * resource's, checked by RemoteExecutionAgent before it resolves) is resolved here; plain ones are as given.
 */
function clusterKeys(cfg: AwsBackendConfig): pulumi.Output<AwsClusterKeys> {
    const oidc = cfg.oidcProvider;
    return pulumi
        .all([cfg.eksClusterName, cfg.eksClusterArn, oidc?.arn, oidc?.issuerUrl])
        .apply(([eksClusterName, eksClusterArn, arn, issuerUrl]) => ({
            eksClusterName,
            eksClusterArn,
            oidcProvider: arn === undefined || issuerUrl === undefined ? undefined : { arn, issuerUrl },
        }));
}

/** Trust: the cluster's OIDC provider with the exact subjects (IRSA), or Pod Identity for this cluster's ServiceAccounts. */
function trustPolicy(
    scope: BackendScope,
    args: AwsIdentityArgs,
    keys: pulumi.Output<AwsClusterKeys>,
): pulumi.Output<object> {
    const cfg = args.config;
    const names = serviceAccountNames(args.serviceAccounts);
    // Which document, and what is looked up, depends only on which keys are set (known at construction).
    if (cfg.identity === "podIdentity") {
        return pulumi
            .all([keys, args.partition, args.accountId, args.namespace])
            .apply(([k, partition, caller, namespace]) => {
                const explicit = k.eksClusterArn === undefined ? undefined : EKS_CLUSTER_ARN.exec(k.eksClusterArn);
                return podIdentityTrustPolicy({
                    accountId: explicit?.[2] ?? caller,
                    clusterArn: k.eksClusterArn ?? eksClusterArn(partition, cfg.region, caller, clusterName(k) ?? ""),
                    namespace,
                    serviceAccounts: names,
                });
            });
    }
    if (cfg.oidcProvider !== undefined) {
        return pulumi
            .all([keys, args.namespace])
            .apply(([k, namespace]) =>
                irsaTrustPolicy(k.oidcProvider?.arn ?? "", k.oidcProvider?.issuerUrl ?? "", namespace, names),
            );
    }
    const name = keys.apply((k) => clusterName(k) ?? "");
    const cluster = eks.getClusterOutput({ name, region: cfg.region }, scope.invoke);
    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs[0]?.issuer ?? "");
    const oidc = iam.getOpenIdConnectProviderOutput({ url: issuer }, scope.invoke);
    return pulumi
        .all([oidc.arn, issuer, args.namespace])
        .apply(([arn, url, namespace]) => irsaTrustPolicy(arn, url, namespace, names));
}

/** Creates the role, its policies and (Pod Identity) one association per ServiceAccount. */
export function createIdentity(scope: BackendScope, args: AwsIdentityArgs): AwsIdentity {
    const cfg = args.config;
    const keys = clusterKeys(cfg);
    const role = new iam.Role(
        `${scope.name}-role`,
        {
            name:
                cfg.roleName ??
                pulumi
                    .all([keys, args.namespace])
                    .apply(([k, namespace]) => defaultRoleName(args.resourceNamePrefix, installationKey(k, namespace))),
            description: pulumi.interpolate`Remote Execution Agent ${args.resourceNamePrefix} (stack ${pulumi.getProject()}/${pulumi.getStack()}, namespace ${args.namespace}): Airflow secrets and XCom`,
            assumeRolePolicy: pulumi.jsonStringify(trustPolicy(scope, args, keys)),
            tags: scope.tags,
        },
        scope.child,
    );
    const accessPolicy = pulumi
        .all([args.partition, args.dnsSuffix, args.accountId, args.bucketName, args.kmsKeyArn, args.taskLogsBucketName])
        .apply(([partition, dnsSuffix, accountId, bucket, key, logsBucket]) =>
            agentAccessPolicy({
                partition,
                dnsSuffix,
                region: cfg.region,
                accountId,
                secretPrefixes: args.secretPrefixes,
                bucket,
                xcomPrefix: cfg.xcom.prefix,
                taskLogsPrefix: cfg.taskLogs.enabled ? cfg.taskLogs.prefix : undefined,
                taskLogsBucket: logsBucket,
                extraPrefixes: cfg.extraS3Prefixes,
                kmsKeyArn: key,
            }),
        );
    // `grants: none`: the stores' owner attaches the same policy (the stack output ownerGrants).
    const access =
        cfg.grants === "none"
            ? []
            : [
                  new iam.RolePolicy(
                      `${scope.name}-access`,
                      { role: role.name, name: ACCESS_POLICY_NAME, policy: pulumi.jsonStringify(accessPolicy) },
                      scope.child,
                  ),
              ];
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
                    clusterName: keys.apply((k) => clusterName(k) ?? ""),
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
        serviceAccountAnnotations: cfg.identity === "irsa" ? { [IRSA_ROLE_ANNOTATION]: role.arn } : {},
        resources: [role, ...access, ...attachments, ...associations],
        ...(cfg.grants === "none"
            ? {
                  ownerGrants: pulumi
                      .all([role.arn, role.name, accessPolicy])
                      .apply(([roleArn, roleName, policy]) =>
                          JSON.stringify(awsOwnerGrants({ roleArn, roleName, policy }), null, 2),
                      ),
              }
            : {}),
    };
}
