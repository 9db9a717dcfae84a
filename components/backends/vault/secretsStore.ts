// The KV v2 engine as Airflow's secrets backend: the VaultBackend kwargs, and the connections and
// variables given as secret config, seeded as `<path>/<key>` secrets whose data stays a Pulumi secret.
import { SecretV2 } from "@pulumi/vault/kv/secretV2";
import * as pulumi from "@pulumi/pulumi";
import { type BackendScope, seedEntries } from "../shared";
import { seedData } from "../../../backends/vault/policies";
import { type VaultBackendConfig, vaultPaths, type VaultPaths } from "../../../backends/vault/schema";

/** What the secrets store gives the chart and the policy. */
export interface VaultSecretsStore {
    paths: VaultPaths;
    /** The paths the backend reads, for the policy (connections, variables, config when enabled). */
    readPaths: string[];
    /** Seeded secrets (the release waits for them). */
    resources: pulumi.Resource[];
}

/** Secret names are `<path>/<key>`, exactly what VaultBackend looks up under the mount. */
const secretName = (path: string, key: string) => `${path}/${key}`;

/**
 * Seeds the configured connections and variables. In prod a destroy only soft-deletes the latest
 * version (recoverable with `vault kv undelete`); in dev it deletes every version and the metadata.
 */
export function createSecretsStore(scope: BackendScope, cfg: VaultBackendConfig): VaultSecretsStore {
    const paths = vaultPaths(cfg.kv);
    const seeds = [
        ...seedEntries(scope.name, "conn", paths.connections, cfg.kv.connections, secretName).map((e) => ({
            ...e,
            kind: "connection" as const,
        })),
        ...seedEntries(scope.name, "var", paths.variables, cfg.kv.variables, secretName).map((e) => ({
            ...e,
            kind: "variable" as const,
        })),
    ];
    const resources = seeds.map(
        (entry) =>
            new SecretV2(
                entry.logicalName,
                {
                    mount: cfg.kv.mount,
                    name: entry.secretName,
                    dataJson: pulumi.secret(
                        pulumi.output(entry.value).apply((v) => JSON.stringify(seedData(entry.kind, v, entry.key))),
                    ),
                    deleteAllVersions: scope.environment !== "prod",
                },
                scope.child,
            ),
    );
    return {
        paths,
        readPaths: [paths.connections, paths.variables, ...(paths.config === null ? [] : [paths.config])],
        resources,
    };
}
