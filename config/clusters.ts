// The `clusters` block: one stack, agents in several clusters or regions. Shared settings are written
// once at the top level; each entry names its cluster (kubeconfig, context or a provider passed to the
// component) and overrides what differs there (namespace, backend region / bucket / identity issuer,
// worker replicas, standby). Without the block the stack is the single-cluster stack it always was.
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { backendFor, backendSchema, type BackendConfig, type BackendKind } from "../backends/registry";
import { redactUrl } from "./credentials";
import { SECRET_PLACEHOLDER } from "./secureLocations";
import { markDefaultMessage, toProblems } from "./errors";
import { dnsLabel, identifier, k8sObjectLike, strictObject, wholeNumber, type Wired } from "../schema/primitives";
import { isValidated, markValidated } from "./validated";

type Path = (string | number)[];
type Issue = (path: Path, message: string) => void;

/**
 * Kubeconfig contents given as plain strings (stack config), by the secret Output the schema made of
 * them: read only to find the API server for the duplicate-target check, never stored or printed.
 */
const plainKubeconfigs = new WeakMap<object, string>();

/**
 * An entry's kubeconfig content when the stack config gave it as text (not an Output from a program):
 * for the fleet's reachability probe, which reads only the server and TLS settings and never stores or
 * shows it.
 */
export function kubeconfigTextOf(cluster: { kubeconfig?: pulumi.Output<string> | undefined }): string | undefined {
    return cluster.kubeconfig === undefined ? undefined : plainKubeconfigs.get(cluster.kubeconfig);
}

/** A kubeconfig's content: secret config, parsed into a secret Output like every secret setting. */
const kubeconfigSchema = z
    .union(
        [z.string().min(1, "must not be empty"), z.custom<pulumi.Output<string>>((v) => pulumi.Output.isInstance(v))],
        {
            error: (iss) =>
                iss.input === undefined
                    ? "is required: a secret, set with pulumi config set --secret"
                    : "must be a kubeconfig file's content (a secret string), set with pulumi config set --secret --path 'clusters[0].kubeconfig' < kubeconfig.yaml",
        },
    )
    .transform((v): pulumi.Output<string> => {
        const out = pulumi.secret(v);
        // Component args are parsed twice (stack config, then the component): keep what is known.
        const plain = typeof v === "string" ? v : plainKubeconfigs.get(v);
        if (plain !== undefined) {
            plainKubeconfigs.set(out, plain);
        }
        return out;
    })
    .meta({
        secret: true,
        expected: "a kubeconfig file's content, set with pulumi config set --secret",
        example: "<secret>",
    });

const workerOverrideSchema = strictObject({
    replicas: wholeNumber(0, 1000, 3).describe("Replicas of this worker in this cluster (ignored when `standby`)."),
});

/** One cluster of the fleet. */
export const clusterSchema = strictObject({
    name: dnsLabel(24, "primary").describe(
        "Cluster name: unique, names its resources (`astro-agent-<name>-…`) and its stack output.",
    ),
    formerName: dnsLabel(24, "east")
        .optional()
        .describe(
            "The name this cluster had in the stack's last update, when renamed: its objects are kept (aliases), not recreated. Remove it after one `up`.",
        ),
    kubeconfig: kubeconfigSchema
        .optional()
        .describe(
            "Kubeconfig content (secret): `pulumi config set --secret --path 'clusters[0].kubeconfig' < kubeconfig.yaml`.",
        ),
    context: identifier("a kubeconfig context name", "prod-eu-west-1", { max: 253 })
        .optional()
        .describe(
            "Context of `kubeconfig`, or of the ambient kubeconfig (`KUBECONFIG`) when `kubeconfig` is unset. Neither: the default provider (`kubernetes:*` config).",
        ),
    namespace: dnsLabel().optional().describe("Agent namespace in this cluster (default: the top-level `namespace`)."),
    standby: z
        .boolean()
        .default(false)
        .describe(
            "Standby: everything installed, every worker at 0 replicas and its HPA off. Flip to fail over (an in-place release update).",
        ),
    unreachable: z
        .boolean()
        .optional()
        .describe(
            "Failover from a cluster whose API server does not answer (with `standby: true`): its resources are held as deployed while unreachable. Remove once it is back: `up` applies what is pending (docs/fleet.md).",
        ),
    workers: z
        .record(dnsLabel(63, "default-worker"), workerOverrideSchema)
        .optional()
        .describe("Per-worker overrides in this cluster, by worker name: `{<workers[].name>: {replicas: <n>}}`."),
    backend: k8sObjectLike("backend settings of this cluster, deep-merged over `backend`", {
        region: "us-west-2",
        eksClusterName: "dr-cluster",
    })
        .optional()
        .describe(
            "Backend settings of this cluster, deep-merged over the shared `backend` (null removes a shared key): region, bucket, identity issuer… No secrets.",
        ),
});
export type ClusterConfig = z.output<typeof clusterSchema>;

