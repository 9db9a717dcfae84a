// The Azure backend as the registry sees it: schema, owned names and checks, without
// `@pulumi/azure-native`. The component that creates its resources is components/backends/azure
// (loaded on first use).
import { taskLogsEnvNames } from "../shared";
import type { AgentBackend } from "../types";
import { AZURE_RISKS, azureWeakenings } from "./risks";
import { azureBackendSchema, connectionEnvName, TASK_LOG_ENV, validateAzureBackend } from "./schema";

/** ServiceAccount annotations and the pod label of Microsoft Entra Workload ID. */
export const WORKLOAD_IDENTITY = {
    clientIdAnnotation: "azure.workload.identity/client-id",
    tenantIdAnnotation: "azure.workload.identity/tenant-id",
    useLabel: "azure.workload.identity/use",
} as const;

export const azureBackend: AgentBackend<typeof azureBackendSchema> = {
    kind: "azure",
    schema: azureBackendSchema,
    summary:
        "Azure Key Vault (RBAC, optionally seeded from secret config), a private identity-only Blob Storage XCom container with lifecycle expiry, and one managed identity federated by Microsoft Entra Workload ID to exactly the agent's ServiceAccounts.",
    clusterIdentity: {
        keys: ["aks", "oidcIssuerUrl"],
        example: { aks: { name: "aks-dr", resourceGroupName: "rg-aks-dr" } },
    },
    envNames: (backend) => [
        { name: connectionEnvName(backend.storage.connectionId), setBy: ["backend", "storage", "connectionId"] },
        ...taskLogsEnvNames(backend.taskLogs, TASK_LOG_ENV),
    ],
    serviceAccountAnnotationKeys: () =>
        [WORKLOAD_IDENTITY.clientIdAnnotation, WORKLOAD_IDENTITY.tenantIdAnnotation].map((name) => ({
            name,
            setBy: ["backend"],
        })),
    risks: AZURE_RISKS,
    weakenings: azureWeakenings,
    identityMetadataKeys: Object.values(WORKLOAD_IDENTITY),
    validate: (backend, view) => validateAzureBackend(backend, view),
};
