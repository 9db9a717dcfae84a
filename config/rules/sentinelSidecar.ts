// Sentinel and logging sidecar details that only make sense together.
import type { ConfigRule } from "./rule";

export const sentinelSidecarRule: ConfigRule = {
    reads: ["sentinel", "loggingSidecar", "restricted"],
    check(cfg, issue) {
        const s = cfg.sentinel;
        if (!s.enabled && s.extraValues !== undefined) {
            issue(["sentinel", "extraValues"], "is set but sentinel.enabled is false; remove it or enable Sentinel");
        }
        if (s.port !== undefined) {
            for (const key of ["livenessProbe", "readinessProbe"] as const) {
                const port = s[key]?.httpGet?.port;
                if (port !== undefined && port !== s.port) {
                    issue(
                        ["sentinel", key, "httpGet", "port"],
                        `must equal sentinel.port (${s.port}): Sentinel serves its health endpoint there`,
                    );
                }
            }
        }
        const ls = cfg.loggingSidecar;
        if (!ls.enabled && ls.extraValues !== undefined) {
            issue(
                ["loggingSidecar", "extraValues"],
                "is set but loggingSidecar.enabled is false; remove it or enable the sidecar",
            );
        }
        const dataDir = ls.config === undefined ? undefined : /^data_dir:\s*["']?([^"'\s#]+)/m.exec(ls.config)?.[1];
        if (
            ls.enabled &&
            cfg.restricted &&
            dataDir !== undefined &&
            dataDir.replace(/\/+$/, "") !== ls.dataDir.replace(/\/+$/, "")
        ) {
            issue(
                ["loggingSidecar", "dataDir"],
                `must match data_dir in loggingSidecar.config ('${dataDir}'), where the writable volume is mounted; set loggingSidecar.dataDir: ${dataDir}`,
            );
        }
    },
};
