// `npm run render` as a process: the main job without credentials or a cluster. Every invocation is a
// real process; the distinct ones start together in `before` (they overlap on the cores) and each test
// awaits its own, identical ones run once.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { validateStackConfig } from "../../chart/validate";
import { secureLocations } from "../../config/secureLocations";
import { encryptValue, keyFromSalt } from "../../scripts/lib/passphrase";
import { readStackFile } from "../../scripts/lib/stackFile";

const ROOT = path.join(__dirname, "..", "..");
const CHART_SOURCE =
    "# Chart source: astro-remote-execution-agent 2.3.3 from https://helm.astronomer.io (fetch it: helm pull astro-remote-execution-agent --repo https://helm.astronomer.io --version 2.3.3)";

interface Rendered {
    code: number | null;
    stdout: string;
    stderr: string;
}

const runs = new Map<string, Promise<Rendered>>();

function render(...args: string[]): Promise<Rendered> {
    const key = JSON.stringify(args);
    let run = runs.get(key);
    if (run === undefined) {
        run = new Promise((resolve) => {
            execFile(
                process.execPath,
                [
                    "--require",
                    path.join(ROOT, "scripts", "lib", "register.cjs"),
                    path.join(ROOT, "scripts", "render.ts"),
                    ...args,
                ],
                {
                    cwd: ROOT,
                    encoding: "utf8",
                    env: { ...process.env, PULUMI_CONFIG: undefined, PULUMI_CONFIG_SECRET_KEYS: undefined },
                },
                (err, stdout, stderr) => {
                    const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
                    resolve({ code, stdout, stderr });
                },
            );
        });
        runs.set(key, run);
    }
    return run;
}

/** The stack file with validation errors, and where `--out` writes. */
const BAD = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "render-bad-")), "Pulumi.bad.yaml");
const OUT = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "render-")), "values.yaml");
const INVOCATIONS = [
    ["--stack", "dev"],
    ["--stack", "prod"],
    ["--stack", "dev", "--out", OUT],
    ["--stack", "bad", "--stack-file", BAD],
    [],
];

