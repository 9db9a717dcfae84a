// The prod weakenings a Vault backend config can make (acknowledged in `acceptRisks`).
import { hasWildcard, isPlainHttp } from "../shared/risks";
import type { RiskDefinition, Weakening } from "../types";
import type { VaultBackendConfig } from "./schema";

export const VAULT_RISKS: readonly RiskDefinition[] = [
    {
        id: "plainHttpVault",
        allows: "`backend.address` or `backend.providerAddress` with `http://`",
        why: "Vault tokens, the ServiceAccount token the pods log in with and every secret read cross the network in clear text",
    },
    {
        id: "wildcardVaultAudience",
        allows: "a `backend.auth.audience` with a glob wildcard (`*`, `?`, `[`)",
        why: "the role no longer pins the audience of the tokens it accepts, so tokens minted for other services can log in",
    },
];

export function vaultWeakenings(cfg: VaultBackendConfig): Weakening[] {
    const found: Weakening[] = [];
    for (const key of ["address", "providerAddress"] as const) {
        if (isPlainHttp(cfg[key])) {
            found.push({
                risk: "plainHttpVault",
                path: ["backend", key],
                found: "uses http://: tokens and secrets cross the network in clear text",
                safer: "use https:// (with backend.tls for a private CA)",
            });
        }
    }
    if (hasWildcard(cfg.auth.audience)) {
        found.push({
            risk: "wildcardVaultAudience",
            path: ["backend", "auth", "audience"],
            found: `'${cfg.auth.audience}' is a wildcard: the role would not pin the token audience`,
            safer: "name one exact audience, for example 'vault' (the default)",
        });
    }
    return found;
}
