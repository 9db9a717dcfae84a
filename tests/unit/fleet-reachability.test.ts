// The fleet's reachability probe (doctor/reachability.ts) against local sockets: what counts as
// reachable, how each failure is classified, that no credential is sent or shown, and that it never
// runs under mocks (offline renders and unit tests have no network).
import * as assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import { AgentFleet } from "../../components/agentFleet";
import {
    classifyProbeError,
    probeApiServer,
    unreachableClusterMessage,
    type ProbeResult,
} from "../../doctor/reachability";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { baseValues, configStrings, PROJECT } from "../fixtures/config";

const TOKEN = "probe-token-not-a-real-one";

function kubeconfig(server: string, extra: Record<string, unknown> = {}): string {
    const cluster = JSON.stringify({ server, ...extra });
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- name: c\n  cluster: ${cluster}`,
        `users:\n- name: u\n  user:\n    token: ${TOKEN}`,
        "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u",
        "current-context: x",
    ].join("\n");
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => {
        server.close(() => {
            resolve();
        });
    });
    return port;
}

/** Starts `server` on a free loopback port; `close` drops its open connections too. */
async function listen(server: net.Server): Promise<{ port: number; close: () => Promise<void> }> {
    const sockets = new Set<net.Socket>();
    server.on("connection", (socket: net.Socket) => {
        sockets.add(socket);
        socket.on("close", () => {
            sockets.delete(socket);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
        port,
        close: () =>
            new Promise<void>((resolve) => {
                for (const socket of sockets) {
                    socket.destroy();
                }
                server.close(() => {
                    resolve();
                });
            }),
    };
}

function unreachable(r: ProbeResult): Extract<ProbeResult, { reachable: false }> {
    assert.equal(r.reachable, false, JSON.stringify(r));
    return r;
}

describe("fleet reachability probe", () => {
    it("an API server that answers anything (here 401) is reachable; no credential is sent", async () => {
        const seen: (string | undefined)[] = [];
        const api = await listen(
            http.createServer((req, res) => {
                seen.push(`${req.url ?? ""} ${req.headers.authorization ?? "(no authorization)"}`);
                res.writeHead(401).end();
            }),
        );
        try {
            const r = await probeApiServer({ kubeconfig: kubeconfig(`http://127.0.0.1:${api.port}/`) });
            assert.deepEqual(r, { reachable: true, server: `http://127.0.0.1:${api.port}/` });
            assert.deepEqual(seen, ["/version (no authorization)"]);
        } finally {
            await api.close();
        }
    });

    it("a closed port: connection refused", async () => {
        const port = await closedPort();
        const r = unreachable(await probeApiServer({ kubeconfig: kubeconfig(`https://127.0.0.1:${port}`) }));
        assert.equal(r.failure, "connection refused");
        assert.equal(r.code, "ECONNREFUSED");
    });

    it("a server that accepts and never answers: timed out, within the bound", async () => {
        const silent = await listen(net.createServer(() => undefined));
        try {
            const start = Date.now();
            const r = unreachable(
                await probeApiServer(
                    { kubeconfig: kubeconfig(`https://127.0.0.1:${silent.port}`) },
                    { timeoutMs: 300 },
                ),
            );
            assert.equal(r.failure, "timed out");
            assert.match(unreachableClusterMessage(0, "east", r), /its API server \S+ did not answer within 0\.3 s\./);
            assert.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
        } finally {
            await silent.close();
        }
    });

    it("https to a server that does not speak TLS: TLS handshake failed", async () => {
        const plain = await listen(http.createServer((_req, res) => res.end("{}")));
        try {
            const r = unreachable(await probeApiServer({ kubeconfig: kubeconfig(`https://127.0.0.1:${plain.port}`) }));
            assert.equal(r.failure, "TLS handshake failed", r.code);
        } finally {
            await plain.close();
        }
    });

    it("classifies socket, DNS and TLS error codes", () => {
        assert.deepEqual(
            [
                "ECONNREFUSED",
                "ENOTFOUND",
                "EAI_AGAIN",
                "DEPTH_ZERO_SELF_SIGNED_CERT",
                "ERR_TLS_CERT_ALTNAME_INVALID",
            ].map(classifyProbeError),
            [
                "connection refused",
                "DNS lookup failed",
                "DNS lookup failed",
                "TLS handshake failed",
                "TLS handshake failed",
            ],
        );
        assert.equal(classifyProbeError("ETIMEDOUT"), "timed out");
        assert.equal(classifyProbeError("EHOSTUNREACH"), "unreachable");
    });

    it("the warning names the cluster's key, the server without userinfo, what failed and what to do", async () => {
        const port = await closedPort();
        const r = unreachable(
            await probeApiServer({ kubeconfig: kubeconfig(`https://admin:S3cretPw@127.0.0.1:${port}/?token=Q1`) }),
        );
        const message = unreachableClusterMessage(1, "dr", r);
        assert.match(
            message,
            new RegExp(
                `^cluster 'dr' \\(clusters\\[1\\]\\.name\\) is unreachable: its API server https://127\\.0\\.0\\.1:${port}/ refused the connection \\(ECONNREFUSED\\)\\. Its changes cannot be previewed, and \`pulumi up\` will fail`,
            ),
        );
        assert.match(message, /docs\/fleet\.md/);
        assert.doesNotMatch(message, /admin|S3cretPw|Q1|probe-token/);
    });

    it("a kubeconfig without a server, or unreadable: nothing to probe (the provider reports it)", async () => {
        assert.equal((await probeApiServer({ kubeconfig: "not: a kubeconfig\n" })).reachable, undefined);
        assert.equal((await probeApiServer({ kubeconfig: "/nonexistent/kubeconfig" })).reachable, undefined);
    });

    it("never runs under mocks: an offline run of a fleet opens no connection", async () => {
        let connections = 0;
        const api = await listen(
            net.createServer((socket) => {
                connections++;
                socket.destroy();
            }),
        );
        try {
            const values = baseValues();
            values.workers = [{ name: "default-worker", replicas: 1 }];
            values.clusters = [
                { name: "a", kubeconfig: kubeconfig(`https://127.0.0.1:${api.port}`) },
                { name: "b", standby: true },
            ];
            await runUnderMocks({
                project: PROJECT,
                stack: "dev",
                config: configStrings(values),
                secretKeys: ["agentToken", "imagePullCredentials", "clusters"],
                program: () => new AgentFleet("astro-agent", values as never),
            });
            await new Promise((resolve) => setTimeout(resolve, 200));
            assert.equal(connections, 0);
        } finally {
            await api.close();
        }
    });
});
