// Where `secure:` values are (config/secureLocations.ts) and stack files that are not what they seem
// (config/stackYaml.ts, read by the program and by scripts/lib/stackFile.ts alike).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { validateStackConfig } from "../../chart/validate";
import { stackFileProblems } from "../../config/load";
import type { ConfigPath } from "../../config/secrecy";
import { normalizeConfigKey, provenSecureLeaves, secureLocations } from "../../config/secureLocations";
import { invalidUtf8Offset } from "../../config/stackYaml";
import { readStackFile, StackFileError } from "../../scripts/lib/stackFile";
import { baseValues, configStrings, PROJECT } from "../fixtures/config";

const ROOT = path.join(__dirname, "..", "..");
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), "astro-secure-locations-"));
const SECURE = "v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==";

function write(name: string, content: string | Uint8Array): string {
    const file = path.join(DIR, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, content);
    return file;
}

function readError(file: string): StackFileError {
    try {
        readStackFile(ROOT, "x", file);
    } catch (err) {
        if (err instanceof StackFileError) {
            return err;
        }
        throw err;
    }
    assert.fail(`${file} was read`);
}

describe("stack files that are not what they seem", () => {
    const TAG_FIX =
        "which is not in YAML's core schema: the Pulumi CLI would decode it into something other than what the file shows; remove the tag and write the value as a plain string, number, list or mapping";
    const cases: [string, string | Uint8Array, string][] = [
        [
            "utf8",
            Buffer.concat([
                Buffer.from("config:\n  astro-agent:namespace: ok\n  astro-agent:image: caf"),
                Buffer.from([0xe9, 0x0a]),
            ]),
            "3: is not valid UTF-8 (byte 0xe9 at offset 60); save the file as UTF-8",
        ],
        [
            "python",
            "config:\n  astro-agent:namespace: ok\n  astro-agent:astro: !!python/object:os.system {a: 1}\n",
            `3: has the YAML tag !!python/object:os.system, ${TAG_FIX}`,
        ],
        ["binary", "config:\n  astro-agent:image: !!binary aGVsbG8=\n", `2: has the YAML tag !!binary, ${TAG_FIX}`],
        ["local", "config:\n  astro-agent:workers:\n    - name: !local a\n", `3: has the YAML tag !local, ${TAG_FIX}`],
        [
            "nan",
            "config:\n  astro-agent:workers:\n    - name: a\n      replicas: .nan\n",
            `4: config: 'astro-agent:workers' holds .nan, a special YAML float the Pulumi CLI cannot pass to a program ('pulumi preview' fails with "json: unsupported value"); quote it to make it a string`,
        ],
        [
            "inf-alias",
            "x: &big -.Inf\nconfig:\n  astro-agent:environment: dev\n  astro-agent:xcom: {threshold: *big}\n",
            `4: config: 'astro-agent:xcom' holds -.Inf, a special YAML float the Pulumi CLI cannot pass to a program ('pulumi preview' fails with "json: unsupported value"); quote it to make it a string`,
        ],
    ];
    for (const [name, content, expected] of cases) {
        it(`${name}: refused with the file and line, by render and by the program alike`, () => {
            const file = write(name, content);
            const err = readError(file);
            assert.equal(err.message, `${file}:${expected}`);
            const [line, ...rest] = expected.split(": ");
            const problems = stackFileProblems(file);
            assert.deepEqual(problems, [
                { key: `${path.relative(process.cwd(), file)}:${line ?? ""}`, message: rest.join(": ") },
            ]);
        });
    }

    it("reports every such problem at once, each with its line", () => {
        const file = write(
            "several",
            "config:\n  astro-agent:a: !!binary aGk=\n  astro-agent:b: [.inf]\n  astro-agent:c: !x y\n",
        );
        const err = readError(file);
        assert.deepEqual(
            err.message.split("\n").map((l) => l.slice(0, file.length + 3)),
            [2, 3, 4].map((n) => `${file}:${n}:`),
        );
        assert.equal(stackFileProblems(file).length, 3);
    });

    it("core-schema tags, quoted special floats and YAML 1.1 words are read as the CLI reads them", () => {
        const file = write(
            "plain",
            "config:\n  astro-agent:namespace: !!str abc\n  astro-agent:annotations: {a: '.nan', b: yes, c: !!str 1}\n",
        );
        const read = readStackFile(ROOT, "plain", file);
        assert.deepEqual(JSON.parse(read.config.annotations ?? ""), { a: ".nan", b: "yes", c: "1" });
        assert.deepEqual(stackFileProblems(file), []);
    });

    it("the program refuses the stack file's problems like bad config (key: file and line)", () => {
        const file = write("program", "config:\n  astro-agent:image: !!binary aGVsbG8=\n");
        const r = validateStackConfig({
            project: PROJECT,
            stack: "dev",
            values: configStrings(baseValues()),
            secretKeys: new Set(["agentToken", "imagePullCredentials"]),
            stackFileProblems: stackFileProblems(file),
        });
        assert.ok(!r.ok);
        assert.ok(
            r.problems.some((p) => p.key === `${path.relative(process.cwd(), file)}:2` && /!!binary/.test(p.message)),
        );
    });

    it("invalid UTF-8 is found where Node's strict decoder fails (generated byte strings)", () => {
        const decoder = new TextDecoder("utf-8", { fatal: true });
        const decodes = (b: Uint8Array) => {
            try {
                decoder.decode(b);
                return true;
            } catch {
                return false;
            }
        };
        const bytes = fc.oneof(
            fc.uint8Array({ maxLength: 12 }),
            fc.string({ unit: "binary", maxLength: 8 }).map((s) => new Uint8Array(Buffer.from(s))),
            fc
                .tuple(fc.string({ unit: "binary", maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 3 }))
                .map(([s, tail]) => new Uint8Array([...Buffer.from(s), ...tail])),
        );
        fc.assert(
            fc.property(bytes, (b) => {
                const at = invalidUtf8Offset(b);
                assert.equal(at === undefined, decodes(b));
                if (at !== undefined) {
                    assert.ok(decodes(b.slice(0, at)), "everything before the reported byte is valid");
                }
            }),
            { numRuns: 3000 },
        );
    });
});

