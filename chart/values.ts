// Config → chart values, as a pure function: no resources, no Outputs, no secrets. The same input
// always gives the same output (stable key order, no timestamps), so a second `pulumi up` is a no-op.
import deepmerge from "deepmerge";
import { stringify as stableStringify } from "safe-stable-stringify";
import { defaultSentinelImage, type HpaShape } from "../config/chartVersions";
import type { EnvVar, K8sObject } from "../schema/primitives";
import { bundleVolumeName } from "../config/volumes";
import { CA_BUNDLE_ENV, CA_BUNDLE_VOLUME, caBundleFile } from "../config/tenant";
import {
    ASTRO_ID_ENV,
    hpaShapeOf,
    SIDECAR_DATA_VOLUME,
    TASK_LOGS_VOLUME,
    TMP_VOLUME,
    workerObjectName,
    type ResolvedAgentConfig,
    type ContainerConfig,
    type DagBundleConfig,
    type ProbeConfig,
    type WorkerConfig,
} from "../config/schema";
import {
    agentPodFloor,
    DEFAULT_POD_SECURITY_CONTEXT,
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    REMOVE_CHART_IDENTITY,
    RESTRICTED_SENTINEL_POD_SECURITY_CONTEXT,
    SENTINEL_POD_SECURITY_CONTEXT,
    sentinelPodFloor,
    type ContainerSecurityContext,
    type PodSecurityContext,
} from "../config/securityContext";
import type { AgentObjectNames } from "./names";
import { effectivePodSettings, type PodSettingsView } from "../config/podSettings";

export {
    DEFAULT_POD_SECURITY_CONTEXT,
    RESTRICTED_CONTAINER_SECURITY_CONTEXT,
    RESTRICTED_POD_SECURITY_CONTEXT,
    RESTRICTED_SENTINEL_POD_SECURITY_CONTEXT,
    SENTINEL_POD_SECURITY_CONTEXT,
};

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

/** Drops keys whose value is undefined, so the rendered YAML only carries what was decided. */
function compact<T extends Record<string, unknown>>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function env(name: string, value: string): EnvVar {
    return { name, value };
}

/** An env list with each name once: the first entry wins (earlier sources are the program's own). */
export function uniqueEnv(list: readonly EnvVar[]): EnvVar[] {
    const seen = new Set<string>();
    return list.filter((e) => {
        if (seen.has(e.name)) {
            return false;
        }
        seen.add(e.name);
        return true;
    });
}

/** `dagBundleConfigList` entries, in config order. A local bundle without `path` gets no `path` kwarg. */
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
            : { name: b.name, classpath: LOCAL_BUNDLE_CLASS, kwargs: compact({ path: b.path }) },
    );
}

/** Volume name for a local bundle's claim. */
export { bundleVolumeName };

/** HTTP_PROXY / HTTPS_PROXY / NO_PROXY from `proxy`: commonEnv, and Sentinel's env (it gets no commonEnv). */
function proxyEnv(cfg: ResolvedAgentConfig): EnvVar[] {
    const list: EnvVar[] = [];
    if (cfg.proxy.httpProxy !== undefined) {
        list.push(env("HTTP_PROXY", cfg.proxy.httpProxy));
    }
    if (cfg.proxy.httpsProxy !== undefined) {
        list.push(env("HTTPS_PROXY", cfg.proxy.httpsProxy));
    }
    if (cfg.proxy.noProxy.length > 0) {
        list.push(env("NO_PROXY", cfg.proxy.noProxy.join(",")));
    }
    return list;
}

/** The volume, mount and env of `caBundle` (nothing when unset): the same in every pod and container. */
export function caBundleParts(cfg: Pick<ResolvedAgentConfig, "caBundle">): {
    volumes: K8sObject[];
    volumeMounts: K8sObject[];
    env: EnvVar[];
} {
    const ca = cfg.caBundle;
    if (ca === undefined) {
        return { volumes: [], volumeMounts: [], env: [] };
    }
    const items = [{ key: ca.key, path: ca.key }];
    const file = caBundleFile(ca);
    return {
        volumes: [
            ca.secretName === undefined
                ? { name: CA_BUNDLE_VOLUME, configMap: { name: ca.configMapName, items } }
                : { name: CA_BUNDLE_VOLUME, secret: { secretName: ca.secretName, items } },
        ],
        volumeMounts: [{ name: CA_BUNDLE_VOLUME, mountPath: ca.mountPath, readOnly: true }],
        env: CA_BUNDLE_ENV.map((name) => env(name, file)),
    };
}

