// Parts of the config several rules walk: env lists, pod components, the connections DAG bundles need.
import type { DagBundleConfig, WorkerConfig } from "../schema";

/** How many of the values are set. */
export function countSet(...values: unknown[]): number {
    return values.filter((v) => v !== undefined).length;
}

/** A config path as users write it: `workers[0].volumes`. */
export function formatWhere(path: (string | number)[]): string {
    return path
        .map((p) => (typeof p === "number" ? `[${p}]` : p))
        .join(".")
        .replace(/\.\[/g, "[");
}

/** Connection ids the DAG bundles need, with the config path asking for each. */
export function requiredConnections(cfg: { dagBundles: DagBundleConfig[] }) {
    return cfg.dagBundles.flatMap((b, i) =>
        b.type === "git" && b.gitConnId !== undefined
            ? [
                  {
                      connId: b.gitConnId,
                      path: ["dagBundles", i, "gitConnId"] as (string | number)[],
                  },
              ]
            : [],
    );
}

type EnvListKind = "common" | "agent" | "sentinel" | "sidecar";
type EnvEntries = { name: string; value?: unknown }[];

/** Every env list of a config, with its path and who reads it. */
export function envLists(cfg: {
    commonEnv: EnvEntries;
    workers: { env: EnvEntries }[];
    triggerer: { env: EnvEntries };
    dagProcessor: { env: EnvEntries };
    sentinel: { env: EnvEntries };
    loggingSidecar: { env: EnvEntries };
}): { path: (string | number)[]; env: EnvEntries; kind: EnvListKind }[] {
    return [
        { path: ["commonEnv"], env: cfg.commonEnv, kind: "common" },
        ...cfg.workers.map((w, i) => ({ path: ["workers", i, "env"], env: w.env, kind: "agent" as const })),
        { path: ["triggerer", "env"], env: cfg.triggerer.env, kind: "agent" },
        { path: ["dagProcessor", "env"], env: cfg.dagProcessor.env, kind: "agent" },
        { path: ["sentinel", "env"], env: cfg.sentinel.env, kind: "sentinel" },
        { path: ["loggingSidecar", "env"], env: cfg.loggingSidecar.env, kind: "sidecar" },
    ];
}

type PodComponentConfig = Pick<
    WorkerConfig,
    | "volumes"
    | "podSecurityContext"
    | "containerSecurityContext"
    | "initContainers"
    | "extraContainers"
    | "serviceAccount"
>;

type PodComponentKind = "worker" | "triggerer" | "dagProcessor" | "sentinel";

/** The components that run their own pods, with their config paths. */
export function podComponents(cfg: {
    workers: PodComponentConfig[];
    triggerer: PodComponentConfig;
    dagProcessor: PodComponentConfig;
    sentinel: PodComponentConfig & { enabled: boolean };
}): { path: (string | number)[]; c: PodComponentConfig; kind: PodComponentKind }[] {
    return [
        ...cfg.workers.map((c, i) => ({ path: ["workers", i], c, kind: "worker" as const })),
        { path: ["triggerer"], c: cfg.triggerer, kind: "triggerer" },
        { path: ["dagProcessor"], c: cfg.dagProcessor, kind: "dagProcessor" },
        ...(cfg.sentinel.enabled ? [{ path: ["sentinel"], c: cfg.sentinel, kind: "sentinel" as const }] : []),
    ];
}
