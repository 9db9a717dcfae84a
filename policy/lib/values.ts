// Reading resource inputs as the policy engine hands them over: plain JSON of unknown shape.

/** `v` as a string-keyed object, or undefined. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `v` as an array (a single value becomes a one-element array; undefined becomes empty). */
export function asList(v: unknown): unknown[] {
    if (v === undefined || v === null) {
        return [];
    }
    return Array.isArray(v) ? v : [v];
}

/** `v` as a string, or undefined. */
export function asString(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/** The value at `path` below `root`, or undefined. */
export function at(root: unknown, path: readonly (string | number)[]): unknown {
    let cur: unknown = root;
    for (const key of path) {
        if (typeof key === "number") {
            cur = Array.isArray(cur) ? (cur as unknown[])[key] : undefined;
        } else {
            cur = asRecord(cur)?.[key];
        }
    }
    return cur;
}

/** `values.a.b[2].c` for the path `["a", "b", 2, "c"]` below `root`. */
export function formatPath(root: string, path: readonly (string | number)[]): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${key}`), root);
}

/** A JSON document given as a string (IAM policies) or already as an object; undefined when unreadable. */
export function jsonDocument(v: unknown): Record<string, unknown> | undefined {
    if (typeof v !== "string") {
        return asRecord(v);
    }
    try {
        return asRecord(JSON.parse(v));
    } catch {
        return undefined;
    }
}
