// Restricted mode is the floor: security context overrides may only tighten it.
import { containerWeakenings, podWeakenings } from "../securityContext";
import type { Weakening } from "../securityContext";
import { podComponents } from "./parts";
import type { ConfigRule } from "./rule";

export const restrictedFloorRule: ConfigRule = {
    reads: ["restricted", "workers", "triggerer", "dagProcessor", "sentinel", "loggingSidecar"],
    check(cfg, issue) {
        if (!cfg.restricted) {
            return;
        }
        const report = (base: (string | number)[], found: Weakening[]) => {
            for (const w of found) {
                issue([...base, ...w.path], w.message);
            }
        };
        for (const { path, c } of podComponents(cfg)) {
            if (c.podSecurityContext !== undefined) {
                report([...path, "podSecurityContext"], podWeakenings(c.podSecurityContext));
            }
            if (c.containerSecurityContext !== undefined) {
                report([...path, "containerSecurityContext"], containerWeakenings(c.containerSecurityContext));
            }
            for (const list of ["initContainers", "extraContainers"] as const) {
                (c[list] ?? []).forEach((ct, j) => {
                    if (ct.securityContext !== undefined) {
                        report([...path, list, j, "securityContext"], containerWeakenings(ct.securityContext));
                    }
                });
            }
        }
        if (cfg.loggingSidecar.securityContext !== undefined) {
            report(["loggingSidecar", "securityContext"], containerWeakenings(cfg.loggingSidecar.securityContext));
        }
    },
};
