// The semantic diff of an import: the values a release was installed with against the values the
// imported stack renders, each difference with its reason. Pure. Lists of named items (env, volumes,
// mounts, containers) compare by name, JSON strings (dagBundleConfigList, the backend kwargs) by
// content, and absent equals null, `{}` and `[]`. A difference without a reason is a gap in the importer.
import { isDeepStrictEqual } from "node:util";
import { XCOM_OBJECT_STORAGE_BACKEND } from "../backends/airflow";
import { findCredentials } from "../config/credentials";
import { DEFAULT_QUEUE_METRIC, SIDECAR_DATA_VOLUME, TASK_LOGS_VOLUME, TMP_VOLUME } from "../config/schema";
import { AIRFLOW_XCOM_THRESHOLD_DEFAULT, CHART_DEFAULT_QUEUE_TARGET } from "./importValues";
import type { AgentObjectNames } from "./names";
import { sentinelProbe } from "./values";

/** One difference: a leaf path, its value before (input) and after (rendered), and why. */
export interface ValueDifference {
    path: string;
    before: unknown;
    after: unknown;
    /** Undefined: not explained (an importer gap). */
    reason: string | undefined;
}

export interface DiffContext {
    /** Names of the objects the program creates. */
    names: AgentObjectNames;
    /** The namespace given with `--namespace` (it wins over the values file's). */
    namespace?: string | undefined;
    /** Values-file paths the importer listed as unmapped and dropped (their removal is explained). */
    dropped?: readonly (readonly (string | number)[])[];
}

const NAMED_LISTS = new Set(["env", "commonEnv", "volumes", "volumeMounts", "initContainers", "extraContainers"]);
const JSON_STRINGS = new Set(["dagBundleConfigList"]);

