// What the Vault backend writes into Vault, as pure functions of plain strings: the agent's policy
// (HCL), its Kubernetes auth role, the auth mount's config and the KV v2 data of a seeded secret.
// Unit-tested whole; the OpenBao proof (tests/e2e/vault.test.ts) applies exactly these documents.
import { serviceAccountNames } from "../shared/identity";
import type { AgentServiceAccountRef } from "../types";

/** `<mount>/data/<path>`: the API path of KV v2 secrets (what VaultBackend's `read_secret_version` GETs). */
export function kvDataPath(mount: string, path: string): string {
    return `${mount}/data/${path}`;
}

/** Inputs of {@link agentPolicy}. */
export interface AgentPolicyInput {
    /** KV v2 mount (`mount_point`). */
    kvMount: string;
    /** The paths the backend reads: connections, variables, and config when enabled. */
    paths: string[];
    /** A comment line naming the installation (no effect on the grants). */
    installation: string;
}

/**
 * The agent's policy: `read` on `<mount>/data/<path>/*` of each path the backend kwargs name, nothing
 * else. No `list` (VaultBackend never lists), nothing on `metadata/` (it reads only the latest
 * version through `data/`), no `default` policy (the role sets `token_no_default_policy`): VaultBackend
 * logs in and calls only `GET <mount>/data/<path>/<id>`.
 */
export function agentPolicy(p: AgentPolicyInput): string {
    const blocks = p.paths.map((path) => `path "${kvDataPath(p.kvMount, path)}/*" {\n  capabilities = ["read"]\n}\n`);
    return [`# ${p.installation}: Airflow reads its connections and variables; nothing else.\n`, ...blocks].join("\n");
}

/** The Kubernetes auth role, as `vault.kubernetes.AuthBackendRole` inputs. */
export interface AgentRole {
    backend: string;
    roleName: string;
    boundServiceAccountNames: string[];
    boundServiceAccountNamespaces: string[];
    audience: string;
    tokenPolicies: string[];
    tokenTtl: number;
    tokenMaxTtl: number;
    tokenNoDefaultPolicy: boolean;
}

/** Inputs of {@link agentRole}. */
export interface AgentRoleInput {
    authMount: string;
    roleName: string;
    policyName: string;
    namespace: string;
    serviceAccounts: readonly AgentServiceAccountRef[];
    audience: string;
    tokenTtlSeconds: number;
    tokenMaxTtlSeconds: number;
}

/**
 * The role: exactly the agent's ServiceAccount names in exactly its namespace (never `*`), tokens with
 * this audience only, short TTLs, and only the agent's policy (not even `default`).
 */
export function agentRole(p: AgentRoleInput): AgentRole {
    return {
        backend: p.authMount,
        roleName: p.roleName,
        boundServiceAccountNames: serviceAccountNames(p.serviceAccounts),
        boundServiceAccountNamespaces: [p.namespace],
        audience: p.audience,
        tokenPolicies: [p.policyName],
        tokenTtl: p.tokenTtlSeconds,
        tokenMaxTtl: p.tokenMaxTtlSeconds,
        tokenNoDefaultPolicy: true,
    };
}

/** The auth mount's config, as `vault.kubernetes.AuthBackendConfig` inputs (without the reviewer token). */
export interface AuthMountConfig {
    backend: string;
    kubernetesHost: string;
    kubernetesCaCert?: string;
    issuer?: string;
    /** True with a reviewer token: Vault then never falls back to its own pod's token and CA. */
    disableLocalCaJwt: boolean;
}

/** The mount config for `createMount`. */
export function authMountConfig(p: {
    authMount: string;
    kubernetesHost: string;
    kubernetesCaCert?: string | undefined;
    issuer?: string | undefined;
    withReviewerJwt: boolean;
}): AuthMountConfig {
    return {
        backend: p.authMount,
        kubernetesHost: p.kubernetesHost,
        ...(p.kubernetesCaCert === undefined ? {} : { kubernetesCaCert: p.kubernetesCaCert }),
        ...(p.issuer === undefined ? {} : { issuer: p.issuer }),
        disableLocalCaJwt: p.withReviewerJwt,
    };
}

/**
 * The KV v2 data of a seeded secret, as VaultBackend reads it back: a variable holds its value under
 * `value`; a connection given as a JSON object is stored field by field (VaultBackend serialises the
 * fields back to JSON), anything else as `conn_uri`. Throws (without the value) on a JSON-looking
 * connection that does not parse to an object.
 */
export function seedData(kind: "connection" | "variable", value: string, key: string): Record<string, unknown> {
    if (kind === "variable") {
        return { value };
    }
    const trimmed = value.trim();
    if (!trimmed.startsWith("{")) {
        return { conn_uri: value };
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(trimmed);
    } catch {
        parsed = undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error(
            `backend.kv.connections.${key}: starts with '{' but is not a JSON object; give the connection as JSON or as a URI`,
        );
    }
    return parsed as Record<string, unknown>;
}
