// Stack traces of message-less `new Error()`s, formatted once per distinct call stack.
//
// The Pulumi SDK captures `new Error().stack` for every promise it tracks (runtime/debuggable.ts, kept
// for its leaked-promise report) and for every resource it registers (the resource's source position):
// for this program a few hundred captures per preview, each formatted by the source-map-support
// `Error.prepareStackTrace` that Pulumi's run.js and ts-node install, which maps every frame through its
// source map. That formatting was ~75 ms of the program's ~175 ms evaluation (docs/performance.md),
// and most of those stacks repeat frame for frame. The cache wraps the installed formatter: a plain
// `Error` without a message whose frames were formatted before gets the same string again; every other
// error is formatted as before. Same formatter, same frames, so the same text. Only the program entry
// (index.ts) installs it, never the components a consumer imports.
//
// It also keeps every stack the program formats printable. Node 20's `util.inspect` of an error with
// colours loops until the string overflows (20+ s of CPU, then a RangeError) on a frame whose path
// ends in a scoped package's folder (`…/node_modules/@scope/file.ts:1:2`), and the Pulumi SDK's source
// maps name such files (`../resource.ts`, mapped to `node_modules/@pulumi/resource.ts`). Pulumi's
// run.js inspects every uncaught error that way, a config error (a RunError) included: that was a
// bad-config preview taking ~25 s against ~5 s for a valid one (docs/performance.md). Such a frame is
// printed as V8 prints it (the generated `.js` file, a real path) instead of its mapped position.

import { UNINSPECTABLE_FRAME } from "../config/errors";

/** V8's structured-stack-trace hook, as Node types it. */
type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/**
 * The formatter's text with each frame line {@link UNINSPECTABLE_FRAME} matches replaced by V8's
 * own rendering of that frame. Frames are the last `frames.length` lines of a formatted stack.
 */
export function inspectableStack(text: unknown, frames: readonly NodeJS.CallSite[]): unknown {
    if (typeof text !== "string") {
        return text;
    }
    const lines = text.split("\n");
    const first = lines.length - frames.length;
    if (first < 1 || !lines.some((line) => UNINSPECTABLE_FRAME.test(line))) {
        return text;
    }
    return lines
        .map((line, i) => {
            const frame = i >= first ? frames[i - first] : undefined;
            // eslint-disable-next-line @typescript-eslint/no-base-to-string -- V8's own rendering of the frame
            return frame !== undefined && UNINSPECTABLE_FRAME.test(line) ? `    at ${frame.toString()}` : line;
        })
        .join("\n");
}

/** At most this many distinct stacks are kept (a preview of the largest example stack has ~150). */
export const STACK_CACHE_LIMIT = 2000;

const CACHED = Symbol.for("astro-agent.cachedStackTraces");

/**
 * Wraps the installed `Error.prepareStackTrace` with the cache. Returns false (and changes nothing)
 * when no formatter is installed (V8's own formatting is cheap) or the cache is already in place.
 */
export function cacheStackTraces(): boolean {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- V8 calls it unbound too
    const inner = Error.prepareStackTrace as (Formatter & { [CACHED]?: true }) | undefined;
    if (typeof inner !== "function" || inner[CACHED] === true) {
        return false;
    }
    const cache = new Map<string, unknown>();
    const cached: Formatter & { [CACHED]?: true } = (error, frames) => {
        if (Object.getPrototypeOf(error) !== Error.prototype || error.message !== "" || error.name !== "Error") {
            return inspectableStack(inner(error, frames), frames);
        }
        // A CallSite's toString is V8's own rendering of the frame: file, line, column, function,
        // `new`, `async`, eval origin.
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
        const key = frames.join("\n");
        const known = cache.get(key);
        if (known !== undefined) {
            return known;
        }
        const formatted = inspectableStack(inner(error, frames), frames);
        if (cache.size < STACK_CACHE_LIMIT) {
            cache.set(key, formatted);
        }
        return formatted;
    };
    cached[CACHED] = true;
    Error.prepareStackTrace = cached;
    return true;
}
