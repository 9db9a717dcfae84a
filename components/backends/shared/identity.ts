// Workload-identity subjects every cloud binds: exactly the ServiceAccounts the agent's pods run as.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { AgentServiceAccountRef } from "../types";

/**
 * 8 hex digits identifying one installation (project, stack, cluster, namespace…), for cloud-wide
 * names that must differ between stacks yet stay the same across updates (role and account names).
 */
export function installationId(parts: readonly string[]): string {
    return createHash("sha256").update(parts.join("/")).digest("hex").slice(0, 8);
}

/** What identifies this installation: the Pulumi project and stack, the cluster, the namespace. */
export function installationKey(cluster: string, namespace: string): string[] {
    return [pulumi.getProject(), pulumi.getStack(), cluster, namespace];
}

/** `system:serviceaccount:<namespace>:<name>`: the exact subject of a ServiceAccount token (IRSA, Azure, Vault). */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/** The ServiceAccount names in the context's order (workers, dag processor, triggerer, Sentinel). */
export function serviceAccountNames(serviceAccounts: readonly AgentServiceAccountRef[]): string[] {
    return serviceAccounts.map((s) => s.name);
}

/** The token subjects of every agent ServiceAccount, in the context's order. */
export function serviceAccountSubjects(
    namespace: string,
    serviceAccounts: readonly AgentServiceAccountRef[],
): string[] {
    return serviceAccountNames(serviceAccounts).map((sa) => serviceAccountSubject(namespace, sa));
}
