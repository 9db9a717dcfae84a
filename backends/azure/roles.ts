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
