// Stack files that are not Pulumi config (not a mapping, `config:` a list, YAML errors, alias bombs):
// one message naming the file, `config` and the line, and `npm run render` exits 1.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import agentProgram from "../../index";
import { ConfigValidationError } from "../../config/errors";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { MAX_YAML_ALIASES, readStackFile, StackFileError } from "../../scripts/lib/stackFile";

const ROOT = path.join(__dirname, "..", "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-"));

function stackFile(name: string, text: string): string {
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, text);
    return file;
}

function readError(name: string, text: string): StackFileError {
    const file = stackFile(name, text);
    try {
        readStackFile(ROOT, name, file);
    } catch (err) {
        assert.ok(err instanceof StackFileError, `expected a StackFileError, got ${String(err)}`);
        assert.equal(err.file, file);
        return err;
    }
    assert.fail(`${name}: the stack file was accepted`);
}

const billionLaughs = [
    "config:",
    '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    "  astro-agent:extraValues: {x: [*e, *e, *e, *e, *e, *e, *e, *e, *e]}",
    "",
].join("\n");

describe("stack files", () => {
    const cases: [string, string, number, RegExp][] = [
        ["root-list", "- a\n- b\n", 1, /must be a YAML mapping with a 'config:' key, not a list/],
        ["root-scalar", "just text\n", 1, /must be a YAML mapping with a 'config:' key, not a string/],
        [
            "config-list",
            "config:\n  - astro-agent:namespace\n",
            2,
            /config: must be a mapping of 'astro-agent:<key>' to values, not a list/,
        ],
        [
            "config-scalar",
            "# a comment\nconfig: 42\n",
            2,
            /config: must be a mapping of 'astro-agent:<key>' to values, not the scalar 42/,
        ],
        ["syntax", "config:\n  astro-agent:namespace: a\n   bad: indentation\n", 2, /is not valid YAML: /],
        [
            "duplicate",
            "config:\n  astro-agent:namespace: a\n  astro-agent:namespace: b\n",
            3,
            /is not valid YAML: Map keys must be unique/,
        ],
        ["alias-bomb", billionLaughs, 3, new RegExp(`expands YAML aliases more than ${MAX_YAML_ALIASES} times`)],
        [
            "no-namespace",
            "config:\n  astro-agent:environment: dev\n  namespace: x\n",
            3,
            /config: the key 'namespace' has no namespace; .*write 'astro-agent:namespace'/,
        ],
        [
            "two-colons",
            "config:\n  astro-agent:workers:0: x\n",
            2,
            /config: the key 'astro-agent:workers:0' is not '<namespace>:<name>'/,
        ],
    ];
    for (const [name, text, line, message] of cases) {
        it(`${name}: one message with the file and line ${line}`, () => {
            const err = readError(name, text);
            assert.equal(err.line, line, err.message);
            assert.match(err.message, message);
            assert.ok(err.message.startsWith(`${err.file}:${line}: `), err.message);
            assert.equal(err.message.split("\n").length, 1);
        });
    }

    it("an empty stack file or an empty config block is no config", () => {
        for (const [name, text] of [
            ["empty", ""],
            ["null-config", "config:\n"],
            ["no-config", "encryptionsalt: v1:abc\n"],
        ]) {
            const read = readStackFile(ROOT, name ?? "", stackFile(name ?? "", text ?? ""));
            // Only what Pulumi.yaml sets for every stack (the provider's in-place Secret updates).
            assert.deepEqual(read.providerConfig, { "kubernetes:enableSecretMutable": "true" });
            assert.deepEqual(read.secretKeys, []);
        }
    });

    it("Pulumi.yaml's values of other namespaces reach the program, the stack file's own win (as in the CLI)", () => {
        const read = (name: string, text: string) => readStackFile(ROOT, name, stackFile(name, text)).providerConfig;
        assert.deepEqual(read("context", "config:\n  kubernetes:context: c1\n"), {
            "kubernetes:enableSecretMutable": "true",
            "kubernetes:context": "c1",
        });
        assert.deepEqual(read("override", "config:\n  kubernetes:enableSecretMutable: false\n"), {
            "kubernetes:enableSecretMutable": "false",
        });
    });

    it("hands scalars over as written, like the CLI: 007 and 1.30 stay strings", () => {
        const file = stackFile(
            "scalars",
            "config:\n  astro-agent:resourceNamePrefix: 007\n  astro-agent:podSecurityVersion: 1.30\n  astro-agent:restricted: false\n  astro-agent:config:taskLogsPath: /logs\n",
        );
        const read = readStackFile(ROOT, "scalars", file);
        assert.equal(read.config.resourceNamePrefix, "007");
        assert.equal(read.config.podSecurityVersion, "1.30");
        assert.equal(read.config.restricted, "false");
        assert.equal(read.config.taskLogsPath, "/logs");
    });

    it("carries other namespaces to the program, which reports misplaced keys and registers nothing", async () => {
        const file = stackFile(
            "foreign",
            fs
                .readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")
                .replace("  astro-agent:namespace:", "  astro_agent:namespace:")
                .replace("config:\n", "config:\n  kubernetes:namespace: default\n"),
        );
        const read = readStackFile(ROOT, "foreign", file);
        assert.equal(read.config.namespace, undefined);
        assert.equal(read.providerConfig["astro_agent:namespace"], "astro-agent-dev");
        const sink: RecordedResource[] = [];
        let error: unknown;
        try {
            await runUnderMocks({ ...read, program: agentProgram, sink });
        } catch (err) {
            error = err;
        }
        assert.ok(error instanceof ConfigValidationError, String(error));
        assert.deepEqual(
            error.problems.map((p) => p.key),
            ["astro_agent:namespace"],
        );
        assert.match(error.message, /did you mean 'astro-agent:namespace'\?/);
        assert.deepEqual(
            sink.filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
    });

    it("npm run render exits 1 with the one message on stderr and nothing on stdout", function () {
        this.timeout(60000);
        const file = stackFile("render-bad", "config:\n  - astro-agent:namespace\n");
        const r = spawnSync(
            process.execPath,
            [
                "--require",
                path.join(ROOT, "scripts", "lib", "register.cjs"),
                path.join(ROOT, "scripts", "render.ts"),
                "--stack",
                "render-bad",
                "--stack-file",
                file,
            ],
            { cwd: ROOT, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: undefined } },
        );
        assert.equal(r.status, 1, r.stderr);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, `${file}:2: config: must be a mapping of 'astro-agent:<key>' to values, not a list\n`);
    });
});
