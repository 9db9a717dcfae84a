// Azure backend: Key Vault for connections and variables, Blob Storage for XCom, and one user-assigned
// managed identity bound by Microsoft Entra Workload ID to exactly the agent's ServiceAccounts.
// Layout: schema.ts (config), backend.ts (what the registry lists, SDK-free), secretsStore.ts,
// xcomStore.ts, identity.ts, roles.ts (pure role data); this file wires them in one component. Each azure-native module is imported on its own, so a stack
// loads only what it uses (`@pulumi/azure-native` as a whole is ~136 MB).
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { AZURE_KEY_VAULT_BACKEND, XCOM_OBJECT_STORAGE_BACKEND } from "../../../backends/airflow";
import { componentType, withLegacyAlias } from "../../typeTokens";
import { cloudBackendScope, installationKey, type BackendScope } from "../shared";
import { OWNER_GRANTS_OUTPUT } from "../../../backends/shared";
import type { AgentServiceAccountRef, BackendContribution } from "../../../backends/types";
import type { EnvVar } from "../../../schema/primitives";
import { WORKLOAD_IDENTITY } from "../../../backends/azure/backend";
import { createIdentity } from "./identity";
import {
    type AzureBackendConfig,
    type ResolvedAzureBackendConfig,
    taskLogsFolder,
} from "../../../backends/azure/schema";
import { createSecretsStore, keyVaultKwargs } from "./secretsStore";
import { createXComStore, xcomConnectionEnv } from "./xcomStore";

export { azureBackend, WORKLOAD_IDENTITY } from "../../../backends/azure/backend";
export { azureBackendSchema, validateAzureBackend, type AzureBackendConfig } from "../../../backends/azure/schema";

/** Args of {@link AzureBackend}. */
export interface AzureBackendArgs {
    /** The parsed `backend` block. */
    config: AzureBackendConfig;
    /** Namespace of the agent's ServiceAccounts (part of every federated subject): a string or an Output. */
    namespace: pulumi.Input<string>;
    /** The exact ServiceAccounts to federate. */
    serviceAccounts: AgentServiceAccountRef[];
    /** Prefix of the default identity, vault and account names. */
    resourceNamePrefix: string;
    /** prod retains the data stores (and a created resource group) on destroy. */
    environment: "dev" | "prod";
}

/** What identifies this installation: project, stack, cluster (or issuer), namespace. */
export function azureInstallationKey(
    cfg: Pick<ResolvedAzureBackendConfig, "aks" | "oidcIssuerUrl">,
    namespace: string,
): string[] {
    const cluster = cfg.aks === undefined ? (cfg.oidcIssuerUrl ?? "") : `${cfg.aks.resourceGroupName}/${cfg.aks.name}`;
    return installationKey(cluster, namespace);
}

/**
 * {@link azureInstallationKey} once the cluster keys and the namespace are known (any may be an Output
 * of another resource): the same key, so the same names and GUIDs, as for plain values.
 */
function installationOf(cfg: AzureBackendConfig, namespace: pulumi.Input<string>): pulumi.Output<string[]> {
    const aks = cfg.aks === undefined ? undefined : pulumi.all([cfg.aks.resourceGroupName, cfg.aks.name]);
    return pulumi.all([aks, cfg.oidcIssuerUrl, namespace]).apply(([cluster, oidcIssuerUrl, ns]) =>
        azureInstallationKey(
            {
                aks: cluster === undefined ? undefined : { resourceGroupName: cluster[0], name: cluster[1] },
                oidcIssuerUrl,
            },
            ns,
        ),
    );
}

/** The cluster's OIDC issuer: as configured, or looked up from AKS (which must have it and workload identity on). */
function oidcIssuer(scope: BackendScope, cfg: AzureBackendConfig): pulumi.Output<string> {
    if (cfg.aks === undefined) {
        return pulumi.output(cfg.oidcIssuerUrl ?? "");
    }
    const aks = cfg.aks;
    const cluster = containerservice.getManagedClusterOutput(
        { resourceGroupName: aks.resourceGroupName, resourceName: aks.name },
        scope.invoke,
    );
    return pulumi.all([cluster, aks.resourceGroupName, aks.name]).apply(([c, resourceGroupName, aksName]) => {
        const issuer = c.oidcIssuerProfile?.enabled === true ? c.oidcIssuerProfile.issuerURL : "";
        if (issuer === "" || c.securityProfile?.workloadIdentity?.enabled !== true) {
            throw new Error(
                `AKS cluster ${resourceGroupName}/${aksName} needs the OIDC issuer and workload identity (az aks update --enable-oidc-issuer --enable-workload-identity) (backend.aks)`,
            );
        }
        return issuer;
    });
}

/**
 * Airflow remote task logging to `<taskLogs.prefix>/` of the XCom container through the WASB handler
 * (`wasb://` folder, container in `[azure_remote_logging]`), signing with the XCom connection: no key,
 * a `DefaultAzureCredential` for the workload identity's client and tenant.
 */
function taskLogsEnv(cfg: AzureBackendConfig): pulumi.Input<EnvVar>[] {
    if (!cfg.taskLogs.enabled) {
        return [];
    }
    return [
        { name: "AIRFLOW__LOGGING__REMOTE_LOGGING", value: "True" },
        { name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: taskLogsFolder(cfg) },
        { name: "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID", value: cfg.storage.connectionId },
        pulumi.output(cfg.storage.containerName).apply((value) => ({
            name: "AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER",
            value,
        })),
    ];
}

