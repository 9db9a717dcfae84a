// Final chart values → every pod spec the chart can build from them, each field with the chart-values
// path it came from. The mapping follows the chart's documented values contract
// (shared/reference/agent-chart.md, sections 3, 6 and 9; the test double in tests/fixtures/charts
// renders the same way): a component's `podSecurityContext` / `containerSecurityContext` replace the
// global ones when set (Helm `default`: an empty map falls back to the global), `initContainers` and
// `extraContainers` are Kubernetes containers passed as they are, `volumes` are pod volumes, the logging
// sidecar (`loggingSidecar.securityContext`) runs in every worker and triggerer pod, and top-level
// `annotations` land on every pod template. Pure: no resources.
import type { ChartValues } from "./values";

type Path = (string | number)[];
type Obj = Record<string, unknown>;

/** A value in the final chart values and where it is. */
export interface Sourced {
    value: unknown;
    at: Path;
}

/** One container of a pod: its name and, for each field the Pod Security Standards read, its source. */
export interface PodContainer {
    name: string;
    init: boolean;
    /** The container's `securityContext` (absent: none rendered); `at` is where it is, or would go. */
    securityContext: Sourced | undefined;
    /** Where a missing securityContext field would have to be set (for messages). */
    securityContextAt: Path;
    ports: Sourced | undefined;
    /**
     * Probes; `chartDefault` when the chart's values file holds a default `httpGet` probe that Helm
     * merges into this one (map components: dag processor, triggerer, Sentinel; list items are not merged).
     */
    probes: { field: string; source: Sourced; chartDefault?: boolean }[];
    lifecycle: Sourced | undefined;
    /**
     * The container's `resources` as the chart renders them (for map components, the values file's
     * defaults with the values merged over them, {@link CHART_DEFAULT_RESOURCES}); `at` is where to set them.
     */
    resources?: Sourced | undefined;
}

/**
 * `resources` defaults of the chart's values file for the map components (Helm merges the values over
 * them; list items such as workers get none): agent-chart.md section 6, as the chart double holds them.
 */
export const CHART_DEFAULT_RESOURCES: Record<string, Record<string, Record<string, string>>> = {
    dagProcessor: { limits: { cpu: "1", memory: "2Gi", "ephemeral-storage": "1Gi" } },
    triggerer: {
        limits: { cpu: "1", memory: "2Gi", "ephemeral-storage": "1Gi" },
        requests: { cpu: "1", memory: "2Gi", "ephemeral-storage": "1Gi" },
    },
    sentinel: {
        limits: { cpu: "500m", memory: "256Mi", "ephemeral-storage": "1Gi" },
        requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "1Gi" },
    },
};

/** Helm's merge of a values map over the chart's default map: nested maps merge, `null` removes a key. */
function helmMerge(base: Obj, over: unknown): Obj {
    if (!isObj(over)) {
        return base;
    }
    const keys = [...new Set([...Object.keys(base), ...Object.keys(over)])];
    return Object.fromEntries(
        keys.flatMap((k): [string, unknown][] => {
            const b = base[k];
            const v = over[k];
            if (v === null) {
                return [];
            }
            if (v === undefined) {
                return [[k, b]];
            }
            return [[k, isObj(b) && isObj(v) ? helmMerge(b, v) : v]];
        }),
    );
}

/** A pod the chart renders. */
export interface PodSpecView {
    /** The component, as its values key: `workers[0]`, `dagProcessor`, `triggerer`, `sentinel`. */
    component: string;
    at: Path;
    securityContext: Sourced | undefined;
    securityContextAt: Path;
    containers: PodContainer[];
    volumes: Sourced[];
    annotations: Sourced | undefined;
    /**
     * Most pods of this component that run at once: a worker's `replicas`, or its HPA's maximum when
     * the HPA is enabled; the triggerer's `replicas`; 1 for the dag processor and Sentinel.
     */
    maxReplicas?: number;
    /** Keys of the component's values (and of the logging sidecar) the contract does not document. */
    undocumented: Sourced[];
}

