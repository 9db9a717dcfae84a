// Config → chart values, as a pure function: no resources, no Outputs, no secrets. The same input
// always gives the same output (stable key order, no timestamps), so a second `pulumi up` is a no-op.
import deepmerge from "deepmerge";
import { stringify as stableStringify } from "safe-stable-stringify";
import type { EnvVar, K8sObject } from "../config/primitives";
import { bundleVolumeName } from "../config/volumes";
import {
    agentVersionOf,
    ASTRO_ID_ENV,
    SENTINEL_REPOSITORY,
    type AgentConfig,
    type DagBundleConfig,
    type WorkerConfig,
} from "../config/schema";
import type { AgentObjectNames } from "./names";

/** A backend contribution with every Output resolved: plain data only. */
export interface ResolvedBackend {
    secretBackend: string;
    secretBackendKwargs: Record<string, unknown>;
    xcomBackend: string;
    xcomPath: string;
    commonEnv: EnvVar[];
    /** Annotations of every agent ServiceAccount (also given to the chart as `serviceAccount.annotations`). */
    serviceAccountAnnotations: Record<string, string>;
    podLabels: Record<string, string>;
    volumes: K8sObject[];
    volumeMounts: K8sObject[];
    /**
     * Where `AIRFLOW__SECRETS__BACKEND_KWARGS` comes from when the kwargs hold a secret: a key of a
     * Kubernetes Secret (then `secretBackendKwargs` is not rendered).
     */
    secretBackendKwargsRef?: { name: string; key: string };
}

/** Chart values: a JSON-compatible tree. */
export type ChartValues = Record<string, unknown>;

export const GIT_BUNDLE_CLASS = "airflow.providers.git.bundles.git.GitDagBundle";
export const LOCAL_BUNDLE_CLASS = "airflow.dag_processing.bundles.local.LocalDagBundle";

/** The seed's Pod Security Standard `restricted` contexts. */
export const RESTRICTED_POD_SECURITY_CONTEXT = {
    seccompProfile: { type: "RuntimeDefault" },
    runAsUser: 50000,
    fsGroup: 50000,
    runAsNonRoot: true,
};
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};
/** What the agent runs as by default (set explicitly rather than relying on chart defaults). */
export const DEFAULT_POD_SECURITY_CONTEXT = { runAsUser: 50000, fsGroup: 50000, runAsNonRoot: true };

/** Drops keys whose value is undefined, so the rendered YAML only carries what was decided. */
function compact<T extends Record<string, unknown>>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function env(name: string, value: string): EnvVar {
    return { name, value };
}

/** `dagBundleConfigList` entries, in config order. */
export function dagBundleConfigList(
    bundles: readonly DagBundleConfig[],
): { name: string; classpath: string; kwargs: Record<string, unknown> }[] {
    return bundles.map((b) =>
        b.type === "git"
            ? {
                  name: b.name,
                  classpath: GIT_BUNDLE_CLASS,
                  kwargs: compact({
                      repo_url: b.repoUrl,
                      tracking_ref: b.trackingRef,
                      subdir: b.subdir,
                      git_conn_id: b.gitConnId,
                      refresh_interval: b.refreshInterval,
                  }),
              }
            : { name: b.name, classpath: LOCAL_BUNDLE_CLASS, kwargs: { path: b.path } },
    );
}

/** Volume name for a local bundle's claim. */
export { bundleVolumeName };

/** The full `commonEnv` list: Astro IDs, backend settings, XCom, proxy, backend extras, user extras. */
export function buildCommonEnv(cfg: AgentConfig, backend: ResolvedBackend): EnvVar[] {
    const ids = [
        cfg.astro.organizationId,
        cfg.astro.workspaceId,
        cfg.astro.deploymentId,
        cfg.astro.deploymentNamespace,
    ];
    const list: EnvVar[] = ASTRO_ID_ENV.map((name, i) => env(name, ids[i] ?? ""));
    list.push(
        backend.secretBackendKwargsRef === undefined
            ? env("AIRFLOW__SECRETS__BACKEND_KWARGS", stableStringify(backend.secretBackendKwargs))
            : { name: "AIRFLOW__SECRETS__BACKEND_KWARGS", valueFrom: { secretKeyRef: backend.secretBackendKwargsRef } },
    );
    list.push(env("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH", backend.xcomPath));
    list.push(env("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD", String(cfg.xcom.threshold)));
    if (cfg.xcom.compression !== undefined) {
        list.push(env("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_COMPRESSION", cfg.xcom.compression));
    }
    if (cfg.proxy.httpProxy !== undefined) {
        list.push(env("HTTP_PROXY", cfg.proxy.httpProxy));
    }
    if (cfg.proxy.httpsProxy !== undefined) {
        list.push(env("HTTPS_PROXY", cfg.proxy.httpsProxy));
    }
    if (cfg.proxy.noProxy.length > 0) {
        list.push(env("NO_PROXY", cfg.proxy.noProxy.join(",")));
    }
    list.push(...backend.commonEnv, ...cfg.commonEnv);
    return list;
}

