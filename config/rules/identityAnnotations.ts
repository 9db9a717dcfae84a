// ServiceAccount annotations: the backend's identity keys are not overridable.
import { backendFor } from "../../backends/registry";
import { formatPath } from "../errors";
import { podComponents } from "./parts";
import type { ConfigRule } from "./rule";

export const identityAnnotationsRule: ConfigRule = {
    reads: ["backend", "workers", "triggerer", "dagProcessor", "sentinel"],
    check(cfg, issue) {
        const backend = backendFor(cfg.backend.kind);
        const owned = new Map(
            backend.serviceAccountAnnotationKeys(cfg.backend).map((o) => [o.name, formatPath(o.setBy)]),
        );
        for (const { path, c } of podComponents(cfg)) {
            for (const key of Object.keys(c.serviceAccount?.annotations ?? {})) {
                const setBy = owned.get(key);
                if (setBy !== undefined) {
                    issue(
                        [...path, "serviceAccount", "annotations", key],
                        `is set by the ${cfg.backend.kind} backend (from ${setBy}) for the agent's identity and cannot be overridden; remove it here`,
                    );
                }
            }
        }
    },
};
