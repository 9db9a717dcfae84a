// Who the agent is on Google Cloud, and what it may do: Workload Identity Federation for GKE, either
// directly (roles granted to each Kubernetes ServiceAccount's principal) or through one Google service
// account each agent ServiceAccount may impersonate. The grants are exactly `agentGrants()` of
// policies.ts: secret access conditioned to the backend's prefixes, bucket access conditioned to the
// XCom prefix (and, with task logs, a second role conditioned to the logs prefix). With `grants: none`
// only the Google service account and its impersonation bindings are created; the rest is ownerGrants.
import * as pulumi from "@pulumi/pulumi";
import * as projects from "@pulumi/gcp/projects";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import { GKE_SERVICE_ACCOUNT_ANNOTATION } from "../../../backends/gcp/backend";
import { componentSlug } from "../../../chart/names";
import { type BackendScope, type CloudBackendArgs, stableHex, installationKey, serviceAccountNames } from "../shared";
import {
    agentGrants,
    customRoleName,
    gcpOwnerGrants,
    principalMember,
    serviceAccountMember,
    type IamGrant,
    taskLogsCustomRole,
    workloadIdentityUserMember,
    xcomCustomRole,
} from "../../../backends/gcp/policies";
import type { Resolved } from "../../../schema/primitives";
import { type GcpBackendConfig, storeProjects } from "../../../backends/gcp/schema";

/** Inputs of {@link createIdentity}. */
export interface GcpIdentityArgs extends Omit<CloudBackendArgs<GcpBackendConfig>, "environment"> {
    /** Number of the secrets' project (secret resource names). */
    projectNumber: pulumi.Output<string>;
    /** The workload identity pool and the number of its project (principal identifiers). */
    workloadPool: pulumi.Output<string>;
    poolProjectNumber: pulumi.Output<string>;
    secretPrefixes: string[];
    bucketName: pulumi.Output<string>;
}

/** The identity and its grants. */
export interface GcpIdentity {
    /** Every grant, resolved (what scripts/gcp-policy.ts prints). */
    grants: pulumi.Output<IamGrant[]>;
    /** The Google service account's email (identity `serviceAccount`). */
    serviceAccountEmail?: pulumi.Output<string>;
    serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
    /** Accounts, roles and IAM members (the release waits for them). */
    resources: pulumi.Resource[];
    /** With `grants: none`: the document the stores' owner applies (JSON); else undefined. */
    ownerGrants?: pulumi.Output<string>;
}

/** `<resourceNamePrefix>-<8 hex>`: unique per project, stack, cluster and namespace, at most 30 characters. */
export function defaultServiceAccountId(resourceNamePrefix: string, installation: readonly string[]): string {
    const head = resourceNamePrefix
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .slice(0, 21)
        .replace(/-+$/, "");
    return `${/^[a-z]/.test(head) ? head : `a${head}`.slice(0, 21)}-${stableHex(installation)}`;
}

/** Custom role ids allow `[A-Za-z0-9_.]` only: `astroAgentXcom_<8 hex>`, unique per installation. */
export function defaultCustomRoleId(installation: readonly string[]): string {
    return `astroAgentXcom_${stableHex(installation)}`;
}

/** The task logs role: `astroAgentLogs_<8 hex>`, the same hex as the XCom role. */
export function defaultTaskLogsRoleId(installation: readonly string[]): string {
    return `astroAgentLogs_${stableHex(installation)}`;
}

/** The cluster part of the installation key. */
function clusterKey(cfg: Resolved<Pick<GcpBackendConfig, "workloadPool" | "gkeCluster" | "project">>): string {
    return (
        cfg.workloadPool ??
        `${cfg.gkeCluster?.project ?? cfg.project}/${cfg.gkeCluster?.location ?? ""}/${cfg.gkeCluster?.name ?? ""}`
    );
}

