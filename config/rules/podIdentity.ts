// `podIdentity: assignedByCluster` leaves every UID and group to the cluster: no context may name one.
import { IDENTITY_FIELDS } from "../securityContext";
import { podComponents } from "./parts";
import type { ConfigRule } from "./rule";

/** The message for a UID or group set while the cluster assigns them. */
export const ASSIGNED_ID_MESSAGE =
    "is set, but podIdentity is 'assignedByCluster': the cluster assigns the UID and groups (OpenShift's restricted-v2 refuses a UID outside the namespace's range); remove it, or set podIdentity: fixed";

export const podIdentityRule: ConfigRule = {
    reads: ["podIdentity", "workers", "triggerer", "dagProcessor", "sentinel", "loggingSidecar"],
    check(cfg, issue) {
        if (cfg.podIdentity !== "assignedByCluster") {
            return;
        }
        const report = (path: (string | number)[], ctx: Record<string, unknown> | undefined) => {
            for (const f of IDENTITY_FIELDS) {
                if (ctx?.[f] !== undefined) {
                    issue([...path, f], ASSIGNED_ID_MESSAGE);
                }
            }
        };
        for (const { path, c } of podComponents(cfg)) {
            report([...path, "podSecurityContext"], c.podSecurityContext);
            report([...path, "containerSecurityContext"], c.containerSecurityContext);
            for (const list of ["initContainers", "extraContainers"] as const) {
                (c[list] ?? []).forEach((ct, j) => {
                    report([...path, list, j, "securityContext"], ct.securityContext);
                });
            }
        }
        report(["loggingSidecar", "securityContext"], cfg.loggingSidecar.securityContext);
    },
};
