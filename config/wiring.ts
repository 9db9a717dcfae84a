// Deferred validation of wiring keys. Component args may give a key where resources meet (the
// namespace, a cluster's identity, an existing store's name…) as an Output of another resource; the
// schema keeps such a value as an Output (primitives.ts `wiring`). Here each one is replaced by an
// Output that resolves only once the value passed its own check, so a bad value fails the resources
// that use it, with a message naming the key, and nothing is created from it. While the value is
// unknown (a preview before the other resource exists) the plan is complete and the value unknown.
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { formatPath, parseConfig, type ConfigProblem } from "./errors";
import { inspect } from "./introspect";
import { deferredSchemaOf, wiringStandInOf, type Resolved } from "../schema/primitives";

/** One wiring value that was an Output when the config was parsed. */
export interface DeferredValue {
    /** Its key path from the config root, e.g. `["backend", "oidcProvider", "arn"]`. */
    path: (string | number)[];
    value: pulumi.Output<unknown>;
    schema: z.ZodType;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
        return false;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    return proto === Object.prototype || proto === null;
}

/** Every deferred wiring value of a parsed config, in key order. */
export function deferredValues(config: unknown, path: (string | number)[] = []): DeferredValue[] {
    const schema = deferredSchemaOf(config);
    if (schema !== undefined) {
        return [{ path, value: config as pulumi.Output<unknown>, schema }];
    }
    if (Array.isArray(config)) {
        return config.flatMap((v, i) => deferredValues(v, [...path, i]));
    }
    if (isPlainObject(config)) {
        return Object.entries(config).flatMap(([k, v]) => deferredValues(v, [...path, k]));
    }
    return [];
}

/** `target` with `value` at `path`, copying only the objects and arrays along the path. */
export function withValueAt<T>(target: T, path: readonly (string | number)[], value: unknown): T {
    const [head, ...rest] = path;
    if (head === undefined) {
        return value as T;
    }
    const inner: unknown = (target as Record<string | number, unknown>)[head];
    const replaced = withValueAt(inner, rest, value);
    if (Array.isArray(target)) {
        const copy: unknown[] = [...(target as unknown[])];
        copy[head as number] = replaced;
        return copy as T;
    }
    return { ...(target as Record<string, unknown>), [head]: replaced } as T;
}

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

/** Outputs {@link gateDeferred} put in place of deferred values, with the schema they were checked by. */
const gatedOutputs = new WeakMap<pulumi.Output<unknown>, z.ZodType>();

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
        gatedOutputs.set(checked, d.schema);
        gated = withValueAt(gated, d.path, checked);
    }
    return gated;
}

/** One wiring Output of a config (deferred, or gated by {@link gateDeferred}), with its key path. */
export interface WiringLeaf {
    path: (string | number)[];
    value: pulumi.Output<unknown>;
    /** The schema of its key. */
    schema: z.ZodType;
}

/** Every wiring Output of a config: what must resolve before the config is fully known. */
export function wiringLeaves(config: unknown, path: (string | number)[] = []): WiringLeaf[] {
    if (pulumi.Output.isInstance(config)) {
        const schema = gatedOutputs.get(config) ?? deferredSchemaOf(config);
        return schema === undefined ? [] : [{ path, value: config, schema }];
    }
    if (Array.isArray(config)) {
        return config.flatMap((v, i) => wiringLeaves(v, [...path, i]));
    }
    if (isPlainObject(config)) {
        return Object.entries(config).flatMap(([k, v]) => wiringLeaves(v, [...path, k]));
    }
    return [];
}

/**
 * The wiring values of `config` as one Output, and how to put them in: inside an `apply` of that
 * Output (next to other values), `fill(values)` is the config with every wiring key plain. Secret
 * Outputs stay where they are (they never reach a value that is printed).
 */
export function wiringOf<C>(config: C): { values: pulumi.Output<unknown[]>; fill: (values: unknown[]) => Resolved<C> } {
    const leaves = wiringLeaves(config);
    return {
        values: pulumi.all(leaves.map((l) => l.value)),
        fill: (values) => leaves.reduce<unknown>((c, l, i) => withValueAt(c, l.path, values[i]), config) as Resolved<C>,
    };
}

function standInOf(schema: z.ZodType): unknown {
    return wiringStandInOf(schema) ?? inspect(schema).meta.example ?? "wiring-value-not-known-yet";
}

/**
 * The config with every wiring Output replaced by its key's documented example (a value the key
 * accepts): for checks that look at the shape of what the config produces (which chart paths the
 * program derives), never at wiring values.
 */
export function withWiringStandIns<C>(config: C): Resolved<C> {
    return wiringLeaves(config).reduce<unknown>(
        (c, l) => withValueAt(c, l.path, standInOf(l.schema)),
        config,
    ) as Resolved<C>;
}

/**
 * The config itself when no wiring key holds an Output (every value known), typed as resolved; throws
 * naming the keys that do. For callers of the pure builders (chart values) with a parsed config.
 */
export function requireKnownWiring<C>(config: C): Resolved<C> {
    const pending = wiringLeaves(config);
    if (pending.length > 0) {
        throw new Error(
            `these keys are Outputs whose values are not known yet: ${pending.map((l) => formatPath(l.path)).join(", ")}; build the values inside an apply (wiringOf)`,
        );
    }
    return config as Resolved<C>;
}
