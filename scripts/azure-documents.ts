// `npx tsx scripts/azure-documents.ts --stack NAME [--stack-file FILE] [--set k.p=v ...]`
// Runs the real program offline (Pulumi mock runtime, like `npm run render`) and prints, as one JSON
// document, what it grants and federates on Azure: role assignments (role, definition id, scope),
// federated identity credentials, the storage account and container settings, seeded secret names,
// what each granted built-in role allows, and the chart's Airflow settings and workload-identity
// annotations; with `backend.grants: none`, the `ownerGrants` document instead of role assignments.
// The Airflow XCom proof (tests/airflow/test_azure_xcom.py) judges exactly these.
import { BUILTIN_ROLES, ROLE_PERMISSIONS } from "../backends/azure/roles";
import { chartValues, documentScript, envMap, ofType, ownerGrantsOf, serviceAccountsOf } from "./lib/documentScript";
import type { RecordedResource } from "./lib/mockRun";

/** The Azure picture of a mock run. */
export function azureDocuments(
    resources: readonly RecordedResource[],
    outputs: Record<string, unknown> = {},
): Record<string, unknown> {
    const of = (type: string) => ofType(resources, type);
    const roleByGuid = Object.fromEntries(Object.entries(BUILTIN_ROLES).map(([k, v]) => [v, k]));
    const values = chartValues<{
        secretBackend: string;
        xcomBackend: string;
        commonEnv: { name: string; value?: string }[];
        labels: Record<string, string>;
        serviceAccount: { annotations?: Record<string, string> };
    }>(resources);
    return {
        serviceAccounts: serviceAccountsOf(resources),
        identities: of("azure-native:managedidentity:UserAssignedIdentity").map((i) => i.inputs),
        federatedCredentials: of("azure-native:managedidentity:FederatedIdentityCredential").map((f) => f.inputs),
        roleAssignments: of("azure-native:authorization:RoleAssignment").map((a) => ({
            logicalName: a.name,
            ...a.inputs,
            role: roleByGuid[String(a.inputs.roleDefinitionId).split("/").pop() ?? ""],
        })),
        rolePermissions: ROLE_PERMISSIONS,
        storageAccounts: of("azure-native:storage:StorageAccount").map((s) => s.inputs),
        containers: of("azure-native:storage:BlobContainer").map((c) => c.inputs),
        lifecycleRules: of("azure-native:storage:ManagementPolicy").flatMap(
            (m) => (m.inputs.policy as { rules?: unknown[] } | undefined)?.rules ?? [],
        ),
        vaults: of("azure-native:keyvault:Vault").map((v) => v.inputs),
        accessPolicies: of("azure-native:keyvault:AccessPolicy").map((a) => a.inputs),
        secrets: of("azure-native:keyvault:Secret").map((s) => ({
            vaultName: s.inputs.vaultName,
            name: s.inputs.secretName,
        })),
        chart: {
            secretBackend: values.secretBackend,
            xcomBackend: values.xcomBackend,
            commonEnv: envMap(values.commonEnv),
            labels: values.labels ?? {},
            serviceAccountAnnotations: values.serviceAccount?.annotations ?? {},
        },
        ...ownerGrantsOf(outputs),
    };
}

if (require.main === module) {
    documentScript("azure-documents.ts", azureDocuments, (docs) =>
        (docs.identities as unknown[]).length === 0
            ? "creates no managed identity (backend.kind is not azure)"
            : undefined,
    );
}