/**
 * The full `commonEnv` list: Astro IDs, backend settings, XCom, proxy, backend extras, user extras. Each
 * name appears once; validation refuses user entries naming what the program or the backend sets, and
 * should a backend return a name it did not declare, the program's and the backend's entries come first
 * and win.
 */
export function buildCommonEnv(cfg: ResolvedAgentConfig, backend: ResolvedBackend): EnvVar[] {
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
    list.push(...proxyEnv(cfg));
    list.push(...caBundleParts(cfg).env);
    if (cfg.openLineage.enabled && cfg.openLineage.configFile !== undefined) {
        // The client's config file wins over OPENLINEAGE_URL / OPENLINEAGE_API_KEY (openlineage-python).
        list.push(env("OPENLINEAGE_CONFIG", cfg.openLineage.configFile));
    }
    list.push(...backend.commonEnv, ...cfg.commonEnv);
    return uniqueEnv(list);
}

interface Mounts {
    volumes: K8sObject[];
    volumeMounts: K8sObject[];
}

/** Volumes every agent component gets (restricted writable dirs, backend volumes, DAG claims). */
function sharedMounts(cfg: ResolvedAgentConfig, backend: ResolvedBackend, withTaskLogs: boolean): Mounts {
    const volumes: K8sObject[] = [];
    const volumeMounts: K8sObject[] = [];
    if (cfg.restricted) {
        volumes.push({ name: TMP_VOLUME, emptyDir: {} });
        volumeMounts.push({ name: TMP_VOLUME, mountPath: "/tmp" });
    }
    if (withTaskLogs && (cfg.restricted || cfg.loggingSidecar.enabled)) {
        volumes.push({ name: TASK_LOGS_VOLUME, emptyDir: {} });
        volumeMounts.push({ name: TASK_LOGS_VOLUME, mountPath: cfg.taskLogsPath });
    }
    const ca = caBundleParts(cfg);
    volumes.push(...ca.volumes);
    volumeMounts.push(...ca.volumeMounts);
    volumes.push(...backend.volumes);
    volumeMounts.push(...backend.volumeMounts);
    for (const b of cfg.dagBundles) {
        // Validation requires `path` with a claim.
        if (b.type === "local" && b.persistentVolumeClaim !== undefined && b.path !== undefined) {
            const name = bundleVolumeName(b.name);
            volumes.push({ name, persistentVolumeClaim: { claimName: b.persistentVolumeClaim, readOnly: true } });
            volumeMounts.push({ name, mountPath: b.path, readOnly: true });
        }
    }
    return { volumes, volumeMounts };
}

/** Pod volumes the logging sidecar needs (the chart wants them declared in worker and triggerer `volumes`). */
function sidecarPodVolumes(cfg: ResolvedAgentConfig): K8sObject[] {
    const ls = cfg.loggingSidecar;
    if (!ls.enabled) {
        return [];
    }
    return [...(cfg.restricted ? [{ name: SIDECAR_DATA_VOLUME, emptyDir: {} }] : []), ...ls.volumes];
}

/** The keys of the chart's placement the component gets: its own, else `podDefaults`' (replaced whole). */
function placement(cfg: ResolvedAgentConfig, c: PodSettingsView) {
    const e = effectivePodSettings(cfg.podDefaults, c);
    return compact({ nodeSelector: e.nodeSelector, tolerations: e.tolerations, affinity: e.affinity });
}

/** Helm-style deep merge: maps merge, lists are replaced by the override. */
export function mergeValues(base: ChartValues, override: ChartValues): ChartValues {
    return deepmerge<ChartValues>(base, override, { arrayMerge: (_target, source: unknown[]) => source });
}

/** The pod and container contexts a component is started from. */
interface Floors {
    pod: ChartValues;
    container: ChartValues | undefined;
}

function agentFloors(cfg: ResolvedAgentConfig): Floors {
    return {
        pod: agentPodFloor(cfg.restricted, cfg.podIdentity),
        container: cfg.restricted ? RESTRICTED_CONTAINER_SECURITY_CONTEXT : undefined,
    };
}

