// Chart values → stack config: the inverse of chart/values.ts, for teams that installed the agent with
// `helm install -f values.yaml` (the file the Astro UI generates). Pure: no I/O. Literal secrets never
// enter the returned config: they come back as `secrets` (config path + value) for the caller to set
// with `pulumi config set --secret --path`; values the program does not model come back as `unmapped`,
// kept under an `extraValues` layer only where that is safe (no credential, no chart value the program
// derives).
import { LOCAL_SECRET_BACKEND, XCOM_OBJECT_STORAGE_BACKEND } from "../backends/airflow";
import { type HpaShape } from "../config/chartVersions";
import { findCredentials } from "../config/credentials";
import { formatPath } from "../config/errors";
import type { ConfigResult } from "../config/load";
import { SECRET_PLACEHOLDER } from "../config/secureLocations";
import { validateStackConfig } from "./validate";
import { ownedMetadataKey } from "../config/ownedMetadata";
import { bundleVolumeName } from "../config/volumes";
import {
    ASTRO_ID_ENV,
    DEFAULT_QUEUE_METRIC,
    SIDECAR_DATA_VOLUME,
    TASK_LOGS_VOLUME,
    TMP_VOLUME,
} from "../config/schema";
import { GIT_BUNDLE_CLASS, LOCAL_BUNDLE_CLASS, sentinelProbe, workerHpaValues, type ChartValues } from "./values";
import { isDeepStrictEqual } from "node:util";

type Path = (string | number)[];
type Tree = Record<string, unknown>;

/** A literal secret found in the values: set it with `pulumi config set --secret --path <path>`. */
export interface ImportedSecret {
    /** Config path, e.g. `agentToken`, `imagePullCredentials.password`, `commonEnv[3].value`. */
    path: string;
    /** The same path as a list of keys and indexes. */
    at: (string | number)[];
    value: string;
}

/** A chart value the program does not model. */
export interface UnmappedValue {
    /** Path in the values file, e.g. `workers[0].priorityClassName`. */
    path: string;
    /** The same path as a list of keys and indexes. */
    at: (string | number)[];
    why: string;
    /** Whether it is kept under an `extraValues` layer of the config (else dropped). */
    keptInExtraValues: boolean;
}

export interface ImportResult {
    /** The stack config (AgentConfigInput-shaped, plain data, no secret values). */
    config: Tree;
    secrets: ImportedSecret[];
    unmapped: UnmappedValue[];
    /** What the reader should know (choices made, how to move on). */
    notes: string[];
}

export interface ImportOptions {
    /** The namespace of the release (wins over the values file's `namespace`). */
    namespace?: string | undefined;
    /** The stack name (named in the note on how the secrets are set). */
    stack: string;
}

/** Target of the chart's default queue `metric` (the published values files: `value: 20`). */
export const CHART_DEFAULT_QUEUE_TARGET = 20;

/** Airflow's own default for `[common.io] xcom_objectstorage_threshold`: -1, nothing goes to the store. */
export const AIRFLOW_XCOM_THRESHOLD_DEFAULT = -1;

function isMap(v: unknown): v is Tree {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function clone<T>(v: T): T {
    return structuredClone(v);
}

/** A values sub-tree being consumed: `take` removes a key and returns its value; what remains is unmapped. */
class Cursor {
    readonly rest: Tree;
    constructor(
        readonly path: Path,
        value: unknown,
    ) {
        this.rest = isMap(value) ? clone(value) : {};
    }
    take(key: string): unknown {
        const v = this.rest[key];
        Reflect.deleteProperty(this.rest, key);
        return v === null ? undefined : v;
    }
    str(key: string): string | undefined {
        const v = this.rest[key];
        if (typeof v === "string") {
            this.take(key);
            return v === "" ? undefined : v;
        }
        if (typeof v === "number" || typeof v === "boolean" || v === null) {
            this.take(key);
            return v === null ? undefined : String(v);
        }
        return undefined; // a structure where a string belongs: left for the unmapped list
    }
    child(key: string): Cursor {
        return new Cursor([...this.path, key], this.take(key));
    }
}

/** Drops undefined values, empty maps and empty lists (what the schema defaults anyway). */
function prune(obj: Tree): Tree {
    return Object.fromEntries(
        Object.entries(obj).filter(
            ([, v]) =>
                v !== undefined && !(Array.isArray(v) && v.length === 0) && !(isMap(v) && Object.keys(v).length === 0),
        ),
    );
}

interface EnvEntry {
    name: string;
    value?: unknown;
    valueFrom?: unknown;
}

function envList(v: unknown): EnvEntry[] {
    return Array.isArray(v) ? v.filter((e): e is EnvEntry => isMap(e) && typeof e.name === "string") : [];
}

const RESTRICTED_CONTAINER_KEYS = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true };

/** Whether global security contexts are the restricted ones the program would set. */
function isRestricted(pod: unknown, container: unknown): boolean {
    if (!isMap(pod) || !isMap(container)) {
        return false;
    }
    const seccomp = isMap(pod.seccompProfile) ? pod.seccompProfile.type : undefined;
    const caps = isMap(container.capabilities) ? container.capabilities.drop : undefined;
    return (
        pod.runAsNonRoot === true &&
        seccomp === "RuntimeDefault" &&
        Object.entries(RESTRICTED_CONTAINER_KEYS).every(([k, v]) => container[k] === v) &&
        Array.isArray(caps) &&
        caps.includes("ALL")
    );
}

