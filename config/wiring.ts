// Deferred validation of wiring keys. Component args may give a key where resources meet (the
// namespace, a cluster's identity, an existing store's name…) as an Output of another resource; the
// schema keeps such a value as an Output (schema/primitives.ts `wiring`). Here each one is replaced by
// an Output that resolves only once the value passed its own check, so a bad value fails the resources
// that use it, with a message naming the key, and nothing is created from it. While the value is
// unknown (a preview before the other resource exists) the plan is complete and the value unknown.
import { formatPath, parseConfig, type ConfigProblem } from "./errors";
import { deferredValues, registerGated, withValueAt, type DeferredValue } from "../schema/wiring";

export * from "../schema/wiring";

/** The problems of one resolved value against its key's schema, each naming the full key. */
export function checkResolved(d: DeferredValue, resolved: unknown): ConfigProblem[] {
    const parsed = parseConfig(d.schema, resolved);
    if (parsed.success) {
        return [];
    }
    const key = formatPath(d.path);
    // Wiring keys are leaves: their problems are about the value itself ("(root)" of its schema).
    return parsed.problems.map((p) => ({ key: p.key === "(root)" ? key : `${key}.${p.key}`, message: p.message }));
}

/**
 * The config with every deferred wiring value replaced by one that resolves only after its check
 * passed; `fail` turns the problems into the error the dependent resources fail with. Known values
 * were checked at parse time and are left as they are.
 */
export function gateDeferred<C>(config: C, fail: (problems: ConfigProblem[]) => Error): C {
    let gated = config;
    for (const d of deferredValues(config)) {
        const checked = d.value.apply((v) => {
            const problems = checkResolved(d, v);
            if (problems.length > 0) {
                throw fail(problems);
            }
            return v;
        });
        registerGated(checked, d.schema);
        gated = withValueAt(gated, d.path, checked);
    }
    return gated;
}
