// `namespaceQuota` and `namespaceLimits` against the pods the chart renders (chart/podSpecs.ts), judged
// the way kube-apiserver admits a pod: the API defaults a missing request to its limit, the LimitRanger
// plugin fills the LimitRange's defaults and enforces min/max/ratio per container, then the ResourceQuota
// plugin requires every container (init containers included) to set what the quota caps and adds the
// pod's usage (the larger of its containers' sum and its largest init container). The agent's pods at
// their most replicas (a worker's HPA maximum) must fit; otherwise the API server would refuse pods at
// run time, after everything else was created.
import type { ConfigProblem } from "../config/errors";
import { formatPath } from "../config/errors";
import type { AgentConfig } from "../config/schema";
import type { NamespaceLimitsConfig, NamespaceQuotaConfig } from "../config/tenant";
import { withWiringStandIns } from "../config/wiring";
import { parseQuantity } from "../schema/quantity";
import { configKeyOf, finalChartValues } from "./podGuard";
import { podSpecsOf, type PodContainer, type PodSpecView } from "./podSpecs";
import type { ChartValues } from "./values";

type Obj = Record<string, unknown>;
type Amounts = Map<string, number>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function amounts(list: unknown): Amounts {
    const out: Amounts = new Map();
    if (isObj(list)) {
        for (const [k, v] of Object.entries(list)) {
            const q = typeof v === "string" || typeof v === "number" ? parseQuantity(v) : undefined;
            if (q?.ok === true) {
                out.set(k, q.value);
            }
        }
    }
    return out;
}

const GI = 2 ** 30;
const MI = 2 ** 20;

/** A quantity for messages: cores (or millicores) for cpu, Gi/Mi for byte sizes, else the number. */
export function showQuantity(resource: string, value: number): string {
    if (value === 0) {
        return "0";
    }
    if (/(^|\.)cpu$/.test(resource)) {
        return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
    }
    if (/(memory|storage)$/.test(resource) || resource.startsWith("hugepages-")) {
        if (value % GI === 0) {
            return `${value / GI}Gi`;
        }
        if (value % MI === 0) {
            return `${value / MI}Mi`;
        }
    }
    return String(Math.round(value * 1000) / 1000);
}

/** A LimitRange item after the API server's defaulting (core/v1 `SetDefaults_LimitRangeItem`). */
interface LimitItem {
    min: Amounts;
    max: Amounts;
    default: Amounts;
    defaultRequest: Amounts;
    ratio: Amounts;
}

function limitItem(l: NamespaceLimitsConfig | undefined): LimitItem {
    const item: LimitItem = {
        min: amounts(l?.min),
        max: amounts(l?.max),
        default: amounts(l?.default),
        defaultRequest: amounts(l?.defaultRequest),
        ratio: amounts(l?.maxLimitRequestRatio),
    };
    // No default limit but a max: the limit defaults to the max; no default request: to the default
    // limit, else to the min.
    for (const [k, v] of item.max) {
        if (!item.default.has(k)) {
            item.default.set(k, v);
        }
    }
    for (const [k, v] of item.default) {
        if (!item.defaultRequest.has(k)) {
            item.defaultRequest.set(k, v);
        }
    }
    for (const [k, v] of item.min) {
        if (!item.defaultRequest.has(k)) {
            item.defaultRequest.set(k, v);
        }
    }
    return item;
}

/** A container's requests and limits as admitted: the limit stands in for a missing request, then the LimitRange defaults. */
interface Admitted {
    pod: PodSpecView;
    container: PodContainer;
    requests: Amounts;
    limits: Amounts;
    /** Config key of the container's `resources`. */
    key: string;
}

function admitted(
    pod: PodSpecView,
    container: PodContainer,
    item: LimitItem,
    key: (at: (string | number)[]) => string,
): Admitted {
    const raw = isObj(container.resources?.value) ? container.resources.value : {};
    const limits = amounts(raw.limits);
    const requests = amounts(raw.requests);
    for (const [k, v] of limits) {
        if (!requests.has(k)) {
            requests.set(k, v);
        }
    }
    for (const [k, v] of item.default) {
        if (!limits.has(k)) {
            limits.set(k, v);
        }
    }
    for (const [k, v] of item.defaultRequest) {
        if (!requests.has(k)) {
            requests.set(k, v);
        }
    }
    return { pod, container, requests, limits, key: key(container.resources?.at ?? [...pod.at, "resources"]) };
}

