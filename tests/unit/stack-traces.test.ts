// program/stackTraces.ts: the cache in front of the installed stack-trace formatter gives the text the
// formatter gives, formats each distinct message-less stack once, and leaves every other error alone.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { inspect } from "node:util";
import fc from "fast-check";
import agentProgram from "../../index";
import { ConfigValidationError, UNINSPECTABLE_FRAME } from "../../config/errors";
import { cacheStackTraces, STACK_CACHE_LIMIT } from "../../program/stackTraces";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";

const ROOT = path.join(__dirname, "..", "..");

const CACHED = Symbol.for("astro-agent.cachedStackTraces");

type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/** V8's hook, read and set as a plain property (it is called unbound). */
const hook = Error as { prepareStackTrace?: Formatter & { [CACHED]?: true } };

/** Runs `body` with `formatter` installed, then puts the previous one back. */
function withFormatter<T>(formatter: Formatter | undefined, body: () => T): T {
    const saved = hook.prepareStackTrace;
    hook.prepareStackTrace = formatter;
    try {
        return body();
    } finally {
        hook.prepareStackTrace = saved;
    }
}

/** A formatter like V8's own, counting its calls. */
function counting(): { formatter: Formatter; calls: () => number } {
    let calls = 0;
    return {
        formatter: (error, frames) => {
            calls++;
            const at = (f: NodeJS.CallSite) =>
                `${f.getFunctionName() ?? "<anonymous>"} (${f.getFileName()}:${f.getLineNumber()}:${f.getColumnNumber()})`;
            return `${String(error)}${frames.map((f) => `\n    at ${at(f)}`).join("")}`;
        },
        calls: () => calls,
    };
}

/**
 * A formatter like source-map-support with the Pulumi SDK's maps: frames of this file are printed at
 * `<dir>/node_modules/@pulumi/resource.ts` (its maps name `../resource.ts`), others as V8 prints them.
 */
function mappingIntoScope(): Formatter {
    return (error, frames) =>
        `${String(error)}${frames
            .map((f) =>
                f.getFileName() === __filename
                    ? `\n    at ${f.getFunctionName() ?? "<anonymous>"} (${path.join(ROOT, "node_modules", "@pulumi", "resource.ts")}:${f.getLineNumber()}:${f.getColumnNumber()})`
                    : // eslint-disable-next-line @typescript-eslint/no-base-to-string -- V8's rendering of the frame
                      `\n    at ${String(f)}`,
            )
            .join("")}`;
}

/**
 * Node 20's `markNodeModules` (lib/internal/util/inspect.js, what coloured `util.inspect` runs over
 * each stack line), step for step, stopped after `limit` rounds: false when it would not finish.
 */
function nodeMarkFinishes(line: string, limit = 100): boolean {
    let searchFrom = 0;
    for (let round = 0; round < limit; round++) {
        const at = line.indexOf("node_modules", searchFrom);
        if (at === -1) {
            return true;
        }
        const separator = line[at - 1];
        const after = line[at + 12];
        if ((after !== "/" && after !== "\\") || (separator !== "/" && separator !== "\\")) {
            searchFrom = at + 1;
            continue;
        }
        const moduleStart = at + 13;
        let moduleEnd = line.indexOf(separator, moduleStart);
        if (line[moduleStart] === "@") {
            moduleEnd = line.indexOf(separator, moduleEnd + 1);
        }
        searchFrom = moduleEnd;
    }
    return false;
}

function captureHere(): string | undefined {
    return new Error().stack;
}

