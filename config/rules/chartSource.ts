// Chart source.
import type { ConfigRule } from "./rule";

export const chartSourceRule: ConfigRule = {
    reads: ["chart", "release"],
    check(cfg, issue) {
        if (cfg.chart.path !== undefined && cfg.chart.repo !== undefined) {
            issue(["chart", "path"], "set either chart.path (local chart) or chart.repo, not both");
        }
        if (cfg.chart.name.startsWith("oci://") && cfg.chart.repo !== undefined) {
            issue(["chart", "repo"], "must not be set with an oci:// chart name");
        }
        if (cfg.chart.path === undefined && cfg.chart.version === undefined && cfg.chart.repo !== undefined) {
            issue(["chart", "version"], "is required with a custom chart.repo: pin the exact version");
        }
        if (cfg.release.atomic && cfg.release.skipAwait) {
            issue(
                ["release", "skipAwait"],
                "cannot be true with release.atomic (atomic waits for the workloads); drop one",
            );
        }
    },
};
