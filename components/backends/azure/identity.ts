// The agent's identity: one user-assigned managed identity for every agent component, one federated
// identity credential per agent ServiceAccount (exact issuer and subject, the token-exchange audience),
// and role assignments with deterministic names: Key Vault Secrets User on the vault (or on each seeded
// or listed secret; or, on an existing vault that uses access policies, a `get`-only secret access policy) and
// Storage Blob Data Contributor on the XCom container only (task logs live under their prefix in it).
// With `grants: none` the same assignments and policy are not created but returned as the owner's document.
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { componentSlug } from "../../../chart/names";
import { agentIdentityName, type BackendScope, serviceAccountSubject, stableGuid } from "../shared";
import type { AgentServiceAccountRef } from "../../../backends/types";
import {
    type BuiltinRole,
    ownerGrantsDocument,
    ROLE_NAMES,
    roleDefinitionId,
    SECRETS_GET_PERMISSIONS,
    secretScope,
    WORKLOAD_IDENTITY_AUDIENCE,
} from "../../../backends/azure/roles";
import { type AzureBackendConfig, keyVaultReadScope, listedSecretReads } from "../../../backends/azure/schema";
import type { AzureSecretsStore } from "./secretsStore";
import type { AzureXComStore } from "./xcomStore";

/** Inputs of {@link createIdentity}. */
export interface AzureIdentityArgs {
    config: AzureBackendConfig;
    namespace: pulumi.Input<string>;
    serviceAccounts: AgentServiceAccountRef[];
    resourceNamePrefix: string;
    /** Project, stack, cluster, namespace: known once the cluster keys and the namespace are. */
    installation: pulumi.Output<string[]>;
    resourceGroupName: pulumi.Input<string>;
    subscriptionId: pulumi.Output<string>;
    /** The cluster's OIDC issuer URL, exactly as the cluster puts it in its tokens. */
    issuer: pulumi.Output<string>;
    secrets: AzureSecretsStore;
    xcom: AzureXComStore;
}

/** The identity and what binds and grants it. */
export interface AzureIdentity {
    identity: managedidentity.UserAssignedIdentity;
    clientId: pulumi.Output<string>;
    /** Federated credentials, role assignments (the release waits for them). */
    resources: pulumi.Resource[];
    /** With `grants: none`: the document the stores' owner applies (JSON); else undefined. */
    ownerGrants?: pulumi.Output<string>;
}

/** One role assignment: a role at a scope, named by a GUID of the installation, role and scope key. */
interface Grant {
    logicalName: string;
    role: BuiltinRole;
    scope: pulumi.Input<string>;
    /** What the scope is, in config terms (part of the deterministic assignment name). */
    scopeKey: pulumi.Input<string>;
    description: pulumi.Input<string>;
    dependsOn: pulumi.Resource[];
}

/**
 * The role assignments of this config: storage on the container; secrets on the vault or on each seeded
 * secret (none with `permissionModel: accessPolicy`: {@link secretsAccessPolicy} grants those).
 */
export function grants(scope: BackendScope, args: AzureIdentityArgs): Grant[] {
    const cfg = args.config;
    const storage: Grant = {
        logicalName: `${scope.name}-xcom-access`,
        role: "storageBlobDataContributor",
        scope: args.xcom.containerId,
        scopeKey: pulumi.interpolate`storage/${args.xcom.accountName}/${cfg.storage.containerName}`,
        description: pulumi.interpolate`Remote Execution Agent ${args.resourceNamePrefix}: XCom blobs in ${args.xcom.accountName}/${cfg.storage.containerName}`,
        dependsOn: args.xcom.resources,
    };
    if (cfg.keyVault.permissionModel === "accessPolicy") {
        return [storage];
    }
    if (keyVaultReadScope(cfg) === "vault") {
        return [
            {
                logicalName: `${scope.name}-secrets-access`,
                role: "keyVaultSecretsUser",
                scope: args.secrets.vaultId,
                scopeKey: pulumi.interpolate`vault/${args.secrets.vaultName}`,
                description: pulumi.interpolate`Remote Execution Agent ${args.resourceNamePrefix}: Airflow secrets in ${args.secrets.vaultName}`,
                dependsOn: args.secrets.resources,
            },
            storage,
        ];
    }
    const secret = (name: string, secretId: pulumi.Input<string>, dependsOn: pulumi.Resource[]): Grant => ({
        logicalName: `${scope.name}-secret-access-${name.toLowerCase()}`,
        role: "keyVaultSecretsUser",
        scope: secretId,
        scopeKey: pulumi.interpolate`vault/${args.secrets.vaultName}/secrets/${name}`,
        description: pulumi.interpolate`Remote Execution Agent ${args.resourceNamePrefix}: secret ${name} in ${args.secrets.vaultName}`,
        dependsOn,
    });
    return [
        ...args.secrets.secrets.map((s) => secret(s.name, s.resource.id, [s.resource])),
        // `listedSecrets`: existing secrets, each its own scope (Key Vault role assignments take no conditions).
        ...listedSecretReads(cfg).map((name) =>
            secret(
                name,
                args.secrets.vaultId.apply((id) => secretScope(id, name)),
                args.secrets.resources,
            ),
        ),
        storage,
    ];
}