/** The `clusters` config key. */
export const clustersSchema = z
    .array(clusterSchema)
    .min(1, "must list at least one cluster")
    .optional()
    .describe("Agents in several clusters or regions from one stack, each with its overrides (see docs/fleet.md).");

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) && !pulumi.Output.isInstance(v);
}

/** `base` with `override` deep-merged over it: maps merge, anything else replaces, null removes. */
export function mergeOverride(base: unknown, override: unknown): unknown {
    if (!isPlainObject(base) || !isPlainObject(override)) {
        return override;
    }
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        if (value === null) {
            Reflect.deleteProperty(out, key);
        } else {
            out[key] = mergeOverride(base[key], value);
        }
    }
    return out;
}

/** Whether `override` sets something at or below `path` (so a problem there is the cluster's own). */
function overrides(override: unknown, path: readonly PropertyKey[]): boolean {
    let node = override;
    for (const p of path) {
        if (Array.isArray(node)) {
            return true; // a list replaces the shared one whole: every entry is the cluster's
        }
        if (!isPlainObject(node) || !(String(p) in node)) {
            return false;
        }
        node = node[String(p)];
    }
    return true;
}

/** What a cluster entry deploys to, for the duplicate check; undefined when not knowable (a kubeconfig Output). */
function clusterTarget(c: ClusterConfig, i: number): { key: string; label: string } | { problem: string } | undefined {
    if (c.kubeconfig === undefined) {
        return c.context === undefined
            ? { key: "default", label: "the default provider" }
            : { key: `context:${c.context}`, label: `context '${c.context}'` };
    }
    const text = plainKubeconfigs.get(c.kubeconfig);
    if (text === undefined || text === SECRET_PLACEHOLDER) {
        // Not knowable: an Output (component args), or an offline render without the passphrase.
        return undefined;
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch {
        doc = undefined;
    }
    type Named = { name?: unknown; context?: { cluster?: unknown }; cluster?: { server?: unknown } };
    const kc = (isPlainObject(doc) ? doc : {}) as {
        "current-context"?: unknown;
        contexts?: Named[];
        clusters?: Named[];
    };
    const contextName = c.context ?? kc["current-context"];
    const context = Array.isArray(kc.contexts) ? kc.contexts.find((x) => x.name === contextName) : undefined;
    const cluster = Array.isArray(kc.clusters)
        ? kc.clusters.find((x) => x.name === context?.context?.cluster)
        : undefined;
    const server = cluster?.cluster?.server;
    if (typeof server !== "string") {
        return {
            problem: `must be a kubeconfig whose ${c.context === undefined ? "current-context" : `context '${c.context}'`} names a cluster with a server (YAML with clusters, contexts and current-context), for example the file 'kubectl config view --minify --flatten' prints, set with pulumi config set --secret --path 'clusters[${i}].kubeconfig' < kubeconfig.yaml`,
        };
    }
    // Userinfo or a query in the server URL may hold a credential: compared and shown without them.
    const address = redactUrl(server);
    return { key: `server:${apiServerKey(server)}`, label: `API server ${address}` };
}

/** Host names of this machine's loopback interface: one host for the duplicate check. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * One API server address for comparison: scheme and host lower-cased, the default port (https 443,
 * http 80) and trailing slashes dropped, IPv6 in its canonical bracketed form, a trailing dot of the
 * host dropped, `localhost` / `127.0.0.1` / `::1` as one host, no userinfo, query or fragment; a server
 * without a scheme is https (as kubectl reads it). Synchronous and offline: names are compared as
 * written, never resolved (two DNS names of one server stay two addresses).
 */
export function apiServerKey(server: string): string {
    const text = server.trim();
    let url: URL;
    try {
        url = new URL(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `https://${text}`);
    } catch {
        return `unparsed:${text}`; // a key only, never shown
    }
    const scheme = url.protocol.toLowerCase();
    const host = url.hostname.toLowerCase().replace(/(?<=[^.])\.$/, "");
    const defaultPort = scheme === "https:" ? "443" : scheme === "http:" ? "80" : "";
    const port = url.port === "" || url.port === defaultPort ? "" : `:${url.port}`;
    const pathname = url.pathname.replace(/\/+$/, "");
    return `${scheme}//${LOOPBACK.has(host) ? "localhost" : host}${port}${pathname}`;
}

/** The identity keys of the backend in use, when it binds the agent to one cluster's issuer. */
function identityKeysOf(kind: BackendKind) {
    return backendFor(kind).clusterIdentity;
}

/**
 * A cluster marked unreachable serves no tasks (standby) and has its own provider (kubeconfig or
 * context), the one whose `skipUpdateUnreachable` holds its resources (components/agentFleet.ts).
 */
function checkUnreachable(c: ClusterConfig, i: number, issue: Issue): void {
    if (!c.standby) {
        issue(
            ["clusters", i, "standby"],
            `must be true while clusters[${i}].unreachable is true: a cluster that does not answer serves no tasks; fail over with clusters[${i}].standby: true and standby: false on a reachable cluster`,
        );
    }
    if (c.kubeconfig === undefined && c.context === undefined) {
        issue(
            ["clusters", i, "unreachable"],
            `needs the cluster's own provider: set clusters[${i}].kubeconfig or clusters[${i}].context (without either the cluster uses the default provider, configured by the stack's kubernetes:* config), for example clusters[${i}].context: <its kubeconfig context>`,
        );
    }
}

/** Cross-cluster checks: names, targets, standby, worker names, backend kind and identity issuers. */
export function checkClusters(
    cfg: {
        clusters?: ClusterConfig[] | undefined;
        namespace: Wired<string>;
        backend: BackendConfig;
        workers: { name: string }[];
    },
    issue: Issue,
): void {
    const clusters = cfg.clusters;
    if (clusters === undefined) {
        return;
    }
    const names = new Map<string, number>();
    const targets = new Map<string, { index: number; key: string; label: string }>();
    const workerNames = cfg.workers.map((w) => w.name);
    const identity = identityKeysOf(cfg.backend.kind);
    clusters.forEach((c, i) => {
        const at = (...p: Path): Path => ["clusters", i, ...p];
        const first = names.get(c.name);
        if (first !== undefined) {
            issue(
                at("name"),
                `duplicates clusters[${first}].name '${c.name}'; cluster names must be unique, for example name: ${c.name}-${i + 1}`,
            );
        } else {
            names.set(c.name, i);
        }
        const target = clusterTarget(c, i);
        if (target !== undefined && "problem" in target) {
            issue(at("kubeconfig"), target.problem);
        } else if (target !== undefined && typeof (c.namespace ?? cfg.namespace) === "string") {
            // (A namespace given as an Output, in component args, is not comparable before it resolves.)
            const namespace = (c.namespace ?? cfg.namespace) as string;
            const key = `${target.key}\0${namespace}`;
            const field = c.kubeconfig !== undefined ? "kubeconfig" : c.context !== undefined ? "context" : "namespace";
            const other = targets.get(key);
            if (other !== undefined) {
                // Server addresses are compared normalised (apiServerKey): show both when written differently.
                const same =
                    other.label === target.label
                        ? target.label
                        : `${target.label}, the same address as ${other.label} once scheme and host case, default port, trailing slash and localhost / 127.0.0.1 / ::1 are normalised`;
                issue(
                    at(field),
                    `deploys to the same cluster (${same}) and namespace '${namespace}' as clusters[${other.index}] ('${clusters[other.index]?.name ?? ""}', at clusters[${other.index}].${other.key}): the two agents would fight over one release; give this entry its own kubeconfig or context, or its own namespace, for example clusters[${i}].namespace: ${namespace}-${c.name}`,
                );
            } else {
                targets.set(key, { index: i, key: field, label: target.label });
            }
        }
        for (const name of Object.keys(c.workers ?? {})) {
            if (!workerNames.includes(name)) {
                issue(
                    at("workers", name),
                    `'${name}' is not a worker; use one of ${workerNames.map((n) => `'${n}'`).join(", ")} (the names in workers[].name), for example clusters[${i}].workers: {${workerNames[0] ?? "default-worker"}: {replicas: 2}}`,
                );
            }
        }
        if (c.unreachable === true) {
            checkUnreachable(c, i, issue);
        }
        const kind = c.backend?.kind;
        if (kind !== undefined && kind !== cfg.backend.kind) {
            issue(
                at("backend", "kind"),
                `must be '${cfg.backend.kind}' (backend.kind) or unset: every cluster uses the shared backend kind, only its settings differ`,
            );
        }
        if (identity !== undefined && clusters.length > 1 && !identity.keys.some((k) => overrides(c.backend, [k]))) {
            issue(
                at("backend"),
                `names no identity issuer of its own: set one of ${identity.keys.map((k) => `backend.${k}`).join(", ")} in each cluster's backend, since each cluster's pods present tokens from that cluster's issuer and the ${cfg.backend.kind} identity trusts exactly one; for example clusters[${i}].backend: ${JSON.stringify(identity.example)}`,
            );
        }
    });
    if (clusters.every((c) => c.standby)) {
        issue(
            ["clusters"],
            "has only standby clusters, so no worker would run any task; set standby: false on the cluster that serves tasks, for example clusters[0].standby: false",
        );
    }
}

/** One backend the cluster checks validate: the shared one, or a cluster's merged one with its reporter. */
export interface BackendMember {
    /** The cluster's name (the shared backend's member has none). */
    name: string;
    backend: BackendConfig;
    report: Issue;
}

/** The cluster's backend: the shared `backend` with its override merged in, parsed by the backend schema. */
function mergedBackend(
    shared: BackendConfig,
    c: ClusterConfig,
): { success: true; data: BackendConfig } | { success: false; issues: readonly z.core.$ZodIssue[]; input: unknown } {
    const input = c.backend === undefined ? shared : mergeOverride(shared, c.backend);
    const parsed = backendSchema.safeParse(input, { error: markDefaultMessage });
    return parsed.success
        ? { success: true, data: parsed.data }
        : { success: false, issues: parsed.error.issues, input };
}

/**
 * The backends to validate: the shared one without `clusters`, else each cluster's merged one. A
 * problem is reported at `clusters[i].backend.…` when the cluster set that key, else at the shared
 * `backend.…` key, naming the cluster.
 */
export function backendMembers(
    cfg: { clusters?: ClusterConfig[] | undefined; backend: BackendConfig },
    issue: Issue,
): BackendMember[] {
    if (cfg.clusters === undefined) {
        return [{ name: "", backend: cfg.backend, report: issue }];
    }
    if (!Array.isArray(cfg.clusters)) {
        return []; // `clusters` itself is invalid (reported at its key): nothing to merge yet
    }
    const members: BackendMember[] = [];
    const identity = identityKeysOf(cfg.backend.kind);
    cfg.clusters.forEach((c, i) => {
        // Entries checkClusters refuses (another kind, no issuer of their own) are not merged: their
        // merged backend would only repeat that problem in other words.
        if (
            !isPlainObject(c) ||
            typeof c.name !== "string" ||
            (c.backend !== undefined && !isPlainObject(c.backend)) ||
            (c.backend?.kind !== undefined && c.backend.kind !== cfg.backend.kind) ||
            (identity !== undefined &&
                (cfg.clusters?.length ?? 0) > 1 &&
                !identity.keys.some((k) => overrides(c.backend, [k])))
        ) {
            return;
        }
        const report: Issue = (path, message) => {
            const rel = path[0] === "backend" ? path.slice(1) : path;
            if (overrides(c.backend, rel)) {
                issue(["clusters", i, "backend", ...rel], message);
            } else {
                issue(["backend", ...rel], `in cluster '${c.name}' (clusters[${i}]): ${message}`);
            }
        };
        const merged = mergedBackend(cfg.backend, c);
        if (merged.success) {
            members.push({ name: c.name, backend: merged.data, report });
            return;
        }
        for (const iss of merged.issues) {
            for (const p of toProblems([iss], { schema: backendSchema, input: merged.input })) {
                const extra = iss.code === "unrecognized_keys" ? [p.key.split(".").pop() ?? ""] : [];
                report(
                    ["backend", ...iss.path.map((x) => (typeof x === "number" ? x : String(x))), ...extra],
                    p.message,
                );
            }
        }
    });
    return members;
}

/** One cluster's agent: its entry, and the single-cluster config the agent there is built from. */
export interface ClusterMember<C> {
    cluster: ClusterConfig;
    config: C;
}

/**
 * The single-cluster config of each cluster: the shared config with the cluster's namespace, merged
 * backend and worker replicas; a standby cluster's workers at 0 with their HPA off. Takes a validated
 * config (every merge parses).
 */
export function clusterMembers<
    C extends {
        clusters?: ClusterConfig[] | undefined;
        namespace: Wired<string>;
        backend: BackendConfig;
        workers: { name: string; replicas: number; hpa?: { enabled: boolean } | undefined }[];
    },
>(cfg: C): ClusterMember<C>[] {
    return (cfg.clusters ?? []).map((cluster) => {
        const merged = mergedBackend(cfg.backend, cluster);
        if (!merged.success) {
            throw new Error(`clusters: cluster '${cluster.name}' has an invalid backend; validate the config first`);
        }
        const workers = cfg.workers.map((w) => {
            if (cluster.standby) {
                return { ...w, replicas: 0, ...(w.hpa === undefined ? {} : { hpa: { ...w.hpa, enabled: false } }) };
            }
            const replicas = cluster.workers?.[w.name]?.replicas;
            return replicas === undefined ? w : { ...w, replicas };
        });
        const config = { ...cfg, namespace: cluster.namespace ?? cfg.namespace, backend: merged.data, workers };
        Reflect.deleteProperty(config, "clusters");
        // Each member is as valid as the fleet config it comes from (its backend merge parsed above).
        return { cluster, config: isValidated(cfg) ? markValidated(config) : config };
    });
}
