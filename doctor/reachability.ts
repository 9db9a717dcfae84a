// Whether a cluster's API server answers at all: one unauthenticated GET /version with a short timeout,
// through the kubeconfig's server address and TLS settings (CA, insecure-skip-tls-verify,
// tls-server-name). Any HTTP answer (even 401/403) means reachable; a failure is classified (connection
// refused, DNS, TLS, timeout) so a message can say what failed. No credential is read or sent, and the
// server is only ever shown redacted (no userinfo, query or fragment).
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { kubeconfigTextOf, type ClusterConfig } from "../config/clusters";
import { redactUrl } from "../config/credentials";
import { defaultKubeconfigPath } from "./kube";

/** How long a probe waits by default, in milliseconds. */
export const PROBE_TIMEOUT_MS = 3000;

/** A cluster connection as a provider is given it: kubeconfig content or path (else the ambient one), context. */
export interface ProbeConnection {
    kubeconfig?: string | undefined;
    context?: string | undefined;
}

/** What failed, in words a message can use. */
export type ProbeFailure =
    "connection refused" | "DNS lookup failed" | "TLS handshake failed" | "timed out" | "unreachable";

/** The answer of a probe; `server` is redacted. */
export type ProbeResult =
    | { reachable: true; server: string }
    | { reachable: false; server: string; failure: ProbeFailure; code: string }
    /** The kubeconfig cannot be read or names no server: nothing to probe (the provider reports that). */
    | { reachable: undefined; reason: string };

interface ClusterEntry {
    server?: unknown;
    "certificate-authority"?: unknown;
    "certificate-authority-data"?: unknown;
    "insecure-skip-tls-verify"?: unknown;
    "tls-server-name"?: unknown;
}

const TLS_CODES = new Set([
    "EPROTO",
    "CERT_HAS_EXPIRED",
    "CERT_NOT_YET_VALID",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "CERT_SIGNATURE_FAILURE",
    "CERT_UNTRUSTED",
    "CERT_REJECTED",
    "HOSTNAME_MISMATCH",
]);

/** The failure class of a socket / TLS error code. */
export function classifyProbeError(code: string): ProbeFailure {
    if (code === "ECONNREFUSED") {
        return "connection refused";
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_FAIL" || code === "EAI_NONAME") {
        return "DNS lookup failed";
    }
    if (TLS_CODES.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_")) {
        return "TLS handshake failed";
    }
    if (code === "ETIMEDOUT" || code === "TIMEOUT") {
        return "timed out";
    }
    return "unreachable";
}

/** The cluster entry (server and TLS settings) a kubeconfig's context points at, with the file's directory. */
function clusterOf(connection: ProbeConnection): { cluster: ClusterEntry; base: string } | string {
    const given = connection.kubeconfig?.trim();
    let text: string;
    let base = process.cwd();
    try {
        if (given !== undefined && given !== "" && (given.includes("\n") || given.startsWith("{"))) {
            text = given;
        } else {
            const file = given === undefined || given === "" ? defaultKubeconfigPath() : given;
            text = fs.readFileSync(file, "utf8");
            base = path.dirname(file);
        }
    } catch {
        return "the kubeconfig cannot be read";
    }
    let doc: unknown;
    try {
        doc = parse(text);
    } catch {
        return "the kubeconfig is not YAML";
    }
    type Named = { name?: unknown; context?: { cluster?: unknown }; cluster?: ClusterEntry };
    const kc = (doc !== null && typeof doc === "object" ? doc : {}) as {
        "current-context"?: unknown;
        contexts?: unknown;
        clusters?: unknown;
    };
    const contextName = connection.context ?? kc["current-context"];
    const contexts = (Array.isArray(kc.contexts) ? kc.contexts : []) as Named[];
    const clusters = (Array.isArray(kc.clusters) ? kc.clusters : []) as Named[];
    const context = contexts.find((c) => c.name === contextName);
    const cluster = clusters.find((c) => c.name === context?.context?.cluster)?.cluster;
    return cluster !== undefined && typeof cluster.server === "string"
        ? { cluster, base }
        : "the kubeconfig's context names no cluster with a server";
}

