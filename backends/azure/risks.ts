// The prod weakenings an Azure backend config can make (acknowledged in `acceptRisks`).
import { isOpenRange, OPEN_RANGE_PREFIX, SHORT_SECRET_RECOVERY } from "../shared/risks";
import type { RiskDefinition, Weakening } from "../types";
import type { AzureBackendConfig } from "./schema";

/** Key Vault's longest (and default) soft-delete retention. */
export const KEY_VAULT_SAFE_SOFT_DELETE_DAYS = 90;

export const AZURE_RISKS: readonly RiskDefinition[] = [
    {
        id: "openNetworkRules",
        allows: `a created Key Vault or storage account with public network access whose network rules admit any address (\`defaultAction: Allow\`, which is the default, or an \`ipRules\` range wider than /${OPEN_RANGE_PREFIX} such as 0.0.0.0/0)`,
        why: "the store's endpoint answers the whole internet: only its authentication stands between a leaked credential and the data",
    },
    SHORT_SECRET_RECOVERY,
    {
        id: "purgeProtectionOff",
        allows: "a created Key Vault without purge protection (`backend.keyVault.purgeProtection: false`)",
        why: "a deleted vault or secret can be purged at once, before its soft-delete retention ends",
    },
];

type NetworkSide = {
    publicNetworkAccess: "Enabled" | "Disabled";
    networkRules: { defaultAction: "Allow" | "Deny"; ipRules: string[] };
};

function openNetwork(side: NetworkSide, at: string[], what: string): Weakening[] {
    if (side.publicNetworkAccess === "Disabled") {
        return [];
    }
    const rules = side.networkRules;
    const open: Weakening[] = [];
    if (rules.defaultAction === "Allow") {
        open.push({
            risk: "openNetworkRules",
            path: [...at, "networkRules", "defaultAction"],
            found: `is Allow (the default when it is not set): the ${what} accepts connections from any address`,
            safer: "set defaultAction: Deny with the cluster's subnetIds or egress ipRules, or publicNetworkAccess: Disabled",
        });
    }
    rules.ipRules.forEach((range, i) => {
        if (isOpenRange(range)) {
            open.push({
                risk: "openNetworkRules",
                path: [...at, "networkRules", "ipRules", i],
                found: `'${range}' admits ${range.startsWith("0.0.0.0/0") ? "every address" : "a large part of the internet"} to the ${what}`,
                safer: "list the cluster's egress addresses or subnets only",
            });
        }
    });
    return open;
}

export function azureWeakenings(cfg: AzureBackendConfig): Weakening[] {
    const found: Weakening[] = [];
    const kv = cfg.keyVault;
    if (!kv.existing) {
        found.push(...openNetwork(kv, ["backend", "keyVault"], "vault"));
        if (
            kv.softDeleteRetentionInDays !== undefined &&
            kv.softDeleteRetentionInDays < KEY_VAULT_SAFE_SOFT_DELETE_DAYS
        ) {
            found.push({
                risk: SHORT_SECRET_RECOVERY.id,
                path: ["backend", "keyVault", "softDeleteRetentionInDays"],
                found: `is ${kv.softDeleteRetentionInDays} days: a deleted vault or secret is recoverable only that long`,
                safer: `set it to ${KEY_VAULT_SAFE_SOFT_DELETE_DAYS} (or leave it unset: ${KEY_VAULT_SAFE_SOFT_DELETE_DAYS} in prod)`,
            });
        }
        if (kv.purgeProtection === false) {
            found.push({
                risk: "purgeProtectionOff",
                path: ["backend", "keyVault", "purgeProtection"],
                found: "is false: deleted secrets can be purged before the retention ends",
                safer: "remove it (on by default in prod)",
            });
        }
    }
    if (!cfg.storage.existingAccount) {
        found.push(...openNetwork(cfg.storage, ["backend", "storage"], "storage account"));
    }
    return found;
}
