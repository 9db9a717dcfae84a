// The shape side of wiring keys (primitives.ts `wiring`): finding the Outputs a parsed config holds at
// wiring keys, filling in their values once known, and stand-ins for shape-only checks. SDK-light and
// below config/, so backend schemas can use it; the deferred checks themselves are in config/wiring.ts.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { deferredSchemaOf, wiringStandInOf, type Resolved } from "./primitives";

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

/** Outputs {@link gateDeferred} put in place of deferred values, with the schema they were checked by. */
const gatedOutputs = new WeakMap<pulumi.Output<unknown>, z.ZodType>();

/** Records that `gated` stands for a wiring value checked by `schema` (config/wiring.ts `gateDeferred`). */
export function registerGated(gated: pulumi.Output<unknown>, schema: z.ZodType): void {
    gatedOutputs.set(gated, schema);
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
    const meta = z.globalRegistry.get(schema) as { example?: unknown } | undefined;
    return wiringStandInOf(schema) ?? meta?.example ?? "wiring-value-not-known-yet";
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
            `these keys are Outputs whose values are not known yet: ${pending.map((l) => l.path.join(".")).join(", ")}; build the values inside an apply (wiringOf)`,
        );
    }
    return config as Resolved<C>;
}