/** The access policy entry of the identity on a vault that uses access policies: `get` on secrets, nothing else. */
export function secretsAccessPolicyEntry(
    objectId: pulumi.Input<string>,
    tenantId: pulumi.Input<string>,
): keyvault.AccessPolicyArgs["policy"] {
    return { objectId, tenantId, permissions: SECRETS_GET_PERMISSIONS };
}

/** Creates the identity, its federated credentials (one after another) and its role assignments. */
export function createIdentity(scope: BackendScope, args: AzureIdentityArgs): AzureIdentity {
    const cfg = args.config;
    const identity = new managedidentity.UserAssignedIdentity(
        `${scope.name}-identity`,
        {
            resourceName:
                cfg.identityName ?? args.installation.apply((i) => agentIdentityName(args.resourceNamePrefix, i)),
            resourceGroupName: args.resourceGroupName,
            location: cfg.location,
            tags: scope.tags,
        },
        scope.child,
    );
    // Microsoft Entra refuses concurrent credential writes on one identity (409
    // ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity): each waits for the previous.
    const credentials: managedidentity.FederatedIdentityCredential[] = [];
    for (const sa of args.serviceAccounts) {
        const previous = credentials[credentials.length - 1];
        credentials.push(
            new managedidentity.FederatedIdentityCredential(
                `${scope.name}-federation-${componentSlug(sa.component)}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    resourceName: identity.name,
                    federatedIdentityCredentialResourceName: sa.name,
                    issuer: args.issuer,
                    subject: pulumi.output(args.namespace).apply((ns) => serviceAccountSubject(ns, sa.name)),
                    audiences: [WORKLOAD_IDENTITY_AUDIENCE],
                },
                { ...scope.child, ...(previous === undefined ? {} : { dependsOn: [previous] }) },
            ),
        );
    }
    const planned = grants(scope, args);
    const assignmentName = (g: Grant) =>
        // The same GUID for the same values, whether they were given plainly or as Outputs.
        pulumi
            .all([args.installation, g.scopeKey])
            .apply(([installation, scopeKey]) => stableGuid([...installation, g.role, scopeKey]));
    if (cfg.grants === "none") {
        return {
            identity,
            clientId: identity.clientId,
            resources: [identity, ...credentials],
            ownerGrants: ownerGrants(args, identity, planned, assignmentName),
        };
    }
    const assignments = planned.map(
        (g) =>
            new authorization.RoleAssignment(
                g.logicalName,
                {
                    roleAssignmentName: assignmentName(g),
                    principalId: identity.principalId,
                    // Set, so a just-created identity is not looked up in Entra first (replication delay).
                    principalType: "ServicePrincipal",
                    roleDefinitionId: args.subscriptionId.apply((sub) => roleDefinitionId(sub, g.role)),
                    scope: g.scope,
                    description: g.description,
                },
                { ...scope.child, dependsOn: g.dependsOn },
            ),
    );
    const policies =
        cfg.keyVault.permissionModel === "accessPolicy"
            ? [
                  new keyvault.AccessPolicy(
                      `${scope.name}-secrets-access-policy`,
                      {
                          resourceGroupName: args.secrets.resourceGroupName,
                          // Through the vault id: known only once the lookup found the vault using access policies.
                          vaultName: pulumi.all([args.secrets.vaultId, args.secrets.vaultName]).apply(([, n]) => n),
                          policy: secretsAccessPolicyEntry(identity.principalId, identity.tenantId),
                      },
                      { ...scope.child, dependsOn: args.secrets.resources },
                  ),
              ]
            : [];
    return {
        identity,
        clientId: identity.clientId,
        resources: [identity, ...credentials, ...assignments, ...policies],
    };
}

/** The `ownerGrants` document: the assignments and access policy {@link createIdentity} would create, as JSON. */
function ownerGrants(
    args: AzureIdentityArgs,
    identity: managedidentity.UserAssignedIdentity,
    planned: Grant[],
    assignmentName: (g: Grant) => pulumi.Output<string>,
): pulumi.Output<string> {
    const assignments = planned.map((g) =>
        pulumi
            .all([assignmentName(g), args.subscriptionId, g.scope, g.description])
            .apply(([name, sub, scope, description]) => ({
                name,
                roleName: ROLE_NAMES[g.role],
                roleDefinitionId: roleDefinitionId(sub, g.role),
                scope,
                description,
            })),
    );
    const policies =
        args.config.keyVault.permissionModel === "accessPolicy"
            ? [
                  // Through the vault id: known only once the lookup found the vault using access policies.
                  pulumi
                      .all([
                          args.secrets.vaultId,
                          args.secrets.vaultName,
                          args.secrets.resourceGroupName,
                          identity.principalId,
                          identity.tenantId,
                      ])
                      .apply(([, vaultName, resourceGroupName, objectId, tenantId]) => ({
                          vaultName,
                          resourceGroupName,
                          objectId,
                          tenantId,
                          permissions: SECRETS_GET_PERMISSIONS,
                      })),
              ]
            : [];
    return pulumi
        .all([identity.principalId, pulumi.all(assignments), pulumi.all(policies)])
        .apply(([principalId, roleAssignments, accessPolicies]) =>
            JSON.stringify(ownerGrantsDocument({ principalId, roleAssignments, accessPolicies }), null, 2),
        );
}
