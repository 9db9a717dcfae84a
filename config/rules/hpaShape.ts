// HPA values shape: known for the checked chart versions, explicit otherwise.
import { DEFAULT_CHART_VERSION, hpaShapeOf, NEWEST_CHECKED_CHART_VERSION } from "../chartVersions";
import type { ConfigRule } from "./rule";

export const hpaShapeRule: ConfigRule = {
    reads: ["chart", "workers"],
    check(cfg, issue) {
        const withHpa = cfg.workers.findIndex((w) => w.hpa !== undefined);
        if (withHpa >= 0 && hpaShapeOf(cfg.chart) === undefined) {
            issue(
                ["chart", "hpaShape"],
                `is required: workers[${withHpa}].hpa is set and chart ${cfg.chart.version ?? DEFAULT_CHART_VERSION} is newer than the versions whose HPA values were checked (1.x, 2.x up to ${NEWEST_CHECKED_CHART_VERSION}); read the chart's values.yaml and set 'replicaCount' or 'replicas'`,
            );
        }
    },
};
