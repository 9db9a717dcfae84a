// Data stores the program keeps on `pulumi destroy` (prod) carry a marker next to `retainOnDelete`,
// derived from the same boolean: the policy engine is never shown `retainOnDelete` (a policy pack sees
// `protect` but not `retainOnDelete`), so the marker is how `prod-data-stores-retained` can tell.
// One key that is valid as an AWS or Azure tag, a GCP label and a Kubernetes annotation.

import { RETAIN_ON_DELETE_MARKER } from "../config/ownedMetadata";

export { RETAIN_ON_DELETE_MARKER };

/** The marker entry for a resource created with `retainOnDelete: retain` (empty when it is not retained). */
export function retentionMarker(retain: boolean): Record<string, string> {
    return retain ? { [RETAIN_ON_DELETE_MARKER]: "true" } : {};
}

/** Whether a tag, label or annotation map carries the marker. */
export function hasRetentionMarker(entries: unknown): boolean {
    return (
        entries !== null &&
        typeof entries === "object" &&
        (entries as Record<string, unknown>)[RETAIN_ON_DELETE_MARKER] === "true"
    );
}
