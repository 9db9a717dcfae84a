// The XCom store: a StorageV2 account that accepts only Microsoft Entra identities (no shared key, no
// SAS, no public blobs, HTTPS and TLS 1.2 only), blob soft delete, lifecycle rules expiring the XCom
// prefix (and the task logs prefix), an optional customer-managed key, and a private container; or an existing account/container
// that is only referenced. The XCom path names an Airflow connection that carries no key. Task logs
// (when enabled) go to `<prefix>/` of the same container, with a lifecycle rule of their own.
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import { type BackendScope, stableHex } from "../shared";
import { containerScope } from "../../../backends/azure/roles";
import { type AzureBackendConfig, connectionEnvName } from "../../../backends/azure/schema";

/** What the XCom store gives the chart and the identity's grant. */
export interface AzureXComStore {
    accountName: pulumi.Output<string>;
    /** ARM id of the container: the scope of the storage role. */
    containerId: pulumi.Output<string>;
    /** `abfs://<connection id>@<container>/<prefix>`. */
    path: pulumi.Input<string>;
    /** The account, its blob service settings and lifecycle policy, and the container (as created). */
    resources: pulumi.Resource[];
}

/**
 * A template of config values: a plain string when every part is plain (so a config without Outputs
 * registers its resources exactly as before), else an Output of the same string.
 */
function joined(strings: TemplateStringsArray, ...parts: pulumi.Input<string>[]): pulumi.Input<string> {
    return parts.every((p) => typeof p === "string")
        ? String.raw({ raw: strings }, ...parts)
        : pulumi.interpolate(strings, ...parts);
}

/** Default account name: `<resourceNamePrefix letters, cut to 12>xcom<8 hex>` (3-24 lower-case letters and digits). */
export function defaultStorageAccountName(resourceNamePrefix: string, installation: readonly string[]): string {
    const base = resourceNamePrefix.replace(/[^a-z0-9]/g, "").slice(0, 12);
    return `${base}xcom${stableHex([...installation, "storage-account"])}`;
}

/**
 * `AIRFLOW_CONN_<ID>` of the XCom path: the account and the identity, no key. `anon: false` makes
 * adlfs build a `DefaultAzureCredential`, whose workload-identity credential uses the client and tenant
 * ids given here with the token the AKS webhook projects into the pod.
 */
export function xcomConnection(accountName: string, clientId: string, tenantId: string): string {
    return JSON.stringify({
        conn_type: "azure",
        login: accountName,
        extra: {
            account_name: accountName,
            managed_identity_client_id: clientId,
            workload_identity_tenant_id: tenantId,
            anon: false,
        },
    });
}

/** The `commonEnv` entry of the XCom connection. */
export function xcomConnectionEnv(
    cfg: AzureBackendConfig,
    accountName: pulumi.Input<string>,
    clientId: pulumi.Output<string>,
    tenantId: pulumi.Output<string>,
): pulumi.Output<{ name: string; value: string }> {
    return pulumi.all([accountName, clientId, tenantId]).apply(([account, client, tenant]) => ({
        name: connectionEnvName(cfg.storage.connectionId),
        value: xcomConnection(account, client, tenant),
    }));
}

/** The created account's settings: identity-only access, encryption, network rules. */
function accountArgs(
    scope: BackendScope,
    cfg: AzureBackendConfig,
    accountName: pulumi.Input<string>,
    resourceGroupName: pulumi.Input<string>,
): storage.StorageAccountArgs {
    const st = cfg.storage;
    const cmk = st.customerManagedKey;
    return {
        accountName,
        resourceGroupName,
        location: cfg.location,
        kind: "StorageV2",
        sku: { name: st.sku },
        accessTier: "Hot",
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        // Identity only: no account key, no SAS signed with it; the portal defaults to Entra too.
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        isHnsEnabled: false,
        publicNetworkAccess: st.publicNetworkAccess,
        networkRuleSet: {
            defaultAction: st.networkRules.defaultAction,
            bypass: "AzureServices",
            ipRules: st.networkRules.ipRules.map((iPAddressOrRange) => ({ iPAddressOrRange, action: "Allow" })),
            virtualNetworkRules: st.networkRules.subnetIds.map((virtualNetworkResourceId) => ({
                virtualNetworkResourceId,
                action: "Allow",
            })),
        },
        encryption:
            cmk === undefined
                ? { keySource: "Microsoft.Storage", services: { blob: { enabled: true, keyType: "Account" } } }
                : {
                      keySource: "Microsoft.Keyvault",
                      keyVaultProperties: {
                          keyVaultUri: cmk.keyVaultUri,
                          keyName: cmk.keyName,
                          ...(cmk.keyVersion === undefined ? {} : { keyVersion: cmk.keyVersion }),
                      },
                      encryptionIdentity: { encryptionUserAssignedIdentity: cmk.identityId },
                      services: { blob: { enabled: true, keyType: "Account" } },
                  },
        ...(cmk === undefined ? {} : { identity: { type: "UserAssigned", userAssignedIdentities: [cmk.identityId] } }),
        tags: scope.retainedTags,
    };
}