describe("render command", function () {
    this.timeout(60000);

    before(() => {
        fs.writeFileSync(
            BAD,
            [
                "config:",
                "  astro-agent:environment: dev",
                "  astro-agent:resourceNamePrefix: Bad_Prefix",
                "  astro-agent:workers:",
                "    - name: a",
                "      replics: 2",
                "",
            ].join("\n"),
        );
        for (const args of INVOCATIONS) {
            void render(...args);
        }
    });

    for (const stack of ["dev", "prod"]) {
        it(`prints helm-ready values and the plan for --stack ${stack}`, async () => {
            const r = await render("--stack", stack);
            assert.equal(r.code, 0, r.stderr);
            const values = parse(r.stdout) as Record<string, unknown>;
            assert.equal(values.createNamespace, false);
            assert.ok("openLineage" in values && "commonEnv" in values && "workers" in values);
            assert.match(r.stdout, /# Resource plan for stack '.+' \(\d+ resources\): type, name, parent/);
            assert.match(r.stdout, /#\s+kubernetes:helm\.sh\/v3:Release\s+astro-agent-release\s+astro-agent-release/);
            assert.doesNotMatch(r.stdout, /secret-placeholder|not-a-real-token/);
        });
    }

    it("renders the AWS prod stack without AWS credentials: Secrets Manager, kwargs, s3:// path, role annotation", async () => {
        const r = await render("--stack", "prod");
        assert.equal(r.code, 0, r.stderr);
        const values = parse(r.stdout) as {
            secretBackend: string;
            commonEnv: { name: string; value: string }[];
            serviceAccount: { annotations: Record<string, string> };
        };
        assert.equal(
            values.secretBackend,
            "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
        );
        const env = Object.fromEntries(values.commonEnv.map((e) => [e.name, e.value]));
        assert.deepEqual(JSON.parse(env.AIRFLOW__SECRETS__BACKEND_KWARGS ?? ""), {
            config_prefix: null,
            connections_prefix: "astro-prod/connections",
            region_name: "eu-west-1",
            variables_prefix: "astro-prod/variables",
        });
        assert.match(env.AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH ?? "", /^s3:\/\/[a-z0-9.-]+\/xcom$/);
        assert.match(
            values.serviceAccount.annotations["eks.amazonaws.com/role-arn"] ?? "",
            /^arn:aws:iam::\d{12}:role\/astro-prod-agent-[0-9a-f]{8}$/,
        );
        assert.match(r.stdout, /#\s+aws:iam\/role:Role\s+astro-agent-aws-role\s+astro-agent-aws/);
    });

    it("prints the prod risks the stack acknowledges (dev's unrestrictedPods), and none for a stack without", async () => {
        const dev = await render("--stack", "dev");
        assert.equal(dev.code, 0, dev.stderr);
        assert.ok(
            dev.stdout.includes(
                "# Accepted prod risks (acceptRisks): 1\n#   unrestrictedPods: restricted\n# Resource plan",
            ),
            dev.stdout,
        );
        const prod = await render("--stack", "prod");
        assert.doesNotMatch(prod.stdout, /Accepted prod risks/);
    });

    it("writes the values to --out and only the plan to stdout", async () => {
        const r = await render("--stack", "dev", "--out", OUT);
        assert.equal(r.code, 0, r.stderr);
        const values = parse(fs.readFileSync(OUT, "utf8")) as Record<string, unknown>;
        assert.equal(values.resourceNamePrefix, "astro-dev");
        assert.match(r.stdout, /^# values written to /);
        assert.doesNotMatch(r.stdout, /resourceNamePrefix:/);
        // The file holds the values only, exactly as recorded (the chart source goes to stdout).
        assert.equal(
            fs.readFileSync(OUT, "utf8"),
            fs.readFileSync(path.join(ROOT, "tests", "fixtures", "golden", "dev.values.yaml"), "utf8"),
        );
        assert.ok(r.stdout.includes(`\n${CHART_SOURCE}\n`), r.stdout);
    });

    it("prints the chart source (repository + version) before the plan, for an offline review", async () => {
        const r = await render("--stack", "prod");
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.includes(`\n${CHART_SOURCE}\n# Resource plan for stack 'prod'`), r.stdout);
    });

    it("renders one cluster of a fleet with --cluster, and asks for it when it is missing", async () => {
        const file = path.join(ROOT, "tests", "fixtures", "stacks", "Pulumi.fleet-dr.yaml");
        const missing = await render("--stack", "fleet-dr", "--stack-file", file);
        assert.equal(missing.code, 2);
        assert.equal(missing.stdout, "");
        assert.match(missing.stderr, /deploys to several clusters: pass --cluster with one of 'dr', 'primary'/);
        const unknown = await render("--stack", "fleet-dr", "--stack-file", file, "--cluster", "west");
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /no cluster 'west' in stack 'fleet-dr'; use one of 'dr', 'primary'/);
        const replicas = async (cluster: string) => {
            const r = await render("--stack", "fleet-dr", "--stack-file", file, "--cluster", cluster);
            assert.equal(r.code, 0, r.stderr);
            assert.match(
                r.stdout,
                new RegExp(`#\\s+kubernetes:helm\\.sh/v3:Release\\s+astro-agent-${cluster}-release`),
            );
            const values = parse(r.stdout) as {
                workers: { replicas: number }[];
                commonEnv: { name: string; value?: string }[];
            };
            return [
                values.workers.map((w) => w.replicas),
                values.commonEnv.find((e) => e.name === "AWS_REGION")?.value,
            ];
        };
        assert.deepEqual(await replicas("primary"), [[3], "us-west-2"]);
        assert.deepEqual(await replicas("dr"), [[0], "us-east-2"]);
    });

    it("exits 1 with every validation error on stderr and nothing on stdout", async () => {
        const r = await render("--stack", "bad", "--stack-file", BAD);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, /^Invalid stack config for project 'astro-agent', stack 'bad'/);
        for (const key of [
            "resourceNamePrefix",
            "workers\\[0\\]\\.replics",
            "namespace",
            "image",
            "agentToken",
            "backend",
        ]) {
            assert.match(r.stderr, new RegExp(`\\n {2}- ${key}: `), `stderr names ${key}`);
        }
    });

    it("refuses to run without --stack", async () => {
        const r = await render();
        assert.equal(r.code, 2);
        assert.match(r.stderr, /usage: npm run render -- --stack NAME/);
    });
});

describe("npm run render reports what pulumi preview reports", () => {
    it("a secure: value where a name belongs: the preview's message, not the placeholder's format error", async () => {
        // A project folder with a stack whose commonEnv[1].name is `secure:` (passphrase "").
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-secure-name-"));
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const doc = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
            encryptionsalt: string;
            config: Record<string, unknown>;
        };
        const key = keyFromSalt("", doc.encryptionsalt);
        doc.config["astro-agent:commonEnv"] = [
            { name: "PLAIN_ONE", value: "a" },
            { name: { secure: encryptValue(key, "SECRET_NAME") }, value: "b" },
        ];
        const file = path.join(dir, "Pulumi.secname.yaml");
        fs.writeFileSync(file, stringify(doc));
        const out = await new Promise<Rendered>((resolve) => {
            execFile(
                process.execPath,
                [
                    "--require",
                    path.join(ROOT, "scripts", "lib", "register.cjs"),
                    path.join(ROOT, "scripts", "render.ts"),
                    "--stack",
                    "secname",
                    "--project-dir",
                    dir,
                ],
                { cwd: dir, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" } },
                (err, stdout, stderr) => {
                    resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
                },
            );
        });
        // What the program reports under the engine: decrypted values, the secret keys, the exact
        // secure leaves read from the stack file in the working directory.
        const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
        process.env.PULUMI_CONFIG_PASSPHRASE = "";
        const stack = readStackFile(dir, "secname", file);
        if (saved === undefined) {
            delete process.env.PULUMI_CONFIG_PASSPHRASE;
        } else {
            process.env.PULUMI_CONFIG_PASSPHRASE = saved;
        }
        assert.match(stack.config.commonEnv ?? "", /SECRET_NAME/, "the engine hands the program decrypted values");
        const expected = validateStackConfig({
            project: stack.project,
            stack: "secname",
            values: stack.config,
            secretKeys: new Set(stack.secretKeys),
            securePaths: secureLocations(stack.project, stack.config, new Set(stack.secretKeys), file),
        });
        assert.ok(!expected.ok);
        assert.equal(out.code, 1);
        const problem = expected.problems.find((p) => p.key === "commonEnv[1].name");
        assert.match(problem?.message ?? "", /is set with 'secure:' but is not a secret setting/);
        assert.ok(out.stderr.includes(`  - commonEnv[1].name: ${problem?.message ?? ""}`), out.stderr);
        assert.ok(!out.stderr.includes("SECRET_NAME"), "the secret value is not printed");
    });
});

describe("npm run render of a fleet whose kubeconfigs are secret config", () => {
    const FILE = path.join(ROOT, "tests", "fixtures", "stacks", "Pulumi.fleet-secure.yaml");
    function renderFleet(passphrase: string | undefined): Promise<Rendered> {
        const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_CONFIG_PASSPHRASE: passphrase };
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        if (passphrase === undefined) {
            delete env.PULUMI_CONFIG_PASSPHRASE;
        }
        return new Promise((resolve) => {
            execFile(
                process.execPath,
                [
                    "--require",
                    path.join(ROOT, "scripts", "lib", "register.cjs"),
                    path.join(ROOT, "scripts", "render.ts"),
                    ...["--stack", "fleet-secure", "--stack-file", FILE, "--cluster", "dr"],
                ],
                { cwd: ROOT, encoding: "utf8", env },
                (err, stdout, stderr) => {
                    resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
                },
            );
        });
    }
    const kubeconfigParts = /fleet-secure-kubeconfig-token|re-dr-(primary|standby)\.example|current-context/;

    for (const [what, passphrase] of [
        ["without the passphrase (placeholders)", undefined],
        ["with the passphrase (decrypted, as the engine hands them)", ""],
    ] as const) {
        it(`renders the cluster's values ${what}, printing no kubeconfig`, async () => {
            const r = await renderFleet(passphrase);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^# Chart values for stack 'fleet-secure'/);
            assert.match(r.stdout, /kubernetes:helm\.sh\/v3:Release\s+astro-agent-dr-release/);
            assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, kubeconfigParts);
        });
    }

    it("the fixture sets both kubeconfigs the documented way (secure values)", () => {
        const doc = parse(fs.readFileSync(FILE, "utf8")) as { config: Record<string, unknown> };
        const clusters = doc.config["astro-agent:clusters"] as { name: string; kubeconfig?: { secure?: string } }[];
        assert.deepEqual(
            clusters.map((c) => [c.name, typeof c.kubeconfig?.secure]),
            [
                ["primary", "string"],
                ["dr", "string"],
            ],
        );
    });
});
