// Vault backend: a KV v2 engine for connections and variables (optionally seeded), and Kubernetes auth
// with a role bound to exactly the agent's ServiceAccounts, granting read on exactly the backend's paths.
// Layout: schema.ts (config), backend.ts (what the registry lists, SDK-free), secretsStore.ts,
// identity.ts, policies.ts (pure Vault documents); this file wires them in one component.
//
// XCom: Vault has no object store. The backend takes the store the way `external` does (`xcomPath`,
// `xcomBackend`, and the ServiceAccount annotations that give the pods access to it) instead of
// creating a bucket through another cloud's backend: Vault is chosen for secrets across clouds and on
// premises, so the store is whatever the customer already runs, and each backend keeps one cloud.
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/vault/provider";
import type { K8sObject } from "../../../schema/primitives";
import { VAULT_BACKEND } from "../../../backends/airflow";
import { componentType, withLegacyAlias } from "../../typeTokens";
import { type CloudBackendArgs, cloudBackendScope } from "../shared";
import { namedStoreTaskLogsEnvInputs } from "../../../backends/shared/xcom";
import type { BackendContribution } from "../../../backends/types";
import { OWNER_GRANTS_OUTPUT } from "../../../backends/shared";
import { CA_VOLUME } from "../../../backends/vault/backend";
import { createIdentity } from "./identity";
import { type VaultBackendConfig, vaultNames } from "../../../backends/vault/schema";
import { createSecretsStore } from "./secretsStore";

export { CA_VOLUME, TOKEN_VOLUME, vaultBackend } from "../../../backends/vault/backend";
export { vaultBackendSchema, validateVaultBackend, type VaultBackendConfig } from "../../../backends/vault/schema";

/** Args of {@link VaultBackend}. */
export type VaultBackendArgs = CloudBackendArgs<VaultBackendConfig>;

/** The CA bundle volume, its mount and the `verify` path, when `tls` is set. */
function caBundle(cfg: VaultBackendConfig): { volume: K8sObject; mount: K8sObject; verify: string } | undefined {
    const tls = cfg.tls;
    if (tls === undefined) {
        return undefined;
    }
    const items = [{ key: tls.key, path: tls.key }];
    return {
        volume:
            tls.secretName === undefined
                ? { name: CA_VOLUME, configMap: { name: tls.configMapName, items } }
                : { name: CA_VOLUME, secret: { secretName: tls.secretName, items } },
        mount: { name: CA_VOLUME, mountPath: tls.mountPath, readOnly: true },
        verify: `${tls.mountPath}/${tls.key}`,
    };
}

/**
 * The Vault side of the agent. Uses the `vault` provider from the parent chain when one is passed
 * (`providers: [vaultProvider]`, configured with `backend.namespace` if any); otherwise creates one for
 * `providerAddress` (or `address`) with `token` or the deploying shell's `VAULT_TOKEN`.
 */
export class VaultBackend extends pulumi.ComponentResource {
    /** Name of the Kubernetes auth role (`kubernetes_role`). */
    public readonly roleName: pulumi.Output<string>;
    /** Name of the agent's policy. */
    public readonly policyName: pulumi.Output<string>;
    public readonly contribution: BackendContribution;

    constructor(name: string, args: VaultBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("VaultBackend"), name, {}, withLegacyAlias("VaultBackend", opts));
        const cfg = args.config;
        const scope = cloudBackendScope(this, {
            name,
            environment: args.environment,
            pkg: "vault",
            newProvider: (o) =>
                new Provider(
                    `${name}-provider`,
                    {
                        address: cfg.providerAddress ?? cfg.address,
                        ...(cfg.token === undefined ? {} : { token: cfg.token }),
                        ...(cfg.namespace === undefined ? {} : { namespace: cfg.namespace }),
                    },
                    o,
                ),
            // Vault objects take no tags; the scope's tags go unused.
            tagSeparator: "/",
            resourceNamePrefix: args.resourceNamePrefix,
        });
        // Hashed from the Vault namespace, the auth mount and the agent namespace, any of which may be
        // an Output: the same names as for plain values, known when those are.
        const names = pulumi
            .all([cfg.namespace, cfg.auth.mount, args.namespace])
            .apply(([vaultNamespace, mount, namespace]) =>
                vaultNames(
                    {
                        namespace: vaultNamespace,
                        auth: { mount, roleName: cfg.auth.roleName, policyName: cfg.auth.policyName },
                    },
                    args.resourceNamePrefix,
                    namespace,
                ),
            );
        const secrets = createSecretsStore(scope, cfg);
        const identity = createIdentity(scope, {
            config: cfg,
            namespace: args.namespace,
            serviceAccounts: args.serviceAccounts,
            roleName: names.role,
            policyName: names.policy,
            readPaths: secrets.readPaths,
            installation: pulumi.interpolate`Remote Execution Agent ${args.resourceNamePrefix} (stack ${pulumi.getProject()}/${pulumi.getStack()}, namespace ${args.namespace})`,
        });
        const ca = caBundle(cfg);
        // Vault's own CA (`tls`) wins; otherwise the corporate bundle every pod mounts (`caBundle`).
        const verify = ca?.verify ?? args.caBundleFile;

        this.roleName = identity.role?.roleName ?? names.role;
        this.policyName = identity.policy?.name ?? names.policy;
        this.contribution = {
            secretBackend: VAULT_BACKEND,
            secretBackendKwargs: {
                url: cfg.address,
                ...(cfg.namespace === undefined ? {} : { namespace: cfg.namespace }),
                auth_type: "kubernetes",
                auth_mount_point: cfg.auth.mount,
                kubernetes_role: names.role,
                kubernetes_jwt_path: identity.jwtPath,
                mount_point: cfg.kv.mount,
                kv_engine_version: 2,
                connections_path: secrets.paths.connections,
                variables_path: secrets.paths.variables,
                config_path: secrets.paths.config,
                ...(verify === undefined ? {} : { verify }),
            },
            xcomBackend: cfg.xcomBackend,
            xcomPath: cfg.xcomPath,
            commonEnv: namedStoreTaskLogsEnvInputs(cfg.taskLogs, cfg.xcomPath),
            serviceAccountAnnotations: cfg.serviceAccountAnnotations,
            podLabels: {},
            volumes: [identity.volume, ...(ca === undefined ? [] : [ca.volume])],
            volumeMounts: [identity.volumeMount, ...(ca === undefined ? [] : [ca.mount])],
            dependsOn: [...identity.resources, ...secrets.resources],
            outputs: {
                vaultRoleName: this.roleName,
                vaultPolicyName: this.policyName,
                ...(identity.ownerGrants === undefined ? {} : { [OWNER_GRANTS_OUTPUT]: identity.ownerGrants }),
            },
        };
        this.registerOutputs({ roleName: this.roleName, policyName: this.policyName });
    }
}