/** Creates (or references) the account and the container. */
export function createXComStore(
    scope: BackendScope,
    cfg: AzureBackendConfig,
    args: {
        resourceGroupName: pulumi.Input<string>;
        resourceNamePrefix: string;
        installation: pulumi.Output<string[]>;
    },
): AzureXComStore {
    const st = cfg.storage;
    const accountName =
        st.accountName === undefined
            ? args.installation.apply((i) => defaultStorageAccountName(args.resourceNamePrefix, i))
            : pulumi.output(st.accountName);
    const path = joined`abfs://${st.connectionId}@${st.containerName}/${st.prefix}`;
    if (st.existingAccount) {
        const resourceGroupName = st.resourceGroupName ?? args.resourceGroupName;
        const account = storage.getStorageAccountOutput({ accountName, resourceGroupName }, scope.invoke);
        if (st.existingContainer) {
            return {
                accountName,
                path,
                containerId: pulumi
                    .all([account.id, st.containerName])
                    .apply(([id, container]) => containerScope(id, container)),
                resources: [],
            };
        }
        const container = new storage.BlobContainer(
            `${scope.name}-xcom`,
            { accountName, resourceGroupName, containerName: st.containerName, publicAccess: "None" },
            scope.retained,
        );
        return { accountName, path, containerId: container.id, resources: [container] };
    }
    const account = new storage.StorageAccount(
        `${scope.name}-xcom`,
        accountArgs(scope, cfg, accountName, args.resourceGroupName),
        scope.retained,
    );
    const opts = { ...scope.retained, parent: account };
    const blobService = new storage.BlobServiceProperties(
        `${scope.name}-xcom`,
        {
            accountName: account.name,
            resourceGroupName: args.resourceGroupName,
            blobServicesName: "default",
            deleteRetentionPolicy: { enabled: true, days: st.softDeleteDays },
            containerDeleteRetentionPolicy: { enabled: true, days: st.softDeleteDays },
        },
        opts,
    );
    const lifecycle = new storage.ManagementPolicy(
        `${scope.name}-xcom`,
        {
            accountName: account.name,
            resourceGroupName: args.resourceGroupName,
            managementPolicyName: "default",
            policy: {
                rules: [
                    {
                        name: "expire-xcom",
                        enabled: true,
                        type: "Lifecycle",
                        definition: {
                            filters: {
                                blobTypes: ["blockBlob"],
                                prefixMatch: [joined`${st.containerName}/${st.prefix}/`],
                            },
                            actions: {
                                baseBlob: { delete: { daysAfterModificationGreaterThan: st.expirationDays } },
                                snapshot: { delete: { daysAfterCreationGreaterThan: st.expirationDays } },
                            },
                        },
                    },
                    ...(cfg.taskLogs.enabled
                        ? [
                              {
                                  name: "expire-task-logs",
                                  enabled: true,
                                  type: "Lifecycle",
                                  definition: {
                                      filters: {
                                          blobTypes: ["blockBlob"],
                                          prefixMatch: [joined`${st.containerName}/${cfg.taskLogs.prefix}/`],
                                      },
                                      actions: {
                                          baseBlob: {
                                              delete: { daysAfterModificationGreaterThan: cfg.taskLogs.expirationDays },
                                          },
                                      },
                                  },
                              },
                          ]
                        : []),
                ],
            },
        },
        opts,
    );
    const container = new storage.BlobContainer(
        `${scope.name}-xcom`,
        {
            accountName: account.name,
            resourceGroupName: args.resourceGroupName,
            containerName: st.containerName,
            publicAccess: "None",
        },
        opts,
    );
    return { accountName, path, containerId: container.id, resources: [account, blobService, lifecycle, container] };
}
