// Volume names the program adds to a pod are reserved there; sidecar volumes join worker and triggerer pods.
import { CA_BUNDLE_VOLUME } from "../tenant";
import { SIDECAR_DATA_VOLUME, TASK_LOGS_VOLUME, TMP_VOLUME } from "../volumes";
import { podComponents } from "./parts";
import type { ConfigRule } from "./rule";

export const reservedVolumesRule: ConfigRule = {
    reads: ["restricted", "caBundle", "workers", "triggerer", "dagProcessor", "sentinel", "loggingSidecar"],
    check(cfg, issue) {
        const sidecar = cfg.loggingSidecar.enabled;
        for (const { path, c, kind } of podComponents(cfg)) {
            const reserved = new Map<string, string>();
            if (cfg.restricted) {
                reserved.set(TMP_VOLUME, "is created by restricted mode");
            }
            if (cfg.caBundle !== undefined) {
                reserved.set(CA_BUNDLE_VOLUME, "is created for caBundle");
            }
            if (kind !== "sentinel" && kind !== "dagProcessor" && (cfg.restricted || sidecar)) {
                reserved.set(TASK_LOGS_VOLUME, "is created for the task logs (restricted mode or the logging sidecar)");
            }
            if (kind !== "sentinel" && kind !== "dagProcessor" && sidecar) {
                if (cfg.restricted) {
                    reserved.set(SIDECAR_DATA_VOLUME, "is created for the logging sidecar's data dir");
                }
                for (const v of cfg.loggingSidecar.volumes) {
                    reserved.set(v.name, "is also declared in loggingSidecar.volumes (added to this pod)");
                }
            }
            c.volumes.forEach((v, j) => {
                const why = reserved.get(v.name);
                if (why !== undefined) {
                    issue([...path, "volumes", j, "name"], `'${v.name}' ${why}; rename this volume`);
                }
            });
        }
        if (sidecar) {
            cfg.loggingSidecar.volumes.forEach((v, j) => {
                if ([TMP_VOLUME, TASK_LOGS_VOLUME, SIDECAR_DATA_VOLUME, CA_BUNDLE_VOLUME].includes(v.name)) {
                    issue(
                        ["loggingSidecar", "volumes", j, "name"],
                        `'${v.name}' is created by the program; rename this volume`,
                    );
                }
            });
        }
    },
};
