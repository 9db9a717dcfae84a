// `npm run render` as a process: the main job without credentials or a cluster.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..", "..");

function render(...args: string[]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "render.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PULUMI_CONFIG: undefined, PULUMI_CONFIG_SECRET_KEYS: undefined },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("render command", function () {
    this.timeout(60000);

    for (const stack of ["dev", "prod"]) {
        it(`prints helm-ready values and the plan for --stack ${stack}`, () => {
            const r = render("--stack", stack);
            assert.equal(r.code, 0, r.stderr);
            const values = parse(r.stdout) as Record<string, unknown>;
            assert.equal(values.createNamespace, false);
            assert.ok("openLineage" in values && "commonEnv" in values && "workers" in values);
            assert.match(r.stdout, /# Resource plan for stack '.+' \(\d+ resources\): type, name, parent/);
            assert.match(r.stdout, /#\s+kubernetes:helm\.sh\/v3:Release\s+astro-agent-release\s+astro-agent-release/);
            assert.doesNotMatch(r.stdout, /secret-placeholder|not-a-real-token/);
        });
    }

    it("renders the AWS prod stack without AWS credentials: Secrets Manager, kwargs, s3:// path, role annotation", () => {
        const r = render("--stack", "prod");
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

    it("writes the values to --out and only the plan to stdout", () => {
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "render-")), "values.yaml");
        const r = render("--stack", "dev", "--out", out);
        assert.equal(r.code, 0, r.stderr);
        const values = parse(fs.readFileSync(out, "utf8")) as Record<string, unknown>;
        assert.equal(values.resourceNamePrefix, "astro-dev");
        assert.match(r.stdout, /^# values written to /);
        assert.doesNotMatch(r.stdout, /resourceNamePrefix:/);
    });

    it("renders one cluster of a fleet with --cluster, and asks for it when it is missing", () => {
        const file = path.join(ROOT, "tests", "fixtures", "stacks", "Pulumi.fleet-dr.yaml");
        const missing = render("--stack", "fleet-dr", "--stack-file", file);
        assert.equal(missing.code, 2);
        assert.equal(missing.stdout, "");
        assert.match(missing.stderr, /deploys to several clusters: pass --cluster with one of 'primary', 'dr'/);
        const unknown = render("--stack", "fleet-dr", "--stack-file", file, "--cluster", "west");
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /no cluster 'west' in stack 'fleet-dr'; use one of 'primary', 'dr'/);
        const replicas = (cluster: string) => {
            const r = render("--stack", "fleet-dr", "--stack-file", file, "--cluster", cluster);
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
        assert.deepEqual(replicas("primary"), [[3], "us-west-2"]);
        assert.deepEqual(replicas("dr"), [[0], "us-east-2"]);
    });

    it("exits 1 with every validation error on stderr and nothing on stdout", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-bad-"));
        const bad = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(
            bad,
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
        const r = render("--stack", "bad", "--stack-file", bad);
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

    it("refuses to run without --stack", () => {
        const r = render();
        assert.equal(r.code, 2);
        assert.match(r.stderr, /usage: npm run render -- --stack NAME/);
    });
});
