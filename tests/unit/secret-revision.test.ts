// The rollout annotation's value (config/secretRevision.ts): a digest of the stack file's `secure:`
// ciphertexts, known at preview, never of a secret value; the resourceVersion digest when some secret
// value has no ciphertext in the stack file.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import agentProgram from "../../index";
import type { ConfigPath } from "../../config/secrecy";
import { secretRevision } from "../../config/secretRevision";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { baseValues, configStrings, PROJECT, stackFileWithSecure } from "../fixtures/config";
import * as fs from "node:fs";

const ANNOTATION = "astronomer.io/managed-secrets-version";

const step = fc.oneof(fc.constantFrom("agentToken", "clusters", "a", "b", "password"), fc.nat({ max: 2 }));
const leafArb = fc.array(step, { minLength: 1, maxLength: 4 });
const ciphertextArb = fc.stringMatching(/^v1:[A-Za-z0-9]{4,12}$/);

/** Whether the ciphertexts hold `leaf`: one at the leaf or at a prefix of it (computed here, not by the code under test). */
function held(leaf: ConfigPath, ciphertexts: ReadonlyMap<string, string>): boolean {
    return leaf.some((_, i) => ciphertexts.has(JSON.stringify(leaf.slice(0, i + 1))));
}

describe("secret revision: a digest of the stack file's ciphertexts", () => {
    it("is defined exactly when every leaf outside clusters has a ciphertext at it or a prefix", () => {
        fc.assert(
            fc.property(
                fc.array(leafArb, { maxLength: 6 }),
                fc.array(fc.tuple(leafArb, ciphertextArb), { maxLength: 8 }),
                (leaves, entries) => {
                    const ciphertexts = new Map(entries.map(([p, c]) => [JSON.stringify(p), c]));
                    const expected = leaves.every((l) => l[0] === "clusters" || held(l, ciphertexts));
                    const revision = secretRevision(leaves, ciphertexts);
                    assert.equal(revision !== undefined, expected);
                    if (revision !== undefined) {
                        assert.match(revision, /^[0-9a-f]{16}$/);
                    }
                },
            ),
            { numRuns: 500 },
        );
    });

    it("changes when a ciphertext holding a leaf changes; not for others, nor for insertion order", () => {
        fc.assert(
            fc.property(
                fc.uniqueArray(leafArb, { minLength: 1, maxLength: 5, selector: (l) => JSON.stringify(l) }),
                fc.array(ciphertextArb, { minLength: 5, maxLength: 5 }),
                fc.nat(),
                ciphertextArb,
                (leaves, texts, pick, other) => {
                    // Every leaf held at its own path, each by its own ciphertext.
                    const entries = leaves.map((l, i): [string, string] => [
                        JSON.stringify(l),
                        `${texts[i] ?? ""}#${i}`,
                    ]);
                    const ciphertexts = new Map(entries);
                    const revision = secretRevision(leaves, ciphertexts);
                    const counted = leaves.filter((l) => l[0] !== "clusters");
                    assert.equal(secretRevision(leaves, new Map([...entries].reverse())), revision);
                    // A ciphertext nothing reads (a path that is no leaf nor a prefix of one).
                    assert.equal(
                        secretRevision(leaves, new Map([...entries, [JSON.stringify(["unrelated", pick]), other]])),
                        revision,
                    );
                    const i = pick % leaves.length;
                    const leaf = leaves[i] as ConfigPath;
                    const rotated = new Map(ciphertexts).set(JSON.stringify(leaf), `${other}#rotated`);
                    const after = secretRevision(leaves, rotated);
                    if (leaf[0] === "clusters" || counted.length === 0) {
                        assert.equal(after, revision, "a kubeconfig ciphertext does not roll the pods");
                    } else {
                        assert.notEqual(after, revision, `rotating ${JSON.stringify(leaf)} changes the revision`);
                    }
                },
            ),
            { numRuns: 300 },
        );
    });
});

describe("secret revision: the program's rollout annotation", () => {
    const securePaths = [["agentToken"], ["imagePullCredentials", "password"]];

    /** The release's annotation for a run with `values`, reading `file` (undefined: no stack file). */
    async function annotation(values: Record<string, unknown>, file: string | undefined, preview: boolean) {
        const secretKeys = ["agentToken", "imagePullCredentials"];
        const run = await runUnderMocks({
            project: PROJECT,
            stack: "dev",
            config: configStrings(values),
            secretKeys,
            program: agentProgram,
            preview,
            ...(file === undefined ? {} : { file }),
        });
        const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
        const annotations = (release?.inputs.values as { annotations?: Record<string, string> } | undefined)
            ?.annotations;
        return annotations?.[ANNOTATION];
    }

    /** The stack file of `values` with its secure leaves, the token's ciphertext replaced by `tokenCiphertext`. */
    function stackFile(values: Record<string, unknown>, tokenCiphertext: string): string {
        const { file } = stackFileWithSecure(values, securePaths);
        const text = fs.readFileSync(file, "utf8");
        // stackFileWithSecure writes the same dummy for every leaf: give the token its own.
        const rewritten = text.replace(
            /(astro-agent:agentToken:\n\s+secure: )(\S+)/,
            (_all, head: string) => `${head}${tokenCiphertext}`,
        );
        assert.notEqual(rewritten, text, "the token's ciphertext was replaced");
        fs.writeFileSync(file, rewritten);
        return file;
    }

    it("is known at preview from the stack file, follows the token's ciphertext and not its value", async () => {
        const values = baseValues();
        const a = await annotation(values, stackFile(values, "v1:AAAAAAAAAAAAAAAA:first"), true);
        assert.match(a ?? "", /^[0-9a-f]{16}$/, "known at preview");
        const rotated = await annotation(values, stackFile(values, "v1:AAAAAAAAAAAAAAAA:second"), true);
        assert.match(rotated ?? "", /^[0-9a-f]{16}$/);
        assert.notEqual(rotated, a, "a new ciphertext (a rotation) changes the annotation");
        // Another plaintext behind the same ciphertext: the annotation cannot depend on the value.
        const other = { ...baseValues(), agentToken: "another-token-value-1d2e3f" };
        assert.equal(await annotation(other, stackFile(values, "v1:AAAAAAAAAAAAAAAA:first"), true), a);
        // The same file at `up`: the same value, so nothing rolls twice.
        assert.equal(await annotation(values, stackFile(values, "v1:AAAAAAAAAAAAAAAA:first"), false), a);
    });

    it("without a stack file (values from Outputs or an environment) it follows the Secrets' resourceVersions", async () => {
        const values = baseValues();
        const fromFile = await annotation(values, stackFile(values, "v1:AAAAAAAAAAAAAAAA:first"), true);
        const a = await annotation(values, undefined, true);
        // The mocks never change a resourceVersion: a rotation without a ciphertext shows only once
        // `up` wrote the Secret, never from the value.
        assert.match(a ?? "", /^[0-9a-f]{16}$/);
        assert.notEqual(a, fromFile);
        assert.equal(await annotation({ ...values, agentToken: "another-token-value-1d2e3f" }, undefined, true), a);
    });
});