function isMap(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function parseJson(v: unknown): unknown {
    if (typeof v !== "string") {
        return v;
    }
    try {
        return JSON.parse(v) as unknown;
    } catch {
        return v;
    }
}

/** Flattens a values tree to `path → leaf`; named lists are keyed `[name=X]` (mounts `[name=X@path]`). */
export function flattenValues(value: unknown, path = "", out = new Map<string, unknown>()): Map<string, unknown> {
    const key = path.slice(path.lastIndexOf(".") + 1);
    if (value === null || value === undefined) {
        return out;
    }
    if (Array.isArray(value)) {
        if (value.length === 0) {
            return out;
        }
        if (NAMED_LISTS.has(key) && value.every((v) => isMap(v) && typeof v.name === "string")) {
            for (const item of value as Record<string, unknown>[]) {
                const id =
                    key === "volumeMounts" ? `${String(item.name)}@${String(item.mountPath)}` : String(item.name);
                const entry = { ...item };
                // The backend kwargs are JSON in an env value: compare their content.
                if (item.name === "AIRFLOW__SECRETS__BACKEND_KWARGS" && typeof item.value === "string") {
                    entry.value = parseJson(item.value);
                }
                flattenValues(entry, `${path}[name=${id}]`, out);
            }
            return out;
        }
        value.forEach((v, i) => flattenValues(v, `${path}[${i}]`, out));
        return out;
    }
    if (isMap(value)) {
        const entries = Object.entries(value);
        if (entries.length === 0) {
            return out;
        }
        for (const [k, v] of entries) {
            flattenValues(JSON_STRINGS.has(k) ? parseJson(v) : v, path === "" ? k : `${path}.${k}`, out);
        }
        return out;
    }
    // `queues` is one comma-separated string: compare the queue names.
    out.set(path, key === "queues" && typeof value === "string" ? value.split(",").map((q) => q.trim()) : value);
    return out;
}

/** A values path as {@link flattenValues} spells it (`a.b[0].c`). */
function flatPath(path: readonly (string | number)[]): string {
    return path.reduce<string>(
        (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc === "" ? p : `${acc}.${p}`),
        "",
    );
}

/** Chart keys whose documented default the program renders explicitly (values-file path pattern → default). */
const CHART_DEFAULTS: [RegExp, unknown][] = [
    [/^imagePullPolicy$/, "IfNotPresent"],
    [/^logLevel$/, "INFO"],
    [/^workers\[\d+\]\.name$/, "default-worker"],
    [/^workers\[\d+\]\.queues$/, "default"],
    [/^workers\[\d+\]\.replicas$/, 1],
    [/^workers\[\d+\]\.terminationGracePeriodSeconds$/, 600],
    [/^workers\[\d+\]\.canUseKubernetesPodOperator$/, false],
    [/^workers\[\d+\]\.hpa\.enabled$/, false],
    [/^workers\[\d+\]\.hpa\.metric\.enabled$/, true],
    [/^workers\[\d+\]\.hpa\.metric\.name$/, DEFAULT_QUEUE_METRIC],
    [/^workers\[\d+\]\.hpa\.metric\.target\.type$/, "Value"],
    [/^workers\[\d+\]\.hpa\.metric\.target\.value$/, CHART_DEFAULT_QUEUE_TARGET],
    [/^triggerer\.replicas$/, 1],
    [/^triggerer\.asyncSlots$/, 1000],
    [/^loggingSidecar\.enabled$/, false],
    [/^loggingSidecar\.name$/, "vector-logging-sidecar"],
    [/^openLineage\.enabled$/, false],
    [/^xcomBackend$/, XCOM_OBJECT_STORAGE_BACKEND],
    [
        /^commonEnv\[name=AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD\]\.value$/,
        String(AIRFLOW_XCOM_THRESHOLD_DEFAULT),
    ],
];

const PROGRAM_VOLUMES = new Set([TMP_VOLUME, TASK_LOGS_VOLUME, SIDECAR_DATA_VOLUME]);

function classify(
    path: string,
    before: unknown,
    after: unknown,
    input: Map<string, unknown>,
    rendered: Map<string, unknown>,
    ctx: DiffContext,
): string | undefined {
    const n = ctx.names;
    const dropped = ctx.dropped
        ?.map(flatPath)
        .find((d) => path === d || path.startsWith(`${d}.`) || path.startsWith(`${d}[`));
    if (dropped !== undefined && after === undefined) {
        return `not modelled, dropped (listed under the values the program does not model: ${dropped})`;
    }
    // A named entry the program adds: its name is explained by what the entry holds.
    const entry = /^(.*\[name=[^\]]+\])\.name$/.exec(path);
    if (entry?.[1] !== undefined && before === undefined) {
        const other = [...rendered.keys()].find((k) => k.startsWith(`${entry[1]}.`) && k !== path);
        if (other !== undefined) {
            return classify(other, input.get(other), rendered.get(other), input, rendered, ctx);
        }
    }
    const off = /^(loggingSidecar|sentinel)\.(.+)$/.exec(path);
    if (
        off?.[1] !== undefined &&
        off[2] !== "enabled" &&
        after === undefined &&
        rendered.get(`${off[1]}.enabled`) === false
    ) {
        return `${off[1]} is disabled: its other settings have no effect, so the stack does not keep them`;
    }
    const ann = /^annotations\.(.+)$/.exec(path);
    if (
        ann?.[1] !== undefined &&
        after === undefined &&
        rendered.get(`serviceAccount.annotations.${ann[1]}`) === before
    ) {
        return "a workload-identity annotation, now on the ServiceAccounts only (backend.serviceAccountAnnotations), where the identity webhook reads it";
    }
    if (/(^|\.)serviceAccount(\.|$)/.test(path)) {
        return "ServiceAccounts are created by the program (one per component, the chart's default names): the chart is told create: false";
    }
    if (path === "namespace" && after !== undefined && after === ctx.namespace) {
        return "the namespace given with --namespace";
    }
    if (path === "image" && before === undefined && after === input.get("workers[0].image")) {
        return "the top-level image (chart 2.x), the first worker's; each component keeps its own";
    }
    if (path === "createNamespace") {
        return "the namespace belongs to the stack: the chart is always told createNamespace: false";
    }
    if (path === "agentToken" || (path === "agentTokenSecretName" && after === n.agentTokenSecret)) {
        return `the literal agent token is now secret config, in the Secret '${n.agentTokenSecret}' the program creates`;
    }
    if (path === "imagePullSecretData" || (path === "imagePullSecretName" && after === n.imagePullSecret)) {
        return `the inline registry login is now secret config, in the Secret '${n.imagePullSecret}' the program creates`;
    }
    if (
        path === "openLineage.apiKey" ||
        (path === "openLineage.apiKeySecret" && after === n.openLineageSecret && input.has("openLineage.apiKey"))
    ) {
        return `the literal OpenLineage key is now secret config, in the Secret '${n.openLineageSecret}' the program creates`;
    }
    const env = /^(.*\[name=[^\]]+\])\.(value(\..+)?|valueFrom\..+)$/.exec(path);
    if (env?.[1] !== undefined && /(^|\.)(env|commonEnv)\[/.test(path)) {
        const ref = rendered.get(`${env[1]}.valueFrom.secretKeyRef.name`);
        const hadValue = [...input.keys()].some((k) => k === `${env[1]}.value` || k.startsWith(`${env[1]}.value.`));
        if (ref === n.envSecret && hadValue) {
            return `a literal secret value is now secret config, referenced from the Secret '${n.envSecret}' the program creates`;
        }
    }
    if (/[sS]ecurityContext(\.|$)/.test(path)) {
        return "the security context the program sets (restricted floor or its defaults, made explicit)";
    }
    const vol = /(?:^|\.)(?:volumes|volumeMounts)\[name=([^\]@]+)/.exec(path);
    if (vol?.[1] !== undefined && PROGRAM_VOLUMES.has(vol[1])) {
        return "a writable mount the program adds (restricted pods, task logs for the logging sidecar)";
    }
    if (before === undefined && /^(labels|annotations)\./.test(path)) {
        return "labels and annotations the program adds";
    }
    if (
        before === undefined &&
        /^openLineage\.(url|namespace|endpoint|facetsEnvironmentVariables(\[\d+\])?)$/.test(path)
    ) {
        return "the program always renders the complete openLineage block (chart 2.2.0 fails without it)";
    }
    if (before === undefined) {
        const d = CHART_DEFAULTS.find(([re]) => re.test(path));
        if (d !== undefined && isDeepStrictEqual(d[1], after)) {
            return "the chart's (or Airflow's) default, now explicit";
        }
        if (/^(sentinel|loggingSidecar)\.imagePullPolicy$/.test(path) && after === rendered.get("imagePullPolicy")) {
            return "the top-level imagePullPolicy, now explicit";
        }
        const probe = /^sentinel\.(livenessProbe|readinessProbe)\.(.+)$/.exec(path);
        const port = rendered.get("sentinel.port");
        if (probe?.[2] !== undefined && typeof port === "number") {
            const expected = flattenValues(sentinelProbe(port)).get(probe[2]);
            if (isDeepStrictEqual(expected, after)) {
                return "Sentinel's default probe on its port, now explicit";
            }
        }
        if (path === "sentinel.enabled" && after === false) {
            return "Sentinel stays off, now explicit (the chart's default differs between versions)";
        }
        // `{}` flattens to nothing: only the entry's name is new.
        if (path === "commonEnv[name=AIRFLOW__SECRETS__BACKEND_KWARGS].name") {
            return "the secrets backend without kwargs: an empty kwargs object, now explicit";
        }
    }
    return undefined;
}