/** Where a container is, for messages: "container 'worker' of workers[0]". */
function where(a: Admitted): string {
    return `${a.container.init ? "init container" : "container"} '${a.container.name}' of ${a.pod.component}`;
}

/** LimitRange (type Container) problems of one admitted container. */
function limitProblems(a: Admitted, item: LimitItem): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const add = (field: "requests" | "limits", res: string, message: string) => {
        out.push({ key: `${a.key}.${field}${formatPath(["x", res]).slice(1)}`, message: `${where(a)}: ${message}` });
    };
    for (const [res, req] of a.requests) {
        const lim = a.limits.get(res);
        if (lim !== undefined && req > lim) {
            add(
                "requests",
                res,
                `its ${res} request ${showQuantity(res, req)} is above its limit ${showQuantity(res, lim)} (the limit comes from namespaceLimits.default.${res}, or max): the API server refuses the pod; set a limit here, or lower the request`,
            );
        }
    }
    for (const [res, min] of item.min) {
        const req = a.requests.get(res);
        if (req !== undefined && req < min) {
            add(
                "requests",
                res,
                `its ${res} request ${showQuantity(res, req)} is below namespaceLimits.min.${res} (${showQuantity(res, min)}): the API server refuses the pod; request at least ${showQuantity(res, min)}`,
            );
        }
    }
    for (const [res, min] of item.min) {
        const lim = a.limits.get(res);
        if (lim !== undefined && lim < min) {
            add(
                "limits",
                res,
                `its ${res} limit ${showQuantity(res, lim)} is below namespaceLimits.min.${res} (${showQuantity(res, min)}): the API server refuses the pod; raise it to at least ${showQuantity(res, min)}`,
            );
        }
    }
    for (const [res, max] of item.max) {
        const lim = a.limits.get(res);
        if (lim !== undefined && lim > max) {
            add(
                "limits",
                res,
                `its ${res} limit ${showQuantity(res, lim)} is above namespaceLimits.max.${res} (${showQuantity(res, max)}): the API server refuses the pod; lower it to at most ${showQuantity(res, max)}, or raise the max`,
            );
        }
    }
    for (const [res, ratio] of item.ratio) {
        const req = a.requests.get(res);
        const lim = a.limits.get(res);
        if (req === undefined || lim === undefined || req === 0 || lim / req > ratio) {
            add(
                "limits",
                res,
                req === undefined || lim === undefined || req === 0
                    ? `namespaceLimits.maxLimitRequestRatio.${res} needs a ${res} request and limit on every container: the API server refuses the pod; set both`
                    : `its ${res} limit/request ratio is ${Math.round((lim / req) * 100) / 100}, above namespaceLimits.maxLimitRequestRatio.${res} (${ratio}): the API server refuses the pod; raise the request or lower the limit`,
            );
        }
    }
    return out;
}

/** A quota resource name's meaning for pods: which list and which resource, or undefined (an object count). */
function computeOf(name: string): { field: "requests" | "limits"; res: string } | undefined {
    if (name === "cpu" || name === "memory" || name === "ephemeral-storage") {
        return { field: "requests", res: name };
    }
    const m = /^(requests|limits)\.(.+)$/.exec(name);
    return m === null || m[2] === "storage" ? undefined : { field: m[1] as "requests" | "limits", res: m[2] ?? "" };
}

/** Whether the quota's scopes select the agent's pods (none sets activeDeadlineSeconds). */
function inScope(q: NamespaceQuotaConfig, containers: Admitted[]): boolean {
    const bestEffort = containers.every((a) => a.requests.size === 0 && a.limits.size === 0);
    return (q.scopes ?? []).every(
        (s) => s === "NotTerminating" || (s === "BestEffort" && bestEffort) || (s === "NotBestEffort" && !bestEffort),
    );
}

