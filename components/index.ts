// The reusable components of this project; import them into your own Pulumi programs.
export * from "./agentNamespace";
export * from "./agentCredentials";
export * from "./agentServiceAccounts";
export * from "./agentRelease";
export * from "./remoteExecutionAgent";
export * from "./agentFleet";
export * from "./names";
export * from "./values";
export * from "./backends/types";
export { backends, backendSchema, PLANNED_BACKEND_KINDS } from "./backends/registry";
export { LocalBackend, localBackend } from "./backends/local";
export { externalBackend } from "./backends/external";
export { AwsBackend, awsBackend, type AwsBackendConfig } from "./backends/aws";
export * from "./backends/aws/policies";
export { AzureBackend, azureBackend, type AzureBackendConfig } from "./backends/azure";
export * from "./backends/azure/roles";
export { GcpBackend, gcpBackend, type GcpBackendConfig } from "./backends/gcp";
export * from "./backends/gcp/policies";
export { VaultBackend, vaultBackend, type VaultBackendConfig } from "./backends/vault";
export {
    agentPolicy as vaultAgentPolicy,
    agentRole as vaultAgentRole,
    seedData as vaultSeedData,
} from "./backends/vault/policies";
export {
    analyzeAgent,
    diagnose,
    expectationsFromValues,
    formatReport,
    type DiagnoseOptions,
    type DiagnoseTarget,
    type DoctorReport,
} from "./doctor";
