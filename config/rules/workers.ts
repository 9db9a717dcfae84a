// Workers: unique names, names that fit, HPA bounds and resource requests.
import type { ConfigRule } from "./rule";

/** Longest name the chart derives from a worker: `<prefix>-worker-<name>-hpa`. */
export function workerObjectName(prefix: string, worker: string): string {
    return `${prefix}-worker-${worker}`;
}

function resourceMetricName(metric: Record<string, unknown>): string | undefined {
    if (metric.type !== "Resource") {
        return undefined;
    }
    const resource = metric.resource as { name?: unknown } | undefined;
    return typeof resource?.name === "string" ? resource.name : undefined;
}

export const workersRule: ConfigRule = {
    reads: ["workers", "resourceNamePrefix"],
    check(cfg, issue) {
        const seen = new Map<string, number>();
        cfg.workers.forEach((w, i) => {
            const first = seen.get(w.name);
            if (first !== undefined) {
                issue(
                    ["workers", i, "name"],
                    `duplicates workers[${first}].name '${w.name}'; worker names must be unique`,
                );
            } else {
                seen.set(w.name, i);
            }
            const hpaName = `${workerObjectName(cfg.resourceNamePrefix, w.name)}-hpa`;
            if (hpaName.length > 63) {
                issue(
                    ["workers", i, "name"],
                    `'${hpaName}' is ${hpaName.length} characters; shorten the worker name or resourceNamePrefix (limit 63)`,
                );
            }
            if (w.hpa?.enabled) {
                if (w.hpa.minReplicas > w.hpa.maxReplicas) {
                    issue(
                        ["workers", i, "hpa", "maxReplicas"],
                        `must be at least hpa.minReplicas (${w.hpa.minReplicas}); raise maxReplicas or lower minReplicas`,
                    );
                }
                if (w.hpa.metrics.length === 0 && w.hpa.queueMetric === undefined) {
                    issue(
                        ["workers", i, "hpa", "metrics"],
                        "must list at least one metric (or set hpa.queueMetric) when the HPA is enabled",
                    );
                }
                w.hpa.metrics.forEach((m, j) => {
                    const resource = resourceMetricName(m);
                    if (resource !== undefined && w.resources?.requests?.[resource] === undefined) {
                        issue(
                            ["workers", i, "resources", "requests", resource],
                            `is required because workers[${i}].hpa.metrics[${j}] scales on ${resource}; set a request`,
                        );
                    }
                });
            }
        });
    },
};
