// Workload-identity subjects every cloud binds: exactly the ServiceAccounts the agent's pods run as.
import { createHash } from "node:crypto";
import type { AgentServiceAccountRef, BackendOwnedName } from "../types";

/**
 * 8 hex digits identifying one installation (e.g. project, stack, cluster, namespace): the suffix of
 * default identity names, so two stacks sharing an account or a Vault never collide.
 */
export function installationId(parts: readonly string[]): string {
    return createHash("sha256").update(parts.join("/")).digest("hex").slice(0, 8);
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

/** The keys of `backend.serviceAccountAnnotations` a backend passes through (values may be Outputs): it owns them, components cannot override. */
export function ownedAnnotationKeys(annotations: Readonly<Record<string, unknown>>): BackendOwnedName[] {
    return Object.keys(annotations).map((key) => ({ name: key, setBy: ["backend", "serviceAccountAnnotations", key] }));
}
