// Deterministic names every cloud derives from the installation: known before `up`, the same after a
// re-create, and different for any two stacks, clusters or namespaces.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** What identifies one installation of the agent: project, stack, cluster, namespace. */
export function installationKey(cluster: string, namespace: string): string[] {
    return [pulumi.getProject(), pulumi.getStack(), cluster, namespace];
}

/**
 * The default name of the agent's cloud identity (AWS role, Azure managed identity):
 * `<resourceNamePrefix>-agent-<8 hex of the installation>`, at most 30 + 15 characters.
 */
export function agentIdentityName(resourceNamePrefix: string, installation: readonly string[]): string {
    return `${resourceNamePrefix}-agent-${stableHex(installation)}`;
}

/** The first `length` hex digits of sha256 of the parts joined with `/`. */
export function stableHex(parts: readonly string[], length = 8): string {
    return createHash("sha256").update(parts.join("/")).digest("hex").slice(0, length);
}

/**
 * A GUID derived from the parts (the RFC 4122 version-5 layout over SHA-1 of the joined parts), for
 * resources whose name must be a GUID (Azure role assignments): the same parts give the same GUID.
 */
export function stableGuid(parts: readonly string[]): string {
    const bytes = createHash("sha1").update(parts.join("/")).digest().subarray(0, 16);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
