// What a cross-key rule is (config/rules/*.ts) and how the schema runs one (config/schema.ts).
import type { z } from "zod";
import type { ParsedConfigShape } from "../schema";

/** Reports a problem at a config path (from the root). */
export type Issue = (path: (string | number)[], message: string) => void;

/** A check across config keys that the schema of each key cannot make alone. */
export interface ConfigRule {
    /** The top-level keys it reads: it runs only when they are valid. */
    reads: string[];
    check(cfg: ParsedConfigShape, issue: Issue): void;
}

/** Runs a cross-key check only when the keys it reads are themselves valid, so every problem is reported at once. */
export function reading(keys: string[]) {
    return {
        when: (p: { issues: readonly { path?: PropertyKey[] | undefined }[] }) =>
            !p.issues.some((i) => keys.includes(String(i.path?.[0]))),
    };
}

/** An `Issue` that adds a custom zod issue. */
export function reporter(ctx: z.RefinementCtx): Issue {
    return (path, message) => {
        ctx.addIssue({ code: "custom", path, message });
    };
}