/** The importer's state while walking one values file. */
class Importer {
    readonly secrets: ImportedSecret[] = [];
    readonly unmapped: { path: Path; value: unknown; why: string; layer?: Path; rel?: Path }[] = [];
    readonly notes: string[] = [];
    hpaShape: HpaShape | undefined;

    secret(path: Path, value: string): void {
        this.secrets.push({ path: formatPath(path), at: path, value });
    }

    /** Every key left in a cursor is unmapped; `layer` is the config path of the extraValues layer it may go to. */
    leftovers(c: Cursor, why: string, layer: Path | undefined): void {
        for (const [k, v] of Object.entries(c.rest)) {
            this.unmapped.push({ path: [...c.path, k], value: v, why, ...(layer ? { layer, rel: [k] } : {}) });
        }
    }

    /**
     * An env list for config path `path`: credential-shaped literal values become secrets (the entry
     * keeps its name, the value is set by the caller), references stay.
     */
    env(list: EnvEntry[], path: Path): Tree[] {
        return list.map((e, i) => {
            const entry: Tree = { ...e };
            if (typeof e.value === "string" && findCredentials({ name: e.name, value: e.value }).length > 0) {
                delete entry.value;
                this.secret([...path, i, "value"], e.value);
            }
            return entry;
        });
    }
}

/** Pod-level keys every agent component has, named as in the config. */
function podKeys(imp: Importer, c: Cursor, cfgPath: Path, generatedVolumes: Set<string>): Tree {
    const volumes = ((c.take("volumes") as Tree[] | undefined) ?? []).filter(
        (v) => !generatedVolumes.has(String(v.name)),
    );
    const volumeMounts = ((c.take("volumeMounts") as Tree[] | undefined) ?? []).filter(
        (v) => !generatedVolumes.has(String(v.name)),
    );
    const sa = c.child("serviceAccount");
    const saAnnotations = sa.take("annotations");
    sa.take("create");
    const saName = sa.take("name");
    if (typeof saName === "string" && saName !== "") {
        imp.unmapped.push({
            path: [...sa.path, "name"],
            value: saName,
            why: "the program creates each component's ServiceAccount under the chart's default name",
        });
    }
    imp.leftovers(sa, "the program owns the ServiceAccounts", undefined);
    return prune({
        image: c.str("image"),
        resources: c.take("resources"),
        env: imp.env(envList(c.take("env")), [...cfgPath, "env"]),
        livenessProbe: probeOf(c.take("livenessProbe")),
        readinessProbe: probeOf(c.take("readinessProbe")),
        podSecurityContext: c.take("podSecurityContext"),
        containerSecurityContext: c.take("containerSecurityContext"),
        initContainers: c.take("initContainers"),
        extraContainers: c.take("extraContainers"),
        volumes,
        volumeMounts,
        nodeSelector: c.take("nodeSelector"),
        tolerations: c.take("tolerations"),
        affinity: c.take("affinity"),
        serviceAccount:
            isMap(saAnnotations) && Object.keys(saAnnotations).length > 0 ? { annotations: saAnnotations } : undefined,
    });
}

/** The queue metric of the `replicas` HPA shape: an Object metric on the worker Deployment. */
function queueMetricOf(m: unknown, deployment: string): { name: string; targetValue: number } | undefined {
    if (!isMap(m) || m.type !== "Object" || !isMap(m.object)) {
        return undefined;
    }
    const o = m.object;
    const described = isMap(o.describedObject) ? o.describedObject : {};
    const target = isMap(o.target) ? o.target : {};
    const metric = isMap(o.metric) ? o.metric : {};
    if (
        described.kind !== "Deployment" ||
        described.name !== deployment ||
        target.type !== "Value" ||
        typeof metric.name !== "string" ||
        typeof target.value !== "number"
    ) {
        return undefined;
    }
    const rebuilt = workerHpaValues(
        {
            enabled: true,
            minReplicas: 1,
            maxReplicas: 1,
            metrics: [],
            queueMetric: { name: metric.name, targetValue: target.value },
        },
        "replicas",
        deployment,
    );
    return isDeepStrictEqual((rebuilt.metrics as unknown[])[0], m)
        ? { name: metric.name, targetValue: target.value }
        : undefined;
}