function overlay(floor: ChartValues | undefined, override: ChartValues | undefined): ChartValues | undefined {
    if (override === undefined) {
        return floor;
    }
    return mergeValues(floor ?? {}, override);
}

/** Init and extra containers; when restricted each starts from the restricted container context. */
function containers(cfg: ResolvedAgentConfig, list: ContainerConfig[] | undefined): ChartValues[] | undefined {
    if (list === undefined) {
        return undefined;
    }
    return list.map((c) =>
        cfg.restricted
            ? {
                  ...c,
                  securityContext: overlay(
                      RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                      c.securityContext as ChartValues | undefined,
                  ),
              }
            : { ...c },
    );
}

interface PodExtrasConfig {
    livenessProbe?: ProbeConfig | undefined;
    readinessProbe?: ProbeConfig | undefined;
    podSecurityContext?: PodSecurityContext | undefined;
    containerSecurityContext?: ContainerSecurityContext | undefined;
    initContainers?: ContainerConfig[] | undefined;
    extraContainers?: ContainerConfig[] | undefined;
}

/**
 * Probes, security contexts and extra containers of an agent component. A component context is only
 * emitted when overridden: it is the global context with the override merged in (the chart replaces
 * the global context with the component's, it does not merge them).
 */
function podExtras(cfg: ResolvedAgentConfig, c: PodExtrasConfig, floors: Floors): ChartValues {
    return compact({
        livenessProbe: chartProbe(c.livenessProbe),
        readinessProbe: chartProbe(c.readinessProbe),
        podSecurityContext:
            c.podSecurityContext === undefined ? undefined : overlay(floors.pod, c.podSecurityContext as ChartValues),
        containerSecurityContext:
            c.containerSecurityContext === undefined
                ? undefined
                : overlay(floors.container, c.containerSecurityContext as ChartValues),
        initContainers: containers(cfg, c.initContainers),
        extraContainers: containers(cfg, c.extraContainers),
    });
}

/**
 * A probe as chart values. The chart's values file gives the dag processor, triggerer and Sentinel a
 * default `httpGet` probe, and Helm merges maps, so a probe with another handler carries `httpGet: null`
 * (which removes the default) instead of becoming a probe with two handlers, which the API server refuses.
 */
function chartProbe(p: ProbeConfig | undefined): ChartValues | undefined {
    if (p === undefined) {
        return undefined;
    }
    return p.httpGet === undefined ? { ...p, httpGet: null } : p;
}

/** The chart's queue metric as an autoscaling/v2 Object metric on the worker Deployment. */
function queueObjectMetric(name: string, targetValue: number, deployment: string): ChartValues {
    return {
        type: "Object",
        object: {
            describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
            metric: { name },
            target: { type: "Value", value: targetValue },
        },
    };
}

/** A worker's `hpa` block in the chart's shape (see `chart.hpaShape`). */
export function workerHpaValues(
    hpa: NonNullable<WorkerConfig["hpa"]>,
    shape: HpaShape,
    deployment: string,
): ChartValues {
    const queue = hpa.queueMetric;
    if (shape === "replicaCount") {
        return compact({
            enabled: hpa.enabled,
            minReplicaCount: hpa.minReplicas,
            maxReplicaCount: hpa.maxReplicas,
            // Always explicit: the chart's default metric is enabled and needs a custom-metrics adapter.
            metric:
                queue === undefined
                    ? { enabled: false }
                    : { enabled: true, name: queue.name, target: { type: "Value", value: queue.targetValue } },
            extraMetrics: hpa.metrics,
            behavior: hpa.behavior,
        });
    }
    return compact({
        enabled: hpa.enabled,
        minReplicas: hpa.minReplicas,
        maxReplicas: hpa.maxReplicas,
        metrics: [
            ...(queue === undefined ? [] : [queueObjectMetric(queue.name, queue.targetValue, deployment)]),
            ...hpa.metrics,
        ],
        behavior: hpa.behavior,
    });
}

