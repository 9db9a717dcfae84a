// `labels` and `annotations` may not name a key the program sets (config/ownedMetadata.ts): a Pod
// Security label, its managed-by labels, the rotation annotation, identity annotations…
import { ownedKeyMessage, ownedMetadataKey } from "../ownedMetadata";
import { podComponents } from "./parts";
import type { ConfigRule } from "./rule";

export const ownedMetadataRule: ConfigRule = {
    reads: ["labels", "annotations", "workers", "triggerer", "dagProcessor", "sentinel"],
    check(cfg, issue) {
        for (const map of ["labels", "annotations"] as const) {
            for (const key of Object.keys(cfg[map])) {
                const owned = ownedMetadataKey(key);
                if (owned !== undefined) {
                    issue([map, key], ownedKeyMessage(owned));
                }
            }
        }
        // A component's ServiceAccount may carry identity annotations of its own (the backend's keys
        // are refused by identityAnnotations.ts); the program's other keys are refused here.
        for (const { path, c } of podComponents(cfg)) {
            for (const key of Object.keys(c.serviceAccount?.annotations ?? {})) {
                const owned = ownedMetadataKey(key);
                if (owned !== undefined && !owned.identity) {
                    issue([...path, "serviceAccount", "annotations", key], ownedKeyMessage(owned));
                }
            }
        }
    },
};
