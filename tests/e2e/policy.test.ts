// The policy pack on the real engine (the toolchain's language host answers RunPlugin), against the
// local API server: green on a good prod-like stack, a mandatory violation and a non-zero exit on a
// weakened one, and the reviewer summary built from the `pulumi preview --json` output of this run.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    type E2eWorld,
    e2eWorld,
    openStack,
    prodLikeStack,
    ROOT,
    STAND_IN_CHART,
    type StackDoc,
    withConfig,
    writeStackFile,
} from "./harness";
import { Kube } from "./kube";

const STACK = "e2e-policy";
const NS = "astro-e2e-policy";
const nonce = crypto.randomBytes(4).toString("hex");
const SECRETS = { token: `policy-token-${nonce}`, pull: `policy-pull-${nonce}`, lineage: `policy-lineage-${nonce}` };
const PROD_POLICY = ["--policy-pack", "policy", "--policy-pack-config", "policy/config/prod.json"];
const RELEASE_PODS_MESSAGE =
    "values.workers[0].containerSecurityContext.capabilities.drop: Pod Security Standard 'restricted' requires capabilities.drop to contain ALL (container 'worker' of the workers[0] pod); set drop: [ALL]";
const RESTRICTED_MESSAGE = `namespace '${NS}' must enforce, audit and warn the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is 'baseline' (set astro-agent:restricted: true)`;

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

