// The four offline document printers as processes (scripts/lib/documentScript.ts is their command line):
// usage, a stack of another backend, and a full run whose JSON is the documents function's own output.
// The documents themselves are tested in aws/azure/gcp/vault.test.ts.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { readStackFile } from "../../scripts/lib/stackFile";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { vaultDocuments } from "../../scripts/vault-policy";
import agentProgram from "../../index";

const ROOT = path.join(__dirname, "..", "..");

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

function script(name: string, ...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["--require", path.join(ROOT, "scripts", "lib", "register.cjs"), path.join(ROOT, "scripts", name), ...args],
            { cwd: ROOT, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: undefined } },
            (err, stdout, stderr) => {
                resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : null, stdout, stderr });
            },
        );
    });
}

const SCRIPTS = ["aws-policy.ts", "azure-documents.ts", "gcp-policy.ts", "vault-policy.ts"];

describe("document printers (scripts/*-policy.ts, scripts/azure-documents.ts)", function () {
    this.timeout(60_000);
    let usage: Run[];
    let otherBackend: Run;
    let vault: Run;

    before(async () => {
        [usage, otherBackend, vault] = await Promise.all([
            Promise.all(SCRIPTS.map((s) => script(s))),
            script("azure-documents.ts", "--stack", "dev"),
            script(
                "vault-policy.ts",
                "--stack",
                "vault",
                "--set",
                "backend.address=https://openbao.internal.example:8200",
            ),
        ]);
    });

    it("without --stack: the usage naming the script, exit 2", () => {
        assert.deepEqual(
            usage.map((r) => [r.code, r.stdout, r.stderr]),
            SCRIPTS.map((s) => [2, "", `usage: npx tsx scripts/${s} --stack NAME [--stack-file FILE] [--set k.p=v]\n`]),
        );
    });

    it("a stack of another backend: why there is nothing to print, exit 1", () => {
        assert.deepEqual(otherBackend, {
            code: 1,
            stdout: "",
            stderr: "stack 'dev' creates no managed identity (backend.kind is not azure)\n",
        });
    });

    it("prints {stack, ...documents} of the stack with the --set overrides applied", async () => {
        const stackFile = readStackFile(ROOT, "vault");
        const backend = JSON.parse(stackFile.config.backend ?? "{}") as Record<string, unknown>;
        stackFile.config.backend = JSON.stringify({ ...backend, address: "https://openbao.internal.example:8200" });
        const { resources } = await runUnderMocks({ ...stackFile, program: agentProgram });
        assert.equal(vault.code, 0, vault.stderr);
        assert.equal(vault.stdout, `${JSON.stringify({ stack: "vault", ...vaultDocuments(resources) }, null, 2)}\n`);
        assert.match(vault.stdout, /"url": "https:\/\/openbao\.internal\.example:8200"/);
    });
});
