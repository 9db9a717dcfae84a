// A small Kubernetes REST client (reads; one exact delete for `npm run recover`; patches for `npm run adopt`) over plain HTTPS from a kubeconfig (token, token file,
// client certificate, or an exec credential plugin such as `aws eks get-token`), so the doctor needs
// neither kubectl nor a Kubernetes client library.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

/** Options of {@link KubeReader.get}. */
export interface GetOptions {
    /** 403 reads as undefined, like 404. */
    allowForbidden?: boolean;
    /** The body as text (logs). */
    text?: boolean;
    /** Metadata only (`PartialObjectMetadata[List]`): a Secret's data never leaves the API server. */
    metadataOnly?: boolean;
}

/** What the doctor needs from a cluster: GET a path, undefined on 404 (403 when `allowForbidden`). */
export interface KubeReader {
    get<T>(apiPath: string, opts?: GetOptions): Promise<T | undefined>;
}

/** A reader that may also delete one object, only if it is still the version that was read. */
export interface KubeWriter extends KubeReader {
    /** DELETE with `preconditions` (uid, resourceVersion); false when the object is gone or changed (404/409). */
    deleteExact(apiPath: string, preconditions: { uid: string; resourceVersion: string }): Promise<boolean>;
}

const METADATA_ONLY =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

interface KubeconfigDoc {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string; user?: string; namespace?: string } }[];
    clusters?: {
        name: string;
        cluster: {
            server: string;
            "certificate-authority"?: string;
            "certificate-authority-data"?: string;
            "insecure-skip-tls-verify"?: boolean;
            "tls-server-name"?: string;
        };
    }[];
    users?: {
        name: string;
        user: {
            token?: string;
            tokenFile?: string;
            "client-certificate"?: string;
            "client-certificate-data"?: string;
            "client-key"?: string;
            "client-key-data"?: string;
            exec?: { command: string; args?: string[]; env?: { name: string; value: string }[] };
        };
    }[];
}

/** The kubeconfig file kubectl would use: `$KUBECONFIG` (first entry) or `~/.kube/config`. */
export function defaultKubeconfigPath(): string {
    const env = process.env.KUBECONFIG;
    if (env !== undefined && env !== "") {
        return env.split(path.delimiter)[0] ?? env;
    }
    return path.join(os.homedir(), ".kube", "config");
}

function readMaybe(file: string | undefined, base: string): Buffer | undefined {
    return file === undefined ? undefined : fs.readFileSync(path.resolve(base, file));
}

/** A {@link KubeReader} for a kubeconfig file (or its YAML text) and context. */
export class KubeClient implements KubeWriter {
    private readonly server: URL;
    private readonly agent: https.Agent;
    private readonly token?: string;

    constructor(options: { kubeconfig?: string; kubeconfigText?: string; context?: string } = {}) {
        const file = options.kubeconfig ?? defaultKubeconfigPath();
        const text = options.kubeconfigText ?? fs.readFileSync(file, "utf8");
        const base = options.kubeconfigText === undefined ? path.dirname(file) : process.cwd();
        const doc = parse(text) as KubeconfigDoc;
        const contextName = options.context ?? doc["current-context"];
        const ctx = doc.contexts?.find((c) => c.name === contextName)?.context;
        if (ctx === undefined) {
            throw new Error(`kubeconfig ${file}: no context '${contextName ?? "(current-context unset)"}'`);
        }
        const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
        if (cluster === undefined) {
            throw new Error(`kubeconfig ${file}: no cluster '${ctx.cluster}'`);
        }
        const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
        this.server = new URL(cluster.server);
        let cert = user["client-certificate-data"]
            ? Buffer.from(user["client-certificate-data"], "base64")
            : readMaybe(user["client-certificate"], base);
        let key = user["client-key-data"]
            ? Buffer.from(user["client-key-data"], "base64")
            : readMaybe(user["client-key"], base);
        let token =
            user.token ?? (user.tokenFile === undefined ? undefined : fs.readFileSync(user.tokenFile, "utf8").trim());
        if (user.exec !== undefined) {
            const out = execFileSync(user.exec.command, user.exec.args ?? [], {
                encoding: "utf8",
                stdio: ["ignore", "pipe", "inherit"],
                env: { ...process.env, ...Object.fromEntries((user.exec.env ?? []).map((e) => [e.name, e.value])) },
                timeout: 60_000,
            });
            const status = (
                JSON.parse(out) as {
                    status?: { token?: string; clientCertificateData?: string; clientKeyData?: string };
                }
            ).status;
            token = status?.token ?? token;
            cert = status?.clientCertificateData === undefined ? cert : Buffer.from(status.clientCertificateData);
            key = status?.clientKeyData === undefined ? key : Buffer.from(status.clientKeyData);
        }
        if (token !== undefined) {
            this.token = token;
        }
        const ca = cluster["certificate-authority-data"]
            ? Buffer.from(cluster["certificate-authority-data"], "base64")
            : readMaybe(cluster["certificate-authority"], base);
        // No keep-alive: an idle socket would keep a Pulumi program (the release hooks) from exiting.
        this.agent = new https.Agent({
            keepAlive: false,
            ...(ca === undefined ? {} : { ca }),
            ...(cert === undefined ? {} : { cert }),
            ...(key === undefined ? {} : { key }),
            ...(cluster["insecure-skip-tls-verify"] === true ? { rejectUnauthorized: false } : {}),
            ...(cluster["tls-server-name"] === undefined ? {} : { servername: cluster["tls-server-name"] }),
        });
    }