function hpaOf(imp: Importer, c: Cursor, deployment: string): Tree {
    const shape: HpaShape =
        "minReplicaCount" in c.rest || "maxReplicaCount" in c.rest || "metric" in c.rest || "extraMetrics" in c.rest
            ? "replicaCount"
            : "replicas";
    if (imp.hpaShape !== undefined && imp.hpaShape !== shape) {
        imp.notes.push(
            `${formatPath(c.path)} uses the '${shape}' HPA shape, another worker the '${imp.hpaShape}' one; chart.hpaShape is '${imp.hpaShape}'`,
        );
    }
    imp.hpaShape ??= shape;
    const enabled = c.take("enabled");
    const behavior = c.take("behavior");
    if (shape === "replicaCount") {
        const metric = c.child("metric");
        const metricEnabled = metric.take("enabled");
        const name = metric.str("name");
        const target = metric.child("target");
        const targetType = target.take("type");
        const value = target.take("value");
        imp.leftovers(target, "not part of the chart's queue metric", undefined);
        imp.leftovers(metric, "not part of the chart's queue metric", undefined);
        // The chart's default metric is enabled: absent means the default queue metric.
        const queueMetric =
            metricEnabled === false
                ? undefined
                : {
                      name: name ?? DEFAULT_QUEUE_METRIC,
                      targetValue:
                          typeof value === "number" && targetType !== "AverageValue"
                              ? value
                              : CHART_DEFAULT_QUEUE_TARGET,
                  };
        return prune({
            enabled: enabled === true,
            minReplicas: c.take("minReplicaCount"),
            maxReplicas: c.take("maxReplicaCount"),
            queueMetric,
            metrics: c.take("extraMetrics"),
            behavior,
        });
    }
    const metrics = (c.take("metrics") as unknown[] | undefined) ?? [];
    const queue = metrics.length > 0 ? queueMetricOf(metrics[0], deployment) : undefined;
    return prune({
        enabled: enabled === true,
        minReplicas: c.take("minReplicas"),
        maxReplicas: c.take("maxReplicas"),
        queueMetric: queue,
        metrics: queue === undefined ? metrics : metrics.slice(1),
        behavior,
    });
}

/**
 * Parses `dagBundleConfigList` into `dagBundles`. An entry the program cannot model is listed (and
 * dropped: the program owns the whole list); the others are kept.
 */
function dagBundlesOf(imp: Importer, raw: unknown): Tree[] | undefined {
    if (raw === undefined) {
        return undefined;
    }
    let list: unknown;
    try {
        list = typeof raw === "string" ? JSON.parse(raw) : raw;
    } catch {
        list = undefined;
    }
    if (!Array.isArray(list)) {
        imp.unmapped.push({ path: ["dagBundleConfigList"], value: raw, why: "not a JSON list of DAG bundles" });
        return undefined;
    }
    const out: Tree[] = [];
    for (const [i, b] of list.entries()) {
        const bundle = bundleOf(b);
        if (typeof bundle === "string") {
            imp.unmapped.push({ path: ["dagBundleConfigList", i], value: b, why: bundle });
        } else {
            out.push(bundle);
        }
    }
    return out;
}

/** One `dagBundleConfigList` entry as a `dagBundles` entry, or why it cannot be one. */
function bundleOf(b: unknown): Tree | string {
    if (!isMap(b) || typeof b.name !== "string") {
        return "a DAG bundle without a name";
    }
    const kwargs = isMap(b.kwargs) ? b.kwargs : {};
    if (b.classpath === GIT_BUNDLE_CLASS) {
        const { repo_url, tracking_ref, subdir, git_conn_id, refresh_interval, ...other } = kwargs;
        if (Object.keys(other).length > 0) {
            return `GitDagBundle kwargs the program does not model: ${Object.keys(other).join(", ")}`;
        }
        return prune({
            type: "git",
            name: b.name,
            repoUrl: repo_url,
            trackingRef: tracking_ref,
            subdir,
            gitConnId: git_conn_id,
            refreshInterval: refresh_interval,
            private: git_conn_id === undefined ? undefined : true,
        });
    }
    if (b.classpath === LOCAL_BUNDLE_CLASS) {
        const { path, ...other } = kwargs;
        if (Object.keys(other).length > 0) {
            return `LocalDagBundle kwargs the program does not model: ${Object.keys(other).join(", ")}`;
        }
        return prune({ type: "local", name: b.name, path });
    }
    return `the bundle class '${String(b.classpath)}' is not modelled (GitDagBundle and LocalDagBundle are); the stack drops this bundle`;
}

/**
 * Local bundles whose folder is a claim mounted the way the program mounts `persistentVolumeClaim`
 * (its volume name, read-only, at the bundle's path, in the dag processor): the claim moves to the
 * bundle (set in place) and the volume names are returned, so the components do not keep them.
 */
function bundleClaims(bundles: Tree[] | undefined, values: ChartValues): string[] {
    const dp = isMap(values.dagProcessor) ? values.dagProcessor : {};
    const volumes = Array.isArray(dp.volumes) ? (dp.volumes as unknown[]).filter(isMap) : [];
    const mounts = Array.isArray(dp.volumeMounts) ? (dp.volumeMounts as unknown[]).filter(isMap) : [];
    const names: string[] = [];
    for (const b of bundles ?? []) {
        if (b.type !== "local" || typeof b.path !== "string" || typeof b.name !== "string") {
            continue;
        }
        const name = bundleVolumeName(b.name);
        const vol = volumes.find((v) => v.name === name);
        const claim = vol !== undefined && isMap(vol.persistentVolumeClaim) ? vol.persistentVolumeClaim : undefined;
        const mount = mounts.find((m) => m.name === name);
        if (
            claim !== undefined &&
            typeof claim.claimName === "string" &&
            claim.readOnly === true &&
            mount !== undefined &&
            isDeepStrictEqual(mount, { name, mountPath: b.path, readOnly: true })
        ) {
            b.persistentVolumeClaim = claim.claimName;
            names.push(name);
        }
    }
    return names;
}