describe("stack trace cache (program/stackTraces.ts)", () => {
    it("formats a repeated message-less stack once, with the formatter's own text", () => {
        const { formatter, calls } = counting();
        withFormatter(formatter, () => {
            assert.equal(cacheStackTraces(), true);
            const cached = hook.prepareStackTrace;
            // From one line (a stack includes its caller): three times through the cache, then once
            // straight through the formatter.
            const stacks: (string | undefined)[] = [];
            for (const f of [cached, cached, cached, formatter]) {
                hook.prepareStackTrace = f;
                stacks.push(captureHere());
            }
            assert.equal(calls(), 2, "once for the three through the cache, once without it");
            assert.equal(new Set(stacks).size, 1, "the same text either way");
            assert.match(stacks[0] ?? "", /^Error\n {4}at captureHere \(.*stack-traces\.test\.ts:\d+:\d+\)/);
        });
    });

    it("keeps distinct stacks apart: another call site is formatted again", () => {
        const { formatter, calls } = counting();
        withFormatter(formatter, () => {
            cacheStackTraces();
            const a = captureHere();
            const b = (() => new Error().stack)();
            assert.notEqual(a, b);
            assert.equal(calls(), 2);
        });
    });

    it("passes errors with a message, a name or a subclass straight to the formatter", () => {
        const { formatter, calls } = counting();
        withFormatter(formatter, () => {
            cacheStackTraces();
            const withMessage = [1, 2].map(() => new Error("boom").stack);
            const named = [1, 2].map(() => {
                const e = new Error();
                e.name = "Custom";
                return e.stack;
            });
            const sub = [1, 2].map(() => new TypeError().stack);
            assert.equal(calls(), 6);
            assert.match(withMessage[0] ?? "", /^Error: boom\n/);
            assert.match(named[0] ?? "", /^Custom\n/);
            assert.match(sub[0] ?? "", /^TypeError\n/);
        });
    });

    it("installs once, and not at all without a formatter", () => {
        const { formatter } = counting();
        withFormatter(formatter, () => {
            assert.equal(cacheStackTraces(), true);
            const installed = hook.prepareStackTrace;
            assert.equal(cacheStackTraces(), false);
            assert.equal(hook.prepareStackTrace, installed);
        });
        withFormatter(undefined, () => {
            assert.equal(cacheStackTraces(), false);
            assert.equal(hook.prepareStackTrace, undefined);
        });
    });

    it(`keeps at most ${STACK_CACHE_LIMIT} stacks; beyond that, stacks are formatted every time`, () => {
        const { formatter, calls } = counting();
        withFormatter(formatter, () => {
            cacheStackTraces();
            // Distinct stacks: each from its own evaluated script (its own file name in the frame).
            const capture = Array.from(
                { length: STACK_CACHE_LIMIT + 1 },
                // eslint-disable-next-line @typescript-eslint/no-implied-eval -- one script per stack, on purpose
                (_, i) => new Function(`return new Error().stack;\n//# sourceURL=stack-${i}.js`) as () => string,
            );
            // Every call from this one line (a stack includes its caller): each script once, then the
            // first again (kept), then the last twice (past the limit: formatted each time).
            const order = [...capture.keys(), 0, STACK_CACHE_LIMIT, STACK_CACHE_LIMIT];
            const formatted: number[] = [];
            for (const i of order) {
                const before = calls();
                capture[i]?.();
                formatted.push(calls() - before);
            }
            assert.deepEqual(formatted.slice(0, STACK_CACHE_LIMIT + 1), Array(STACK_CACHE_LIMIT + 1).fill(1));
            assert.deepEqual(formatted.slice(STACK_CACHE_LIMIT + 1), [0, 1, 1]);
        });
    });

    it("UNINSPECTABLE_FRAME matches every stack line Node 20's coloured inspect never finishes (generated)", () => {
        const segment = fc.constantFrom("node_modules", "@pulumi", "@s", "pulumi", "resource.ts", "a.js:1:2)", "x");
        fc.assert(
            fc.property(
                fc.constantFrom("/", "\\"),
                fc.array(segment, { minLength: 1, maxLength: 6 }),
                fc.constantFrom("    at f (", "    at ", "    at async g ("),
                (sep, segments, prefix) => {
                    const line = `${prefix}${sep}${segments.join(sep)}`;
                    // It may match a few more (a frame printed as V8 prints it is still right).
                    if (!nodeMarkFinishes(line)) {
                        assert.ok(UNINSPECTABLE_FRAME.test(line), line);
                    }
                },
            ),
            { seed: 25, numRuns: 2000 },
        );
        assert.equal(nodeMarkFinishes("    at x (/p/node_modules/@pulumi/resource.ts:1598:22)"), false);
        assert.equal(nodeMarkFinishes("    at x (/p/node_modules/@pulumi/pulumi/resource.js:1:1)"), true);
        assert.equal(UNINSPECTABLE_FRAME.test("    at x (/p/node_modules/@pulumi/pulumi/resource.js:1:1)"), false);
        assert.equal(UNINSPECTABLE_FRAME.test("    at x (/p/node_modules/yaml/dist/index.js:1:1)"), false);
    });

    it("prints a frame mapped into a scoped package's folder as V8 prints it, so the error inspects with colours", () => {
        withFormatter(mappingIntoScope(), () => {
            cacheStackTraces();
            const error = new TypeError("boom");
            const stack = error.stack ?? "";
            const lines = stack.split("\n");
            assert.equal(lines[0], "TypeError: boom");
            assert.deepEqual(
                lines.filter((l) => UNINSPECTABLE_FRAME.test(l)),
                [],
                "no line Node 20's inspect loops on",
            );
            // The first frame (this test) as V8 renders it: this file, not the mapped path.
            assert.match(lines[1] ?? "", /^ {4}at .*stack-traces\.test\.ts:\d+:\d+\)?$/);
            assert.match(inspect(error, { colors: true }), /TypeError: boom/);
            // Message-less errors (the cached path) too.
            assert.deepEqual(
                (captureHere() ?? "").split("\n").filter((l) => UNINSPECTABLE_FRAME.test(l)),
                [],
            );
        });
    });

    it("ConfigValidationError leaves such frames out of its stack in any program (no cache installed)", () => {
        withFormatter(mappingIntoScope(), () => {
            const error = new ConfigValidationError(
                [{ key: "logLevel", message: "must be one of 'INFO', …" }],
                "Invalid stack config (1 problem):",
            );
            const lines = (error.stack ?? "").split("\n");
            assert.deepEqual(lines.slice(0, 2), [
                "ConfigValidationError: Invalid stack config (1 problem):",
                "  - logLevel: must be one of 'INFO', …",
            ]);
            assert.deepEqual(
                lines.filter((l) => UNINSPECTABLE_FRAME.test(l)),
                [],
            );
            assert.ok(lines.length > 2, "frames outside node_modules/@scope/ are kept");
            assert.match(inspect(error, { colors: true }), /logLevel: must be one of/);
        });
    });

    it("the program installs it (as the first thing its function does)", async () => {
        const { formatter } = counting();
        const saved = hook.prepareStackTrace;
        hook.prepareStackTrace = formatter;
        try {
            let installed: boolean | undefined;
            const { resources } = await runUnderMocks({
                ...readStackFile(ROOT, "dev"),
                program: () => {
                    const outputs = agentProgram();
                    installed = hook.prepareStackTrace?.[CACHED] === true;
                    return outputs;
                },
            });
            assert.ok(resources.length > 10);
            assert.equal(installed, true);
        } finally {
            hook.prepareStackTrace = saved;
        }
    });
});
