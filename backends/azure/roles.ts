// The Azure built-in roles the agent's identity gets, as pure data: definition GUIDs, full definition
// IDs, the scopes they are assigned at, and what each role allows (for the docs and the Airflow proof).

/** Built-in role definition GUIDs (the same in every tenant and cloud). */
export const BUILTIN_ROLES = {
    /** Key Vault Secrets User: read secret contents. */
    keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
    /** Storage Blob Data Contributor: read, write and delete blobs. */
    storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
} as const;
export type BuiltinRole = keyof typeof BUILTIN_ROLES;

/**
 * What each role grants (Microsoft's built-in role definitions). The Airflow proof maps every REST
 * call real Airflow makes to one of these and reports what is granted but never used.
 */
export const ROLE_PERMISSIONS: Record<BuiltinRole, { actions: string[]; dataActions: string[] }> = {
    keyVaultSecretsUser: {
        actions: [],
        dataActions: [
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ],
    },
    storageBlobDataContributor: {
        actions: [
            "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
            "Microsoft.Storage/storageAccounts/blobServices/containers/read",
            "Microsoft.Storage/storageAccounts/blobServices/containers/write",
            "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
        ],
        dataActions: [
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
        ],
    },
};

/** The audience Microsoft Entra expects in a federated Kubernetes token. */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
export function roleDefinitionId(subscriptionId: string, role: BuiltinRole): string {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILTIN_ROLES[role]}`;
}

/** The ARM id of a resource group. */
export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/** The ARM id of a blob container, the scope of the storage role. */
export function containerScope(storageAccountId: string, container: string): string {
    return `${storageAccountId}/blobServices/default/containers/${container}`;
}

/** The ARM id of one Key Vault secret, the scope of a per-secret read grant. */
export function secretScope(vaultId: string, secretName: string): string {
    return `${vaultId}/secrets/${secretName}`;
}

/** Display names of the built-in roles (what `az role assignment create --role` also takes). */
export const ROLE_NAMES: Record<BuiltinRole, string> = {
    keyVaultSecretsUser: "Key Vault Secrets User",
    storageBlobDataContributor: "Storage Blob Data Contributor",
};

/** One role assignment for the owner of a store to create (`backend.grants: none`). */
export interface OwnerRoleAssignment {
    /** The GUID the program would have named it (the same on every run). */
    name: string;
    roleName: string;
    roleDefinitionId: string;
    scope: string;
    description: string;
}

/** The permissions of the identity's access policy entry: `get` on secrets, nothing else. */
export const SECRETS_GET_PERMISSIONS = { secrets: ["get"], keys: [], certificates: [], storage: [] };

/** One access policy entry for the owner of a vault that uses access policies. */
export interface OwnerAccessPolicy {
    vaultName: string;
    resourceGroupName: string;
    objectId: string;
    tenantId: string;
    permissions: typeof SECRETS_GET_PERMISSIONS;
}

/**
 * What the owner of the stores grants the agent's identity when the program grants nothing: the role
 * assignments (each as `az role assignment create --assignee-object-id <principalId>
 * --assignee-principal-type ServicePrincipal --role <roleDefinitionId> --scope <scope>`) and the vault
 * access policies, exactly those the program creates with `grants: create`.
 */
export function ownerGrantsDocument(p: {
    principalId: string;
    roleAssignments: OwnerRoleAssignment[];
    accessPolicies: OwnerAccessPolicy[];
}): Record<string, unknown> {
    return {
        grantee: { principalId: p.principalId, principalType: "ServicePrincipal" },
        roleAssignments: p.roleAssignments,
        accessPolicies: p.accessPolicies,
    };
}
