// The four offline document printers as processes (scripts/lib/documentScript.ts is their command line):
// usage, a stack of another backend, and a full run whose JSON is the documents function's own output.
// The documents themselves are tested in aws/azure/gcp/vault.test.ts.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { encryptValue, keyFromSalt } from "../../scripts/lib/passphrase";
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

    it("--set on a key holding secure values: the program still proves where they are (the stack file it reads carries the override)", async () => {
        // The program takes a secret key's exact `secure:` leaves from the stack file only when the file
        // says what the program was handed; an override the file did not say made the whole key secret.
        const doc = parse(fs.readFileSync(path.join(ROOT, "Pulumi.vault.yaml"), "utf8")) as {
            encryptionsalt?: string;
            config: Record<string, { kv: Record<string, unknown> }>;
        };
        const salt = (parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { encryptionsalt: string })
            .encryptionsalt;
        doc.encryptionsalt = salt;
        const backend = doc.config["astro-agent:backend"];
        assert.ok(backend);
        backend.kv.variables = { proof_var: { secure: encryptValue(keyFromSalt("", salt), "seeded-value") } };
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "doc-script-")), "Pulumi.vault.yaml");
        fs.writeFileSync(file, stringify(doc));
        const r = await script(
            "vault-policy.ts",
            "--stack",
            "vault",
            "--stack-file",
            file,
            "--set",
            "backend.address=https://openbao.internal.example:8200",
        );
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /"url": "https:\/\/openbao\.internal\.example:8200"/);
        assert.doesNotMatch(r.stdout, /seeded-value/);
    });
});
