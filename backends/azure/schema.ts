// The `backend` config branch of the Azure backend and its cross-key checks.
import { z } from "zod";
import {
    configPath,
    connectionId,
    identifier,
    strictObject,
    urlString,
    wholeNumber,
    wiring,
    type Resolved,
} from "../../schema/primitives";
import {
    objectPrefix,
    prefixesOverlap,
    prefixOverlapIssues,
    seededConnections,
    seededVariables,
    taskLogsSchema,
    grantsNoneIssues,
    grantsSchema,
    type CreatedStore,
    TASK_LOG_ENV as NAMED_STORE_TASK_LOG_ENV,
    REMOTE_BASE_LOG_FOLDER_ENV,
} from "../shared";
import type { BackendIssue, BackendValidationView } from "../types";

/** Federated identity credentials per user-assigned managed identity (Microsoft Entra limit). */
export const MAX_FEDERATED_CREDENTIALS = 20;
/** Key Vault secret names: 1-127 letters, digits and dashes. */
export const KEY_VAULT_SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;
/** The separator `AzureKeyVaultBackend` puts between prefix and id, and puts for every `_`. */
export const KEY_VAULT_SEP = "-";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const guid = (what: string, example: string) =>
    identifier(what, example, { pattern: GUID, rule: "a GUID, 8-4-4-4-12 hex digits" });
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const resourceGroupName = identifier("an Azure resource group name", "rg-astro-agent", {
    pattern: RESOURCE_GROUP,
    rule: "1-90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'",
});
const VAULT_NAME = /^(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const AKS_NAME = /^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
const IDENTITY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/;
const IP_RULE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
const SUBNET_ID =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const IDENTITY_ID =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;

const keyVaultPrefix = configPath({
    what: "a Key Vault secret name prefix",
    example: "airflow-connections",
    form: "relative",
    single: true,
    segment: {
        pattern: /^[0-9A-Za-z]([0-9A-Za-z-]*[0-9A-Za-z])?$/,
        rule: "letters, digits and '-', starting and ending with a letter or digit",
    },
    max: 127,
});
const enabledOrDisabled = z
    .enum(["Enabled", "Disabled"], { error: "must be 'Enabled' or 'Disabled'" })
    .default("Enabled");

/** Firewall of the vault or the storage account: default action, allowed IP ranges and subnets. */
function networkRules(what: string) {
    return strictObject({
        defaultAction: z
            .enum(["Allow", "Deny"], { error: "must be 'Allow' or 'Deny'" })
            .default("Allow")
            .describe(
                `\`Deny\` admits only \`ipRules\` and \`subnetIds\` (and trusted Azure services) to the ${what}.`,
            ),
        ipRules: z
            .array(
                identifier("an IPv4 address or CIDR range", "203.0.113.0/24", {
                    pattern: IP_RULE,
                    rule: "a.b.c.d or a.b.c.d/n",
                }),
            )
            .default([])
            .describe("Public IPv4 addresses or ranges allowed through (e.g. the cluster's egress IPs)."),
        subnetIds: z
            .array(
                identifier(
                    "a subnet resource id",
                    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-aks/providers/Microsoft.Network/virtualNetworks/vnet-aks/subnets/nodes",
                    {
                        pattern: SUBNET_ID,
                        rule: "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>",
                    },
                ),
            )
            .default([])
            .describe("Subnets allowed through (the AKS node subnet, with the service endpoint enabled)."),
    })
        .prefault({})
        .describe(`Network rules of the ${what}.`);
}

export const azureBackendSchema = strictObject({
    kind: z.literal("azure"),
    grants: grantsSchema(
        "role assignments of Key Vault Secrets User and Storage Blob Data Contributor, or a vault access policy",
    ),
    location: identifier("an Azure region name", "westeurope", {
        pattern: /^[a-z][a-z0-9]{2,40}$/,
        rule: "lower-case letters and digits, as `az account list-locations` prints them",
    }).describe("Azure region of everything created (vault, storage account, identity, resource group)."),
    subscriptionId: wiring(guid("an Azure subscription id", "00000000-0000-0000-0000-000000000000"))
        .optional()
        .describe("Subscription to deploy into; unset = the provider's (looked up with `getClientConfig`)."),
    tenantId: wiring(guid("a Microsoft Entra tenant id", "00000000-0000-0000-0000-000000000000"))
        .optional()
        .describe("Tenant of the identity and the vault; unset = the provider's (looked up with `getClientConfig`)."),
    resourceGroup: strictObject({
        name: wiring(resourceGroupName).describe("Resource group of the identity, the vault and the storage account."),
        create: z.boolean().default(false).describe("Create the resource group (false: it must exist)."),
    }).describe("Where the backend's resources go."),
    aks: strictObject({
        name: wiring(
            identifier("an AKS cluster name", "aks-prod", {
                pattern: AKS_NAME,
                rule: "1-63 letters, digits, '_' and '-', starting and ending with a letter or digit",
            }),
        ).describe("AKS cluster name."),
        resourceGroupName: wiring(resourceGroupName).describe("Resource group of the AKS cluster."),
    })
        .optional()
        .describe(
            "The AKS cluster: its OIDC issuer URL is looked up (OIDC issuer and workload identity must be enabled).",
        ),
    oidcIssuerUrl: wiring(
        urlString({
            schemes: ["https"],
            what: "the cluster's OIDC issuer URL",
            example:
                "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/",
        }),
    )
        .optional()
        .describe(
            "The cluster's OIDC issuer URL instead of an `aks` lookup (`az aks show --query oidcIssuerProfile.issuerUrl`), exact, with its trailing '/'.",
        ),
    identityName: identifier("a managed identity name", "astro-agent", {
        pattern: IDENTITY_NAME,
        rule: "3-128 letters, digits, '_' and '-', starting with a letter or digit",
    })
        .optional()
        .describe(
            "Name of the agent's user-assigned managed identity (default `<resourceNamePrefix>-agent-<8 hex>`, unique per stack, cluster and namespace).",
        ),
    keyVault: strictObject({
        name: wiring(
            identifier("a Key Vault name", "kv-astro-prod", {
                pattern: VAULT_NAME,
                rule: "3-24 letters, digits and '-', starting with a letter, ending with a letter or digit, no '--'",
            }),
        )
            .optional()
            .describe(
                "Vault name (globally unique); default `<resourceNamePrefix, cut>-<8 hex>`. Required with `existing`.",
            ),
        existing: z.boolean().default(false).describe("Use the vault `name` as is: create and change nothing on it."),
        resourceGroupName: wiring(resourceGroupName)
            .optional()
            .describe("Resource group of an existing vault (default `resourceGroup.name`)."),
        connectionsPrefix: keyVaultPrefix
            .default("airflow-connections")
            .describe("`connections_prefix`: connection `my_conn` is the secret `<prefix>-my-conn`."),
        variablesPrefix: keyVaultPrefix
            .default("airflow-variables")
            .describe("`variables_prefix`: variable `my_var` is the secret `<prefix>-my-var`."),
        configPrefix: keyVaultPrefix
            .nullable()
            .default(null)
            .describe("`config_prefix`; null disables config lookups."),
        connections: seededConnections(
            "Connections to create as secrets `<connectionsPrefix>-<id>` (every `_` becomes `-`; JSON or URI, secret config).",
            "azure_default",
        ),
        variables: seededVariables("Variables to create as secrets `<variablesPrefix>-<key>` (every `_` becomes `-`)."),
        permissionModel: z
            .enum(["rbac", "accessPolicy"], { error: "must be 'rbac' or 'accessPolicy'" })
            .default("rbac")
            .describe(
                "How an existing vault authorizes data access: `rbac` (Azure RBAC, a Key Vault Secrets User role assignment) or `accessPolicy` (a vault access policy granting the identity `get` on secrets, nothing else). A created vault always uses RBAC.",
            ),
        readScope: z
            .enum(["vault", "seededSecrets", "listedSecrets"], {
                error: "must be 'vault', 'seededSecrets' or 'listedSecrets'",
            })
            .optional()
            .describe(
                "Where the identity gets Key Vault Secrets User: the whole `vault` (default for a created vault, and the only scope an access policy has), each `seededSecrets` secret only (default for an existing, shared RBAC vault), or each `listedSecrets` secret (those of `readSecrets`, and the seeded ones): one role assignment per secret, as Key Vault role assignments take no name conditions.",
            ),
        readSecrets: strictObject({
            connections: z
                .array(connectionId("my_postgres"))
                .default([])
                .describe("Connection ids whose secrets `<connectionsPrefix>-<id>` already exist in the vault."),
            variables: z
                .array(identifier("an Airflow variable key", "my_variable"))
                .default([])
                .describe("Variable keys whose secrets `<variablesPrefix>-<key>` already exist in the vault."),
        })
            .prefault({})
            .describe(
                "With `readScope: listedSecrets`: the existing secrets (by connection id and variable key, under the prefixes) the identity may read; any other lookup is refused by Key Vault.",
            ),
        sku: z
            .enum(["standard", "premium"], { error: "must be 'standard' or 'premium'" })
            .default("standard")
            .describe("Vault SKU (`premium` adds HSM-backed keys; secrets are the same)."),
        softDeleteRetentionInDays: wholeNumber(7, 90, 90, "days")
            .optional()
            .describe("Days a deleted vault or secret stays recoverable (default 90 in prod, 7 in dev)."),
        purgeProtection: z
            .boolean()
            .optional()
            .describe(
                "Purge protection: deleted secrets cannot be purged before the retention ends (on by default in prod, where `false` needs `acceptRisks: [purgeProtectionOff]`; cannot be turned off once on).",
            ),
        publicNetworkAccess: enabledOrDisabled.describe(
            "`Disabled` allows only private endpoints (which you create) to reach the vault.",
        ),
        networkRules: networkRules("vault"),
    })
        .prefault({})
        .describe("Azure Key Vault, the secrets backend (RBAC authorization, soft delete)."),
    storage: strictObject({
        accountName: wiring(
            identifier("a storage account name", "stastroxcomprod", {
                pattern: STORAGE_ACCOUNT,
                rule: "3-24 lower-case letters and digits",
            }),
        )
            .optional()
            .describe("Storage account name (globally unique); default `<resourceNamePrefix letters>xcom<8 hex>`."),
        existingAccount: z
            .boolean()
            .default(false)
            .describe("Use `accountName` as is: create and change nothing on the account (no lifecycle rule)."),
        resourceGroupName: wiring(resourceGroupName)
            .optional()
            .describe("Resource group of an existing account (default `resourceGroup.name`)."),
        sku: z
            .enum(["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS", "Premium_LRS", "Premium_ZRS"], {
                error: "must be one of 'Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Premium_LRS', 'Premium_ZRS'",
            })
            .default("Standard_ZRS")
            .describe("Redundancy of a created account."),
        containerName: wiring(
            identifier("a blob container name", "xcom", {
                pattern: CONTAINER,
                rule: "3-63 lower-case letters, digits and '-', starting and ending with a letter or digit, no '--'",
            }),
        )
            // `prefault`: zod's JSON Schema (the config reference) drops a `default` in front of a transform.
            .prefault("xcom")
            .describe("The private XCom container."),
        existingContainer: z.boolean().default(false).describe("The container exists: create nothing."),
        prefix: objectPrefix("a blob name prefix", "xcom")
            .default("xcom")
            .describe("Blob name prefix of XCom objects in the container."),
        connectionId: connectionId("azure_xcom")
            .default("azure_xcom")
            .describe(
                "Airflow connection id in the XCom path `abfs://<id>@<container>/<prefix>`; the program sets `AIRFLOW_CONN_<ID>` (no key).",
            ),
        expirationDays: wholeNumber(1, 3650, 30, "days").default(30).describe("Lifecycle expiry of XCom blobs."),
        softDeleteDays: wholeNumber(1, 365, 7, "days")
            .default(7)
            .describe("Blob and container soft delete retention of a created account."),
        customerManagedKey: strictObject({
            keyVaultUri: wiring(
                urlString({
                    schemes: ["https"],
                    what: "the https:// URI of the vault holding the key",
                    example: "https://kv-keys-prod.vault.azure.net/",
                }),
            ).describe("Vault of the key."),
            keyName: wiring(
                identifier("a Key Vault key name", "xcom-cmk", {
                    pattern: /^[0-9A-Za-z-]{1,127}$/,
                    rule: "1-127 letters, digits and '-'",
                }),
            ).describe("Key name."),
            keyVersion: wiring(
                identifier("a Key Vault key version", "0123456789abcdef0123456789abcdef", {
                    pattern: /^[0-9a-fA-F]{32}$/,
                    rule: "32 hex digits",
                }),
            )
                .optional()
                .describe("Key version; unset = always the current version (automatic rotation)."),
            identityId: wiring(
                identifier(
                    "a user-assigned managed identity resource id",
                    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-keys/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-storage-cmk",
                    {
                        pattern: IDENTITY_ID,
                        rule: "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>",
                    },
                ),
            ).describe(
                "Identity the account reads the key with (it needs Key Vault Crypto Service Encryption User on the key).",
            ),
        })
            .optional()
            .describe("Encrypt a created account with your key instead of a Microsoft-managed one."),
        publicNetworkAccess: enabledOrDisabled.describe(
            "`Disabled` allows only private endpoints (which you create) to reach the account.",
        ),
        networkRules: networkRules("storage account"),
    })
        .prefault({})
        .describe("Blob storage for XCom: a StorageV2 account (identity-only access) and a private container."),
    taskLogs: taskLogsSchema({
        location: "`wasb://<prefix>` in the XCom container",
        prefix: objectPrefix("a blob name prefix", "logs"),
        grantee: "the identity (Storage Blob Data Contributor on the container)",
    }),
});
/** The parsed `backend` block; a wiring key given as an Output is still one. */
export type AzureBackendConfig = z.output<typeof azureBackendSchema>;
/** {@link AzureBackendConfig} with every wiring key's value known (what the pure name functions take). */
export type ResolvedAzureBackendConfig = Resolved<AzureBackendConfig>;

/** `AzureKeyVaultBackend.build_path`: `<prefix><sep><id>`, then every `_` becomes `sep`. */
export function keyVaultSecretName(prefix: string, id: string): string {
    return `${prefix}${KEY_VAULT_SEP}${id}`.replace(/_/g, KEY_VAULT_SEP);
}

/** The env name of a connection id (`azure_xcom` → `AIRFLOW_CONN_AZURE_XCOM`). */
export function connectionEnvName(connId: string): string {
    return `AIRFLOW_CONN_${connId.toUpperCase()}`;
}

/**
 * Where the identity reads secrets: configured, else the whole vault when created here or when the vault
 * uses access policies (which have no per-secret scope), each seeded secret when not.
 */
export function keyVaultReadScope(cfg: AzureBackendConfig): "vault" | "seededSecrets" | "listedSecrets" {
    const kv = cfg.keyVault;
    return kv.readScope ?? (kv.existing && kv.permissionModel === "rbac" ? "seededSecrets" : "vault");
}

/**
 * Why an existing vault cannot be adopted as configured (its data-plane authorization differs from
 * `keyVault.permissionModel`), saying what to set; undefined when they agree.
 */
export function vaultPermissionModelError(
    vaultName: string,
    rbacAuthorization: boolean,
    model: AzureBackendConfig["keyVault"]["permissionModel"],
): string | undefined {
    if (!rbacAuthorization && model === "rbac") {
        return `Key Vault '${vaultName}' uses access policies, not Azure RBAC, so a role assignment would not apply: set backend.keyVault.permissionModel: accessPolicy (the identity then gets a get-only secret access policy), or enable Azure RBAC authorization on the vault (backend.keyVault.permissionModel)`;
    }
    if (rbacAuthorization && model === "accessPolicy") {
        return `Key Vault '${vaultName}' uses Azure RBAC, so an access policy would not apply: set backend.keyVault.permissionModel: rbac (backend.keyVault.permissionModel)`;
    }
    return undefined;
}

/** `AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER` when `taskLogs` is on: the WASB handler's `wasb://<prefix>`. */
export function taskLogsFolder(cfg: Pick<AzureBackendConfig, "taskLogs">): string {
    return `wasb://${cfg.taskLogs.prefix}`;
}

/** The Airflow settings `backend.taskLogs` generates (the backend owns these env names when it is on). */
export const TASK_LOG_ENV = [...NAMED_STORE_TASK_LOG_ENV, "AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER"];

/** Seeded secret names with their config key, as `[key path, secret name]`, connections then variables. */
function seededSecretNames(cfg: AzureBackendConfig): [(string | number)[], string][] {
    const kv = cfg.keyVault;
    return [
        ...Object.keys(kv.connections).map(
            (id) =>
                [["keyVault", "connections", id], keyVaultSecretName(kv.connectionsPrefix, id)] as [string[], string],
        ),
        ...Object.keys(kv.variables).map(
            (key) =>
                [["keyVault", "variables", key], keyVaultSecretName(kv.variablesPrefix, key)] as [string[], string],
        ),
    ];
}

/** `keyVault.readSecrets` as `[key path, secret name]`, connections then variables. */
function listedSecretNames(cfg: AzureBackendConfig): [(string | number)[], string][] {
    const kv = cfg.keyVault;
    return [
        ...kv.readSecrets.connections.map(
            (id, i) =>
                [["keyVault", "readSecrets", "connections", i], keyVaultSecretName(kv.connectionsPrefix, id)] as [
                    (string | number)[],
                    string,
                ],
        ),
        ...kv.readSecrets.variables.map(
            (key, i) =>
                [["keyVault", "readSecrets", "variables", i], keyVaultSecretName(kv.variablesPrefix, key)] as [
                    (string | number)[],
                    string,
                ],
        ),
    ];
}

/**
 * The existing secrets the identity reads with `readScope: listedSecrets`: the names of
 * `keyVault.readSecrets`, each once, leaving out the seeded ones (granted on the secret created here).
 */
export function listedSecretReads(cfg: AzureBackendConfig): string[] {
    if (keyVaultReadScope(cfg) !== "listedSecrets") {
        return [];
    }
    const seeded = new Set(seededSecretNames(cfg).map(([, name]) => name));
    return [...new Set(listedSecretNames(cfg).map(([, name]) => name))].filter((name) => !seeded.has(name));
}

/** What this config makes the program create among the stores (refused with `grants: none`). */
export function azureCreatedStores(cfg: AzureBackendConfig): CreatedStore[] {
    const kv = cfg.keyVault;
    const st = cfg.storage;
    return [
        ...(kv.existing
            ? []
            : [
                  {
                      path: ["keyVault", "existing"],
                      what: "the Key Vault",
                      instead: "set keyVault.existing: true with keyVault.name",
                  },
              ]),
        ...(Object.keys(kv.connections).length + Object.keys(kv.variables).length > 0
            ? [
                  {
                      path: ["keyVault", Object.keys(kv.connections).length > 0 ? "connections" : "variables"],
                      what: "each seeded secret (keyVault.connections, keyVault.variables)",
                      instead: "have the vault's owner create them and list them in keyVault.readSecrets",
                  },
              ]
            : []),
        ...(st.existingAccount
            ? []
            : [
                  {
                      path: ["storage", "existingAccount"],
                      what: "the storage account",
                      instead: "set storage.existingAccount: true with storage.accountName",
                  },
              ]),
        ...(st.existingAccount && !st.existingContainer
            ? [
                  {
                      path: ["storage", "existingContainer"],
                      what: "the XCom container",
                      instead: "set storage.existingContainer: true",
                  },
              ]
            : []),
    ];
}

/** Cross-key checks of the Azure branch. */
export function validateAzureBackend(cfg: AzureBackendConfig, view: BackendValidationView): BackendIssue[] {
    const issues: BackendIssue[] = [];
    const at = (...path: (string | number)[]) => ["backend", ...path];
    if (cfg.aks === undefined && cfg.oidcIssuerUrl === undefined) {
        issues.push({
            path: at("aks"),
            message:
                "set the AKS cluster {name, resourceGroupName} (its OIDC issuer is looked up) or oidcIssuerUrl, for example aks: {name: aks-prod, resourceGroupName: rg-aks}",
        });
    }
    if (cfg.aks !== undefined && cfg.oidcIssuerUrl !== undefined) {
        issues.push({ path: at("oidcIssuerUrl"), message: "set either aks or oidcIssuerUrl, not both" });
    }
    if (view.serviceAccountCount > MAX_FEDERATED_CREDENTIALS) {
        issues.push({
            path: ["workers"],
            message: `the agent would run as ${view.serviceAccountCount} ServiceAccounts (one per worker, plus dag processor, triggerer and Sentinel), but a managed identity takes at most ${MAX_FEDERATED_CREDENTIALS} federated credentials: remove at least ${view.serviceAccountCount - MAX_FEDERATED_CREDENTIALS} worker${view.serviceAccountCount - MAX_FEDERATED_CREDENTIALS === 1 ? "" : "s"} (one worker can serve several queues)`,
        });
    }
    const kv = cfg.keyVault;
    if (kv.existing && kv.name === undefined) {
        issues.push({ path: at("keyVault", "name"), message: "is required with keyVault.existing: name the vault" });
    }
    if (kv.existing && kv.purgeProtection !== undefined) {
        issues.push({
            path: at("keyVault", "purgeProtection"),
            message: "an existing vault is not managed here: drop keyVault.purgeProtection",
        });
    }
    if (!kv.existing && kv.resourceGroupName !== undefined) {
        issues.push({
            path: at("keyVault", "resourceGroupName"),
            message: "is only used with keyVault.existing (a created vault goes into resourceGroup.name)",
        });
    }
    issues.push(
        ...prefixOverlapIssues(
            [
                ["connectionsPrefix", kv.connectionsPrefix],
                ["variablesPrefix", kv.variablesPrefix],
                ...(kv.configPrefix === null ? [] : ([["configPrefix", kv.configPrefix]] as [string, string][])),
            ],
            (key) => at("keyVault", key),
            "keyVault",
            KEY_VAULT_SEP,
        ),
    );
    const names = seededSecretNames(cfg);
    names.forEach(([path, name], i) => {
        const what = path[1] === "connections" ? "connection id" : "variable key";
        if (!KEY_VAULT_SECRET_NAME.test(name)) {
            issues.push({
                path: at(...path),
                message: `AzureKeyVaultBackend looks this ${what} up as '${name}', which is not a Key Vault secret name (1-127 letters, digits and '-'): use letters, digits, '_' and '-' only, for example my_conn`,
            });
            return;
        }
        const clash = names.slice(0, i).find(([, other]) => other === name);
        if (clash !== undefined) {
            issues.push({
                path: at(...path),
                message: `is stored as the secret '${name}', like ${["backend", ...clash[0]].join(".")} (every '_' becomes '-'): rename one`,
            });
        }
    });
    if (kv.permissionModel === "accessPolicy" && !kv.existing) {
        issues.push({
            path: at("keyVault", "permissionModel"),
            message:
                "a vault created here uses Azure RBAC: set keyVault.existing: true (with keyVault.name) to adopt a vault that uses access policies, or set permissionModel: rbac",
        });
    }
    if (
        kv.permissionModel === "accessPolicy" &&
        (kv.readScope === "seededSecrets" || kv.readScope === "listedSecrets")
    ) {
        issues.push({
            path: at("keyVault", "readScope"),
            message:
                "an access policy grants on the whole vault (it has no per-secret scope): set readScope: vault, or set permissionModel: rbac if the vault uses Azure RBAC",
        });
    }
    const scope = keyVaultReadScope(cfg);
    const listed = listedSecretNames(cfg);
    if (scope !== "listedSecrets" && listed.length > 0) {
        issues.push({
            path: at("keyVault", "readSecrets"),
            message: `is only used with keyVault.readScope: listedSecrets (it is '${scope}'): set readScope: listedSecrets, or remove keyVault.readSecrets`,
        });
    }
    if (scope === "listedSecrets") {
        listed.forEach(([path, name], i) => {
            const what = path[2] === "connections" ? "connection id" : "variable key";
            if (!KEY_VAULT_SECRET_NAME.test(name)) {
                issues.push({
                    path: at(...path),
                    message: `AzureKeyVaultBackend looks this ${what} up as '${name}', which is not a Key Vault secret name (1-127 letters, digits and '-'): use letters, digits, '_' and '-' only, for example my_conn`,
                });
                return;
            }
            const clash = listed.slice(0, i).find(([, other]) => other === name);
            if (clash !== undefined) {
                issues.push({
                    path: at(...path),
                    message: `is the secret '${name}', like backend.${clash[0].slice(0, -1).join(".")}[${String(clash[0][clash[0].length - 1])}] (every '_' becomes '-'): list it once`,
                });
            }
        });
    }
    if (scope === "seededSecrets" || scope === "listedSecrets") {
        const granted = scope === "seededSecrets" ? "the seeded secrets" : "the listed and seeded secrets";
        const fix =
            scope === "seededSecrets"
                ? "seed them here, name existing ones with readScope: listedSecrets and keyVault.readSecrets, or set readScope 'vault' on a vault the agent owns"
                : "list them in keyVault.readSecrets.connections or keyVault.readSecrets.variables";
        if (names.length === 0 && listed.length === 0) {
            issues.push({
                path: at("keyVault", "readScope"),
                message: `'${scope}' with no ${scope === "seededSecrets" ? "keyVault.connections or keyVault.variables" : "keyVault.readSecrets and nothing seeded"} would let the agent read nothing: ${fix}`,
            });
        }
        const readable = new Set([
            ...Object.keys(kv.connections),
            ...(scope === "listedSecrets" ? kv.readSecrets.connections : []),
        ]);
        for (const need of view.requiredConnections) {
            if (!readable.has(need.connId)) {
                issues.push({
                    path: at("keyVault", "readScope"),
                    message:
                        scope === "seededSecrets"
                            ? `'seededSecrets' grants only the seeded secrets, but ${need.path.join(".").replace(/\.(\d+)\./g, "[$1].")} needs connection '${need.connId}': seed it in keyVault.connections, name it with readScope: listedSecrets and keyVault.readSecrets.connections, or use readScope 'vault'`
                            : `'listedSecrets' grants only ${granted}, but ${need.path.join(".").replace(/\.(\d+)\./g, "[$1].")} needs connection '${need.connId}': add it to keyVault.readSecrets.connections, seed it in keyVault.connections, or use readScope 'vault'`,
                });
            }
        }
    }
    issues.push(...grantsNoneIssues(cfg.grants, azureCreatedStores(cfg)));
    const st = cfg.storage;
    if (st.existingAccount && st.accountName === undefined) {
        issues.push({
            path: at("storage", "accountName"),
            message: "is required with storage.existingAccount: name the account",
        });
    }
    if (!st.existingAccount && st.resourceGroupName !== undefined) {
        issues.push({
            path: at("storage", "resourceGroupName"),
            message: "is only used with storage.existingAccount (a created account goes into resourceGroup.name)",
        });
    }
    if (st.existingAccount && st.customerManagedKey !== undefined) {
        issues.push({
            path: at("storage", "customerManagedKey"),
            message: "an existing account is not managed here: configure its encryption where it is managed",
        });
    }
    if (!st.existingAccount && st.existingContainer) {
        issues.push({
            path: at("storage", "existingContainer"),
            message: "a container can only exist already in an existing account (set storage.existingAccount)",
        });
    }
    if (cfg.taskLogs.enabled && prefixesOverlap(cfg.taskLogs.prefix, st.prefix)) {
        issues.push({
            path: at("taskLogs", "prefix"),
            message: `overlaps backend.storage.prefix ('${st.prefix}'): task logs and XCom share the container, so set a prefix of their own, for example logs`,
        });
    }
    if (!cfg.taskLogs.enabled) {
        for (const entry of view.env) {
            if (entry.name === REMOTE_BASE_LOG_FOLDER_ENV && entry.path[0] !== "loggingSidecar") {
                issues.push({
                    path: entry.path,
                    message: `is outside what the azure backend grants (the identity may write only the XCom container, backend.storage.containerName): set backend.taskLogs.enabled: true instead (task logs go to wasb://<backend.taskLogs.prefix> in that container, with a lifecycle rule) and remove this entry`,
                });
            }
        }
    }
    return issues;
}
