// Fleet edges on the real engine and two local API servers: a second entry reaching the first one's
// API server through another spelling of its URL is refused before anything is created; with one
// cluster's API server stopped, `preview` warns once, naming that cluster, its server (redacted) and
// what failed, and the doctor reports the reachable cluster and marks the other UNREACHABLE (exit 3).
// Cluster "east" is reached through a kubeconfig given as secret config, "west" through the ambient
// kubeconfig (the default provider). No nodes and release.skipAwait: nothing here waits for pods.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as harness from "./harness";
import type { Kube } from "./kube";

const NS = "astro-e2e-fleet-edges";

describe("end to end: fleet edges (two local API servers, one stopped)", function () {
    this.timeout(600_000);
    const world: harness.E2eFleetWorld = harness.e2eFleetWorld("fleet edges e2e", 2, { nodes: false });
    let east: Kube;
    let west: Kube;
    let eastKubeconfig: string;
    let eastServer: string;
    let token: string;

    const fleetDoc = (clusters: unknown[]): harness.StackDoc =>
        harness.withConfig(harness.readExample("dev"), {
            namespace: NS,
            chart: { path: harness.STAND_IN_CHART },
            release: { skipAwait: true },
            clusters,
        });

    /** A preview's warnings (diagnostic events of severity warning), and its result. */
    async function previewWarnings(stack: Stack): Promise<{ warnings: string[]; stdout: string; ms: number }> {
        const warnings: string[] = [];
        const start = Date.now();
        const result = await stack.preview({
            onEvent: (e: EngineEvent) => {
                const d = e.diagnosticEvent;
                if (d !== undefined && d.severity === "warning") {
                    warnings.push(d.message);
                }
            },
        });
        return { warnings, stdout: result.stdout, ms: Date.now() - start };
    }

    function doctor(...extra: string[]) {
        return spawnSync(
            "npx",
            ["tsx", "scripts/doctor.ts", "--stack", "e2e-fleet-edges", "--cwd", world.project.dir, ...extra],
            { cwd: harness.ROOT, encoding: "utf8", env: { ...process.env, ...world.env } },
        );
    }

    before(() => {
        [east, west] = world.kubes as [Kube, Kube];
        eastKubeconfig = fs.readFileSync(world.clusters[0]?.kubeconfig ?? "", "utf8");
        eastServer = /server: (\S+)/.exec(eastKubeconfig)?.[1] ?? "";
        assert.match(eastServer, /^https:\/\/127\.0\.0\.1:\d+$/, "the local cluster's server");
        token = /token: (\S+)/.exec(eastKubeconfig)?.[1] ?? "";
        assert.ok(token.length > 8, "the east kubeconfig has a token");
    });

    it("refuses a second entry reaching the same API server through another spelling of its URL, creating nothing", async () => {
        // https://127.0.0.1:PORT and HTTPS://LOCALHOST:PORT/ are one server.
        const variant = eastKubeconfig.replace(
            `server: ${eastServer}`,
            `server: ${eastServer.replace("https://127.0.0.1", "HTTPS://LOCALHOST")}/`,
        );
        assert.notEqual(variant, eastKubeconfig);
        const stack = await harness.openStack(
            world.project.dir,
            "e2e-fleet-dup",
            fleetDoc([
                { name: "east", kubeconfig: harness.secure(eastKubeconfig) },
                { name: "again", kubeconfig: harness.secure(variant), standby: true },
            ]),
            world.env,
        );
        const failed = await stack.up().then(
            () => undefined,
            (err: unknown) => String(err),
        );
        assert.ok(failed !== undefined, "up must fail");
        assert.match(
            failed,
            /clusters\[1\]\.kubeconfig: deploys to the same cluster \(API server HTTPS:\/\/LOCALHOST:\d+\/, the same address as API server https:\/\/127\.0\.0\.1:\d+ once [^)]*\) and namespace 'astro-e2e-fleet-edges' as clusters\[0\] \('east', at clusters\[0\]\.kubeconfig\)/,
        );
        assert.ok(!failed.includes(token), "the refusal printed the kubeconfig token");
        const state = (await stack.exportStack()) as { deployment: { resources?: { type: string }[] } };
        assert.deepEqual(
            (state.deployment.resources ?? []).map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack"),
            [],
            "nothing but the stack itself in the state",
        );
        assert.equal(await east.get(`/api/v1/namespaces/${NS}`), undefined, "no namespace in the cluster");
        await stack.workspace.removeStack("e2e-fleet-dup");
    });

    describe("a fleet of east (secret kubeconfig) and west (ambient kubeconfig)", () => {
        let stack: Stack;

        before(async () => {
            stack = await harness.openStack(
                world.project.dir,
                "e2e-fleet-edges",
                fleetDoc([
                    { name: "east", kubeconfig: harness.secure(eastKubeconfig) },
                    { name: "west", standby: true },
                ]),
                world.env,
            );
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            for (const kube of [east, west]) {
                assert.ok(await kube.get(`/api/v1/namespaces/${NS}`), "namespace in both clusters");
            }
        });

        it("both reachable: no unreachable warning, and the doctor checks both (exit 0)", async () => {
            const { warnings, ms } = await previewWarnings(stack);
            console.log(`    fleet preview, both clusters reachable: ${(ms / 1000).toFixed(1)}s`);
            assert.deepEqual(
                warnings.filter((w) => /unreachable/.test(w)),
                [],
            );
            const ok = doctor("--objects-only");
            assert.equal(ok.status, 0, `${ok.stdout}\n${ok.stderr}`);
            assert.match(ok.stdout, new RegExp(`^agent e2e-fleet-edges/east \\(namespace ${NS}\\): OK$`, "m"));
            assert.match(ok.stdout, new RegExp(`^agent e2e-fleet-edges/west \\(namespace ${NS}\\): OK$`, "m"));
        });

        it("east stopped: preview warns once, naming east, its server and the refused connection; exits 0", async () => {
            world.clusters[0]?.stop();
            const { warnings, stdout } = await previewWarnings(stack);
            const ours = warnings.filter((w) => /is unreachable: its API server/.test(w));
            assert.equal(ours.length, 1, `one warning for the one unreachable cluster: ${JSON.stringify(warnings)}`);
            assert.match(
                ours[0] ?? "",
                new RegExp(
                    `cluster 'east' \\(clusters\\[0\\]\\.name\\) is unreachable: its API server ${eastServer.replace(/\./g, "\\.")} refused the connection \\(ECONNREFUSED\\)\\. Its changes cannot be previewed, and \`pulumi up\` will fail on its resources`,
                ),
            );
            assert.match(ours[0] ?? "", /docs\/fleet\.md/);
            assert.doesNotMatch(ours.join("\n"), /cluster 'west'/);
            for (const text of [...warnings, stdout]) {
                assert.ok(!text.includes(token), "the preview printed the kubeconfig token");
            }
            // What the provider itself says about the stopped cluster (for the record in docs/fleet.md).
            console.log(
                `    other warnings: ${JSON.stringify(warnings.filter((w) => !ours.includes(w)).map((w) => w.slice(0, 200)))}`,
            );
        });

        it("east stopped: the doctor reports west and marks east UNREACHABLE (exit 3)", () => {
            const r = doctor("--objects-only");
            assert.equal(r.status, 3, `${r.stdout}\n${r.stderr}`);
            assert.match(r.stdout, new RegExp(`^agent e2e-fleet-edges/west \\(namespace ${NS}\\): OK$`, "m"));
            assert.match(
                r.stdout,
                new RegExp(
                    `^agent e2e-fleet-edges/east: UNREACHABLE, API server ${eastServer.replace(/\./g, "\\.")}: connection refused \\(ECONNREFUSED\\); not checked$`,
                    "m",
                ),
            );
            assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), "the doctor printed the token");
            const json = doctor("--objects-only", "--json");
            assert.equal(json.status, 3);
            const report = JSON.parse(json.stdout) as {
                ok: boolean;
                agents: { agent: string }[];
                unreachable: { agent: string; failure: string }[];
            };
            assert.equal(report.ok, false);
            assert.deepEqual(
                report.agents.map((a) => a.agent),
                ["e2e-fleet-edges/west"],
            );
            assert.deepEqual(
                report.unreachable.map((u) => [u.agent, u.failure]),
                [["e2e-fleet-edges/east", "connection refused"]],
            );
            // --cluster of the reachable one: as before.
            assert.equal(doctor("--objects-only", "--cluster", "west").status, 0);
        });
    });
});
