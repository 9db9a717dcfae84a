// program/stackTraces.ts: the cache in front of the installed stack-trace formatter gives the text the
// formatter gives, formats each distinct message-less stack once, and leaves every other error alone.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import agentProgram from "../../index";
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
