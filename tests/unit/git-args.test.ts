// Git arguments (#28 item 3): `trackingRef` is judged by git's own ref-name rules, with the real
// `git check-ref-format --allow-onelevel` as the oracle over generated refs; and no Git-facing string
// (repoUrl, trackingRef, subdir, gitConnId) can start with '-', where git would read it as an option.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { validateStackConfig } from "../../chart/validate";
import { gitRef } from "../../schema/primitives";
import { baseValues, raw } from "../fixtures/config";

/** git's verdict on a ref that does not start with '-' (git itself would take that for an option). */
function gitAccepts(ref: string): boolean {
    const run = spawnSync("git", ["check-ref-format", "--allow-onelevel", ref], { encoding: "utf8" });
    assert.ok(run.status === 0 || run.status === 1, `git check-ref-format failed to run: ${run.stderr}`);
    return run.status === 0;
}

/** Characters the program refuses on top of git: invisible or non-ASCII whitespace (pasted text). */
const INVISIBLE = /[\u0085\u00a0\u00ad\u200b\u200e\u2028\ufeff]/;

/** Pieces refs are built from: ordinary text, every character and sequence git's rules name. */
const PIECE = fc.constantFrom(
    "main",
    "v1",
    "release",
    "a",
    "é",
    "/",
    "//",
    ".",
    "..",
    ".lock",
    "lock",
    "@",
    "@{",
    "{",
    "}",
    "-",
    "~",
    "^",
    ":",
    "?",
    "*",
    "[",
    "]",
    "\\",
    " ",
    "\t",
    "\u0001",
    "\u007f",
    "\u00a0",
    "\u200b",
    "\ufeff",
    "#",
    "+",
    "_",
    "0123abc",
);
const REF = fc.array(PIECE, { minLength: 0, maxLength: 6 }).map((pieces) => pieces.join(""));

describe("Git arguments", function () {
    this.timeout(120000);

    it("trackingRef: accepted exactly when git check-ref-format accepts it and it starts with no '-'", () => {
        let accepted = 0;
        let refused = 0;
        fc.assert(
            fc.property(REF, (ref) => {
                const expected = ref !== "" && !ref.startsWith("-") && !INVISIBLE.test(ref) && gitAccepts(ref);
                const ours = gitRef.safeParse(ref).success;
                assert.equal(ours, expected, `${JSON.stringify(ref)}: git says ${expected}, the schema ${ours}`);
                if (ours) {
                    accepted++;
                } else {
                    refused++;
                }
            }),
            { numRuns: 1500, seed: 28 },
        );
        // Both verdicts are exercised, each many times.
        assert.ok(accepted > 100 && refused > 100, `accepted ${accepted}, refused ${refused}`);
    });

    it("a ref starting with '-' is refused even where git's ref rules would take it", () => {
        fc.assert(
            fc.property(fc.stringMatching(/^[a-z0-9]{1,10}$/), (tail) => {
                assert.ok(gitAccepts(`x-${tail}`));
                assert.equal(gitRef.safeParse(`-${tail}`).success, false);
                assert.equal(gitRef.safeParse(`--output=${tail}`).success, false);
            }),
            { numRuns: 30, seed: 28 },
        );
    });

    /** Each Git-facing key, and how to put a value there. */
    const base = { type: "git", name: "dags", repoUrl: "https://github.com/example/dags.git", trackingRef: "main" };
    const KEYS: { key: string; bundle: (dash: string) => Record<string, unknown> }[] = [
        { key: "dagBundles[0].trackingRef", bundle: (v) => ({ ...base, trackingRef: v }) },
        { key: "dagBundles[0].subdir", bundle: (v) => ({ ...base, subdir: v }) },
        { key: "dagBundles[0].gitConnId", bundle: (v) => ({ ...base, gitConnId: v }) },
        { key: "dagBundles[0].repoUrl", bundle: (v) => ({ ...base, repoUrl: `${v}@github.com:example/dags.git` }) },
        {
            key: "dagBundles[0].repoUrl",
            bundle: (v) => ({ ...base, repoUrl: `ssh://${v}@github.com/example/dags.git` }),
        },
    ];

    it("every Git-facing key refuses a value starting with '-', naming the key", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...KEYS),
                fc.stringMatching(/^-{1,2}[a-z][a-zA-Z0-9=]{0,12}$/),
                ({ key, bundle }, dash) => {
                    const values = baseValues();
                    values.dagBundles = [bundle(dash)];
                    const result = validateStackConfig(raw(values));
                    if (result.ok) {
                        assert.fail(`${key}: '${dash}' was accepted`);
                    }
                    const hit = result.problems.find((p) => p.key === key);
                    assert.ok(hit !== undefined, `${key}: ${JSON.stringify(result.problems)}`);
                    assert.match(hit.message, /'-'/);
                },
            ),
            { numRuns: 40, seed: 28 },
        );
    });

    it("the message says what git accepts, with an example", () => {
        const values = baseValues();
        values.dagBundles = [{ ...base, trackingRef: "--output=/tmp/x" }];
        const result = validateStackConfig(raw(values));
        if (result.ok) {
            assert.fail("accepted");
        }
        const hit = result.problems.find((p) => p.key === "dagBundles[0].trackingRef");
        assert.equal(
            hit?.message,
            "starts with '-': git would read it as an option; expected the branch, tag or commit to track, a ref name git accepts (git check-ref-format: no space, '..', '@{', '~', '^', ':', '?', '*', '[' or '\\', no part starting with '.' or ending with '.lock', not starting with '-' or '/', not ending with '/' or '.'), for example 'main'",
        );
    });
});
