// The agent's IAM role: one for every agent component (they read the same secrets and XCom objects,
// and Sentinel checks both integrations), bound by IRSA or EKS Pod Identity to exactly the agent's
// ServiceAccounts, with the least-privilege inline policy.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { componentSlug } from "../../names";
import { type BackendScope, serviceAccountNames } from "../shared";
import type { AgentServiceAccountRef } from "../types";
import { agentAccessPolicy, irsaTrustPolicy, podIdentityTrustPolicy } from "./policies";
import type { AwsBackendConfig } from "./schema";

/** Inputs of {@link createIdentity}. */
export interface AwsIdentityArgs {
    config: AwsBackendConfig;
    namespace: string;
    serviceAccounts: AgentServiceAccountRef[];
    resourceNamePrefix: string;
    partition: pulumi.Output<string>;
    accountId: pulumi.Output<string>;
    /** Secrets Manager prefixes the backend reads. */
    secretPrefixes: string[];
    bucketName: pulumi.Output<string>;
    kmsKeyArn: pulumi.Output<string> | undefined;
}

/** The role and what binds it. */
export interface AwsIdentity {
    role: aws.iam.Role;
    /** Annotations for every agent ServiceAccount (IRSA only). */
    serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
    /** Role, inline policy and Pod Identity associations (the release waits for them). */
    resources: pulumi.Resource[];
}

/** Trust: the cluster's OIDC provider with the exact subjects (IRSA), or the Pod Identity service. */
function trustPolicy(scope: BackendScope, args: AwsIdentityArgs): pulumi.Output<object> {
    const cfg = args.config;
    const names = serviceAccountNames(args.serviceAccounts);
    if (cfg.identity === "podIdentity") {
        return pulumi.output(podIdentityTrustPolicy());
    }
    if (cfg.oidcProvider !== undefined) {
        return pulumi.output(irsaTrustPolicy(cfg.oidcProvider.arn, cfg.oidcProvider.issuerUrl, args.namespace, names));
    }
    const cluster = aws.eks.getClusterOutput({ name: cfg.eksClusterName ?? "", region: cfg.region }, scope.invoke);
    const issuer = cluster.identities.apply((ids) => ids[0]?.oidcs[0]?.issuer ?? "");
    const oidc = aws.iam.getOpenIdConnectProviderOutput({ url: issuer }, scope.invoke);
    return pulumi.all([oidc.arn, issuer]).apply(([arn, url]) => irsaTrustPolicy(arn, url, args.namespace, names));
}

/** Creates the role, its inline policy and (Pod Identity) one association per ServiceAccount. */
export function createIdentity(scope: BackendScope, args: AwsIdentityArgs): AwsIdentity {
    const cfg = args.config;
    const role = new aws.iam.Role(
        `${scope.name}-role`,
        {
            name: cfg.roleName ?? `${args.resourceNamePrefix}-agent`,
            description: `Remote Execution Agent ${args.resourceNamePrefix} (${args.namespace}): Airflow secrets and XCom`,
            assumeRolePolicy: pulumi.jsonStringify(trustPolicy(scope, args)),
            tags: scope.tags,
        },
        scope.child,
    );
    const access = new aws.iam.RolePolicy(
        `${scope.name}-access`,
        {
            role: role.name,
            name: "airflow-secrets-and-xcom",
            policy: pulumi.jsonStringify(
                pulumi
                    .all([args.partition, args.accountId, args.bucketName, args.kmsKeyArn])
                    .apply(([partition, accountId, bucket, key]) =>
                        agentAccessPolicy({
                            partition,
                            region: cfg.region,
                            accountId,
                            secretPrefixes: args.secretPrefixes,
                            bucket,
                            xcomPrefix: cfg.xcom.prefix,
                            kmsKeyArn: key,
                        }),
                    ),
            ),
        },
        scope.child,
    );
    const associations = (cfg.identity === "podIdentity" ? args.serviceAccounts : []).map(
        (sa) =>
            new aws.eks.PodIdentityAssociation(
                `${scope.name}-pod-identity-${componentSlug(sa.component)}`,
                {
                    clusterName: cfg.eksClusterName ?? "",
                    namespace: args.namespace,
                    serviceAccount: sa.name,
                    roleArn: role.arn,
                    tags: scope.tags,
                },
                scope.child,
            ),
    );
    return {
        role,
        serviceAccountAnnotations: cfg.identity === "irsa" ? { "eks.amazonaws.com/role-arn": role.arn } : {},
        resources: [role, access, ...associations],
    };
}
