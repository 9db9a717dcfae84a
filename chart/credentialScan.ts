// Nothing credential-shaped reaches the chart: the final chart values (the values builder's output with
// every extraValues layer merged in) and the ServiceAccount annotations the program creates are scanned
// with the one detector (config/credentials.ts), and each finding is reported under the config key it
// came from: the extraValues path that set it, or the typed key whose value it is. Config validation
// (config/secrecy.ts) already judged each config string where it was written; this scan judges what
// the chart receives, where merged context (an env name, a flag, a header) decides, and what the
// builder composes from several keys.
import * as pulumi from "@pulumi/pulumi";
import { findCredentials } from "../config/credentials";
import { formatPath, type ConfigProblem } from "../config/errors";
import type { AgentConfig } from "../config/schema";
import { withWiringStandIns } from "../config/wiring";
import { extraValuesKeyOf, probeChartValues } from "./probeValues";
import { valueAt } from "../schema/tree";
import { componentServiceAccountAnnotations, extraValueLayers, type ExtraValueLayer } from "./values";

type Path = (string | number)[];

function isOutput(v: unknown): boolean {
    return pulumi.Output.isInstance(v);
}

/** Every plain string leaf of the config with its path (secret Outputs are already protected). */
function configStrings(value: unknown, path: Path = [], out: { path: Path; value: string }[] = []) {
    if (typeof value === "string") {
        out.push({ path, value });
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => configStrings(v, [...path, i], out));
    } else if (value !== null && typeof value === "object" && !isOutput(value)) {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            configStrings(v, [...path, k], out);
        }
    }
    return out;
}

/**
 * The config key a chart value came from: the last extraValues layer that sets it (or a list it lies
 * in), else the typed key holding the same string, else one whose string the chart value contains.
 */
function sourceOf(
    cfg: AgentConfig,
    layers: readonly ExtraValueLayer[],
    chartPath: Path,
    value: unknown,
): string | undefined {
    const fromLayer = extraValuesKeyOf(layers, chartPath);
    if (fromLayer !== undefined) {
        return fromLayer;
    }
    if (typeof value !== "string") {
        return undefined;
    }
    const strings = configStrings(cfg).filter((s) => s.path[0] !== "extraValues" && !s.path.includes("extraValues"));
    const exact = strings.find((s) => s.value === value);
    if (exact !== undefined) {
        return formatPath(exact.path);
    }
    const inside = strings.find(
        (s) => s.value.length >= 6 && value.includes(s.value) && findCredentials(s.value).length > 0,
    );
    return inside === undefined ? undefined : formatPath(inside.path);
}

const FIX =
    "pass it as a Secret instead: an environment variable's value set with 'pulumi config set --secret --path <key>.value …' (routed into a Kubernetes Secret), a connection or variable in the secrets backend, or a Kubernetes Secret you create and reference by name (e.g. valueFrom.secretKeyRef)";

/**
 * Credential findings in what the chart and the program's non-secret objects receive, as problems
 * naming the config key; keys in `reported` (already refused or routed by config validation) are
 * left out, so each credential is reported once.
 */
export function chartCredentialProblems(cfg: AgentConfig, reported: ReadonlySet<string>): ConfigProblem[] {
    const resolved = withWiringStandIns(cfg);
    const layers = extraValueLayers(resolved);
    const values = probeChartValues(cfg);
    const surfaces: { where: (p: Path) => string; value: unknown; source: (p: Path) => string | undefined }[] = [
        {
            where: (p) => `the chart value '${formatPath(p)}'`,
            value: values,
            source: (p) => sourceOf(cfg, layers, p, valueAt(values, p)),
        },
        {
            where: (p) => `the annotations of the ${String(p[0])} ServiceAccount`,
            value: componentServiceAccountAnnotations(resolved),
            source: (p) => sourceOfAnnotation(cfg, p),
        },
    ];
    const problems: ConfigProblem[] = [];
    const seen = new Set(reported);
    for (const surface of surfaces) {
        for (const f of findCredentials(surface.value, [], { skip: isOutput })) {
            const shown = surface.source(f.path) ?? surface.where(f.path);
            if (seen.has(shown)) {
                continue;
            }
            seen.add(shown);
            problems.push({
                key: shown,
                message: `reaches ${surface.where(f.path)} holding ${f.kind}; chart values and the program's labels and annotations are stored in plain text (Helm's release Secret, Pulumi state, the chartValues output): ${FIX}`,
            });
        }
    }
    return problems;
}

/** `["worker:default", "k"]` of the ServiceAccount annotations → `workers[0].serviceAccount.annotations.k`. */
function sourceOfAnnotation(cfg: AgentConfig, path: Path): string | undefined {
    const [component, key] = path;
    if (typeof component !== "string" || typeof key !== "string") {
        return undefined;
    }
    if (component.startsWith("worker:")) {
        const i = cfg.workers.findIndex((w) => `worker:${w.name}` === component);
        return i < 0 ? undefined : formatPath(["workers", i, "serviceAccount", "annotations", key]);
    }
    return formatPath([component, "serviceAccount", "annotations", key]);
}
