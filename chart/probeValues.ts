// The chart values a config produces, built before anything exists: the checks at the chart boundary
// (extra-values ownership, the pod guard, the credential scan, the size limits) all judge these. Wiring
// keys take stand-ins and the backend's part is a probe of the same shape (what the backend adds is the
// program's own, judged by its own tests and by the policy pack on the real values).
import type { AgentConfig } from "../config/schema";
import { withWiringStandIns } from "../config/wiring";
import { valueAt } from "../schema/tree";
import { formatPath } from "../config/errors";
import { agentObjectNames } from "./names";
import { buildChartValues, type ChartValues, type ExtraValueLayer, type ResolvedBackend } from "./values";

/** A backend contribution with a value in every field, so every derived path shows up. */
export const PROBE_BACKEND: ResolvedBackend = {
    secretBackend: "probe.Backend",
    secretBackendKwargs: {},
    xcomBackend: "probe.XCom",
    xcomPath: "file:///probe",
    commonEnv: [],
    serviceAccountAnnotations: {},
    podLabels: {},
    volumes: [],
    volumeMounts: [],
};

/** The chart values of a config (wiring stand-ins, the probe backend); with every extra-values layer unless told. */
export function probeChartValues(cfg: AgentConfig, options: { withExtraValues?: boolean } = {}): ChartValues {
    const probe = withWiringStandIns(cfg);
    const names = agentObjectNames({
        resourceNamePrefix: probe.resourceNamePrefix,
        workers: probe.workers,
        releaseName: probe.release.name,
    });
    return buildChartValues(probe, names, PROBE_BACKEND, options);
}

/**
 * The config key of the `extraValues` layer that set a chart-values path: the deepest part of the path a
 * layer sets decides, and of layers setting the same part, the last (they apply in order); undefined when
 * no layer sets any part of it.
 */
export function extraValuesKeyOf(
    layers: readonly ExtraValueLayer[],
    chartPath: readonly (string | number)[],
): string | undefined {
    const lastFirst = [...layers].reverse();
    for (let n = chartPath.length; n > 0; n--) {
        for (const layer of lastFirst) {
            const base = layer.chartPath.length;
            if (n > base && layer.chartPath.every((p, i) => chartPath[i] === p)) {
                if (valueAt(layer.values, chartPath.slice(base, n)) !== undefined) {
                    return formatPath([...layer.configPath, ...chartPath.slice(base)]);
                }
            }
        }
    }
    return undefined;
}
