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

/** V8's structured-stack-trace hook, as Node types it. */
type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

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
            return inner(error, frames);
        }
        // A CallSite's toString is V8's own rendering of the frame: file, line, column, function,
        // `new`, `async`, eval origin.
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- see above
        const key = frames.join("\n");
        const known = cache.get(key);
        if (known !== undefined) {
            return known;
        }
        const formatted = inner(error, frames);
        if (cache.size < STACK_CACHE_LIMIT) {
            cache.set(key, formatted);
        }
        return formatted;
    };
    cached[CACHED] = true;
    Error.prepareStackTrace = cached;
    return true;
}
