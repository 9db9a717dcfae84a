// `extraValues` cannot undo the wiring: any chart value the program derives from config (names,
// ServiceAccounts, backends, env, bundles, workers, security contexts…) is owned by that config key,
// and an extra value that would override it is refused naming the owner. What the program derives is
// computed by running the values builder itself, so the rule follows the builder, not a list.
import { probeChartValues } from "./probeValues";
import { extraValueLayers } from "./values";
import type { ConfigProblem } from "../config/errors";
import { formatPath } from "../config/errors";
import type { AgentConfig } from "../config/schema";
import { withWiringStandIns } from "../config/wiring";

type Path = (string | number)[];

/** Which config key sets each top-level chart value the program derives (for messages). */
const OWNER: Record<string, string> = {
    createNamespace: "createNamespace (the chart is always told false; the program owns the namespace)",
    imagePullSecretName: "imagePullCredentials / imagePullSecretName / imagePullFromNodes",
    agentTokenSecretName: "agentToken / agentTokenSecretName / agentTokenFile",
    agentTokenFile: "agentTokenFile",
    secretBackend: "backend",
    xcomBackend: "backend",
    dagBundleConfigList: "dagBundles",
    commonEnv:
        "commonEnv (plus astro.*, backend, xcom and proxy, which generate entries); for one component use its env",
    podSecurityContext: "restricted (or the component's podSecurityContext)",
    containerSecurityContext: "restricted (or the component's containerSecurityContext)",
    serviceAccount:
        "the program's ServiceAccounts (one per component) and the backend's identity; per-component annotations go in <component>.serviceAccount.annotations (workers[<i>], dagProcessor, triggerer, sentinel)",
    labels: "labels",
    annotations: "annotations",
};

/**
 * Maps that decide identity or pod security are owned whole: adding a key to them (a ServiceAccount
 * `name` for workers, `privileged: true` in a security context) would undo what the program set.
 */
function isAtomic(path: Path): boolean {
    const last = path[path.length - 1];
    return (
        typeof last === "string" && (/securitycontext$/i.test(last) || (last === "serviceAccount" && path.length <= 3))
    );
}

/**
 * Leaf paths of a values tree; empty maps and lists are leaves. With `intoLists`, list items are walked
 * by index (what the program derives inside each worker); without, a list is one leaf (an extra value
 * replaces a list whole, as Helm does).
 */
export function valuePaths(value: unknown, intoLists: boolean, path: Path = []): Path[] {
    if (intoLists && isAtomic(path)) {
        return [path];
    }
    if (Array.isArray(value)) {
        return intoLists && value.length > 0 ? value.flatMap((v, i) => valuePaths(v, intoLists, [...path, i])) : [path];
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => valuePaths(v, intoLists, [...path, k]));
    }
    return [path];
}

function overlaps(a: Path, b: Path): boolean {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        if (a[i] !== b[i]) {
            return false;
        }
    }
    return true;
}

const SA_COMPONENTS = ["dagProcessor", "triggerer", "sentinel"];

/** The owner of a ServiceAccount value, naming the component's real annotations key when the path says which. */
function serviceAccountOwner(path: Path): string | undefined {
    const [top, second, third] = path;
    if (top === "workers" && typeof second === "number" && third === "serviceAccount") {
        return `the program's ServiceAccount of workers[${second}]; its annotations go in workers[${second}].serviceAccount.annotations`;
    }
    if (top === "serviceAccount" && typeof second === "string" && SA_COMPONENTS.includes(second)) {
        return `the program's ${second} ServiceAccount; its annotations go in ${second}.serviceAccount.annotations`;
    }
    if (top === "serviceAccount" && second === "workers") {
        return "the program's worker ServiceAccounts; their annotations go in workers[<i>].serviceAccount.annotations";
    }
    return undefined;
}

/**
 * The config key that owns a derived chart path; `at`, the path an extra value sets inside it, can
 * name the component more precisely (ServiceAccounts).
 */
