// The README's "Deploy to the local cluster" section, run verbatim: its two bash blocks are read from
// README.md and executed by bash in a copy of the checkout, as a newcomer would paste them. The block
// starts its own cluster (scripts/cluster.sh, kube-scheduler + simulated nodes), logs in to a local
// backend, deploys the dev example WITHOUT release.skipAwait and previews with --expect-no-changes. The
// test then reads the cluster: every agent Deployment must already be ready. Only the environment is
// the test's: a scratch HOME, PULUMI_BACKEND_URL (so the stack's state stays out of the user's ~/.pulumi),
// the shared toolchain cache and a private cluster state dir.
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, useToolchain } from "./harness";
import { Kube } from "./kube";

const SECTION = "### Deploy to the local cluster (nothing downloaded, no Astro account)";
const NAMESPACE = "astro-agent-dev"; // Pulumi.dev.yaml's namespace

/** The fenced bash blocks of one README section, in order. */
function sectionBlocks(readme: string, heading: string): string[] {
    const start = readme.indexOf(`${heading}\n`);
    assert.ok(start >= 0, `README.md has no section "${heading}"`);
    const rest = readme.slice(start + heading.length);
    const end = rest.search(/\n#{1,3} /);
    const section = end < 0 ? rest : rest.slice(0, end);
    return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

/** A copy of the checkout: sources linked, the stack files copied (the flow's `config set` writes one). */
function checkoutCopy(base: string): string {
    const dir = path.join(base, "checkout");
    fs.mkdirSync(dir);
    for (const entry of fs.readdirSync(ROOT)) {
        if (entry === ".git" || entry.startsWith("Pulumi.")) {
            continue;
        }
        fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
    }
    for (const entry of fs.readdirSync(ROOT).filter((e) => /^Pulumi\..*yaml$/.test(e))) {
        fs.copyFileSync(path.join(ROOT, entry), path.join(dir, entry));
    }
    return dir;
}

interface Deployment {
    metadata: { name: string };
    spec: { replicas?: number };
    status?: { readyReplicas?: number };
}

/**
 * Runs one block with bash -e, each command traced with a timestamp; returns the seconds per command.
 * The blocks share one shell's state, as they do for a reader who pastes them into one terminal: the
 * variables the first block exports (the toolchain's PATH, KUBECONFIG, the passphrase) are saved after
 * it and restored before the next.
 */
function runBlock(
    block: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
    shellState: string,
    log: string,
): Map<string, number> {
    // PS4 is set in the script: bash run as root ignores a PS4 from the environment.
    const script = [
        "PS4='+ @@ $(date +%s.%N) '",
        `if [ -f '${shellState}' ]; then . '${shellState}'; fi`,
        "set -x",
        block,
        "{ set +x; } 2>/dev/null",
        `export -p > '${shellState}'`,
    ].join("\n");
    const r = spawnSync("bash", ["-e", "-c", script], {
        cwd,
        env,
        encoding: "utf8",
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
    });
    fs.appendFileSync(log, `${r.stdout}\n${r.stderr}\n`);
    assert.equal(
        r.status,
        0,
        `the README block failed (exit ${String(r.status)}); last output:\n${r.stderr.slice(-3000)}`,
    );
    // Every traced top-level command: "+ @@ <epoch> <command>"; a command's time runs to the next one's start.
    const marks = [...r.stderr.matchAll(/^\+ @@ (\d+\.\d+) (.*)$/gm)].map((m) => ({
        at: Number(m[1]),
        cmd: m[2] ?? "",
    }));
    const end = Date.now() / 1000;
    const times = new Map<string, number>();
    marks.forEach((m, i) => times.set(m.cmd, (marks[i + 1]?.at ?? end) - m.at));
    return times;
}

describe("end to end: the README's local-cluster deploy flow, verbatim", function () {
    this.timeout(900_000);
    let base = "";
    let env: NodeJS.ProcessEnv = {};
    let checkout = "";
    let log = "";
    let shellState = "";
    let failed = false;

    afterEach(function () {
        failed ||= this.currentTest?.state === "failed";
    });
    let blocks: string[] = [];

    before(function () {
        const missing = useToolchain();
        if (missing !== undefined) {
            if (process.env.CI === "true") {
                throw new Error(`README flow: e2e toolchain missing in CI: ${missing}`);
            }
            console.warn(`skipping the README flow: ${missing}`);
            this.skip();
        }
        blocks = sectionBlocks(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), SECTION);
        assert.equal(blocks.length, 2, "the section has a deploy block and a clean-up block");
        base = fs.mkdtempSync(path.join(os.tmpdir(), "astro-readme-flow-"));
        checkout = checkoutCopy(base);
        const home = path.join(base, "home");
        fs.mkdirSync(home);
        fs.mkdirSync(path.join(base, "state"));
        log = path.join(base, "flow.log");
        shellState = path.join(base, "shell-state.sh");
        const go = (v: string) => execFileSync("go", ["env", v], { encoding: "utf8" }).trim();
        env = {
            PATH: process.env.PATH,
            HOME: home,
            // The toolchain the suite already uses (its cache is under the real HOME by default).
            ASTRO_TOOLCHAIN_CACHE:
                process.env.ASTRO_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "astro-agent-toolchain"),
            GOPATH: go("GOPATH"),
            GOCACHE: go("GOCACHE"),
            GOMODCACHE: go("GOMODCACHE"),
            ASTRO_CLUSTER_DIR: path.join(base, "cluster"),
            // `pulumi login --local` means file://~, and the CLI finds ~ from the user database, not HOME: the
            // backend URL variable (which the CLI prefers to the logged-in one) keeps the state in the scratch dir.
            PULUMI_BACKEND_URL: `file://${path.join(base, "state")}`,
            npm_config_cache: process.env.npm_config_cache ?? path.join(os.homedir(), ".npm"),
            CI: process.env.CI,
        };
    });

    after(function () {
        if (base === "") {
            return;
        }
        // Whatever happened, no control plane is left running.
        spawnSync("bash", [path.join(ROOT, "scripts", "cluster.sh"), "down"], { env, stdio: "ignore" });
        if (failed) {
            console.log(`      README flow failed: its output is in ${log}`);
        } else {
            fs.rmSync(base, { recursive: true, force: true });
        }
    });

    it("deploy block: `up` returns with every agent Deployment ready, then preview --expect-no-changes passes", () => {
        const times = runBlock(blocks[0] ?? "", checkout, env, shellState, log);
        const upCmd = [...times.keys()].find((c) => c.startsWith("pulumi up "));
        assert.ok(upCmd !== undefined, "the block runs pulumi up");
        assert.ok(
            [...times.keys()].some((c) => c.startsWith("pulumi preview ") && c.includes("--expect-no-changes")),
            "the block ends with a no-op preview",
        );
        console.log(`      README flow: ${upCmd} took ${(times.get(upCmd) ?? 0).toFixed(1)} s (waiting for readiness)`);
    });

    it("the cluster it left: every agent Deployment ready, its pods bound to simulated nodes", async () => {
        const kube = new Kube(path.join(env.ASTRO_CLUSTER_DIR ?? "", "kubeconfig"));
        const deps = await kube.list<Deployment>(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments`);
        assert.deepEqual(deps.map((d) => d.metadata.name).sort(), [
            "astro-dev-dag-processor",
            "astro-dev-sentinel",
            "astro-dev-triggerer",
            "astro-dev-worker-default-worker",
        ]);
        for (const d of deps) {
            assert.equal(d.status?.readyReplicas, d.spec.replicas ?? 1, `${d.metadata.name} ready`);
        }
        const pods = await kube.list<{ spec: { nodeName?: string } }>(`/api/v1/namespaces/${NAMESPACE}/pods`);
        assert.ok(pods.length >= 4);
        assert.ok(pods.every((p) => p.spec.nodeName?.startsWith("kwok-")));
    });

    it("clean-up block: destroy and cluster:down succeed", () => {
        runBlock(blocks[1] ?? "", checkout, env, shellState, log);
        assert.ok(!fs.existsSync(path.join(env.ASTRO_CLUSTER_DIR ?? "", "kubeconfig")), "cluster.sh down ran");
    });
});
