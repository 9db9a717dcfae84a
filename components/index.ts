// The reusable components of this project; import them into your own Pulumi programs.
//
// Importing this module loads no cloud SDK: the four cloud backend components (AwsBackend,
// AzureBackend, GcpBackend, VaultBackend) are exported as getters that load their folder, and with it
// the cloud SDK, on first access (through backends/cloudComponents.ts, like the backend factories); everything else here is SDK-free or needs only `@pulumi/kubernetes`.
import type * as aws from "./backends/aws";
import type * as azure from "./backends/azure";
import type * as gcp from "./backends/gcp";
import type * as vault from "./backends/vault";
import { cloudComponents } from "./backends/cloudComponents";

export * from "./agentNamespace";
export * from "./agentNetworkPolicy";
export * from "./agentCredentials";
export * from "./agentServiceAccounts";
export * from "./agentRelease";
export * from "./remoteExecutionAgent";
export * from "./agentFleet";
export * from "../chart/names";
export * from "../chart/values";
export * from "../backends/types";
export { backends, backendSchema } from "../backends/registry";
export { LocalBackend, localBackend } from "./backends/local";
export { createBackend } from "./backends/create";
export { externalBackend } from "../backends/external/backend";
export { awsBackend } from "../backends/aws/backend";
export type { AwsBackendConfig } from "../backends/aws/schema";
export * from "../backends/aws/policies";
export { azureBackend } from "../backends/azure/backend";
export type { AzureBackendConfig } from "../backends/azure/schema";
export * from "../backends/azure/roles";
export { gcpBackend } from "../backends/gcp/backend";
export type { GcpBackendConfig } from "../backends/gcp/schema";
export * from "../backends/gcp/policies";
export { vaultBackend } from "../backends/vault/backend";
export type { VaultBackendConfig } from "../backends/vault/schema";
export {
    agentPolicy as vaultAgentPolicy,
    agentRole as vaultAgentRole,
    seedData as vaultSeedData,
} from "../backends/vault/policies";
export {
    analyzeAgent,
    diagnose,
    expectationsFromValues,
    formatReport,
    type DiagnoseOptions,
    type DiagnoseTarget,
    type DoctorReport,
} from "../doctor";

/** The AWS backend component (loads `@pulumi/aws` on first access). */
export declare const AwsBackend: typeof aws.AwsBackend;
export type AwsBackend = aws.AwsBackend;
/** The Azure backend component (loads `@pulumi/azure-native` modules on first access). */
export declare const AzureBackend: typeof azure.AzureBackend;
export type AzureBackend = azure.AzureBackend;
/** The GCP backend component (loads `@pulumi/gcp` modules on first access). */
export declare const GcpBackend: typeof gcp.GcpBackend;
export type GcpBackend = gcp.GcpBackend;
/** The Vault backend component (loads `@pulumi/vault` modules on first access). */
export declare const VaultBackend: typeof vault.VaultBackend;
export type VaultBackend = vault.VaultBackend;

Object.defineProperties(module.exports, {
    AwsBackend: { enumerable: true, get: () => cloudComponents.aws().AwsBackend },
    AzureBackend: { enumerable: true, get: () => cloudComponents.azure().AzureBackend },
    GcpBackend: { enumerable: true, get: () => cloudComponents.gcp().GcpBackend },
    VaultBackend: { enumerable: true, get: () => cloudComponents.vault().VaultBackend },
});