export function ownerOf(chartPath: Path, at: Path = chartPath): string {
    const sa = serviceAccountOwner(at) ?? serviceAccountOwner(chartPath);
    if (sa !== undefined) {
        return sa;
    }
    const top = String(chartPath[0] ?? "");
    return OWNER[top] ?? top;
}

/** Chart paths the program derives for this config (extra values not applied). */
export function derivedChartPaths(cfg: AgentConfig): Path[] {
    // Which paths are derived does not depend on wiring values (an Output in component args).
    return valuePaths(probeChartValues(cfg, { withExtraValues: false }), true);
}

/** Problems for every extra value that would override a value the program derives. */
export function extraValuesOwnership(cfg: AgentConfig): ConfigProblem[] {
    const derived = derivedChartPaths(cfg);
    const problems: ConfigProblem[] = [];
    for (const layer of extraValueLayers(withWiringStandIns(cfg))) {
        for (const rel of valuePaths(layer.values, false)) {
            if (rel.length === 0) {
                continue;
            }
            const chartPath = [...layer.chartPath, ...rel];
            const hit = derived.find((d) => overlaps(d, chartPath));
            if (hit !== undefined) {
                problems.push({
                    key: formatPath([...layer.configPath, ...rel]),
                    message: `overrides the chart value '${formatPath(hit)}', which this program derives from '${ownerOf(hit, chartPath)}'; set that config key instead (extraValues may only add chart values the program does not set: see docs/extra-values.md)`,
                });
            }
        }
    }
    return problems;
}

/** Collapses derived paths to what an extra value can address: list items are addressed as the whole list. */
export function addressablePaths(paths: readonly Path[]): Path[] {
    const seen = new Map<string, Path>();
    for (const p of paths) {
        const i = p.findIndex((x) => typeof x === "number");
        const cut = i < 0 ? p : p.slice(0, i);
        seen.set(formatPath(cut), cut);
    }
    return [...seen.values()];
}

/** Markdown for docs/extra-values.md: what the program derives (refused in extraValues) for the given configs. */
export function extraValuesReferenceMarkdown(examples: { stack: string; config: AgentConfig }[]): string {
    const lines = [
        "# `extraValues`: the passthrough surface",
        "",
        "<!-- Generated by `npm run docs` from chart/values.ts; do not edit. -->",
        "",
        "`extraValues` (and each component's `extraValues`) deep-merges chart values the program does not model",
        "(maps merge, lists are replaced). Anything the program derives from config is **owned** by that config key:",
        "an extra value that would override it, or a map or list it lives in, is refused before anything is created,",
        "with a message naming the owning key. Secret material is refused there too (`secure:` values, and any",
        "credential-shaped string), because chart values are stored in plain text in Helm's release Secret, in",
        "Pulumi state and in the `chartValues` output.",
        "",
        "The owned set is computed by running the values builder on your config, so it follows the program exactly;",
        "for example some keys exist only when a feature is on (`containerSecurityContext` with `restricted: true`).",
        "Everything else is passthrough: e.g. `priorityClassName`, `podDisruptionBudget`, chart keys added by newer",
        "chart versions.",
        "",
        "Size: Helm keeps each release in a Kubernetes Secret, which holds at most 1 MiB. Values that would not fit",
        "are refused before anything is created, naming the largest config keys. The check is an estimate, not Helm's",
        "own count: the values compressed and base64-encoded as Helm stores them, counted twice (the release holds them",
        "as its config and rendered into its manifest), plus 256 KiB reserved for the chart. Large data belongs in a",
        "ConfigMap or Secret you create and mount with `volumes`.",
        "",
    ];
    for (const { stack, config } of examples) {
        lines.push(
            `## Owned chart values for the example stack \`${stack}\``,
            "",
            "| chart value | set from config key |",
            "|---|---|",
        );
        for (const p of addressablePaths(derivedChartPaths(config))) {
            lines.push(`| \`${formatPath(p)}\` | ${ownerOf(p)} |`);
        }
        lines.push("");
    }
    return lines.join("\n");
}