/** A probe as config: the `httpGet: null` the program renders to remove the chart's default handler is dropped. */
function probeOf(p: unknown): unknown {
    if (!isMap(p) || p.httpGet !== null) {
        return p;
    }
    return Object.fromEntries(Object.entries(p).filter(([k]) => k !== "httpGet"));
}

/** `imagePullSecretData` (a docker config JSON) as credentials; undefined when it is not one registry login. */
function pullCredentialsOf(raw: string): { registry: string; username: string; password: string } | undefined {
    let doc: unknown;
    try {
        doc = JSON.parse(raw);
    } catch {
        return undefined;
    }
    const auths = isMap(doc) && isMap(doc.auths) ? Object.entries(doc.auths) : [];
    if (auths.length !== 1) {
        return undefined;
    }
    const [registry, login] = auths[0] as [string, unknown];
    if (!isMap(login)) {
        return undefined;
    }
    let { username, password } = login;
    if ((username === undefined || password === undefined) && typeof login.auth === "string") {
        const decoded = Buffer.from(login.auth, "base64").toString("utf8");
        const i = decoded.indexOf(":");
        if (i > 0) {
            username = decoded.slice(0, i);
            password = decoded.slice(i + 1);
        }
    }
    if (typeof username !== "string" || typeof password !== "string" || password === "") {
        return undefined;
    }
    return { registry: registry.replace(/^https?:\/\//, "").replace(/\/.*$/, ""), username, password };
}

/** Splits commonEnv into what the program generates from typed keys and the rest. */
function commonEnvOf(imp: Importer, list: EnvEntry[], cfg: Tree, backend: Tree): void {
    const byName = new Map(list.map((e) => [e.name, e]));
    const literal = (name: string): string | undefined => {
        const e = byName.get(name);
        return e !== undefined && typeof e.value === "string" ? e.value : undefined;
    };
    const used = new Set<string>();
    const use = (name: string) => {
        if (byName.has(name) && byName.get(name)?.valueFrom === undefined) {
            used.add(name);
        }
        return literal(name);
    };
    const ids = ASTRO_ID_ENV.map(use);
    cfg.astro = prune({
        organizationId: ids[0],
        workspaceId: ids[1],
        deploymentId: ids[2],
        deploymentNamespace: ids[3],
    });
    const kwargsRaw = use("AIRFLOW__SECRETS__BACKEND_KWARGS");
    if (kwargsRaw !== undefined) {
        let kwargs: unknown;
        try {
            kwargs = JSON.parse(kwargsRaw);
        } catch {
            kwargs = undefined;
        }
        if (isMap(kwargs)) {
            // A credential kwarg becomes secret config; the rest stays readable.
            for (const f of findCredentials(kwargs)) {
                const key = f.path[0];
                if (typeof key === "string" && key in kwargs) {
                    imp.secret(
                        ["backend", "secretBackendKwargs", key],
                        typeof kwargs[key] === "string" ? kwargs[key] : JSON.stringify(kwargs[key]),
                    );
                    Reflect.deleteProperty(kwargs, key);
                }
            }
            backend.secretBackendKwargs = kwargs;
        } else {
            used.delete("AIRFLOW__SECRETS__BACKEND_KWARGS");
        }
    }
    backend.xcomPath = use("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH");
    const threshold = use("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD");
    const compression = use("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_COMPRESSION");
    const thresholdNumber = threshold === undefined ? AIRFLOW_XCOM_THRESHOLD_DEFAULT : Number(threshold);
    if (Number.isInteger(thresholdNumber)) {
        cfg.xcom = prune({ threshold: thresholdNumber, compression });
    } else {
        used.delete("AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD");
    }
    const noProxy = use("NO_PROXY");
    cfg.proxy = prune({
        httpProxy: use("HTTP_PROXY"),
        httpsProxy: use("HTTPS_PROXY"),
        noProxy: noProxy
            ?.split(",")
            .map((s) => s.trim())
            .filter((s) => s !== ""),
    });
    const olConfig = use("OPENLINEAGE_CONFIG");
    if (olConfig !== undefined) {
        (cfg.openLineage as Tree).configFile = olConfig;
    }
    const rest = list.filter((e) => !used.has(e.name));
    cfg.commonEnv = imp.env(rest, ["commonEnv"]);
}

/**
 * Chart values → stack config. See the file comment; docs/import.md lists what is mapped and refused.
 */
export function importValues(values: ChartValues, options: ImportOptions): ImportResult {
    const imp = new Importer();
    const top = new Cursor([], values);
    const cfg: Tree = {};

    cfg.environment = "prod";
    const prefix = top.str("resourceNamePrefix");
    cfg.resourceNamePrefix = prefix;
    const ns = top.str("namespace");
    cfg.namespace = options.namespace ?? ns;
    // The release runs, so its namespace exists: adopt it (the adoption can switch this to import it).
    if (top.take("createNamespace") === true) {
        imp.notes.push(
            "The chart created the namespace (createNamespace: true); the stack takes it as it is (createNamespace: false). To manage it with the stack, set createNamespace: true and import the Namespace first.",
        );
    }
    cfg.createNamespace = false;
    cfg.astroDeploymentAPIURL = top.str("astroDeploymentAPIURL");

    // Agent token: a literal becomes secret config; a Secret or a file stays a reference.
    const token = top.str("agentToken");
    const tokenSecret = top.str("agentTokenSecretName");
    const tokenFile = top.str("agentTokenFile");
    if (tokenSecret !== undefined) {
        cfg.agentTokenSecretName = tokenSecret;
    } else if (tokenFile !== undefined) {
        cfg.agentTokenFile = tokenFile;
    } else if (token !== undefined) {
        imp.secret(["agentToken"], token);
    }
    if (token !== undefined && (tokenSecret !== undefined || tokenFile !== undefined)) {
        imp.unmapped.push({
            path: ["agentToken"],
            value: token,
            why: "the values also name a Secret or file for the token, which wins",
        });
    }

    // Image pull: a Secret name stays a reference; inline docker config becomes credentials.
    const pullSecret = top.str("imagePullSecretName");
    const pullData = top.take("imagePullSecretData");
    if (pullSecret !== undefined) {
        cfg.imagePullSecretName = pullSecret;
    } else if (typeof pullData === "string" && pullData !== "") {
        const creds = pullCredentialsOf(pullData);
        if (creds === undefined) {
            imp.unmapped.push({
                path: ["imagePullSecretData"],
                value: pullData,
                why: "not a docker config with one registry login; create the Secret yourself and set imagePullSecretName",
            });
        } else {
            cfg.imagePullCredentials = { registry: creds.registry, username: creds.username };
            imp.secret(["imagePullCredentials", "password"], creds.password);
        }
    }

    // Chart 1.x values have no top-level image, only per-component ones: the first worker's stands in.
    const firstWorker = Array.isArray(values.workers) && isMap(values.workers[0]) ? values.workers[0] : {};
    cfg.image = top.str("image") ?? (typeof firstWorker.image === "string" ? firstWorker.image : undefined);
    cfg.imagePullPolicy = top.str("imagePullPolicy");
    cfg.logLevel = top.str("logLevel");

    // Security contexts: the restricted pair means `restricted: true`; anything else is the unrestricted floor.
    const pod = top.take("podSecurityContext");
    const container = top.take("containerSecurityContext");
    const restricted = isRestricted(pod, container);
    cfg.restricted = restricted;
    if (!restricted) {
        cfg.acceptRisks = ["unrestrictedPods"];
        imp.notes.push(
            "The values do not set the restricted security contexts, so the stack says `restricted: false` and accepts the risk `unrestrictedPods` (what runs today). Set `restricted: true` and drop it when the pods can run restricted (docs/pod-security.md).",
        );
    }

    cfg.openLineage = {};
    const labels = (top.take("labels") as Tree | undefined) ?? {};
    const annotations = (top.take("annotations") as Tree | undefined) ?? {};
    // Workload-identity keys belong to the backend (pod labels; ServiceAccount annotations); other keys
    // the program sets itself are dropped.
    const podLabels: Tree = {};
    const identityAnnotations: Tree = {};
    for (const [what, map, identity] of [
        ["labels", labels, podLabels],
        ["annotations", annotations, identityAnnotations],
    ] as const) {
        for (const key of Object.keys(map)) {
            const owned = ownedMetadataKey(key);
            if (owned?.identity === true) {
                identity[key] = map[key];
                Reflect.deleteProperty(map, key);
            } else if (owned !== undefined) {
                imp.unmapped.push({
                    path: [what, key],
                    value: map[key],
                    why: `a key the program sets itself (${owned.owner})`,
                });
                Reflect.deleteProperty(map, key);
            }
        }
    }
    cfg.labels = labels;
    cfg.annotations = annotations;

    // Backend: bring-your-own, so adoption creates nothing in the cloud.
    const backend: Tree = { kind: "external", podLabels };
    backend.secretBackend = top.str("secretBackend");
    const xcomBackend = top.str("xcomBackend");
    if (xcomBackend !== undefined && xcomBackend !== XCOM_OBJECT_STORAGE_BACKEND) {
        backend.xcomBackend = xcomBackend;
    }
    commonEnvOf(imp, envList(top.take("commonEnv")), cfg, backend);

    // ServiceAccounts: the program creates them; annotations for all of them are the backend's.
    const sa = top.child("serviceAccount");
    const saAnnotations = sa.take("annotations");
    backend.serviceAccountAnnotations = { ...identityAnnotations, ...(isMap(saAnnotations) ? saAnnotations : {}) };
    const componentSa: Record<string, Tree> = {};
    for (const component of ["workers", "dagProcessor", "triggerer", "sentinel"]) {
        const c = sa.child(component);
        c.take("create");
        const name = c.str("name");
        const ann = c.take("annotations");
        if (name !== undefined) {
            imp.unmapped.push({
                path: [...c.path, "name"],
                value: name,
                why: "the program creates each component's ServiceAccount under the chart's default name",
            });
        }
        if (isMap(ann) && Object.keys(ann).length > 0) {
            componentSa[component] = { annotations: ann };
        }
        imp.leftovers(c, "the program owns the ServiceAccounts", undefined);
    }
    imp.leftovers(sa, "the program owns the ServiceAccounts", undefined);
    if (backend.secretBackend === LOCAL_SECRET_BACKEND) {
        imp.notes.push(
            "The values use LocalFilesystemBackend (development only). The stack keeps it as an external backend, so the files your volumes provide stay as they are; backend.kind 'local' would serve connections and variables from secret config instead (dev stacks only).",
        );
    }
    if (backend.xcomPath === undefined) {
        imp.notes.push(
            "The values set no AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH; the program always sets one: add backend.xcomPath (`<scheme>://[<conn_id>@]<bucket>/<path>`) before the stack validates.",
        );
    }
    cfg.backend = prune(backend);

    cfg.dagBundles = dagBundlesOf(imp, top.take("dagBundleConfigList"));

    // Logging sidecar first: its mounts tell the task-logs folder and the volumes it brings.
    const ls = top.child("loggingSidecar");
    const lsEnabled = ls.take("enabled") === true;
    const generated = new Set<string>(restricted ? [TMP_VOLUME, TASK_LOGS_VOLUME] : []);
    for (const name of bundleClaims(cfg.dagBundles as Tree[] | undefined, values)) {
        generated.add(name);
    }
    const sidecar: Tree = { enabled: lsEnabled };
    let sidecarVolumeNames: string[] = [];
    if (lsEnabled) {
        generated.add(TASK_LOGS_VOLUME);
        if (restricted) {
            generated.add(SIDECAR_DATA_VOLUME);
        }
        ls.take("imagePullPolicy");
        const mounts = ((ls.take("volumeMounts") as Tree[] | undefined) ?? []).filter((m) => {
            if (m.name === TASK_LOGS_VOLUME) {
                if (typeof m.mountPath === "string") {
                    cfg.taskLogsPath = m.mountPath;
                }
                return false;
            }
            if (m.name === SIDECAR_DATA_VOLUME && restricted) {
                if (typeof m.mountPath === "string") {
                    sidecar.dataDir = m.mountPath;
                }
                return false;
            }
            return true;
        });
        sidecarVolumeNames = mounts.map((m) => String(m.name));
        Object.assign(
            sidecar,
            prune({
                name: ls.str("name"),
                image: ls.str("image"),
                config: ls.take("config"),
                resources: ls.take("resources"),
                env: imp.env(envList(ls.take("env")), ["loggingSidecar", "env"]),
                securityContext: ls.take("securityContext"),
                volumeMounts: mounts,
            }),
        );
    } else {
        // A disabled sidecar renders as `enabled: false` whatever else the block holds.
        for (const k of Object.keys(ls.rest)) {
            ls.take(k);
        }
    }
    // The task-logs folder when no sidecar tells it: the restricted writable mount of the first worker.
    if (cfg.taskLogsPath === undefined && restricted) {
        const w0 = Array.isArray(values.workers) && isMap(values.workers[0]) ? values.workers[0] : {};
        const m = ((w0.volumeMounts as Tree[] | undefined) ?? []).find((x) => x.name === TASK_LOGS_VOLUME);
        if (m !== undefined && typeof m.mountPath === "string") {
            cfg.taskLogsPath = m.mountPath;
        }
    }

    // Workers.
    const workersRaw = top.take("workers");
    const workers: Tree[] = [];
    const workerList = Array.isArray(workersRaw) ? workersRaw : [];
    workerList.forEach((raw, i) => {
        const c = new Cursor(["workers", i], raw);
        const name = c.str("name") ?? "default-worker";
        const queues = c.str("queues");
        const hpaCursor = c.child("hpa");
        const hpa =
            Object.keys(hpaCursor.rest).length === 0
                ? undefined
                : hpaOf(imp, hpaCursor, `${prefix ?? ""}-worker-${name}`);
        imp.leftovers(hpaCursor, "not an HPA setting of the chart (a misplaced key?)", undefined);
        const w: Tree = {
            name,
            queues: queues
                ?.split(",")
                .map((q) => q.trim())
                .filter((q) => q !== ""),
            replicas: c.take("replicas"),
            syncSlots: c.take("syncSlots"),
            hpa,
            terminationGracePeriodSeconds: c.take("terminationGracePeriodSeconds"),
            canUseKubernetesPodOperator: c.take("canUseKubernetesPodOperator"),
            ...podKeys(imp, c, ["workers", i], generated),
        };
        if (componentSa.workers !== undefined) {
            // The chart's one block for every worker: each worker's ServiceAccount gets it.
            w.serviceAccount = {
                annotations: {
                    ...(componentSa.workers.annotations as Tree),
                    ...((w.serviceAccount as Tree | undefined)?.annotations as Tree | undefined),
                },
            };
        }
        const finished = prune(w);
        imp.leftovers(c, "a worker key the program does not model", ["workers", i, "extraValues"]);
        workers.push(finished);
    });
    cfg.workers = workers.length > 0 ? workers : undefined;

    for (const key of ["dagProcessor", "triggerer"] as const) {
        const c = top.child(key);
        const part: Tree =
            key === "triggerer"
                ? {
                      replicas: c.take("replicas"),
                      asyncSlots: c.take("asyncSlots"),
                      ...podKeys(imp, c, [key], generated),
                  }
                : podKeys(imp, c, [key], generated);
        if (componentSa[key] !== undefined) {
            part.serviceAccount = componentSa[key];
        }
        imp.leftovers(c, `a ${key} key the program does not model`, [key, "extraValues"]);
        cfg[key] = prune(part);
    }

    // Volumes the sidecar mounts are declared in every worker and triggerer pod: the sidecar's own.
    if (lsEnabled && sidecarVolumeNames.length > 0) {
        const trig = (cfg.triggerer as Tree | undefined) ?? {};
        const own = ((trig.volumes as Tree[] | undefined) ?? []).filter((v) =>
            sidecarVolumeNames.includes(String(v.name)),
        );
        if (own.length > 0) {
            sidecar.volumes = own;
            const strip = (part: Tree) => {
                const vs = ((part.volumes as Tree[] | undefined) ?? []).filter(
                    (v) => !sidecarVolumeNames.includes(String(v.name)),
                );
                if (vs.length > 0) {
                    part.volumes = vs;
                } else {
                    delete part.volumes;
                }
            };
            strip(trig);
            workers.forEach(strip);
        }
    }
    cfg.loggingSidecar = sidecar;
    imp.leftovers(
        ls,
        "a logging sidecar key the program does not model",
        lsEnabled ? ["loggingSidecar", "extraValues"] : undefined,
    );

    // Sentinel.
    const s = top.child("sentinel");
    const sEnabled = s.take("enabled");
    if (sEnabled === false || Object.keys(s.rest).length === 0) {
        cfg.sentinel = { enabled: sEnabled === true };
        if (sEnabled === undefined) {
            imp.notes.push(
                "The values do not enable Sentinel; the stack keeps it off (`sentinel.enabled: false`). Astronomer recommends it.",
            );
        }
        for (const k of Object.keys(s.rest)) {
            s.take(k);
        }
    } else {
        s.take("imagePullPolicy");
        // The program gives Sentinel the proxy entries itself (before the env's secret paths are counted).
        if (Object.keys(cfg.proxy as Tree).length > 0) {
            const proxyNames = new Set(["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]);
            s.rest.env = envList(s.rest.env).filter((e) => !proxyNames.has(e.name));
        }
        const port = s.take("port");
        const part: Tree = {
            enabled: true,
            port,
            ...podKeys(imp, s, ["sentinel"], new Set(restricted ? [TMP_VOLUME] : [])),
        };
        // The program's default probes on a set port; drop them when they are exactly those.
        if (typeof port === "number") {
            for (const probe of ["livenessProbe", "readinessProbe"]) {
                if (isDeepStrictEqual(part[probe], sentinelProbe(port))) {
                    Reflect.deleteProperty(part, probe);
                }
            }
        }
        if (componentSa.sentinel !== undefined) {
            part.serviceAccount = componentSa.sentinel;
        }
        imp.leftovers(s, "a Sentinel key the program does not model", ["sentinel", "extraValues"]);
        cfg.sentinel = prune(part);
    }

    // OpenLineage.
    const ol = top.child("openLineage");
    const olEnabled = ol.take("enabled") === true;
    const olCfg = cfg.openLineage as Tree;
    olCfg.enabled = olEnabled;
    const apiKey = ol.str("apiKey");
    const apiKeySecret = ol.str("apiKeySecret");
    if (olEnabled && olCfg.configFile === undefined) {
        if (apiKeySecret !== undefined && !(apiKey !== undefined && apiKeySecret === "openlineage-api-key-secret")) {
            olCfg.apiKeySecretName = apiKeySecret;
        } else if (apiKey !== undefined) {
            imp.secret(["openLineage", "apiKey"], apiKey);
        }
    }
    olCfg.url = ol.str("url");
    const olNs = ol.str("namespace");
    if (olNs !== undefined && olNs !== (cfg.astro as Tree).deploymentNamespace) {
        olCfg.namespace = olNs;
    }
    // Derived from the IDs by the program.
    ol.take("endpoint");
    ol.take("facetsEnvironmentVariables");
    imp.leftovers(ol, "an OpenLineage key the program does not model", undefined);
    cfg.openLineage = prune(olCfg);
    if (imp.hpaShape !== undefined) {
        cfg.chart = { hpaShape: imp.hpaShape };
    }

    imp.leftovers(top, "a chart key the program does not model", ["extraValues"]);

    // Extra values: unmapped keys that are not credentials, grouped per layer; then each one the
    // validation refuses as an extra value (it would override what the program derives, or a pod field
    // the pod guard cannot judge) is taken out again, with the refusal as its reason.
    const candidates = imp.unmapped.map((u) => {
        const credential = findCredentials(u.value, u.path.map(String)).length > 0 || isCredentialPath(u.path);
        const configPath =
            u.layer !== undefined && u.rel !== undefined && !credential ? [...u.layer, ...u.rel] : undefined;
        return {
            u,
            configPath,
            why: credential ? `${u.why}; credential-shaped, so not kept (set it from a Secret)` : u.why,
        };
    });
    for (const c of candidates) {
        if (c.configPath !== undefined) {
            layerAt(cfg, c.configPath.slice(0, -1))[String(c.configPath[c.configPath.length - 1])] = c.u.value;
        }
    }
    for (let round = 0; round < 3; round++) {
        const checked = validateImported({ config: prune(cfg), secrets: imp.secrets });
        if (checked.ok) {
            break;
        }
        let changed = false;
        for (const c of candidates) {
            const at = c.configPath === undefined ? undefined : formatPath(c.configPath);
            const refusal =
                at === undefined
                    ? undefined
                    : checked.problems.find(
                          (p) => p.key === at || p.key.startsWith(`${at}.`) || p.key.startsWith(`${at}[`),
                      );
            if (c.configPath !== undefined && refusal !== undefined) {
                const layer = layerAt(cfg, c.configPath.slice(0, -1));
                Reflect.deleteProperty(layer, String(c.configPath[c.configPath.length - 1]));
                if (Object.keys(layer).length === 0 && c.configPath.length >= 2) {
                    Reflect.deleteProperty(
                        layerAt(cfg, c.configPath.slice(0, -2)),
                        String(c.configPath[c.configPath.length - 2]),
                    );
                }
                c.configPath = undefined;
                c.why = `${c.why}; refused as an extra value: ${refusal.message}`;
                changed = true;
            }
        }
        if (!changed) {
            break;
        }
    }
    // Prod weakenings the running release already has (a floating image tag…) are acknowledged, each
    // named in the notes: the stack describes what runs; pinning is a later, deliberate change.
    const risks = validateImported({ config: prune(cfg), secrets: imp.secrets });
    if (!risks.ok) {
        const accepted = new Map<string, string[]>();
        for (const p of risks.problems) {
            const id = /\(risk '([A-Za-z]+)'\)/.exec(p.message)?.[1];
            if (id !== undefined) {
                accepted.set(id, [...(accepted.get(id) ?? []), p.key]);
            }
        }
        const already = (cfg.acceptRisks as string[] | undefined) ?? [];
        const added = [...accepted.keys()].filter((id) => !already.includes(id));
        if (added.length > 0) {
            cfg.acceptRisks = [...already, ...added];
            for (const id of added) {
                imp.notes.push(
                    `acceptRisks lists '${id}' because the values already run that way (${(accepted.get(id) ?? []).join(", ")}); remove it once fixed.`,
                );
            }
        }
    }
    const unmapped: UnmappedValue[] = candidates.map((c) => ({
        path: formatPath(c.u.path),
        at: c.u.path,
        why: c.why,
        keptInExtraValues: c.configPath !== undefined,
    }));

    if (imp.secrets.length > 0) {
        imp.notes.push(
            `${imp.secrets.length} literal secret(s) go into secret config with 'pulumi config set --secret --path <key> --stack ${options.stack}' (the value on stdin), never into Pulumi.${options.stack}.yaml.`,
        );
    }
    imp.notes.push(
        "backend.kind is 'external': the stack uses the secrets backend and XCom store you already run and creates nothing in the cloud. To move to a managed backend later, switch backend.kind to aws, gcp, azure or vault (docs/backends.md) in a separate change.",
    );
    return { config: prune(cfg), secrets: imp.secrets, unmapped, notes: imp.notes };
}

/**
 * Validates an imported config as the program validates stack config, each secret standing in as a
 * `secure:` value at its exact path (its content is never read).
 */
export function validateImported(result: Pick<ImportResult, "config" | "secrets">, stack = "import"): ConfigResult {
    const config = clone(result.config);
    const securePaths = new Map<string, (string | number)[][]>();
    for (const sec of result.secrets) {
        const [key] = sec.at;
        if (typeof key !== "string") {
            continue;
        }
        layerAt(config, sec.at.slice(0, -1))[String(sec.at[sec.at.length - 1])] = SECRET_PLACEHOLDER;
        securePaths.set(key, [...(securePaths.get(key) ?? []), sec.at]);
    }
    const values = Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    return validateStackConfig({
        project: "astro-agent",
        stack,
        values,
        secretKeys: new Set(securePaths.keys()),
        securePaths,
    });
}

/** A chart key that holds a secret by its name (the chart's inline secret keys). */
function isCredentialPath(path: Path): boolean {
    const last = path[path.length - 1];
    return last === "agentToken" || last === "imagePullSecretData" || last === "apiKey";
}

function layerAt(cfg: Tree, path: Path): Tree {
    let node: unknown = cfg;
    for (const p of path) {
        const next = (node as Record<string | number, unknown>)[p];
        if (next === undefined || next === null) {
            const created: Tree = {};
            (node as Record<string | number, unknown>)[p] = created;
            node = created;
        } else {
            node = next;
        }
    }
    return node as Tree;
}