/**
 * The Azure resources behind the agent. Uses the `azure-native` provider from the parent chain when
 * one is passed (`providers: [azureProvider]`); otherwise creates one with `backend.location` (and the
 * subscription and tenant when configured).
 */
export class AzureBackend extends pulumi.ComponentResource {
    /** Client id of the agent's managed identity (the ServiceAccount annotation). */
    public readonly identityClientId: pulumi.Output<string>;
    /** Principal (object) id of the identity (what the role assignments name). */
    public readonly identityPrincipalId: pulumi.Output<string>;
    /** `vault_url` of the secrets backend. */
    public readonly keyVaultUrl: pulumi.Output<string>;
    public readonly storageAccountName: pulumi.Output<string>;
    public readonly contribution: BackendContribution;

    constructor(name: string, args: AzureBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AzureBackend"), name, {}, withLegacyAlias("AzureBackend", opts));
        const cfg = args.config;
        const scope = cloudBackendScope(this, {
            name,
            environment: args.environment,
            pkg: "azure-native",
            newProvider: (o) =>
                new AzureProvider(
                    `${name}-provider`,
                    {
                        location: cfg.location,
                        ...(cfg.subscriptionId === undefined ? {} : { subscriptionId: cfg.subscriptionId }),
                        ...(cfg.tenantId === undefined ? {} : { tenantId: cfg.tenantId }),
                    },
                    o,
                ),
            // Azure tag names may not contain '/'.
            tagSeparator: "-",
            resourceNamePrefix: args.resourceNamePrefix,
        });
        const client =
            cfg.subscriptionId === undefined || cfg.tenantId === undefined
                ? authorization.getClientConfigOutput(scope.invoke)
                : undefined;
        const subscriptionId = pulumi.output(cfg.subscriptionId ?? client?.subscriptionId ?? "");
        const tenantId = pulumi.output(cfg.tenantId ?? client?.tenantId ?? "");
        const installation = installationOf(cfg, args.namespace);

        // A created group is retained in prod too: deleting a group deletes everything in it.
        const group = cfg.resourceGroup.create
            ? new resources.ResourceGroup(
                  `${name}-group`,
                  { resourceGroupName: cfg.resourceGroup.name, location: cfg.location, tags: scope.retainedTags },
                  scope.retained,
              )
            : undefined;
        const resourceGroupName = group?.name ?? cfg.resourceGroup.name;
        const shared = { resourceGroupName, resourceNamePrefix: args.resourceNamePrefix, installation };

        const secrets = createSecretsStore(scope, cfg, { ...shared, tenantId });
        const xcom = createXComStore(scope, cfg, shared);
        const identity = createIdentity(scope, {
            ...shared,
            config: cfg,
            namespace: args.namespace,
            serviceAccounts: args.serviceAccounts,
            subscriptionId,
            issuer: oidcIssuer(scope, cfg),
            secrets,
            xcom,
        });
        // The identity's tenant is the tenant of its subscription: the one the tokens are exchanged in.
        const identityTenant = identity.identity.tenantId;

        this.identityClientId = identity.clientId;
        this.identityPrincipalId = identity.identity.principalId;
        this.keyVaultUrl = secrets.vaultUrl;
        this.storageAccountName = xcom.accountName;
        this.contribution = {
            secretBackend: AZURE_KEY_VAULT_BACKEND,
            secretBackendKwargs: pulumi
                .all([secrets.vaultUrl, identity.clientId, identityTenant])
                .apply(([url, clientId, tenant]) => ({
                    ...keyVaultKwargs(cfg, url),
                    managed_identity_client_id: clientId,
                    workload_identity_tenant_id: tenant,
                })),
            xcomBackend: XCOM_OBJECT_STORAGE_BACKEND,
            xcomPath: xcom.path,
            commonEnv: [
                xcomConnectionEnv(cfg, xcom.accountName, identity.clientId, identityTenant),
                ...taskLogsEnv(cfg),
            ],
            serviceAccountAnnotations: {
                [WORKLOAD_IDENTITY.clientIdAnnotation]: identity.clientId,
                [WORKLOAD_IDENTITY.tenantIdAnnotation]: identityTenant,
            },
            podLabels: { [WORKLOAD_IDENTITY.useLabel]: "true" },
            volumes: [],
            volumeMounts: [],
            dependsOn: [
                ...(group === undefined ? [] : [group]),
                ...identity.resources,
                ...xcom.resources,
                ...secrets.resources,
            ],
            outputs: {
                azureIdentityClientId: this.identityClientId,
                azureKeyVaultUrl: this.keyVaultUrl,
                azureStorageAccountName: this.storageAccountName,
                azureTenantId: tenantId,
                ...(identity.ownerGrants === undefined ? {} : { [OWNER_GRANTS_OUTPUT]: identity.ownerGrants }),
            },
        };
        this.registerOutputs({
            identityClientId: this.identityClientId,
            identityPrincipalId: this.identityPrincipalId,
            keyVaultUrl: this.keyVaultUrl,
            storageAccountName: this.storageAccountName,
        });
    }
}