/** Every difference between the input values and the rendered ones, with its reason. */
export function importDiff(
    input: Record<string, unknown>,
    rendered: Record<string, unknown>,
    ctx: DiffContext,
): ValueDifference[] {
    const a = flattenValues(input);
    const b = flattenValues(rendered);
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    const out: ValueDifference[] = [];
    for (const path of paths) {
        const before = a.get(path);
        const after = b.get(path);
        if (isDeepStrictEqual(before, after)) {
            continue;
        }
        out.push({ path, before, after, reason: classify(path, before, after, a, b, ctx) });
    }
    return out;
}

/** The chart components that run pods, as the diff names them (`worker <name>` per worker). */
function podComponents(rendered: Map<string, unknown>): string[] {
    const workers = [...rendered.entries()]
        .filter(([k]) => /^workers\[\d+\]\.name$/.test(k))
        .map(([, v]) => `worker ${String(v)}`);
    const sentinel = rendered.get("sentinel.enabled") === false ? [] : ["sentinel"];
    return [...workers, "dagProcessor", "triggerer", ...sentinel];
}

/**
 * Values that change no pod template (the first `up` restarts no pod for them): replica counts and
 * autoscaling (Deployment and HPA specs), ServiceAccounts the program now creates under the chart's own
 * names (`create` only: a changed name does reach the pods), the namespace flag, and literal secrets
 * that became program-made Secrets (their data; a changed Secret *name* is a separate difference).
 */
const NOT_IN_POD_TEMPLATES = [
    /^workers\[\d+\]\.(replicas|hpa)(\.|$)/,
    /^(triggerer|dagProcessor)\.replicas$/,
    /(^|\.)serviceAccount(\.[A-Za-z]+)*\.create$/,
    /^createNamespace$/,
    /^(agentToken|imagePullSecretData|openLineage\.apiKey)$/,
];

/** Reasons whose value the chart renders the same way when it is unset (its own default, made explicit). */
const SAME_RENDERING =
    /^(the chart's \(or Airflow's\) default, now explicit|the top-level imagePullPolicy, now explicit|Sentinel's default probe on its port, now explicit|Sentinel stays off)/;

/**
 * The components whose pod templates a difference changes, so whose pods the first `up` restarts. A
 * component's own values reach its pods; the logging sidecar runs in worker and triggerer pods; `commonEnv`
 * reaches workers, the dag processor and the triggerer; any other top-level value is taken to reach every
 * pod (it may: labels, annotations, image, token and registry Secret names, the Astro IDs). A disabled
 * component runs no pod.
 */