/** A pod's usage of one resource: the larger of its containers' sum and its largest init container. */
function podUsage(containers: Admitted[], field: "requests" | "limits", res: string): number {
    const main = containers.filter((a) => !a.container.init).reduce((s, a) => s + (a[field].get(res) ?? 0), 0);
    const init = Math.max(0, ...containers.filter((a) => a.container.init).map((a) => a[field].get(res) ?? 0));
    return Math.max(main, init);
}

/** The quota and limit range problems of these final chart values. */
export function tenantProblemsOf(
    values: ChartValues,
    quota: NamespaceQuotaConfig | undefined,
    limits: NamespaceLimitsConfig | undefined,
    key: (at: (string | number)[]) => string,
): ConfigProblem[] {
    const item = limitItem(limits);
    const pods = podSpecsOf(values).map((pod) => ({
        pod,
        containers: pod.containers.map((c) => admitted(pod, c, item, key)),
        replicas: pod.maxReplicas ?? 1,
    }));
    const problems: ConfigProblem[] = [];
    const seen = new Set<string>();
    const push = (p: ConfigProblem) => {
        const id = `${p.key}\u0000${p.message}`;
        if (!seen.has(id)) {
            seen.add(id);
            problems.push(p);
        }
    };
    for (const p of pods) {
        for (const a of p.containers) {
            limitProblems(a, item).forEach(push);
        }
    }
    if (quota === undefined) {
        return problems;
    }
    const counted = pods.filter((p) => p.replicas > 0 && inScope(quota, p.containers));
    for (const [name, hardValue] of Object.entries(quota.hard)) {
        const hard = parseQuantity(hardValue);
        if (!hard.ok) {
            continue;
        }
        const hardKey = formatPath(["namespaceQuota", "hard", name]);
        let need: number;
        let parts: string[];
        if (name === "pods") {
            need = counted.reduce((s, p) => s + p.replicas, 0);
            parts = counted.map((p) => `${p.pod.component}: ${p.replicas}`);
        } else {
            const compute = computeOf(name);
            if (compute === undefined) {
                continue;
            }
            const { field, res } = compute;
            // Only cpu and memory must be set on every container (the quota plugin's backward-compatible
            // rule); other resources are counted where set.
            const required = res === "cpu" || res === "memory";
            for (const p of required ? counted : []) {
                for (const a of p.containers.filter((c) => !c[field].has(res))) {
                    push({
                        key: `${a.key}.${field}${formatPath(["x", res]).slice(1)}`,
                        message: `${where(a)} has no ${res} ${field === "requests" ? "request" : "limit"}, and namespaceQuota.hard caps ${name}: the API server refuses a pod without it; set one here, or a default with namespaceLimits.${field === "requests" ? "defaultRequest" : "default"}.${res}`,
                    });
                }
            }
            need = counted.reduce((s, p) => s + p.replicas * podUsage(p.containers, field, res), 0);
            parts = counted.map(
                (p) => `${p.pod.component}: ${p.replicas} x ${showQuantity(name, podUsage(p.containers, field, res))}`,
            );
        }
        if (need > hard.value + 1e-9) {
            push({
                key: hardKey,
                message: `is ${showQuantity(name, hard.value)}, but the agent's own pods at their most replicas (a worker's HPA maximum) take ${showQuantity(name, need)} (${parts.join(", ")}): the API server would refuse the pods past it; raise it to at least ${showQuantity(name, need)}, or lower the components' resources or replicas`,
            });
        }
    }
    return problems;
}

/** {@link tenantProblemsOf} for a config: its final chart values, `extraValues` merged. */
export function tenantProblems(cfg: AgentConfig): ConfigProblem[] {
    if (cfg.namespaceQuota === undefined && cfg.namespaceLimits === undefined) {
        return [];
    }
    const probe = withWiringStandIns(cfg);
    const values = finalChartValues(cfg);
    return tenantProblemsOf(values, cfg.namespaceQuota, cfg.namespaceLimits, (at) => configKeyOf(probe, values, at));
}