function workerValues(
    cfg: ResolvedAgentConfig,
    w: WorkerConfig,
    names: AgentObjectNames,
    mounts: Mounts,
    sidecarVolumes: K8sObject[],
): ChartValues {
    let hpa: ChartValues | undefined;
    if (w.hpa !== undefined) {
        const shape = hpaShapeOf(cfg.chart);
        if (shape === undefined) {
            throw new Error("chart.hpaShape is required for this chart version (validation should have said so)");
        }
        hpa = workerHpaValues(w.hpa, shape, workerObjectName(cfg.resourceNamePrefix, w.name));
    }
    return compact({
        name: w.name,
        queues: w.queues.join(","),
        replicas: w.replicas,
        syncSlots: w.syncSlots,
        image: w.image,
        resources: w.resources,
        hpa,
        terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
        env: uniqueEnv(w.env),
        ...podExtras(cfg, w, agentFloors(cfg)),
        volumes: [...mounts.volumes, ...sidecarVolumes, ...w.volumes],
        volumeMounts: [...mounts.volumeMounts, ...w.volumeMounts],
        ...placement(cfg, w),
        canUseKubernetesPodOperator: w.canUseKubernetesPodOperator,
        serviceAccount: { create: false, name: names.serviceAccounts.workers[w.name] },
    });
}

/** Sentinel's default probe (chart 2.0.0 values: `httpGet health:<port>`, period 10) on a changed port. */
export function sentinelProbe(port: number): ChartValues {
    return {
        httpGet: { path: "health", port },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        failureThreshold: 3,
        successThreshold: 1,
        timeoutSeconds: 5,
    };
}

function sentinelValues(cfg: ResolvedAgentConfig): ChartValues {
    const s = cfg.sentinel;
    if (!s.enabled) {
        return { enabled: false };
    }
    let image = s.image;
    if (image === undefined) {
        const derived = defaultSentinelImage(cfg.image);
        if ("problem" in derived) {
            throw new Error(`sentinel.image ${derived.problem}`);
        }
        image = derived.image;
    }
    const tmp = cfg.restricted;
    const ca = caBundleParts(cfg);
    return compact({
        enabled: true,
        image,
        imagePullPolicy: cfg.imagePullPolicy,
        port: s.port,
        resources: s.resources,
        env: uniqueEnv([...proxyEnv(cfg), ...ca.env, ...s.env]),
        livenessProbe: chartProbe(s.livenessProbe) ?? (s.port === undefined ? undefined : sentinelProbe(s.port)),
        readinessProbe: chartProbe(s.readinessProbe) ?? (s.port === undefined ? undefined : sentinelProbe(s.port)),
        // Explicit: the chart documents its global contexts for workers, dag processor and triggerer only.
        podSecurityContext: overlay(
            sentinelPodFloor(cfg.restricted, cfg.podIdentity),
            s.podSecurityContext as ChartValues | undefined,
        ),
        containerSecurityContext: overlay(
            cfg.restricted ? RESTRICTED_CONTAINER_SECURITY_CONTEXT : undefined,
            s.containerSecurityContext as ChartValues | undefined,
        ),
        initContainers: containers(cfg, s.initContainers),
        extraContainers: containers(cfg, s.extraContainers),
        volumes: [...(tmp ? [{ name: TMP_VOLUME, emptyDir: {} }] : []), ...ca.volumes, ...s.volumes],
        volumeMounts: [
            ...(tmp ? [{ name: TMP_VOLUME, mountPath: "/tmp" }] : []),
            ...ca.volumeMounts,
            ...s.volumeMounts,
        ],
        ...placement(cfg, s),
    });
}

function loggingSidecarValues(cfg: ResolvedAgentConfig): ChartValues {
    const ls = cfg.loggingSidecar;
    if (!ls.enabled) {
        return { enabled: false };
    }
    return compact({
        enabled: true,
        name: ls.name,
        image: ls.image,
        imagePullPolicy: cfg.imagePullPolicy,
        config: ls.config,
        resources: ls.resources,
        env: uniqueEnv([...caBundleParts(cfg).env, ...ls.env]),
        securityContext: overlay(
            cfg.restricted ? RESTRICTED_CONTAINER_SECURITY_CONTEXT : undefined,
            ls.securityContext as ChartValues | undefined,
        ),
        volumeMounts: [
            { name: TASK_LOGS_VOLUME, mountPath: cfg.taskLogsPath, readOnly: true },
            // Read-only root filesystem: Vector's data_dir must be writable.
            ...(cfg.restricted ? [{ name: SIDECAR_DATA_VOLUME, mountPath: ls.dataDir }] : []),
            // The pod volume is in every worker and triggerer pod (sharedMounts).
            ...caBundleParts(cfg).volumeMounts,
            ...ls.volumeMounts,
        ],
    });
}