/** Probes the API server of `connection` (see the file comment). Never rejects. */
export async function probeApiServer(
    connection: ProbeConnection,
    options: { timeoutMs?: number } = {},
): Promise<ProbeResult> {
    const found = clusterOf(connection);
    if (typeof found === "string") {
        return { reachable: undefined, reason: found };
    }
    const { cluster, base } = found;
    const serverText = cluster.server as string;
    const server = redactUrl(serverText);
    let url: URL;
    try {
        url = new URL(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(serverText) ? serverText : `https://${serverText}`);
    } catch {
        return { reachable: undefined, reason: "the kubeconfig's server is not a URL" };
    }
    let ca: Buffer | undefined;
    try {
        ca =
            typeof cluster["certificate-authority-data"] === "string"
                ? Buffer.from(cluster["certificate-authority-data"], "base64")
                : typeof cluster["certificate-authority"] === "string"
                  ? fs.readFileSync(path.resolve(base, cluster["certificate-authority"]))
                  : undefined;
    } catch {
        return { reachable: undefined, reason: "the kubeconfig's certificate-authority file cannot be read" };
    }
    const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
    const secure = url.protocol === "https:";
    return new Promise((resolve) => {
        let settled = false;
        const settle = (r: ProbeResult) => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                resolve(r);
            }
        };
        const requestOptions: https.RequestOptions = {
            protocol: url.protocol,
            hostname: url.hostname.replace(/^\[|\]$/g, ""),
            port: url.port,
            path: `${url.pathname.replace(/\/$/, "")}/version`,
            method: "GET",
            agent: false,
            headers: { Accept: "application/json" },
            ...(secure
                ? {
                      ...(ca === undefined ? {} : { ca }),
                      ...(cluster["insecure-skip-tls-verify"] === true ? { rejectUnauthorized: false } : {}),
                      ...(typeof cluster["tls-server-name"] === "string"
                          ? { servername: cluster["tls-server-name"] }
                          : {}),
                  }
                : {}),
        };
        const req = (secure ? https : http).request(requestOptions, (res) => {
            res.resume();
            settle({ reachable: true, server });
            req.destroy();
        });
        const timer = setTimeout(() => {
            settle({ reachable: false, server, failure: "timed out", code: `${timeoutMs / 1000} s` });
            req.destroy();
        }, timeoutMs);
        req.on("error", (err: NodeJS.ErrnoException) => {
            const code = err.code ?? "ERROR";
            settle({ reachable: false, server, failure: classifyProbeError(code), code });
        });
        req.end();
    });
}

/** What failed, as the end of "its API server <server> …". */
function failed(r: Extract<ProbeResult, { reachable: false }>): string {
    switch (r.failure) {
        case "connection refused":
            return `refused the connection (${r.code})`;
        case "DNS lookup failed":
            return `could not be found: its host name does not resolve (${r.code})`;
        case "TLS handshake failed":
            return `failed the TLS handshake (${r.code}); check the kubeconfig's certificate-authority and server name`;
        case "timed out":
            return `did not answer within ${r.code}`;
        case "unreachable":
            return `could not be reached (${r.code})`;
    }
}

/** The warning for one unreachable fleet cluster: which, where, what failed, what it means, what to do. */
export function unreachableClusterMessage(
    index: number,
    name: string,
    r: Extract<ProbeResult, { reachable: false }>,
): string {
    return `cluster '${name}' (clusters[${index}].name) is unreachable: its API server ${r.server} ${failed(r)}. Its changes cannot be previewed, and \`pulumi up\` will fail on its resources until the cluster answers; to serve tasks from a healthy cluster meanwhile, fail over (docs/fleet.md, "Failover" and "When a cluster is unreachable").`;
}

/**
 * Probes every cluster of a fleet at once and warns on `resource` once per unreachable one. Runs only
 * under the Pulumi engine (not under mocks: no network in offline renders and unit tests). Nothing
 * waits for the probes except the program's exit: it stays alive until each has answered (at most
 * `timeoutMs`) and its warning is sent.
 */
export function warnUnreachableClusters(
    resource: pulumi.Resource,
    clusters: readonly { index: number; name: string; connection: ProbeConnection }[],
    options: { timeoutMs?: number } = {},
): void {
    if (pulumi.runtime.getEngine() === undefined) {
        return;
    }
    for (const { index, name, connection } of clusters) {
        const done = pulumi.runtime.rpcKeepAlive();
        void (async () => {
            try {
                const result = await probeApiServer(connection, options);
                if (result.reachable === false) {
                    await pulumi.log.warn(unreachableClusterMessage(index, name, result), resource);
                }
            } finally {
                done();
            }
        })();
    }
}

/**
 * What to probe for each `clusters` entry: its kubeconfig text and/or context, or for an entry with
 * neither the stack's `kubernetes:kubeconfig` / `kubernetes:context`. Left out: entries with a provider
 * passed in (opaque to the program) and kubeconfigs given by a program as Outputs (not known here).
 */
export function probeTargets(
    clusters: readonly ClusterConfig[],
    given: Readonly<Record<string, unknown>> = {},
): { index: number; name: string; connection: ProbeConnection }[] {
    const stackK8s = new pulumi.Config("kubernetes");
    return clusters.flatMap((cluster, index) => {
        if (given[cluster.name] !== undefined) {
            return [];
        }
        if (cluster.kubeconfig !== undefined) {
            const kubeconfig = kubeconfigTextOf(cluster);
            return kubeconfig === undefined
                ? []
                : [{ index, name: cluster.name, connection: { kubeconfig, context: cluster.context } }];
        }
        const connection =
            cluster.context === undefined
                ? { kubeconfig: stackK8s.get("kubeconfig"), context: stackK8s.get("context") }
                : { context: cluster.context };
        return [{ index, name: cluster.name, connection }];
    });
}
