// Azure Key Vault as Airflow's secrets backend: a created vault (RBAC authorization, soft delete, purge
// protection in prod, network rules) or an existing one that is only looked up (RBAC or access policies,
// as `keyVault.permissionModel` says and the vault is checked to use), and the connections and
// variables given as secret config, seeded under exactly the names `AzureKeyVaultBackend` looks up.
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as pulumi from "@pulumi/pulumi";
import { type BackendScope, retainsDataStores, seedEntries, stableHex } from "../shared";
import {
    type AzureBackendConfig,
    KEY_VAULT_SEP,
    keyVaultSecretName,
    vaultPermissionModelError,
} from "../../../backends/azure/schema";

/** What the secrets store gives the kwargs and the identity's grants. */
export interface AzureSecretsStore {
    vaultName: pulumi.Output<string>;
    /** ARM id of the vault (scope of the vault-wide grant). */
    vaultId: pulumi.Output<string>;
    /** `vault_url`, from the vault itself (so sovereign clouds get their own DNS suffix). */
    vaultUrl: pulumi.Output<string>;
    /** Resource group of the vault (where an access policy is added). */
    resourceGroupName: pulumi.Input<string>;
    /** Seeded secrets by name (scopes of the per-secret grants). */
    secrets: { name: string; resource: keyvault.Secret }[];
    /** The vault (when created here) and the seeded secrets. */
    resources: pulumi.Resource[];
}

/**
 * Default vault name: `<resourceNamePrefix, cut to 15>-<8 hex of the installation>` (at most 24
 * characters, starting with a letter), unique per stack, cluster and namespace.
 */
export function defaultVaultName(resourceNamePrefix: string, installation: readonly string[]): string {
    let base = resourceNamePrefix.replace(/-+/g, "-").slice(0, 15).replace(/-+$/, "");
    if (!/^[a-z]/.test(base)) {
        base = `kv${base}`.slice(0, 15).replace(/-+$/, "");
    }
    return `${base}-${stableHex([...installation, "key-vault"])}`;
}

/** The `AzureKeyVaultBackend` kwargs, without the identity (added once the identity exists). */
export function keyVaultKwargs(cfg: AzureBackendConfig, vaultUrl: string): Record<string, unknown> {
    return {
        vault_url: vaultUrl,
        connections_prefix: cfg.keyVault.connectionsPrefix,
        variables_prefix: cfg.keyVault.variablesPrefix,
        config_prefix: cfg.keyVault.configPrefix,
        sep: KEY_VAULT_SEP,
    };
}

/** Creates (or looks up) the vault and seeds the configured connections and variables. */
export function createSecretsStore(
    scope: BackendScope,
    cfg: AzureBackendConfig,
    args: {
        resourceGroupName: pulumi.Input<string>;
        tenantId: pulumi.Input<string>;
        resourceNamePrefix: string;
        installation: pulumi.Output<string[]>;
    },
): AzureSecretsStore {
    const kv = cfg.keyVault;
    const vaultName =
        kv.name === undefined
            ? args.installation.apply((i) => defaultVaultName(args.resourceNamePrefix, i))
            : pulumi.output(kv.name);
    let vaultId: pulumi.Output<string>;
    let vaultUrl: pulumi.Output<string>;
    let vaultResourceGroup: pulumi.Input<string>;
    const resources: pulumi.Resource[] = [];
    if (kv.existing) {
        vaultResourceGroup = kv.resourceGroupName ?? args.resourceGroupName;
        const found = keyvault.getVaultOutput({ resourceGroupName: vaultResourceGroup, vaultName }, scope.invoke);
        vaultId = pulumi.all([found, vaultName]).apply(([v, name]) => {
            const refused = vaultPermissionModelError(
                name,
                v.properties.enableRbacAuthorization === true,
                kv.permissionModel,
            );
            if (refused !== undefined) {
                throw new Error(refused);
            }
            return v.id;
        });
        vaultUrl = found.properties.vaultUri;
    } else {
        vaultResourceGroup = args.resourceGroupName;
        const prod = retainsDataStores(scope.environment);
        const vault = new keyvault.Vault(
            `${scope.name}-key-vault`,
            {
                vaultName,
                resourceGroupName: vaultResourceGroup,
                location: cfg.location,
                properties: {
                    tenantId: args.tenantId,
                    sku: { family: "A", name: kv.sku },
                    enableRbacAuthorization: true,
                    enableSoftDelete: true,
                    softDeleteRetentionInDays: kv.softDeleteRetentionInDays ?? (prod ? 90 : 7),
                    // The API accepts only true or nothing: once on, purge protection cannot be turned off.
                    ...((kv.purgeProtection ?? prod) ? { enablePurgeProtection: true } : {}),
                    enabledForDeployment: false,
                    enabledForDiskEncryption: false,
                    enabledForTemplateDeployment: false,
                    publicNetworkAccess: kv.publicNetworkAccess,
                    networkAcls: {
                        defaultAction: kv.networkRules.defaultAction,
                        // Trusted Microsoft services only (Resource Manager writes the seeded secrets).
                        bypass: "AzureServices",
                        ipRules: kv.networkRules.ipRules.map((value) => ({ value })),
                        virtualNetworkRules: kv.networkRules.subnetIds.map((id) => ({ id })),
                    },
                },
                tags: scope.retainedTags,
            },
            scope.retained,
        );
        resources.push(vault);
        vaultId = vault.id;
        vaultUrl = vault.properties.vaultUri;
    }
    const secretName = (prefix: string, key: string) => keyVaultSecretName(prefix, key);
    const entries = [
        ...seedEntries(scope.name, "conn", kv.connectionsPrefix, kv.connections, secretName),
        ...seedEntries(scope.name, "var", kv.variablesPrefix, kv.variables, secretName),
    ];
    const secrets = entries.map((entry) => ({
        name: entry.secretName,
        resource: new keyvault.Secret(
            entry.logicalName,
            {
                vaultName,
                resourceGroupName: vaultResourceGroup,
                secretName: entry.secretName,
                properties: { value: pulumi.secret(entry.value) },
                tags: scope.tags,
            },
            // A created vault must exist first; the secret's id (its grant's scope) follows from it.
            { ...scope.child, dependsOn: resources },
        ),
    }));
    return {
        vaultName,
        vaultId,
        vaultUrl,
        resourceGroupName: vaultResourceGroup,
        secrets,
        resources: [...resources, ...secrets.map((s) => s.resource)],
    };
}
