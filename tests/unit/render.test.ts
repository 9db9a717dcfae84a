// `npm run render` as a process: the main job without credentials or a cluster. Every invocation is a
// real process; the distinct ones start together in `before` (they overlap on the cores) and each test
// awaits its own, identical ones run once.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..", "..");

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

    it("writes the values to --out and only the plan to stdout", async () => {
        const r = await render("--stack", "dev", "--out", OUT);
        assert.equal(r.code, 0, r.stderr);
        const values = parse(fs.readFileSync(OUT, "utf8")) as Record<string, unknown>;
        assert.equal(values.resourceNamePrefix, "astro-dev");
        assert.match(r.stdout, /^# values written to /);
        assert.doesNotMatch(r.stdout, /resourceNamePrefix:/);
    });

    it("renders one cluster of a fleet with --cluster, and asks for it when it is missing", async () => {
        const file = path.join(ROOT, "tests", "fixtures", "stacks", "Pulumi.fleet-dr.yaml");
        const missing = await render("--stack", "fleet-dr", "--stack-file", file);
        assert.equal(missing.code, 2);
        assert.equal(missing.stdout, "");
        assert.match(missing.stderr, /deploys to several clusters: pass --cluster with one of 'primary', 'dr'/);
        const unknown = await render("--stack", "fleet-dr", "--stack-file", file, "--cluster", "west");
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /no cluster 'west' in stack 'fleet-dr'; use one of 'primary', 'dr'/);
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
