// `npm run import` end to end with the toolchain's Pulumi CLI (no cluster): a values file with literal
// secrets becomes Pulumi.<NAME>.yaml whose text holds none of them, while `pulumi config get` returns
// each from secret config. The importer's own mapping is unit-tested (tests/unit/import.test.ts).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ROOT, useToolchain } from "./harness";

const FIXTURES = path.join(ROOT, "tests", "fixtures", "import");
const SCRIPT = path.join(ROOT, "scripts", "import.ts");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

/** Literal secrets of literal-secrets.yaml, read from the file (the token and a Vault AppRole secret_id). */
function literals(): { token: string; secretId: string; all: string[] } {
    const values = parse(fs.readFileSync(path.join(FIXTURES, "literal-secrets.yaml"), "utf8")) as {
        agentToken: string;
        commonEnv: { name: string; value?: string }[];
    };
    const kwargs = values.commonEnv.find((e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS");
    const secretId = (JSON.parse(kwargs?.value ?? "{}") as { secret_id?: string }).secret_id ?? "";
    return { token: values.agentToken.trim(), secretId, all: [values.agentToken.trim(), secretId] };
}

describe("npm run import (the script, real Pulumi CLI)", function () {
    this.timeout(300_000);
    before(function () {
        const missing = useToolchain();
        if (missing !== undefined) {
            if (process.env.CI === "true") {
                throw new Error(`import script e2e: ${missing}`);
            }
            this.skip();
        }
    });

    it("writes the stack with the literal secrets only in secret config (pulumi config get returns them)", () => {
        const { token, secretId, all } = literals();
        assert.ok(token.length > 10 && secretId.length > 10, "the fixture has a literal token and secret_id");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-e2e-"));
        try {
            const project = path.join(dir, "project");
            fs.mkdirSync(project);
            fs.mkdirSync(path.join(dir, "state"));
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
            const env = {
                ...process.env,
                PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
                PULUMI_CONFIG_PASSPHRASE: "import-test",
                PULUMI_SKIP_UPDATE_CHECK: "true",
            };
            const values = path.join(FIXTURES, "literal-secrets.yaml");
            const r = spawnSync(TSX, [SCRIPT, "--values", values, "--stack", "imported"], {
                cwd: project,
                encoding: "utf8",
                env,
            });
            assert.equal(r.status, 0, r.stderr + r.stdout);
            const text = fs.readFileSync(path.join(project, "Pulumi.imported.yaml"), "utf8");
            for (const literal of all) {
                assert.ok(!text.includes(literal), `stack file holds ${literal.slice(0, 6)}…`);
                assert.ok(!r.stdout.includes(literal) && !r.stderr.includes(literal), "output shows a secret");
            }
            const get = (...key: string[]) =>
                spawnSync("pulumi", ["config", "get", ...key, "--stack", "imported", "--non-interactive"], {
                    cwd: project,
                    encoding: "utf8",
                    env,
                }).stdout.trim();
            assert.equal(get("agentToken"), token);
            assert.equal(get("--path", "backend.secretBackendKwargs.secret_id"), secretId);
            assert.match(r.stdout, /Semantic diff/);
            assert.doesNotMatch(r.stdout, /UNEXPLAINED/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