/** Keys the chart documents per component (agent-chart.md section 6). */
const AGENT_KEYS = [
    "image",
    "imagePullPolicy",
    "resources",
    "env",
    "livenessProbe",
    "readinessProbe",
    "podSecurityContext",
    "containerSecurityContext",
    "initContainers",
    "extraContainers",
    "volumes",
    "volumeMounts",
    "nodeSelector",
    "affinity",
    "tolerations",
];
const DOCUMENTED: Record<string, readonly string[]> = {
    worker: [
        ...AGENT_KEYS,
        "name",
        "queues",
        "replicas",
        "syncSlots",
        "terminationGracePeriodSeconds",
        "serviceAccount",
        "canUseKubernetesPodOperator",
        "hpa",
    ],
    dagProcessor: AGENT_KEYS,
    triggerer: [...AGENT_KEYS, "replicas", "asyncSlots"],
    sentinel: [...AGENT_KEYS, "enabled", "port", "config"],
    loggingSidecar: [
        "enabled",
        "name",
        "image",
        "imagePullPolicy",
        "preStopSleepSeconds",
        "env",
        "securityContext",
        "volumeMounts",
        "resources",
        "config",
    ],
};

function isObj(v: unknown): v is Obj {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Helm's `empty`: nil, false, 0, "", and empty maps and lists. */
function helmEmpty(v: unknown): boolean {
    return (
        v === undefined ||
        v === null ||
        v === false ||
        v === 0 ||
        v === "" ||
        (Array.isArray(v) && v.length === 0) ||
        (isObj(v) && Object.keys(v).length === 0)
    );
}

/** `a | default b` with sources. */
function helmDefault(a: Sourced, b: Sourced): Sourced | undefined {
    if (!helmEmpty(a.value)) {
        return a;
    }
    return helmEmpty(b.value) ? undefined : b;
}

function at(values: Obj, path: Path): Sourced {
    let node: unknown = values;
    for (const p of path) {
        if (typeof p === "number" ? Array.isArray(node) : isObj(node)) {
            node = (node as Record<string | number, unknown>)[p];
        } else {
            node = undefined;
            break;
        }
    }
    return { value: node, at: path };
}

function present(s: Sourced): Sourced | undefined {
    return s.value === undefined || s.value === null ? undefined : s;
}

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"];

/** A Kubernetes container object at `path` (init and extra containers, passed through by the chart). */
function fullContainer(values: Obj, path: Path, init: boolean, index: number): PodContainer {
    const c = at(values, path).value;
    const obj = isObj(c) ? c : {};
    const name = typeof obj.name === "string" ? obj.name : `#${index}`;
    return {
        name,
        init,
        securityContext: present(at(values, [...path, "securityContext"])),
        securityContextAt: [...path, "securityContext"],
        ports: present(at(values, [...path, "ports"])),
        probes: PROBES.flatMap((field) => {
            const s = present(at(values, [...path, field]));
            return s === undefined ? [] : [{ field, source: s }];
        }),
        lifecycle: present(at(values, [...path, "lifecycle"])),
        resources: at(values, [...path, "resources"]),
    };
}

function containerList(values: Obj, path: Path, init: boolean): PodContainer[] {
    const list = at(values, path).value;
    return Array.isArray(list) ? list.map((_, j) => fullContainer(values, [...path, j], init, j)) : [];
}

function undocumentedKeys(values: Obj, path: Path, kind: string): Sourced[] {
    const c = at(values, path).value;
    if (!isObj(c)) {
        return [];
    }
    const known = DOCUMENTED[kind] ?? [];
    return Object.keys(c)
        .filter((k) => !known.includes(k))
        .map((k) => ({ value: c[k], at: [...path, k] }));
}

/** A whole number at `path`, else `fallback`. */
function count(values: Obj, path: Path, fallback: number): number {
    const v = at(values, path).value;
    return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : fallback;
}

/** See {@link PodSpecView.maxReplicas}; the chart's defaults: 1 replica, HPA maximum 10. */
function maxReplicasOf(values: Obj, path: Path, kind: string): number {
    if (kind === "worker") {
        const hpa = at(values, [...path, "hpa"]).value;
        if (isObj(hpa) && !helmEmpty(hpa.enabled)) {
            return count(
                values,
                [...path, "hpa", "maxReplicaCount"],
                count(values, [...path, "hpa", "maxReplicas"], 10),
            );
        }
        return count(values, [...path, "replicas"], 1);
    }
    return kind === "triggerer" ? count(values, [...path, "replicas"], 1) : 1;
}

/** The pod of one agent component or Sentinel, as the chart renders it. */
function componentPod(values: Obj, path: Path, kind: string, mainName: string, sidecar: boolean): PodSpecView {
    const ls = at(values, ["loggingSidecar"]).value;
    const withSidecar = sidecar && isObj(ls) && !helmEmpty(ls.enabled);
    const main: PodContainer = {
        name: mainName,
        init: false,
        securityContext: helmDefault(
            at(values, [...path, "containerSecurityContext"]),
            at(values, ["containerSecurityContext"]),
        ),
        securityContextAt: [...path, "containerSecurityContext"],
        ports: undefined,
        probes: ["livenessProbe", "readinessProbe"].flatMap((field) => {
            const s = at(values, [...path, field]);
            return helmEmpty(s.value) ? [] : [{ field, source: s, chartDefault: kind !== "worker" }];
        }),
        lifecycle: undefined,
        resources: {
            value: helmMerge(CHART_DEFAULT_RESOURCES[kind] ?? {}, at(values, [...path, "resources"]).value),
            at: [...path, "resources"],
        },
    };
    const containers = [main];
    if (withSidecar) {
        const sc = at(values, ["loggingSidecar", "securityContext"]);
        containers.push({
            name: typeof ls.name === "string" ? ls.name : "logging-sidecar",
            init: false,
            securityContext: helmEmpty(sc.value) ? undefined : sc,
            securityContextAt: sc.at,
            ports: undefined,
            probes: [],
            lifecycle: undefined,
            resources: at(values, ["loggingSidecar", "resources"]),
        });
    }
    containers.push(...containerList(values, [...path, "extraContainers"], false));
    containers.push(...containerList(values, [...path, "initContainers"], true));
    const vols = at(values, [...path, "volumes"]).value;
    return {
        component: path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join(""),
        at: path,
        securityContext: helmDefault(at(values, [...path, "podSecurityContext"]), at(values, ["podSecurityContext"])),
        securityContextAt: [...path, "podSecurityContext"],
        containers,
        volumes: Array.isArray(vols)
            ? (vols as unknown[]).map((v, j) => ({ value: v, at: [...path, "volumes", j] }))
            : [],
        annotations: helmEmpty(at(values, ["annotations"]).value) ? undefined : at(values, ["annotations"]),
        maxReplicas: maxReplicasOf(values, path, kind),
        undocumented: [
            ...undocumentedKeys(values, path, kind),
            ...(withSidecar ? undocumentedKeys(values, ["loggingSidecar"], "loggingSidecar") : []),
        ],
    };
}

/**
 * Every pod the chart renders from these final values: one per worker, the dag processor, the
 * triggerer, and Sentinel when enabled.
 */
export function podSpecsOf(values: ChartValues): PodSpecView[] {
    const pods: PodSpecView[] = [];
    const workers = values.workers;
    if (Array.isArray(workers)) {
        workers.forEach((_, i) => pods.push(componentPod(values, ["workers", i], "worker", "worker", true)));
    }
    pods.push(componentPod(values, ["dagProcessor"], "dagProcessor", "dag-processor", false));
    pods.push(componentPod(values, ["triggerer"], "triggerer", "triggerer", true));
    const sentinel = values.sentinel;
    if (isObj(sentinel) && !helmEmpty(sentinel.enabled)) {
        pods.push(componentPod(values, ["sentinel"], "sentinel", "sentinel", false));
    }
    return pods;
}

/** Top-level keys the chart documents (agent-chart.md section 3, plus the values the program sends). */
export const DOCUMENTED_TOP_LEVEL = [
    "resourceNamePrefix",
    "namespace",
    "createNamespace",
    "astroDeploymentAPIURL",
    "image",
    "imagePullPolicy",
    "imagePullSecretName",
    "imagePullSecretData",
    "agentToken",
    "agentTokenSecretName",
    "agentTokenFile",
    "secretBackend",
    "xcomBackend",
    "stateStoreBackend",
    "dagBundleConfigList",
    "commonEnv",
    "openLineage",
    "logLevel",
    "labels",
    "annotations",
    "podSecurityContext",
    "containerSecurityContext",
    "serviceAccount",
    "workers",
    "dagProcessor",
    "triggerer",
    "sentinel",
    "loggingSidecar",
];
