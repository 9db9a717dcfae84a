// `backend.grants: none` on Vault: what this config makes the program create (refused then), and the
// document the Vault team applies: the agent's policy (HCL) and its Kubernetes auth role, exactly as
// `grants: create` writes them. In Vault the role is what grants the policy, so both are the owner's.
import type { CreatedStore } from "../shared/grants";
import type { AgentRole } from "./policies";
import type { VaultBackendConfig } from "./schema";

/** What this config makes the program create in Vault besides the grants. */
export function vaultCreatedStores(cfg: VaultBackendConfig): CreatedStore[] {
    const kv = cfg.kv;
    return [
        ...(Object.keys(kv.connections).length + Object.keys(kv.variables).length > 0
            ? [
                  {
                      path: ["kv", Object.keys(kv.connections).length > 0 ? "connections" : "variables"],
                      what: "each seeded KV secret (kv.connections, kv.variables)",
                      instead: "have the Vault team write them under kv.connectionsPath and kv.variablesPath",
                  },
              ]
            : []),
        ...(cfg.auth.createMount === undefined
            ? []
            : [
                  {
                      path: ["auth", "createMount"],
                      what: "the Kubernetes auth mount",
                      instead: "remove auth.createMount and name the Vault team's mount in auth.mount",
                  },
              ]),
    ];
}

/**
 * The `ownerGrants` document: `vault policy write <policyName> -` with `policy`, and
 * `vault write auth/<role.backend>/role/<role.roleName>` with the role's bindings, audience, TTLs and policies.
 */
export function vaultOwnerGrants(p: { policyName: string; policy: string; role: AgentRole }): Record<string, unknown> {
    return { policyName: p.policyName, policy: p.policy, role: p.role };
}
