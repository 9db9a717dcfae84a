// Reading a plain value tree (parsed config, chart values) by key path.

/** The value at `path` below `root` (numbers index arrays, strings index objects), or undefined. */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
    let node = root;
    for (const p of path) {
        if (node === null || typeof node !== "object" || (typeof p === "number") !== Array.isArray(node)) {
            return undefined;
        }
        node = (node as Record<string | number, unknown>)[p];
    }
    return node;
}