/** Creates the Google service account (identity `serviceAccount`), the custom role and every grant. */
export function createIdentity(scope: BackendScope, args: GcpIdentityArgs): GcpIdentity {
    const cfg = args.config;
    // The installation key is made of values that may be Outputs (cluster identity, namespace): the
    // names hashed from it are Outputs too, the same names as for the plain values.
    const installation = pulumi
        .all([
            pulumi.output({ workloadPool: cfg.workloadPool, gkeCluster: cfg.gkeCluster, project: cfg.project }),
            args.namespace,
        ])
        .apply(([cluster, namespace]) => installationKey(clusterKey(cluster), namespace));
    const names = serviceAccountNames(args.serviceAccounts);
    const resources: pulumi.Resource[] = [];
    // Each grant and role is made in the project owning its resource (the custom roles in the bucket's).
    const owners = storeProjects(cfg);

    const account =
        cfg.identity === "serviceAccount"
            ? new serviceaccount.Account(
                  `${scope.name}-sa`,
                  {
                      project: owners.serviceAccount,
                      accountId:
                          cfg.serviceAccountId ??
                          installation.apply((i) => defaultServiceAccountId(args.resourceNamePrefix, i)),
                      displayName: `Remote Execution Agent ${args.resourceNamePrefix}`,
                      description: pulumi.interpolate`Airflow secrets and XCom of the agent in namespace ${args.namespace} (stack ${pulumi.getProject()}/${pulumi.getStack()})`,
                  },
                  scope.child,
              )
            : undefined;
    if (account !== undefined) {
        resources.push(account);
    }

    // `grants: none`: no custom role and no role binding is created; ownerGrants says what to create.
    const owned = cfg.grants === "none";
    const xcomRoleDef = installation.apply((i) => xcomCustomRole(defaultCustomRoleId(i), args.resourceNamePrefix));
    const logsRoleDef = installation.apply((i) =>
        taskLogsCustomRole(defaultTaskLogsRoleId(i), args.resourceNamePrefix),
    );
    const role = owned ? undefined : customRole(scope, "xcom-role", owners.bucket, xcomRoleDef);
    if (role !== undefined) {
        resources.push(role);
    }
    // Through the created role's id, so a binding waits for its role.
    const bucketRole = pulumi
        .all([owners.bucket, role?.roleId ?? xcomRoleDef.roleId])
        .apply(([project, id]) => customRoleName(project, id));
    const logsRole = cfg.taskLogs.enabled && !owned ? taskLogsRole(scope, args, installation) : undefined;
    if (logsRole !== undefined) {
        resources.push(logsRole);
    }
    const taskLogsRoleName = !cfg.taskLogs.enabled
        ? pulumi.output("")
        : pulumi
              .all([owners.bucket, logsRole?.roleId ?? logsRoleDef.roleId])
              .apply(([project, id]) => customRoleName(project, id));

    // The members roles are granted to: one principal per ServiceAccount, or the one Google service account.
    const memberSlugs =
        account === undefined ? args.serviceAccounts.map((sa) => componentSlug(sa.component)) : ["agent"];
    const grants = pulumi
        .all([
            args.projectNumber,
            args.poolProjectNumber,
            args.workloadPool,
            args.bucketName,
            pulumi.all([bucketRole, taskLogsRoleName]),
            account?.email ?? pulumi.output(""),
            owners.secrets,
            args.namespace,
        ])
        .apply(([projectNumber, poolNumber, pool, bucket, [roleName, logsRoleName], email, project, namespace]) =>
            agentGrants({
                project,
                projectNumber,
                members:
                    account === undefined
                        ? names.map((sa) => principalMember(poolNumber, pool, namespace, sa))
                        : [serviceAccountMember(email)],
                secretPrefixes: args.secretPrefixes,
                sep: cfg.secretManager.sep,
                bucket,
                xcomPrefix: cfg.xcom.prefix,
                bucketRole: roleName,
                taskLogs: cfg.taskLogs.enabled ? { prefix: cfg.taskLogs.prefix, role: logsRoleName } : undefined,
                impersonation:
                    account === undefined
                        ? undefined
                        : {
                              serviceAccountEmail: email,
                              members: names.map((sa) => workloadIdentityUserMember(pool, namespace, sa)),
                          },
            }),
        );
    const grant = (kind: IamGrant["resource"]["kind"], conditionTitle?: string) =>
        grants.apply(
            (gs) =>
                gs.find(
                    (g) =>
                        g.resource.kind === kind &&
                        (conditionTitle === undefined || g.condition?.title === conditionTitle),
                ) as IamGrant,
        );

    if (account !== undefined) {
        const wi = grant("serviceAccount");
        args.serviceAccounts.forEach((sa, i) => {
            resources.push(
                new serviceaccount.IAMMember(
                    `${scope.name}-wi-${componentSlug(sa.component)}`,
                    {
                        serviceAccountId: account.name,
                        role: wi.role,
                        member: wi.apply((g) => g.members[i] as string),
                    },
                    scope.child,
                ),
            );
        });
    }
    const secrets = grant("project");
    const bucket = grant("bucket", "xcom-prefix-only");
    const logs = cfg.taskLogs.enabled ? grant("bucket", "task-logs-prefix-only") : undefined;
    (owned ? [] : memberSlugs).forEach((slug, i) => {
        resources.push(
            new projects.IAMMember(
                `${scope.name}-secrets-${slug}`,
                {
                    project: owners.secrets,
                    role: secrets.role,
                    member: secrets.apply((g) => g.members[i] as string),
                    condition: secrets.apply((g) => g.condition as NonNullable<IamGrant["condition"]>),
                },
                scope.child,
            ),
            new storage.BucketIAMMember(
                `${scope.name}-xcom-${slug}`,
                {
                    bucket: args.bucketName,
                    role: bucket.role,
                    member: bucket.apply((g) => g.members[i] as string),
                    condition: bucket.apply((g) => g.condition as NonNullable<IamGrant["condition"]>),
                },
                scope.child,
            ),
        );
        if (logs !== undefined) {
            resources.push(
                new storage.BucketIAMMember(
                    `${scope.name}-task-logs-${slug}`,
                    {
                        bucket: args.bucketName,
                        role: logs.role,
                        member: logs.apply((g) => g.members[i] as string),
                        condition: logs.apply((g) => g.condition as NonNullable<IamGrant["condition"]>),
                    },
                    scope.child,
                ),
            );
        }
    });
    return {
        grants,
        ...(owned
            ? {
                  ownerGrants: pulumi
                      .all([owners.bucket, xcomRoleDef, logsRoleDef, grants])
                      .apply(([project, xcomRole, logsRole, gs]) =>
                          JSON.stringify(
                              gcpOwnerGrants({
                                  project,
                                  customRoles: cfg.taskLogs.enabled ? [xcomRole, logsRole] : [xcomRole],
                                  grants: gs,
                              }),
                              null,
                              2,
                          ),
                      ),
              }
            : {}),
        ...(account === undefined ? {} : { serviceAccountEmail: account.email }),
        serviceAccountAnnotations: account === undefined ? {} : { [GKE_SERVICE_ACCOUNT_ANNOTATION]: account.email },
        resources,
    };
}

/** A custom role from its definition (roleId, title, description, permissions), named `<scope>-<suffix>`. */
function customRole(
    scope: BackendScope,
    suffix: string,
    project: pulumi.Input<string>,
    definition: pulumi.Output<{ roleId: string; title: string; description: string; permissions: string[] }>,
): projects.IAMCustomRole {
    return new projects.IAMCustomRole(
        `${scope.name}-${suffix}`,
        {
            project,
            roleId: definition.roleId,
            title: definition.title,
            description: definition.description,
            permissions: definition.permissions,
            stage: "GA",
        },
        scope.child,
    );
}

/** The custom role of the task logs grant (exactly `TASK_LOG_OBJECT_PERMISSIONS`). */
function taskLogsRole(
    scope: BackendScope,
    args: GcpIdentityArgs,
    installation: pulumi.Output<string[]>,
): projects.IAMCustomRole {
    return customRole(
        scope,
        "task-logs-role",
        storeProjects(args.config).bucket,
        installation.apply((i) => taskLogsCustomRole(defaultTaskLogsRoleId(i), args.resourceNamePrefix)),
    );
}