interface Mounts {
    volumes: K8sObject[];
    volumeMounts: K8sObject[];
}

/** Volumes every agent component gets (restricted writable dirs, backend volumes, DAG claims). */
function sharedMounts(cfg: AgentConfig, backend: ResolvedBackend, withTaskLogs: boolean): Mounts {
    const volumes: K8sObject[] = [];
    const volumeMounts: K8sObject[] = [];
    if (cfg.restricted) {
        volumes.push({ name: "tmp", emptyDir: {} });
        volumeMounts.push({ name: "tmp", mountPath: "/tmp" });
    }
    if (withTaskLogs && (cfg.restricted || cfg.loggingSidecar.enabled)) {
        volumes.push({ name: "task-logs", emptyDir: {} });
        volumeMounts.push({ name: "task-logs", mountPath: cfg.taskLogsPath });
    }
    volumes.push(...backend.volumes);
    volumeMounts.push(...backend.volumeMounts);
    for (const b of cfg.dagBundles) {
        if (b.type === "local" && b.persistentVolumeClaim !== undefined) {
            const name = bundleVolumeName(b.name);
            volumes.push({ name, persistentVolumeClaim: { claimName: b.persistentVolumeClaim, readOnly: true } });
            volumeMounts.push({ name, mountPath: b.path, readOnly: true });
        }
    }
    return { volumes, volumeMounts };
}

function placement(c: {
    nodeSelector?: Record<string, string> | undefined;
    tolerations?: K8sObject[] | undefined;
    affinity?: K8sObject | undefined;
}) {
    return compact({ nodeSelector: c.nodeSelector, tolerations: c.tolerations, affinity: c.affinity });
}

function workerValues(cfg: AgentConfig, w: WorkerConfig, names: AgentObjectNames, mounts: Mounts): ChartValues {
    return compact({
        name: w.name,
        queues: w.queues.join(","),
        replicas: w.replicas,
        syncSlots: w.syncSlots,
        image: w.image,
        resources: w.resources,
        hpa: w.hpa,
        terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
        env: w.env,
        volumes: [...mounts.volumes, ...w.volumes],
        volumeMounts: [...mounts.volumeMounts, ...w.volumeMounts],
        ...placement(w),
        serviceAccount: { create: false, name: names.serviceAccounts.workers[w.name] },
    });
}

/**
 * Builds the chart values for a validated config. `names` are the Secrets and ServiceAccounts the
 * program creates; `backend` is what the backend returned, resolved. Secret values never enter:
 * only Secret names do.
 */
export function buildChartValues(
    cfg: AgentConfig,
    names: AgentObjectNames,
    backend: ResolvedBackend,
    options: { withExtraValues?: boolean } = {},
): ChartValues {
    const derived = derivedChartValues(cfg, names, backend);
    if (options.withExtraValues === false) {
        return derived;
    }
    return extraValueLayers(cfg).reduce((acc, layer) => mergeAt(acc, layer.chartPath, layer.values), derived);
}

/** One layer of extra values: where it is configured, where it lands in the chart values, and what it holds. */
export interface ExtraValueLayer {
    configPath: (string | number)[];
    chartPath: (string | number)[];
    values: Record<string, unknown>;
}

/** Every extra-values layer of a config, applied in this order after the derived values. */
export function extraValueLayers(cfg: AgentConfig): ExtraValueLayer[] {
    return [{ configPath: ["extraValues"], chartPath: [], values: cfg.extraValues }];
}

/** Deep-merges `override` into the node of `base` at `path` (maps merge, lists are replaced). */
function mergeAt(base: ChartValues, path: (string | number)[], override: Record<string, unknown>): ChartValues {
    if (path.length === 0) {
        return mergeValues(base, override);
    }
    const [head, ...rest] = path;
    const key = head as string | number;
    const container = base as Record<string | number, unknown>;
    const child = (container[key] ?? {}) as ChartValues;
    const merged = mergeAt(child, rest, override);
    if (Array.isArray(base)) {
        const copy = [...(base as unknown[])];
        copy[key as number] = merged;
        return copy as unknown as ChartValues;
    }
    return { ...base, [key]: merged };
}