/** A JSON-like value. */
const jsonValue = fc.letrec((tie) => ({
    value: fc.oneof(
        { depthSize: "small" },
        fc.string({ maxLength: 6 }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), tie("value"), { maxKeys: 3 }),
    ),
})).value;

/** Every scalar leaf path of a value. */
function leafPaths(v: unknown, p: ConfigPath = []): ConfigPath[] {
    if (Array.isArray(v)) {
        return v.flatMap((x, i) => leafPaths(x, [...p, i]));
    }
    if (v !== null && typeof v === "object") {
        return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...p, k]));
    }
    return [p];
}

function setAt(root: unknown, p: ConfigPath, value: unknown): unknown {
    if (p.length === 0) {
        return value;
    }
    const [head, ...rest] = p;
    const node = root as Record<string | number, unknown>;
    node[head as string | number] = setAt(node[head as string | number], rest, value);
    return root;
}

describe("secure locations: the engine's value proves the stack file's `secure:` leaves", () => {
    it("normalises keys exactly as the Pulumi SDK does (generated keys in both spellings the CLI accepts)", () => {
        const part = fc.oneof(fc.constant("config"), fc.stringMatching(/^[a-zA-Z-]{1,8}$/));
        const key = fc
            .tuple(part, fc.boolean(), part)
            .map(([ns, legacy, name]) => `${ns}:${legacy ? "config:" : ""}${name}`);
        fc.assert(
            fc.property(key, (k) => {
                pulumi.runtime.setAllConfig({ [k]: "v" });
                assert.deepEqual(Object.keys(pulumi.runtime.allConfig()), [normalizeConfigKey(k)]);
            }),
            { numRuns: 500 },
        );
        pulumi.runtime.setAllConfig({});
    });

    it("exact leaves are exactly the secure ones when the plain parts match; any difference is unproven (generated values)", () => {
        fc.assert(
            fc.property(jsonValue, fc.infiniteStream(fc.boolean()), fc.nat(), (value, picks, mutateAt) => {
                const leaves = leafPaths(value).filter((p) => p.length > 0);
                const chosen = leaves.filter(() => picks.next().value as boolean);
                const file = structuredClone(value);
                const engine = structuredClone(value);
                for (const p of chosen) {
                    setAt(file, p, { secure: SECURE });
                    setAt(engine, p, "decrypted");
                }
                assert.deepEqual(
                    (provenSecureLeaves(file, engine) ?? []).map((p) => JSON.stringify(p)).sort(),
                    chosen.map((p) => JSON.stringify(p)).sort(),
                );
                // A plain leaf that differs in value or JSON type (1 vs "1") proves nothing.
                const plain = leaves.filter((p) => !chosen.includes(p));
                const target = plain[mutateAt % Math.max(plain.length, 1)];
                if (target !== undefined) {
                    const changed = structuredClone(engine);
                    const was = leafPaths(engine).includes(target) ? getAt(engine, target) : undefined;
                    setAt(changed, target, typeof was === "string" ? `${was}!` : String(was));
                    assert.equal(provenSecureLeaves(file, changed), undefined);
                }
            }),
            { numRuns: 400 },
        );
    });

    const values = {
        commonEnv: [
            { name: "A", value: "secret-a" },
            { name: "B", value: "plain-b" },
        ],
    };
    const engine = { commonEnv: JSON.stringify(values.commonEnv) };
    const secretKeys = new Set(["commonEnv"]);
    const exact = new Map([["commonEnv", [["commonEnv", 0, "value"]]]]);
    const located = (yaml: string) => secureLocations(PROJECT, engine, secretKeys, write("located", yaml));
    const entryA = `{name: A, value: {secure: "${SECURE}"}}`;

    for (const [what, yaml] of [
        ["the usual spelling", `config:\n  astro-agent:commonEnv: [${entryA}, {name: B, value: plain-b}]\n`],
        ["the legacy spelling", `config:\n  astro-agent:config:commonEnv: [${entryA}, {name: B, value: plain-b}]\n`],
        [
            "both spellings (the later wins, as in the CLI)",
            `config:\n  astro-agent:commonEnv: [{name: X}]\n  astro-agent:config:commonEnv: [${entryA}, {name: B, value: plain-b}]\n`,
        ],
        [
            "anchors and merge keys",
            `x: &a ${entryA}\nconfig:\n  astro-agent:commonEnv:\n    - <<: *a\n    - {name: B, value: plain-b}\n`,
        ],
        [
            "block style",
            `config:\n  astro-agent:commonEnv:\n    - name: A\n      value:\n        secure: ${SECURE}\n    - name: B\n      value: plain-b\n`,
        ],
    ] as const) {
        it(`${what}: exact leaves`, () => {
            assert.deepEqual(located(yaml), exact);
        });
    }

    for (const [what, yaml] of [
        ["no stack file value for the key", "config:\n  astro-agent:namespace: x\n"],
        ["a plain part differs", `config:\n  astro-agent:commonEnv: [${entryA}, {name: B, value: other}]\n`],
        [
            "a number where the engine has a string",
            `config:\n  astro-agent:commonEnv: [${entryA}, {name: B, value: 1}]\n`,
        ],
        [
            "the later spelling is not the engine's value",
            `config:\n  astro-agent:config:commonEnv: [${entryA}, {name: B, value: plain-b}]\n  astro-agent:commonEnv: [{name: X}]\n`,
        ],
        [
            "a special float elsewhere in the file",
            `config:\n  astro-agent:commonEnv: [${entryA}, {name: B, value: plain-b}]\n  astro-agent:x: .inf\n`,
        ],
        [
            "no secure leaf at all",
            "config:\n  astro-agent:commonEnv: [{name: A, value: secret-a}, {name: B, value: plain-b}]\n",
        ],
    ] as const) {
        it(`${what}: unknown (the whole key is secret)`, () => {
            assert.deepEqual(located(yaml), new Map([["commonEnv", "unknown"]]));
        });
    }

    it("no stack file: every secret key unknown", () => {
        assert.deepEqual(
            secureLocations(PROJECT, engine, secretKeys, path.join(DIR, "missing.yaml")),
            new Map([["commonEnv", "unknown"]]),
        );
    });
});

function getAt(root: unknown, p: ConfigPath): unknown {
    return p.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], root);
}