/** One `extraValues` layer: where it is configured, where it lands in the chart values, and its values. */
export interface ExtraValueLayer {
    /** Config path of the `extraValues` key, e.g. `["workers", 0, "extraValues"]`. */
    configPath: (string | number)[];
    /** Path in the chart values it is deep-merged into; `[]` is the root (top-level `extraValues`). */
    chartPath: (string | number)[];
    values: Record<string, unknown>;
}

/**
 * Every `extraValues` layer of a config, in the order they are applied: each worker (into
 * `workers[i]`), the triggerer, the dag processor, Sentinel and the logging sidecar (each only when
 * enabled), then the top-level `extraValues` (into the root) last. Layers without keys are left out.
 * Each is deep-merged with {@link mergeValues} (maps merge, lists replace).
 */
export function extraValueLayers(cfg: ResolvedAgentConfig): ExtraValueLayer[] {
    const layers: ExtraValueLayer[] = [];
    const add = (configPath: (string | number)[], chartPath: (string | number)[], values: unknown) => {
        if (values !== undefined && values !== null && typeof values === "object" && Object.keys(values).length > 0) {
            layers.push({ configPath, chartPath, values: values as Record<string, unknown> });
        }
    };
    cfg.workers.forEach((w, i) => {
        add(["workers", i, "extraValues"], ["workers", i], w.extraValues);
    });
    add(["triggerer", "extraValues"], ["triggerer"], cfg.triggerer.extraValues);
    add(["dagProcessor", "extraValues"], ["dagProcessor"], cfg.dagProcessor.extraValues);
    if (cfg.sentinel.enabled) {
        add(["sentinel", "extraValues"], ["sentinel"], cfg.sentinel.extraValues);
    }
    if (cfg.loggingSidecar.enabled) {
        add(["loggingSidecar", "extraValues"], ["loggingSidecar"], cfg.loggingSidecar.extraValues);
    }
    add(["extraValues"], [], cfg.extraValues);
    return layers;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `node` with `override` deep-merged at `path` (copies along the path; the rest is shared). */
function mergeAt(node: unknown, path: readonly (string | number)[], override: ChartValues): unknown {
    const [head, ...rest] = path;
    if (head === undefined) {
        return mergeValues(isMap(node) ? node : {}, override);
    }
    if (typeof head === "number") {
        const list = Array.isArray(node) ? [...(node as unknown[])] : [];
        list[head] = mergeAt(list[head], rest, override);
        return list;
    }
    const map = isMap(node) ? { ...node } : {};
    map[head] = mergeAt(map[head], rest, override);
    return map;
}

/** Applies the layers in order. */
export function applyExtraValueLayers(values: ChartValues, layers: readonly ExtraValueLayer[]): ChartValues {
    return layers.reduce<ChartValues>(
        (acc, layer) => mergeAt(acc, layer.chartPath, layer.values) as ChartValues,
        values,
    );
}

/**
 * Annotations of each component's ServiceAccount from config, by component key (`worker:<name>`,
 * `dagProcessor`, `triggerer`, `sentinel`). The backend's identity annotations are merged over these
 * (validation refuses a key the backend sets).
 */
export function componentServiceAccountAnnotations(
    cfg: Pick<ResolvedAgentConfig, "workers" | "dagProcessor" | "triggerer" | "sentinel">,
): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    const add = (key: string, annotations: Record<string, string> | undefined) => {
        if (annotations !== undefined && Object.keys(annotations).length > 0) {
            out[key] = annotations;
        }
    };
    for (const w of cfg.workers) {
        add(`worker:${w.name}`, w.serviceAccount?.annotations);
    }
    add("dagProcessor", cfg.dagProcessor.serviceAccount?.annotations);
    add("triggerer", cfg.triggerer.serviceAccount?.annotations);
    add("sentinel", cfg.sentinel.serviceAccount?.annotations);
    return out;
}

/**
 * `automountServiceAccountToken` of each component's ServiceAccount, by component key, where the
 * component or `podDefaults` sets it (the chart has no pod-level key: the program's ServiceAccounts
 * carry it, and the API server then mounts no token in the component's pods).
 */