/** The chart values the program derives from config, before any extra values. */
function derivedChartValues(cfg: AgentConfig, names: AgentObjectNames, backend: ResolvedBackend): ChartValues {
    const withLogs = sharedMounts(cfg, backend, true);
    const noLogs = sharedMounts(cfg, backend, false);
    const sentinelMounts = cfg.restricted
        ? { volumes: [{ name: "tmp", emptyDir: {} }], volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] }
        : { volumes: [], volumeMounts: [] };
    const ids = cfg.astro;
    const endpointQuery = new URLSearchParams([
        ["ASTRO_DEPLOYMENT_ID", ids.deploymentId],
        ["ASTRO_DEPLOYMENT_NAMESPACE", ids.deploymentNamespace],
        ["ASTRO_ORGANIZATION_ID", ids.organizationId],
        ["ASTRO_WORKSPACE_ID", ids.workspaceId],
    ]).toString();

    const tokenSource =
        cfg.agentTokenFile !== undefined
            ? { agentTokenFile: cfg.agentTokenFile }
            : { agentTokenSecretName: cfg.agentTokenSecretName ?? names.agentTokenSecret };

    return compact({
        resourceNamePrefix: cfg.resourceNamePrefix,
        namespace: cfg.namespace,
        createNamespace: false,
        astroDeploymentAPIURL: cfg.astroDeploymentAPIURL,
        image: cfg.image,
        imagePullPolicy: cfg.imagePullPolicy,
        imagePullSecretName: cfg.imagePullSecretName ?? names.imagePullSecret,
        ...tokenSource,
        logLevel: cfg.logLevel,
        secretBackend: backend.secretBackend,
        xcomBackend: backend.xcomBackend,
        dagBundleConfigList: JSON.stringify(dagBundleConfigList(cfg.dagBundles)),
        commonEnv: buildCommonEnv(cfg, backend),
        labels: { ...cfg.labels, ...backend.podLabels },
        annotations: cfg.annotations,
        podSecurityContext: cfg.restricted ? RESTRICTED_POD_SECURITY_CONTEXT : DEFAULT_POD_SECURITY_CONTEXT,
        containerSecurityContext: cfg.restricted ? RESTRICTED_CONTAINER_SECURITY_CONTEXT : undefined,
        serviceAccount: {
            annotations: backend.serviceAccountAnnotations,
            workers: { create: false },
            dagProcessor: { create: false, name: names.serviceAccounts.dagProcessor },
            triggerer: { create: false, name: names.serviceAccounts.triggerer },
            sentinel: { create: false, name: names.serviceAccounts.sentinel },
        },
        workers: cfg.workers.map((w) => workerValues(cfg, w, names, withLogs)),
        dagProcessor: compact({
            image: cfg.dagProcessor.image,
            resources: cfg.dagProcessor.resources,
            env: cfg.dagProcessor.env,
            volumes: [...noLogs.volumes, ...cfg.dagProcessor.volumes],
            volumeMounts: [...noLogs.volumeMounts, ...cfg.dagProcessor.volumeMounts],
            ...placement(cfg.dagProcessor),
        }),
        triggerer: compact({
            replicas: cfg.triggerer.replicas,
            asyncSlots: cfg.triggerer.asyncSlots,
            image: cfg.triggerer.image,
            resources: cfg.triggerer.resources,
            env: cfg.triggerer.env,
            volumes: [...withLogs.volumes, ...cfg.triggerer.volumes],
            volumeMounts: [...withLogs.volumeMounts, ...cfg.triggerer.volumeMounts],
            ...placement(cfg.triggerer),
        }),
        sentinel: cfg.sentinel.enabled
            ? compact({
                  enabled: true,
                  image: cfg.sentinel.image ?? `${SENTINEL_REPOSITORY}:${agentVersionOf(cfg.image) ?? ""}`,
                  imagePullPolicy: cfg.imagePullPolicy,
                  resources: cfg.sentinel.resources,
                  env: cfg.sentinel.env,
                  volumes: sentinelMounts.volumes,
                  volumeMounts: sentinelMounts.volumeMounts,
              })
            : { enabled: false },
        loggingSidecar: cfg.loggingSidecar.enabled
            ? compact({
                  enabled: true,
                  name: cfg.loggingSidecar.name,
                  image: cfg.loggingSidecar.image,
                  imagePullPolicy: cfg.imagePullPolicy,
                  config: cfg.loggingSidecar.config,
                  resources: cfg.loggingSidecar.resources,
                  env: cfg.loggingSidecar.env,
                  securityContext: cfg.restricted ? RESTRICTED_CONTAINER_SECURITY_CONTEXT : undefined,
                  volumeMounts: [{ name: "task-logs", mountPath: cfg.taskLogsPath, readOnly: true }],
              })
            : { enabled: false },
        openLineage: compact({
            enabled: cfg.openLineage.enabled,
            apiKeySecret: cfg.openLineage.enabled
                ? (cfg.openLineage.apiKeySecretName ?? names.openLineageSecret)
                : undefined,
            url: cfg.openLineage.url,
            namespace: cfg.openLineage.namespace ?? ids.deploymentNamespace,
            endpoint: `/api/v1/lineage?${endpointQuery}`,
            facetsEnvironmentVariables: [...ASTRO_ID_ENV],
        }),
    });
}

/** Helm-style deep merge: maps merge, lists are replaced by the override. */
export function mergeValues(base: ChartValues, override: ChartValues): ChartValues {
    return deepmerge<ChartValues>(base, override, { arrayMerge: (_target, source: unknown[]) => source });
}
