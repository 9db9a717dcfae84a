// Secret Manager as Airflow's secrets backend: the `CloudSecretManagerBackend` kwargs, and the
// connections and variables given as secret config, seeded as `<prefix><sep><key>` secrets whose values
// stay Pulumi secrets.
import * as pulumi from "@pulumi/pulumi";
import * as secretmanager from "@pulumi/gcp/secretmanager";
import { type BackendScope, grantedSecretPrefixes, prefixKwargs, seedAll } from "../shared";
import { type GcpBackendConfig, secretPrefixesOf, storeProjects } from "../../../backends/gcp/schema";

/** What the secrets store gives the chart and the grants. */
export interface GcpSecretsStore {
    /** `CloudSecretManagerBackend` kwargs. */
    kwargs: Record<string, unknown>;
    /** The prefixes the backend reads (connections, variables, config when enabled), for the condition. */
    prefixes: string[];
    /** Seeded secrets and their versions (the release waits for them). */
    resources: pulumi.Resource[];
}

/** The replication of seeded secrets, with the customer key in every replica when one is used. */
export function secretReplication(
    cfg: GcpBackendConfig,
    kmsKeyName: pulumi.Input<string> | undefined,
): secretmanager.SecretArgs["replication"] {
    const cmek = kmsKeyName === undefined ? {} : { customerManagedEncryption: { kmsKeyName } };
    const r = cfg.secretManager.replication;
    return r.kind === "automatic"
        ? { auto: cmek }
        : { userManaged: { replicas: r.locations.map((location) => ({ location, ...cmek })) } };
}

/** Seeds the configured connections and variables. */
export function createSecretsStore(
    scope: BackendScope,
    cfg: GcpBackendConfig,
    kmsKeyName: pulumi.Input<string> | undefined,
    dependsOn: pulumi.Resource[],
): GcpSecretsStore {
    const sm = cfg.secretManager;
    const prefixes = secretPrefixesOf(cfg);
    const project = storeProjects(cfg).secrets;
    const secretId = (prefix: string, key: string) => `${prefix}${sm.sep}${key}`;
    const entries = seedAll(scope.name, prefixes, sm, secretId);
    const resources = entries.flatMap((entry) => {
        const secret = new secretmanager.Secret(
            entry.logicalName,
            {
                project,
                secretId: entry.secretName,
                replication: secretReplication(cfg, kmsKeyName),
                labels: scope.tags,
                // prod: Pulumi never deletes it (retainOnDelete), and GCP refuses a delete outside Pulumi too
                deletionProtection: scope.environment === "prod",
            },
            { ...scope.retained, dependsOn },
        );
        const version = new secretmanager.SecretVersion(
            entry.logicalName,
            { secret: secret.id, secretData: pulumi.secret(entry.value) },
            { ...scope.retained, parent: secret },
        );
        return [secret, version];
    });
    return {
        kwargs: { ...prefixKwargs(prefixes), project_id: project, sep: sm.sep },
        prefixes: grantedSecretPrefixes(prefixes),
        resources,
    };
}