describe("policy pack and PR summary: real engine, real API server", function () {
    this.timeout(300_000);
    const world = e2eWorld("policy e2e");
    let kube: Kube;
    let project: E2eWorld["project"];
    let env: Record<string, string>;
    let good: StackDoc;

    /** Runs a command in the scratch project with the e2e environment. */
    function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Run {
        const t0 = process.hrtime.bigint();
        const r = spawnSync(cmd, args, {
            cwd: project.dir,
            env: { ...process.env, ...env, ...extraEnv },
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (r.error !== undefined) {
            throw r.error;
        }
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds };
    }
    const pulumi = (args: string[], extraEnv: Record<string, string> = {}) =>
        run("pulumi", [...args, "--stack", STACK, "--non-interactive", "--color", "never"], extraEnv);
    /** `npm run preview:summary -- ...` from the repository, as CI runs it. */
    const summary = (args: string[]) =>
        run("npm", ["run", "--silent", "--prefix", ROOT, "preview:summary", "--", "--stack", STACK, ...args]);
    /** Writes captured output for the summary's `--input`. */
    const capture = (name: string, text: string) => {
        const file = path.join(project.stateDir, "..", name);
        fs.writeFileSync(file, text);
        return file;
    };

    before(async () => {
        ({ kube, project, env } = world);
        good = prodLikeStack(NS, "astro-policy", SECRETS);
        await openStack(project.dir, STACK, good, env);
    });

    it("a good prod-like stack passes the pack (mandatory levels); the pack's cost over plain preview", () => {
        const plain = pulumi(["preview"]);
        assert.equal(plain.code, 0, plain.stdout + plain.stderr);
        const withPack = pulumi(["preview", ...PROD_POLICY]);
        assert.equal(withPack.code, 0, withPack.stdout + withPack.stderr);
        assert.match(withPack.stdout, /Policies:\n\s+✅ astro-agent@v0\.1\.0 \(local: .*policy\)/);
        assert.doesNotMatch(withPack.stdout, /\[mandatory\]|\[advisory\]/);
        const ratio = withPack.seconds / plain.seconds;
        console.log(
            `      policy pack cost: preview ${plain.seconds.toFixed(1)} s, with --policy-pack ${withPack.seconds.toFixed(1)} s (ratio ${ratio.toFixed(2)}, one run each)`,
        );
    });

    it("a weakened prod stack (restricted: false) fails preview with the rule's message and a non-zero exit", async () => {
        // The program refuses restricted: false in prod unless acknowledged; the pack still refuses it.
        writeStackFile(project.dir, STACK, withConfig(good, { restricted: false, acceptRisks: ["unrestrictedPods"] }));
        try {
            const r = pulumi(["preview", ...PROD_POLICY]);
            assert.notEqual(r.code, 0);
            assert.match(r.stdout, /Policies:\n\s+❌ astro-agent@v0\.1\.0/);
            assert.ok(
                r.stdout.includes(
                    "[mandatory] [severity: high]  agent-namespace-restricted  (kubernetes:core/v1:Namespace: astro-agent-namespace)",
                ),
                r.stdout,
            );
            assert.ok(r.stdout.includes(RESTRICTED_MESSAGE), r.stdout);
            assert.equal(await kube.get(`/api/v1/namespaces/${NS}`), undefined, "preview created nothing");

            // The same stack under dev's policy config: the prod-only rule is off, so preview passes.
            const dev = pulumi([
                "preview",
                "--policy-pack",
                "policy",
                "--policy-pack-config",
                "policy/config/dev.json",
            ]);
            assert.equal(dev.code, 0, dev.stdout);
            assert.ok(!dev.stdout.includes("agent-namespace-restricted"), dev.stdout);

            // The summary script runs the preview itself (event stream), shows the violation, keeps the exit code.
            const s = summary(["--cwd", project.dir, ...PROD_POLICY]);
            assert.notEqual(s.code, 0);
            const heading = /^### ❌ `pulumi preview` of stack `e2e-policy`: (\d+) to create\n/.exec(s.stdout);
            assert.ok(heading, s.stdout);
            assert.equal(Number(heading[1]), s.stdout.split("\n").filter((l) => l.startsWith("| create |")).length);
            assert.ok(
                s.stdout.includes(
                    `- ❌ mandatory \`agent-namespace-restricted\` on \`kubernetes:core/v1:Namespace\` \`astro-agent-namespace\`: The agent namespace enforces, audits and warns on the Pod Security Standard 'restricted'. — ${RESTRICTED_MESSAGE}`,
                ),
                s.stdout,
            );
        } finally {
            writeStackFile(project.dir, STACK, good);
        }
    });

    /** Asserts a preview with the prod pack fails with `policy`'s mandatory violation carrying `message`. */
    function assertPackRefuses(r: Run, policy: string, message: string) {
        assert.notEqual(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /Policies:\n\s+❌ astro-agent@v0\.1\.0/);
        assert.match(
            r.stdout,
            new RegExp(
                `\\[mandatory\\] \\[severity: [a-z]+\\]  ${policy}  \\(kubernetes:helm\\.sh/v3:Release: astro-agent-release\\)`,
            ),
        );
        assert.ok(r.stdout.includes(message), r.stdout);
    }

    it("an image on a floating tag other than latest fails preview with images-not-floating; acknowledged, it is advisory", () => {
        // dev: the program only warns, so the Release reaches the pack (prod's config: mandatory).
        const sentinel = "registry.example.com/data-platform/astro-remote-execution-sentinel:1.7";
        writeStackFile(
            project.dir,
            STACK,
            withConfig(good, { environment: "dev", sentinel: { enabled: true, image: sentinel } }),
        );
        try {
            const r = pulumi(["preview", ...PROD_POLICY]);
            assert.ok(r.stdout.includes("sentinel.image: uses the floating tag '1.7'"), r.stdout);
            assertPackRefuses(
                r,
                "images-not-floating",
                `values.sentinel.image '${sentinel}' uses the floating tag '1.7' (no digest, no full major.minor.patch version): the registry can move it; pin a full version or a digest (or acknowledge with astro-agent:acceptRisks [floatingImageTag])`,
            );
            // prod with the risk acknowledged: the program accepts it and the pack reports it, advisory only.
            writeStackFile(
                project.dir,
                STACK,
                withConfig(good, { sentinel: { enabled: true, image: sentinel }, acceptRisks: ["floatingImageTag"] }),
            );
            const accepted = pulumi(["preview", ...PROD_POLICY]);
            assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
            assert.ok(accepted.stdout.includes("[advisory] [severity: low]  accepted-prod-risks"), accepted.stdout);
            assert.ok(
                accepted.stdout.includes(
                    "the stack acknowledges the prod risk 'floatingImageTag' (astro-agent:acceptRisks) at sentinel.image",
                ),
                accepted.stdout,
            );
            assert.doesNotMatch(accepted.stdout, /images-not-floating/);
        } finally {
            writeStackFile(project.dir, STACK, good);
        }
    });

    it("a chart fetched over plain http:// fails preview with chart-over-https", async () => {
        // A chart repository on plain http, serving the stand-in chart (a separate process: the
        // preview runs synchronously here).
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "http-chart-"));
        spawnSync("tar", [
            "-czf",
            path.join(dir, "astro-remote-execution-agent-2.3.3.tgz"),
            "-C",
            path.dirname(STAND_IN_CHART),
            path.basename(STAND_IN_CHART),
        ]);
        const server = spawn(
            process.execPath,
            [
                "-e",
                `const http=require("http"),fs=require("fs"),path=require("path");const dir=process.argv[1];
                 const s=http.createServer((q,r)=>{const f=path.join(dir,path.basename(q.url.split("?")[0]));
                 fs.readFile(f,(e,b)=>{if(e){r.statusCode=404;r.end();}else{r.end(b);}});});
                 s.listen(0,"127.0.0.1",()=>{fs.writeFileSync(path.join(dir,"index.yaml"),
                 "apiVersion: v1\\nentries:\\n  astro-remote-execution-agent:\\n  - apiVersion: v2\\n    name: astro-remote-execution-agent\\n    version: 2.3.3\\n    urls:\\n    - http://127.0.0.1:"+s.address().port+"/astro-remote-execution-agent-2.3.3.tgz\\n");
                 console.log(s.address().port);});`,
                dir,
            ],
            { stdio: ["ignore", "pipe", "inherit"] },
        );
        try {
            const port = await new Promise<string>((resolve, reject) => {
                server.stdout.once("data", (d: Buffer) => {
                    resolve(d.toString().trim());
                });
                server.once("exit", () => {
                    reject(new Error("chart server exited"));
                });
            });
            const repo = `http://127.0.0.1:${port}`;
            writeStackFile(
                project.dir,
                STACK,
                withConfig(good, {
                    environment: "dev",
                    chart: { name: "astro-remote-execution-agent", repo, version: "2.3.3" },
                }),
            );
            const r = pulumi(["preview", ...PROD_POLICY]);
            assert.ok(r.stdout.includes("chart.repo: uses http://"), r.stdout);
            assertPackRefuses(
                r,
                "chart-over-https",
                `repositoryOpts.repo '${repo}' fetches the chart over plain http://, so anyone on the path can replace it; use https:// or oci:// (or acknowledge with astro-agent:acceptRisks [plainHttpChartRepo])`,
            );
        } finally {
            server.kill();
            writeStackFile(project.dir, STACK, good);
        }
    });

    it("the release's pods are judged by the pod guard at restricted in prod: restricted: false fails release-pods-pod-security", () => {
        // The program's own check judges the pods at the namespace's level (baseline here) and passes
        // (the stack acknowledges the risk, which prod requires); the pack, configured for prod, judges
        // them at restricted.
        writeStackFile(project.dir, STACK, withConfig(good, { restricted: false, acceptRisks: ["unrestrictedPods"] }));
        try {
            const r = pulumi(["preview", ...PROD_POLICY]);
            assert.notEqual(r.code, 0);
            assert.ok(
                r.stdout.includes(
                    "[mandatory] [severity: critical]  release-pods-pod-security  (kubernetes:helm.sh/v3:Release: astro-agent-release)",
                ),
                r.stdout,
            );
            assert.ok(r.stdout.includes(RELEASE_PODS_MESSAGE), r.stdout);
        } finally {
            writeStackFile(project.dir, STACK, good);
        }
    });

    it("a privileged container through worker extraValues is refused by the program before the pack runs", () => {
        const workers = (good.config["astro-agent:workers"] as Record<string, unknown>[]).map((w, i) =>
            i === 0
                ? {
                      ...w,
                      extraValues: {
                          extraContainers: [
                              { name: "side", image: "busybox:1.36", securityContext: { privileged: true } },
                          ],
                      },
                  }
                : w,
        );
        writeStackFile(project.dir, STACK, withConfig(good, { workers }));
        try {
            const r = pulumi(["preview", ...PROD_POLICY]);
            assert.notEqual(r.code, 0);
            assert.ok(
                (r.stdout + r.stderr).includes(
                    "workers[0].extraValues.extraContainers[0].securityContext.privileged: Pod Security Standard 'restricted' forbids privileged containers (container 'side' of the workers[0] pod); remove privileged or set false",
                ),
                r.stdout + r.stderr,
            );
        } finally {
            writeStackFile(project.dir, STACK, good);
        }
    });

    it("an adopted prod namespace without enforce: restricted fails adopted-namespace-restricted (read at preview)", async () => {
        const adoptedNs = `${NS}-adopted`;
        const made = await kube.request("POST", "/api/v1/namespaces", {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: adoptedNs, labels: { "pod-security.kubernetes.io/enforce": "baseline" } },
        });
        assert.ok(made.status < 300, JSON.stringify(made.body));
        writeStackFile(project.dir, STACK, withConfig(good, { namespace: adoptedNs, createNamespace: false }));
        try {
            const r = pulumi(["preview", ...PROD_POLICY]);
            assert.notEqual(r.code, 0);
            assert.ok(
                r.stdout.includes(
                    "[mandatory] [severity: high]  adopted-namespace-restricted  (astro-remote-agent:index:AgentRelease: astro-agent-release)",
                ),
                r.stdout,
            );
            assert.ok(
                r.stdout.includes(
                    `adopted namespace '${adoptedNs}' (createNamespace: false) must enforce the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is 'baseline'; label it (kubectl label namespace ${adoptedNs} pod-security.kubernetes.io/enforce=restricted) or let the program create it (createNamespace: true)`,
                ),
                r.stdout,
            );
            // Labelled restricted, the same stack passes.
            const ns = await kube.get<{ metadata: Record<string, unknown> }>(`/api/v1/namespaces/${adoptedNs}`);
            assert.ok(ns);
            const labelled = await kube.request("PUT", `/api/v1/namespaces/${adoptedNs}`, {
                ...ns,
                metadata: { ...ns.metadata, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
            });
            assert.ok(labelled.status < 300, JSON.stringify(labelled.body));
            const ok = pulumi(["preview", ...PROD_POLICY]);
            assert.equal(ok.code, 0, ok.stdout + ok.stderr);
        } finally {
            writeStackFile(project.dir, STACK, good);
            await kube.request("DELETE", `/api/v1/namespaces/${adoptedNs}`);
        }
    });

    it("summarises real `pulumi preview --json` output: data stores first, changes, violations, chart values", async () => {
        const up = pulumi(["up", "--yes", "--skip-preview", ...PROD_POLICY]);
        assert.equal(up.code, 0, up.stdout + up.stderr);
        try {
            // Rename the namespace (replaces it and everything in it), drop a worker, add a queue.
            const workers = (good.config["astro-agent:workers"] as { name: string; queues: string[] }[])
                .filter((w) => w.name !== "high-memory")
                .map((w) => ({ ...w, queues: [...w.queues, "reports"] }));
            writeStackFile(project.dir, STACK, withConfig(good, { namespace: `${NS}-renamed`, workers }));
            const digest = pulumi(["preview", "--json"]);
            assert.equal(digest.code, 0, digest.stderr);
            const stream = pulumi(["preview", "--json", ...PROD_POLICY], {
                PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true",
            });
            assert.equal(stream.code, 0, stream.stderr);

            const fromStream = summary(["--input", capture("preview-stream.json", stream.stdout)]);
            assert.equal(fromStream.code, 0, fromStream.stderr);
            const md = fromStream.stdout;
            const lines = md.split("\n");
            // Everything in the namespace follows it: 4 ServiceAccounts, 3 Secrets, the 2 NetworkPolicies (prod
            // default), the release; one ServiceAccount goes.
            assert.equal(lines[0], `### ✅ \`pulumi preview\` of stack \`${STACK}\`: 1 to delete, 11 to replace`, md);
            // The data store comes first: the prod namespace, renamed.
            assert.equal(
                lines.find((l) => l.startsWith("- ⚠️")),
                `- ⚠️ **replace** namespace \`${NS}\` → \`${NS}-renamed\` — \`kubernetes:core/v1:Namespace\` \`astro-agent-namespace\` (metadata.name)`,
            );
            assert.ok(
                md.indexOf("**Data stores replaced or deleted**") < md.indexOf("| change | resource | type | why |"),
            );
            const rows = lines.filter((l) => /^\| (create|update|replace|delete) \|/.test(l));
            assert.deepEqual(rows.map((r) => r.split(" | ").slice(0, 3).join(" | ")).sort(), [
                "| delete | `astro-agent-service-accounts-worker-high-memory` | `kubernetes:core/v1:ServiceAccount`",
                "| replace | `astro-agent-credentials-agent-token` | `kubernetes:core/v1:Secret`",
                "| replace | `astro-agent-credentials-image-pull` | `kubernetes:core/v1:Secret`",
                "| replace | `astro-agent-credentials-openlineage` | `kubernetes:core/v1:Secret`",
                "| replace | `astro-agent-namespace` | `kubernetes:core/v1:Namespace`",
                "| replace | `astro-agent-network-policy-default-deny` | `kubernetes:networking.k8s.io/v1:NetworkPolicy`",
                "| replace | `astro-agent-network-policy-egress` | `kubernetes:networking.k8s.io/v1:NetworkPolicy`",
                "| replace | `astro-agent-release` | `kubernetes:helm.sh/v3:Release`",
                "| replace | `astro-agent-service-accounts-dag-processor` | `kubernetes:core/v1:ServiceAccount`",
                "| replace | `astro-agent-service-accounts-sentinel` | `kubernetes:core/v1:ServiceAccount`",
                "| replace | `astro-agent-service-accounts-triggerer` | `kubernetes:core/v1:ServiceAccount`",
                "| replace | `astro-agent-service-accounts-worker-default` | `kubernetes:core/v1:ServiceAccount`",
            ]);
            assert.ok(rows[0]?.startsWith("| delete |"), "deletions first");
            assert.ok(
                rows.includes(
                    "| replace | `astro-agent-namespace` | `kubernetes:core/v1:Namespace` | `metadata.name` |",
                ),
            );
            assert.ok(lines.includes("**Policy violations**: none."), md);
            assert.ok(lines.includes("**Chart values** of `astro-agent-release` (3 changed):"), md);
            // The rotation annotation is a digest of the stack file's secure: ciphertexts (docs/secrets.md):
            // the same secrets in a new namespace are no rotation (the release is replaced anyway).
            assert.ok(!md.includes("managed-secrets-version"), md);
            assert.ok(lines.includes(`| \`namespace\` | \`${NS}\` | \`${NS}-renamed\` |`), md);
            assert.ok(lines.includes("| `workers[0].queues` | `default` | `default,reports` |"), md);
            assert.ok(
                lines.some((l) => l.startsWith("| `workers[1]` | `{") && l.endsWith("| (absent) |")),
                md,
            );
            for (const secret of Object.values(SECRETS)) {
                assert.ok(!md.includes(secret), "the summary never shows a secret");
            }

            // The digest (`--json` without streaming) gives the same changes but carries no policy events.
            const fromDigest = summary(["--input", capture("preview-digest.json", digest.stdout)]);
            assert.equal(fromDigest.code, 0, fromDigest.stderr);
            const digestLines = fromDigest.stdout.split("\n");
            assert.equal(digestLines[0], lines[0]);
            assert.deepEqual(
                digestLines.filter((l) => /^\| (create|update|replace|delete) \|/.test(l)).sort(),
                [...rows].sort(),
            );
            assert.ok(fromDigest.stdout.includes("**Policy violations**: not in this input"), fromDigest.stdout);
            assert.ok(digestLines.includes(`| \`namespace\` | \`${NS}\` | \`${NS}-renamed\` |`));
        } finally {
            writeStackFile(project.dir, STACK, good);
            const destroy = pulumi(["destroy", "--yes", "--skip-preview"]);
            assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
            // The prod namespace is retained on destroy by design; remove it here.
            await kube.request("DELETE", `/api/v1/namespaces/${NS}`);
        }
    });
});
