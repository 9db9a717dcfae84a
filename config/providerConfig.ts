// Kubernetes provider settings the agent's Secrets need. pulumi-kubernetes replaces a Secret (delete,
// then create: its name is fixed) whenever its data changes, unless the provider's
// `enableSecretMutable` is on; then a rotation is an in-place update and no moment passes without the
// Secret. Pulumi.yaml sets it for every stack of this program; the fleet sets it on the providers it
// creates; a component consumer sets it on their own providers (docs/secrets.md).
import * as pulumi from "@pulumi/pulumi";

/** The default provider's config key (stack or project config). */
export const SECRET_MUTABLE_CONFIG = "kubernetes:enableSecretMutable";
/** The environment variable the provider falls back to when the config key is unset. */
export const SECRET_MUTABLE_ENV = "PULUMI_K8S_ENABLE_SECRET_MUTABLE";

/** Provider config Pulumi.yaml sets for every stack of this project (written by `npm run docs`). */
export const PROJECT_PROVIDER_CONFIG: Record<string, { value: unknown }> = { [SECRET_MUTABLE_CONFIG]: { value: true } };

/** Whether a provider with this config value and environment updates Secrets in place (the provider's precedence: config, then env). */
export function secretsMutable(configValue: string | undefined, envValue: string | undefined): boolean {
    return configValue !== undefined ? configValue === "true" : envValue === "true";
}

/** Whether this stack's default Kubernetes provider updates Secrets in place. */
export function defaultProviderSecretsMutable(): boolean {
    return secretsMutable(new pulumi.Config("kubernetes").get("enableSecretMutable"), process.env[SECRET_MUTABLE_ENV]);
}

/** The warning for a stack whose default provider would replace the agent's Secrets delete-first. */
export const SECRET_MUTABLE_WARNING = `the default Kubernetes provider replaces a Secret this program manages (delete, then create) when its value changes, so a rotation leaves a moment without it; turn on in-place updates: pulumi config set ${SECRET_MUTABLE_CONFIG} true (or ${SECRET_MUTABLE_CONFIG}: true in Pulumi.yaml's config block, or ${SECRET_MUTABLE_ENV}=true); the change replaces nothing (docs/secrets.md)`;