export function componentServiceAccountAutomount(
    cfg: Pick<ResolvedAgentConfig, "workers" | "dagProcessor" | "triggerer" | "sentinel" | "podDefaults">,
): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    const add = (key: string, own: PodSettingsView) => {
        const v = effectivePodSettings(cfg.podDefaults, own).automountServiceAccountToken;
        if (v !== undefined) {
            out[key] = v;
        }
    };
    for (const w of cfg.workers) {
        add(`worker:${w.name}`, w);
    }
    add("dagProcessor", cfg.dagProcessor);
    add("triggerer", cfg.triggerer);
    if (cfg.sentinel.enabled) {
        add("sentinel", cfg.sentinel);
    }
    return out;
}

/**
 * Builds the chart values for a validated config. `names` are the Secrets and ServiceAccounts the
 * program creates; `backend` is what the backend returned, resolved. Secret values never enter:
 * only Secret names do. The `extraValues` layers ({@link extraValueLayers}) are merged in last.
 */
export function buildChartValues(
    cfg: ResolvedAgentConfig,
    names: AgentObjectNames,
    backend: ResolvedBackend,
    options: { withExtraValues?: boolean } = {},
): ChartValues {
    const derived = derivedChartValues(cfg, names, backend);
    if (options.withExtraValues === false) {
        return derived;
    }
    return applyExtraValueLayers(derived, extraValueLayers(cfg));
}

/** The chart values the program derives from config, before any extra values. */
function derivedChartValues(cfg: ResolvedAgentConfig, names: AgentObjectNames, backend: ResolvedBackend): ChartValues {
    const withLogs = sharedMounts(cfg, backend, true);
    const noLogs = sharedMounts(cfg, backend, false);
    const sidecarVolumes = sidecarPodVolumes(cfg);
    const floors = agentFloors(cfg);
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

    const values = compact({
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
        podSecurityContext:
            cfg.podIdentity === "assignedByCluster" ? { ...floors.pod, ...REMOVE_CHART_IDENTITY } : floors.pod,
        containerSecurityContext: floors.container,
        serviceAccount: {
            annotations: backend.serviceAccountAnnotations,
            workers: { create: false },
            dagProcessor: { create: false, name: names.serviceAccounts.dagProcessor },
            triggerer: { create: false, name: names.serviceAccounts.triggerer },
            sentinel: { create: false, name: names.serviceAccounts.sentinel },
        },
        workers: cfg.workers.map((w) => workerValues(cfg, w, names, withLogs, sidecarVolumes)),
        dagProcessor: compact({
            image: cfg.dagProcessor.image,
            resources: cfg.dagProcessor.resources,
            env: uniqueEnv(cfg.dagProcessor.env),
            ...podExtras(cfg, cfg.dagProcessor, floors),
            volumes: [...noLogs.volumes, ...cfg.dagProcessor.volumes],
            volumeMounts: [...noLogs.volumeMounts, ...cfg.dagProcessor.volumeMounts],
            ...placement(cfg, cfg.dagProcessor),
        }),
        triggerer: compact({
            replicas: cfg.triggerer.replicas,
            asyncSlots: cfg.triggerer.asyncSlots,
            image: cfg.triggerer.image,
            resources: cfg.triggerer.resources,
            env: uniqueEnv(cfg.triggerer.env),
            ...podExtras(cfg, cfg.triggerer, floors),
            volumes: [...withLogs.volumes, ...sidecarVolumes, ...cfg.triggerer.volumes],
            volumeMounts: [...withLogs.volumeMounts, ...cfg.triggerer.volumeMounts],
            ...placement(cfg, cfg.triggerer),
        }),
        sentinel: sentinelValues(cfg),
        loggingSidecar: loggingSidecarValues(cfg),
        openLineage: compact({
            enabled: cfg.openLineage.enabled,
            apiKeySecret:
                cfg.openLineage.enabled && cfg.openLineage.configFile === undefined
                    ? (cfg.openLineage.apiKeySecretName ?? names.openLineageSecret)
                    : undefined,
            url: cfg.openLineage.url,
            namespace: cfg.openLineage.namespace ?? ids.deploymentNamespace,
            endpoint: `/api/v1/lineage?${endpointQuery}`,
            facetsEnvironmentVariables: [...ASTRO_ID_ENV],
        }),
    });
    return values;
}