    get<T>(apiPath: string, opts: GetOptions = {}): Promise<T | undefined> {
        const accept =
            opts.text === true ? "text/plain" : opts.metadataOnly === true ? METADATA_ONLY : "application/json";
        return this.send("GET", apiPath, accept, undefined).then(({ status, body }) => {
            if (status === 404 || (status === 403 && opts.allowForbidden === true)) {
                return undefined;
            }
            if (status >= 300) {
                throw new Error(`GET ${apiPath}: HTTP ${status} ${body.slice(0, 300)}`);
            }
            return (opts.text === true ? body : JSON.parse(body)) as T;
        });
    }

    async deleteExact(apiPath: string, preconditions: { uid: string; resourceVersion: string }): Promise<boolean> {
        const { status, body } = await this.send(
            "DELETE",
            apiPath,
            "application/json",
            JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", preconditions }),
        );
        if (status === 404 || status === 409) {
            return false;
        }
        if (status >= 300) {
            throw new Error(`DELETE ${apiPath}: HTTP ${status} ${body.slice(0, 300)}`);
        }
        return true;
    }

    /**
     * PATCH an object (`contentType`: `application/json-patch+json` or `application/merge-patch+json`),
     * recording `fieldManager`; the patched object.
     */
    async patch<T>(apiPath: string, contentType: string, body: unknown, fieldManager: string): Promise<T> {
        const sep = apiPath.includes("?") ? "&" : "?";
        const { status, body: text } = await this.send(
            "PATCH",
            `${apiPath}${sep}fieldManager=${encodeURIComponent(fieldManager)}`,
            "application/json",
            JSON.stringify(body),
            contentType,
        );
        if (status >= 300) {
            throw new Error(`PATCH ${apiPath}: HTTP ${status} ${text.slice(0, 300)}`);
        }
        return JSON.parse(text) as T;
    }

    private send(
        method: string,
        apiPath: string,
        accept: string,
        payload: string | undefined,
        contentType = "application/json",
    ): Promise<{ status: number; body: string }> {
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    protocol: this.server.protocol,
                    hostname: this.server.hostname,
                    port: this.server.port,
                    path: `${this.server.pathname.replace(/\/$/, "")}${apiPath}`,
                    method,
                    agent: this.agent,
                    timeout: 15_000,
                    headers: {
                        Accept: accept,
                        ...(this.token === undefined ? {} : { Authorization: `Bearer ${this.token}` }),
                        ...(payload === undefined
                            ? {}
                            : { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) }),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: timed out after 15s`)));
            req.on("error", reject);
            if (payload !== undefined) {
                req.write(payload);
            }
            req.end();
        });
    }

    /** Closes open connections. */
    close(): void {
        this.agent.destroy();
    }
}
