// Secrets Manager as Airflow's secrets backend: the kwargs, and the connections and variables given as
// secret config, seeded as `<prefix>/<key>` secrets whose values stay Pulumi secrets.
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as pulumi from "@pulumi/pulumi";
import { type BackendScope, grantedSecretPrefixes, prefixKwargs, secretRecoveryDays, seedAll } from "../shared";
import { type AwsBackendConfig, secretPrefixes } from "../../../backends/aws/schema";

/** What the secrets store gives the chart and the role. */
export interface AwsSecretsStore {
    /** `SecretsManagerBackend` kwargs. */
    kwargs: Record<string, unknown>;
    /** The prefixes the backend reads, for the role's grant (connections, variables, config when enabled). */
    prefixes: string[];
    /** Seeded secrets and their versions (the release waits for them). */
    resources: pulumi.Resource[];
}

/** Secret names are `<prefix>/<key>`, exactly what `SecretsManagerBackend` looks up. */
const secretName = (prefix: string, key: string) => `${prefix}/${key}`;

/** Seeds the configured connections and variables (encrypted with `kmsKeyArn` when given). */
export function createSecretsStore(
    scope: BackendScope,
    cfg: AwsBackendConfig,
    kmsKeyArn: pulumi.Output<string> | undefined,
): AwsSecretsStore {
    const sm = cfg.secretsManager;
    const prefixes = secretPrefixes(sm);
    const recoveryWindowInDays = secretRecoveryDays(sm.recoveryWindowInDays, scope.environment);
    const entries = seedAll(scope.name, prefixes, sm, secretName);
    const resources = entries.flatMap((entry) => {
        const secret = new secretsmanager.Secret(
            entry.logicalName,
            {
                region: cfg.region,
                name: entry.secretName,
                recoveryWindowInDays,
                tags: scope.tags,
                ...(kmsKeyArn === undefined ? {} : { kmsKeyId: kmsKeyArn }),
                // Same name in each replica region: the agent there reads it with its own role.
                ...(sm.replicaRegions.length === 0
                    ? {}
                    : { replicas: sm.replicaRegions.map((region) => ({ region })) }),
            },
            scope.child,
        );
        const version = new secretsmanager.SecretVersion(
            entry.logicalName,
            { region: cfg.region, secretId: secret.id, secretString: pulumi.secret(entry.value) },
            scope.child,
        );
        return [secret, version];
    });
    return {
        kwargs: { ...prefixKwargs(prefixes), region_name: cfg.region },
        prefixes: grantedSecretPrefixes(prefixes),
        resources,
    };
}