export function restartedBy(d: ValueDifference, rendered: Record<string, unknown>): string[] {
    if (
        NOT_IN_POD_TEMPLATES.some((re) => re.test(d.path)) ||
        (d.reason !== undefined && SAME_RENDERING.test(d.reason))
    ) {
        return [];
    }
    // A ServiceAccount name the values left unset: the chart's default name, which the program's keeps.
    if (d.before === undefined && /(^|\.)serviceAccount(\.[A-Za-z]+)*\.name$/.test(d.path)) {
        return [];
    }
    const flat = flattenValues(rendered);
    const all = podComponents(flat);
    const running = (c: string) => all.includes(c);
    const worker = /^workers\[(\d+)\]/.exec(d.path);
    if (worker !== null) {
        const name = flat.get(`workers[${worker[1]}].name`);
        return typeof name === "string" ? [`worker ${name}`] : all.filter((c) => c.startsWith("worker "));
    }
    const component = /^(dagProcessor|triggerer|sentinel)\./.exec(d.path);
    if (component?.[1] !== undefined) {
        return running(component[1]) ? [component[1]] : [];
    }
    if (d.path.startsWith("loggingSidecar.")) {
        const on = flat.get("loggingSidecar.enabled") === true || d.path === "loggingSidecar.enabled";
        return on ? all.filter((c) => c.startsWith("worker ") || c === "triggerer") : [];
    }
    if (d.path.startsWith("commonEnv")) {
        return all.filter((c) => c !== "sentinel");
    }
    return all;
}

/** Every component the first `up` restarts, each with the differences that cause it. */
export function podRestarts(
    diff: readonly ValueDifference[],
    rendered: Record<string, unknown>,
): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const d of diff) {
        for (const c of restartedBy(d, rendered)) {
            out.set(c, [...(out.get(c) ?? []), d.path]);
        }
    }
    return out;
}

/** The restart lines of the diff: which pods the first `up` restarts and why (or that none restarts). */
export function formatRestarts(restarts: ReadonlyMap<string, readonly string[]>): string {
    if (restarts.size === 0) {
        return "Pods restarted by the first up: none (no difference reaches a pod template).";
    }
    const lines = [`Pods restarted by the first up: ${[...restarts.keys()].join(", ")}`];
    for (const [c, paths] of restarts) {
        const shown = paths.slice(0, 4).join(", ");
        lines.push(`  ${c}: ${shown}${paths.length > 4 ? ` and ${paths.length - 4} more` : ""}`);
    }
    return lines.join("\n");
}

/**
 * Whether an input value may be a secret: credential-shaped (for an env value, judged with its name, as
 * the importer judged it) or under a key the chart keeps a literal secret in. Such values are not shown.
 */
function mayBeSecret(path: string, v: unknown): boolean {
    if (v === undefined) {
        return false;
    }
    if (/(^|\.)(agentToken|imagePullSecretData|apiKey)$/.test(path)) {
        return true;
    }
    const env = /\[name=([^\]@]+)\]\.value$/.exec(path);
    const probe = env?.[1] !== undefined && typeof v === "string" ? { name: env[1], value: v } : v;
    return findCredentials(probe, path.split(".")).length > 0;
}

function show(path: string, v: unknown): string {
    if (v === undefined) {
        return "(absent)";
    }
    return mayBeSecret(path, v) ? "(secret, not shown)" : JSON.stringify(v);
}

/** The diff as text: one line per difference, grouped by reason; unexplained ones first. Secrets are never shown. */
export function formatDiff(diff: readonly ValueDifference[]): string {
    if (diff.length === 0) {
        return "Semantic diff: the stack renders exactly the input values.";
    }
    const lines = [`Semantic diff (${diff.length} difference${diff.length === 1 ? "" : "s"}; input → rendered):`];
    const unexplained = diff.filter((d) => d.reason === undefined);
    if (unexplained.length > 0) {
        lines.push(`  UNEXPLAINED (${unexplained.length}; an importer gap, please report):`);
        for (const d of unexplained) {
            lines.push(`    ${d.path}: ${show(d.path, d.before)} → ${show(d.path, d.after)}`);
        }
    }
    const byReason = new Map<string, ValueDifference[]>();
    for (const d of diff) {
        if (d.reason !== undefined) {
            byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), d]);
        }
    }
    for (const [reason, list] of byReason) {
        lines.push(`  ${reason}:`);
        for (const d of list) {
            lines.push(`    ${d.path}: ${show(d.path, d.before)} → ${show(d.path, d.after)}`);
        }
    }
    return lines.join("\n");
}
