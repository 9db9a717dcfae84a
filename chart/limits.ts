// Size and count limits checked before anything is created: Helm stores each release in a Kubernetes
// Secret, which holds at most 1 MiB, so values too big for it fail the install late (after the cloud
// resources exist); and a worker's queues reach the agent as one string, with bounds of their own.
import { gzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { formatPath, type ConfigProblem } from "../config/errors";
import type { AgentConfig } from "../config/schema";
import { probeChartValues } from "./probeValues";

type Path = (string | number)[];

/** Kubernetes' limit on a Secret's data, where Helm's `secret` driver stores the release. */
export const RELEASE_SECRET_LIMIT = 1024 * 1024;

/**
 * What the chart itself takes of the release Secret, reserved up front: Helm stores the chart's
 * templates, its default values and schema, and the rendered manifest's boilerplate next to the
 * values. An allowance, not a measurement (the chart is not read at validation).
 */
export const CHART_ALLOWANCE = 256 * 1024;

/**
 * Airflow queues per worker: this program's bound (neither the chart nor Airflow documents one). The
 * chart joins them with commas into one string; Linux caps one environment string or argument at
 * 128 KiB (`MAX_ARG_STRLEN`), which {@link MAX_QUEUE_STRING} checks.
 */
export const MAX_QUEUES_PER_WORKER = 1000;
/** Linux `MAX_ARG_STRLEN` (32 pages of 4 KiB): the longest single environment string or argument. */
export const MAX_QUEUE_STRING = 128 * 1024;

/** A copy of a value with every Output (a secret, an unresolved wiring key) as an empty string. */
function plain(value: unknown): unknown {
    if (pulumi.Output.isInstance(value)) {
        return "";
    }
    if (Array.isArray(value)) {
        return value.map(plain);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

/** JSON text of a value, Outputs counted as empty strings (their toJSON only returns a warning). */
function json(value: unknown): string {
    const text = JSON.stringify(plain(value)) as string | undefined;
    return text ?? "";
}

/**
 * Bytes the values take in Helm's release Secret, estimated: Helm stores base64(gzip(release JSON));
 * the values appear twice in the release (as its config and rendered into its manifest), so twice
 * their compressed, base64-encoded size.
 */
export function storedValuesSize(values: unknown): number {
    const compressed = gzipSync(json(values), { level: 9 }).length;
    return 2 * Math.ceil(compressed / 3) * 4;
}

/** The config key that holds most of `value`'s size: descend while one child holds most of it. */
function biggestKey(value: unknown, path: Path): { path: Path; size: number } {
    const size = json(value).length;
    if (value === null || typeof value !== "object" || pulumi.Output.isInstance(value)) {
        return { path, size };
    }
    const children = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({
        key: Array.isArray(value) ? Number(k) : k,
        size: json(v).length,
        value: v,
    }));
    const top = children.sort((a, b) => b.size - a.size)[0];
    return top !== undefined && top.size >= size * 0.6 ? biggestKey(top.value, [...path, top.key]) : { path, size };
}

/** The largest config keys, each the most specific key holding most of a top-level key's size. */
export function largestKeys(cfg: AgentConfig, count = 3): { key: string; size: number }[] {
    return Object.entries(cfg)
        .map(([k, v]) => biggestKey(v, [k]))
        .sort((a, b) => b.size - a.size)
        .slice(0, count)
        .map((e) => ({ key: formatPath(e.path), size: e.size }));
}

/** Problems with values too big for Helm's release Secret, and queue counts past their bounds. */
export function sizeProblems(cfg: AgentConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    cfg.workers.forEach((w, i) => {
        const joined = w.queues.join(",");
        if (w.queues.length > MAX_QUEUES_PER_WORKER) {
            problems.push({
                key: formatPath(["workers", i, "queues"]),
                message: `lists ${w.queues.length} queues; at most ${MAX_QUEUES_PER_WORKER} per worker: split them over more workers, for example workers: [{name: a, queues: [...]}, {name: b, queues: [...]}]`,
            });
        } else if (Buffer.byteLength(joined) > MAX_QUEUE_STRING) {
            problems.push({
                key: formatPath(["workers", i, "queues"]),
                message: `joined with commas is ${Buffer.byteLength(joined)} bytes; the agent receives them as one string, and Linux refuses one longer than ${MAX_QUEUE_STRING} bytes (128 KiB): use fewer or shorter queue names`,
            });
        }
    });
    const stored = storedValuesSize(probeChartValues(cfg)) + CHART_ALLOWANCE;
    if (stored > RELEASE_SECRET_LIMIT) {
        const largest = largestKeys(cfg)
            .map((e) => `${e.key} (${e.size} bytes)`)
            .join(", ");
        problems.push({
            key: largestKeys(cfg, 1)[0]?.key ?? "extraValues",
            message: `makes the Helm release about ${stored} bytes, over the ${RELEASE_SECRET_LIMIT} bytes (1 MiB) a Kubernetes Secret holds, where Helm stores the release (estimate: values compressed as Helm stores them, twice, plus ${CHART_ALLOWANCE} bytes for the chart). Largest config keys: ${largest}. Move large data out of the values (a ConfigMap or Secret you create, mounted with volumes)`,
        });
    }
    return problems;
}
