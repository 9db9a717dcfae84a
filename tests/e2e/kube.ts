// A minimal Kubernetes REST client for the end-to-end tests (reads the kubeconfig written by
// scripts/cluster.sh or any token/CA kubeconfig), so the suite needs no kubectl.
import * as fs from "node:fs";
import * as https from "node:https";
import { parse } from "yaml";

export interface KubeResponse<T = Record<string, unknown>> {
    status: number;
    body: T;
    /** `Warning` headers (PodSecurity admission warnings arrive here). */
    warnings: string[];
}

interface KubeconfigDoc {
    "current-context": string;
    contexts: { name: string; context: { cluster: string; user: string } }[];
    clusters: { name: string; cluster: { server: string; "certificate-authority-data"?: string } }[];
    users: { name: string; user: { token?: string } }[];
}

export class Kube {
    private readonly server: URL;
    private readonly ca?: Buffer;
    private readonly token?: string;

    constructor(kubeconfigPath: string) {
        const doc = parse(fs.readFileSync(kubeconfigPath, "utf8")) as KubeconfigDoc;
        const ctx = doc.contexts.find((c) => c.name === doc["current-context"])?.context;
        const cluster = doc.clusters.find((c) => c.name === ctx?.cluster)?.cluster;
        const user = doc.users.find((u) => u.name === ctx?.user)?.user;
        if (!cluster) {
            throw new Error(`no cluster for the current context in ${kubeconfigPath}`);
        }
        this.server = new URL(cluster.server);
        const caData = cluster["certificate-authority-data"];
        if (caData !== undefined) {
            this.ca = Buffer.from(caData, "base64");
        }
        if (user?.token !== undefined) {
            this.token = user.token;
        }
    }

    request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<KubeResponse<T>> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    hostname: this.server.hostname,
                    port: this.server.port,
                    path,
                    method,
                    timeout: 15000,
                    ...(this.ca ? { ca: this.ca } : {}),
                    headers: {
                        Accept: "application/json",
                        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
                        ...(payload
                            ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
                            : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        const warning = res.headers.warning;
                        resolve({
                            status: res.statusCode ?? 0,
                            body: (text ? JSON.parse(text) : {}) as T,
                            warnings: warning === undefined ? [] : Array.isArray(warning) ? warning : [warning],
                        });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${path}`)));
            req.on("error", reject);
            if (payload) {
                req.write(payload);
            }
            req.end();
        });
    }

    /** GET an object; undefined when it does not exist. */
    async get<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
        const r = await this.request<T>("GET", path);
        if (r.status === 404) {
            return undefined;
        }
        if (r.status >= 300) {
            throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
        }
        return r.body;
    }

    /** The items of a list. */
    async list<T = Record<string, unknown>>(path: string): Promise<T[]> {
        const body = await this.get<{ items: T[] }>(path);
        return body?.items ?? [];
    }

    /** Polls `check` every 500 ms until it returns true or `seconds` pass. */
    async waitFor(what: string, check: () => Promise<boolean>, seconds = 60): Promise<void> {
        const deadline = Date.now() + seconds * 1000;
        for (;;) {
            if (await check()) {
                return;
            }
            if (Date.now() > deadline) {
                throw new Error(`timed out after ${seconds}s waiting for ${what}`);
            }
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}
