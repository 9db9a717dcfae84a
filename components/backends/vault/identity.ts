// The agent's identity in Vault: Kubernetes auth (an existing mount, or one created with its config),
// a role bound to exactly the agent's ServiceAccounts in its namespace and to one token audience, the
// policy the role grants (with `grants: none` both left to the Vault team, as the ownerGrants
// document), and the pod side: a projected ServiceAccount token with that audience.
import * as pulumi from "@pulumi/pulumi";
import { AuthBackend } from "@pulumi/vault/authBackend";
import { AuthBackendConfig } from "@pulumi/vault/kubernetes/authBackendConfig";
import { AuthBackendRole } from "@pulumi/vault/kubernetes/authBackendRole";
import { Policy } from "@pulumi/vault/policy";
import type { K8sObject } from "../../../schema/primitives";
import type { BackendScope } from "../shared";
import type { AgentServiceAccountRef } from "../../../backends/types";
import { agentPolicy, agentRole, authMountConfig } from "../../../backends/vault/policies";
import { vaultOwnerGrants } from "../../../backends/vault/ownerGrants";
import type { VaultBackendConfig } from "../../../backends/vault/schema";

import { TOKEN_VOLUME } from "../../../backends/vault/backend";

/** Where the projected token volume is mounted (`kubernetes_jwt_path` = `<dir>/token`). */
export const TOKEN_DIR = "/var/run/secrets/vault";
export const TOKEN_FILE = "token";

/** Inputs of {@link createIdentity}. */
export interface VaultIdentityArgs {
    config: VaultBackendConfig;
    /** The agent namespace (an Output when a component arg gave one). */
    namespace: pulumi.Input<string>;
    serviceAccounts: AgentServiceAccountRef[];
    roleName: pulumi.Input<string>;
    policyName: pulumi.Input<string>;
    /** The KV paths the backend reads. */
    readPaths: string[];
    /** Comment line of the policy. */
    installation: pulumi.Input<string>;
}

/** The role, its policy, the mount when created, and the pod volume. */
export interface VaultIdentity {
    /** The role and the policy: none with `grants: none` (the Vault team writes them, see `ownerGrants`). */
    role?: AuthBackendRole;
    policy?: Policy;
    /** With `grants: none`: the policy (HCL) and role the Vault team writes (JSON); else undefined. */
    ownerGrants?: pulumi.Output<string>;
    /** Auth mount, mount config, policy and role (the release waits for them). */
    resources: pulumi.Resource[];
    /** The projected token volume and its mount (every agent pod logs in with it). */
    volume: K8sObject;
    volumeMount: K8sObject;
    /** `kubernetes_jwt_path`. */
    jwtPath: string;
}

/** The auth mount and its config, when `auth.createMount` asks for them. */
function createMount(scope: BackendScope, cfg: VaultBackendConfig): pulumi.Resource[] {
    const create = cfg.auth.createMount;
    if (create === undefined) {
        return [];
    }
    const mount = new AuthBackend(
        `${scope.name}-auth`,
        {
            type: "kubernetes",
            path: cfg.auth.mount,
            description: "Kubernetes auth of the Astro Remote Execution Agent",
        },
        scope.child,
    );
    // The mount, the API server, its CA and the issuer may be Outputs: the document is built from
    // their values; which of its fields exist is decided by which keys are set.
    const doc = pulumi
        .all([cfg.auth.mount, create.kubernetesHost, create.kubernetesCaCert, create.issuer])
        .apply(([authMount, kubernetesHost, kubernetesCaCert, issuer]) =>
            authMountConfig({
                authMount,
                kubernetesHost,
                kubernetesCaCert,
                issuer,
                withReviewerJwt: create.tokenReviewerJwt !== undefined,
            }),
        );
    const config = new AuthBackendConfig(
        `${scope.name}-auth`,
        {
            kubernetesHost: doc.kubernetesHost,
            // Present in the document exactly when the key is set (authMountConfig drops unset ones).
            ...(create.kubernetesCaCert === undefined
                ? {}
                : { kubernetesCaCert: doc.kubernetesCaCert as pulumi.Output<string> }),
            ...(create.issuer === undefined ? {} : { issuer: doc.issuer as pulumi.Output<string> }),
            disableLocalCaJwt: doc.disableLocalCaJwt,
            backend: mount.path,
            ...(create.tokenReviewerJwt === undefined ? {} : { tokenReviewerJwt: create.tokenReviewerJwt }),
        },
        scope.child,
    );
    return [mount, config];
}

/** Creates the policy and the role (and the mount), and says how the pods log in. */
export function createIdentity(scope: BackendScope, args: VaultIdentityArgs): VaultIdentity {
    const cfg = args.config;
    const mount = createMount(scope, cfg);
    const policyDoc = pulumi
        .all([cfg.kv.mount, args.installation])
        .apply(([kvMount, installation]) => agentPolicy({ kvMount, paths: args.readPaths, installation }));
    const roleDoc = pulumi
        .all([cfg.auth.mount, args.roleName, args.policyName, args.namespace])
        .apply(([authMount, roleName, policyName, namespace]) =>
            agentRole({
                authMount,
                roleName,
                policyName,
                namespace,
                serviceAccounts: args.serviceAccounts,
                audience: cfg.auth.audience,
                tokenTtlSeconds: cfg.auth.tokenTtlSeconds,
                tokenMaxTtlSeconds: cfg.auth.tokenMaxTtlSeconds,
            }),
        );
    const pod = podLogin(cfg);
    if (cfg.grants === "none") {
        return {
            resources: mount,
            ownerGrants: pulumi
                .all([args.policyName, policyDoc, roleDoc])
                .apply(([policyName, policy, role]) =>
                    JSON.stringify(vaultOwnerGrants({ policyName, policy, role }), null, 2),
                ),
            ...pod,
        };
    }
    const policy = new Policy(`${scope.name}-policy`, { name: args.policyName, policy: policyDoc }, scope.child);
    const role = new AuthBackendRole(
        `${scope.name}-role`,
        {
            backend: roleDoc.backend,
            roleName: roleDoc.roleName,
            boundServiceAccountNames: roleDoc.boundServiceAccountNames,
            boundServiceAccountNamespaces: roleDoc.boundServiceAccountNamespaces,
            audience: roleDoc.audience,
            tokenPolicies: roleDoc.tokenPolicies,
            tokenTtl: roleDoc.tokenTtl,
            tokenMaxTtl: roleDoc.tokenMaxTtl,
            tokenNoDefaultPolicy: roleDoc.tokenNoDefaultPolicy,
        },
        // The role names the policy and lives on the mount: created after both, deleted before.
        { ...scope.child, dependsOn: [policy, ...mount] },
    );
    return { role, policy, resources: [...mount, policy, role], ...pod };
}

/** The projected token volume, its mount and `kubernetes_jwt_path`: how every agent pod logs in. */
function podLogin(cfg: VaultBackendConfig): Pick<VaultIdentity, "volume" | "volumeMount" | "jwtPath"> {
    return {
        volume: {
            name: TOKEN_VOLUME,
            projected: {
                sources: [
                    {
                        serviceAccountToken: {
                            audience: cfg.auth.audience,
                            expirationSeconds: cfg.auth.jwtExpirationSeconds,
                            path: TOKEN_FILE,
                        },
                    },
                ],
            },
        },
        volumeMount: { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
        jwtPath: `${TOKEN_DIR}/${TOKEN_FILE}`,
    };
}
