// Reads the config schema itself: which JSON types a key accepts, the schema at a config path, and
// what a key expects with an example (from `.meta({ expected, example })`, defaults and the type).
// The error messages and the raw-value parser are built on it, so neither lists keys by hand.
import { z } from "zod";

type Schema = z.core.$ZodType;
interface Def {
    type: string;
    innerType?: Schema;
    in?: Schema;
    getter?: () => Schema;
    defaultValue?: unknown;
    shape?: Record<string, Schema>;
    element?: Schema;
    keyType?: Schema;
    valueType?: Schema;
    options?: Schema[];
    discriminator?: string;
    entries?: Record<string, string | number>;
    values?: unknown[];
    format?: string;
    checks?: { _zod: { def: { check: string; value?: unknown; inclusive?: boolean; minimum?: number } } }[];
    left?: Schema;
    right?: Schema;
    items?: Schema[];
}

function def(schema: Schema): Def {
    return schema._zod.def;
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

/** A schema with its wrappers peeled off: the core type, and what the wrappers said about it. */
export interface SchemaInfo {
    /** The innermost schema (string, number, object, union…). */
    core: Schema;
    /** Merged `.meta()`/`.describe()` of every level, outer levels winning. */
    meta: Record<string, unknown>;
    /** The default (or prefault) value, when one is declared. */
    defaultValue?: unknown;
    /** Whether the key may be left out. */
    optional: boolean;
    /** Whether `null` is accepted. */
    nullable: boolean;
    /** The outermost schema (for test-parsing candidate examples). */
    outer: Schema;
}

/**
 * `compute` remembered by schema: schemas are immutable, and every validation asks {@link inspect} and
 * {@link jsonKinds} again for each key (the raw-value parser, every error message).
 */
function bySchema<T>(compute: (schema: Schema) => T): (schema: Schema) => T {
    const found = new WeakMap<Schema, T>();
    return (schema) => {
        let value = found.get(schema);
        if (value === undefined) {
            value = compute(schema);
            found.set(schema, value);
        }
        return value;
    };
}

const inspected = bySchema((schema): Readonly<SchemaInfo> => peel(schema));
const kindsOf = bySchema((schema): ReadonlySet<JsonKind> => kindsAccepted(schema));

/** Peels wrappers (optional, default, pipe input…) off a schema. */
export function inspect(schema: Schema): Readonly<SchemaInfo> {
    return inspected(schema);
}

function peel(schema: Schema): SchemaInfo {
    const levels: Schema[] = [];
    let current = schema;
    let defaultValue: unknown;
    let hasDefault = false;
    let optional = false;
    let nullable = false;
    for (let depth = 0; depth < 50; depth++) {
        levels.push(current);
        const d = def(current);
        if ((d.type === "default" || d.type === "prefault") && !hasDefault) {
            hasDefault = true;
            defaultValue = d.defaultValue;
        }
        optional ||= d.type === "optional" || d.type === "default" || d.type === "prefault";
        nullable ||= d.type === "nullable";
        // A wiring key (primitives.ts `wiring`) is its plain branch as far as config is concerned.
        const wiringPlain =
            d.type === "union" && z.globalRegistry.get(current)?.wiring === true ? d.options?.[0] : undefined;
        const next = WRAPPERS.has(d.type)
            ? d.innerType
            : wiringPlain !== undefined
              ? wiringPlain
              : d.type === "pipe"
                ? d.in
                : d.type === "lazy"
                  ? d.getter?.()
                  : undefined;
        if (next === undefined) {
            break;
        }
        current = next;
    }
    const meta: Record<string, unknown> = {};
    for (const level of [...levels].reverse()) {
        Object.assign(meta, z.globalRegistry.get(level) ?? {});
    }
    return { core: current, meta, ...(hasDefault ? { defaultValue } : {}), optional, nullable, outer: schema };
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The branch of a discriminated union that `input` selects (by its discriminator), if any. */
function branchFor(d: Def, input: unknown): Schema | undefined {
    if (d.discriminator === undefined || !isRecord(input)) {
        return undefined;
    }
    const tag = input[d.discriminator];
    return (d.options ?? []).find((o) => {
        const field = def(inspect(o).core).shape?.[d.discriminator ?? ""];
        return field !== undefined && (def(inspect(field).core).values ?? []).includes(tag);
    });
}

/** The schema of `key` inside `schema`, given the input at that level (to pick union branches). */
export function childSchema(schema: Schema, key: PropertyKey, input: unknown): Schema | undefined {
    const d = def(inspect(schema).core);
    switch (d.type) {
        case "object":
            return typeof key === "string" ? d.shape?.[key] : undefined;
        case "array":
            return d.element;
        case "tuple":
            return typeof key === "number" ? d.items?.[key] : undefined;
        case "record":
            return d.valueType;
        case "union": {
            const branch = branchFor(d, input);
            if (branch !== undefined) {
                return childSchema(branch, key, input);
            }
            for (const option of d.options ?? []) {
                const found = childSchema(option, key, input);
                if (found !== undefined) {
                    return found;
                }
            }
            return undefined;
        }
        case "intersection":
            return (
                (d.left && childSchema(d.left, key, input)) ?? (d.right ? childSchema(d.right, key, input) : undefined)
            );
        default:
            return undefined;
    }
}

/** The schema at a config path, walking from `root` along `path` through `input`. */
export function schemaAt(root: Schema, path: readonly PropertyKey[], input: unknown): Schema | undefined {
    let schema: Schema | undefined = root;
    let value = input;
    for (const key of path) {
        if (schema === undefined) {
            return undefined;
        }
        schema = childSchema(schema, key, value);
        value =
            Array.isArray(value) && typeof key === "number"
                ? value[key]
                : isRecord(value)
                  ? value[String(key)]
                  : undefined;
    }
    return schema;
}

/** The key schema of the record at `path` (for problems with record keys). */
export function recordKeySchema(schema: Schema | undefined): Schema | undefined {
    if (schema === undefined) {
        return undefined;
    }
    const d = def(inspect(schema).core);
    return d.type === "record" ? d.keyType : undefined;
}

/** JSON value kinds: what a stack config value can be after JSON parsing. */
export type JsonKind = "string" | "number" | "boolean" | "object" | "array" | "null";
const ALL_KINDS: JsonKind[] = ["string", "number", "boolean", "object", "array", "null"];

/** The kind of a parsed JSON value. */
export function jsonKind(value: unknown): JsonKind | undefined {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "array";
    }
    switch (typeof value) {
        case "string":
            return "string";
        case "number":
            return "number";
        case "boolean":
            return "boolean";
        case "object":
            return "object";
        default:
            return undefined;
    }
}

/** The JSON kinds a schema accepts (custom checks such as secret Outputs accept none from config). */
export function jsonKinds(schema: Schema): ReadonlySet<JsonKind> {
    return kindsOf(schema);
}

function kindsAccepted(schema: Schema): Set<JsonKind> {
    const info = inspect(schema);
    const d = def(info.core);
    const kinds = new Set<JsonKind>(info.nullable ? ["null"] : []);
    const add = (...k: JsonKind[]) => {
        for (const x of k) {
            kinds.add(x);
        }
    };
    switch (d.type) {
        case "string":
        case "template_literal":
            add("string");
            break;
        case "number":
        case "int":
        case "bigint":
            add("number");
            break;
        case "boolean":
            add("boolean");
            break;
        case "null":
            add("null");
            break;
        case "object":
        case "record":
        case "map":
            add("object");
            break;
        case "array":
        case "tuple":
        case "set":
            add("array");
            break;
        case "enum":
            for (const v of Object.values(d.entries ?? {})) {
                add(typeof v === "number" ? "number" : "string");
            }
            break;
        case "literal":
            (d.values ?? []).forEach((v) => {
                const k = jsonKind(v);
                if (k !== undefined) {
                    add(k);
                }
            });
            break;
        case "union":
            for (const o of d.options ?? []) {
                add(...jsonKinds(o));
            }
            break;
        case "intersection":
            for (const o of [d.left, d.right]) {
                if (o !== undefined) {
                    add(...jsonKinds(o));
                }
            }
            break;
        case "unknown":
        case "any":
            add(...ALL_KINDS);
            break;
        default:
            break;
    }
    return kinds;
}

function quote(v: unknown): string {
    return typeof v === "string" ? `'${v}'` : String(v);
}

interface Bounds {
    min?: number;
    max?: number;
}

function boundsOf(d: Def): Bounds {
    const bounds: Bounds = {};
    for (const check of d.checks ?? []) {
        const c = check._zod.def;
        if (typeof c.value === "number" && Math.abs(c.value) < Number.MAX_SAFE_INTEGER) {
            if (c.check === "greater_than") {
                bounds.min = c.value;
            } else if (c.check === "less_than") {
                bounds.max = c.value;
            }
        }
        if (c.check === "min_length" && typeof c.minimum === "number") {
            bounds.min = c.minimum;
        }
    }
    return bounds;
}

/** What a schema expects, in words ("a whole number from 0 to 100", "one of 'dev', 'prod'"…). */
export function expectedOf(schema: Schema): string {
    const info = inspect(schema);
    if (typeof info.meta.expected === "string") {
        return info.meta.expected;
    }
    const d = def(info.core);
    switch (d.type) {
        case "string":
            return d.format === "url" ? "a URL" : "a string";
        case "number":
        case "int": {
            const noun = d.format !== undefined && /int/.test(d.format) ? "a whole number" : "a number";
            const { min, max } = boundsOf(d);
            if (min !== undefined && max !== undefined) {
                return `${noun} from ${min} to ${max}`;
            }
            return min !== undefined ? `${noun} of at least ${min}` : max !== undefined ? `${noun} up to ${max}` : noun;
        }
        case "boolean":
            return "true or false";
        case "enum":
            return `one of ${Object.values(d.entries ?? {})
                .map(quote)
                .join(", ")}`;
        case "literal":
            return (d.values ?? []).map(quote).join(" or ");
        case "array": {
            const { min } = boundsOf(d);
            const list =
                min === undefined || min <= 0
                    ? "a list"
                    : min === 1
                      ? "a non-empty list"
                      : `a list of at least ${min} items`;
            const item = d.element === undefined ? undefined : inspect(d.element);
            const itemType = item === undefined ? "unknown" : def(item.core).type;
            return ["object", "record", "union"].includes(itemType) && item?.meta.expected === undefined
                ? `${list} of mappings`
                : `${list} (each item ${d.element ? expectedOf(d.element) : "any value"})`;
        }
        case "object": {
            const keys = Object.keys(d.shape ?? {});
            return `a mapping with the keys ${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", …" : ""}`;
        }
        case "record":
            return `a mapping (each value ${d.valueType ? expectedOf(d.valueType) : "any value"})`;
        case "union": {
            if (d.discriminator !== undefined) {
                const tags = (d.options ?? []).flatMap((o) => {
                    const field = def(inspect(o).core).shape?.[d.discriminator ?? ""];
                    return field === undefined ? [] : (def(inspect(field).core).values ?? []);
                });
                return `a mapping whose '${d.discriminator}' is ${tags.map(quote).join(", ")}`;
            }
            return [...new Set((d.options ?? []).map(expectedOf))].join(" or ");
        }
        case "unknown":
        case "any":
            return "any value";
        default:
            return "a valid value";
    }
}

function informative(v: unknown): boolean {
    if (v === undefined || v === null) {
        return false;
    }
    if (Array.isArray(v)) {
        return v.length > 0;
    }
    return typeof v !== "object" || Object.keys(v).length > 0;
}

function accepts(schema: Schema, value: unknown): boolean {
    return (schema as z.ZodType).safeParse(value).success;
}

/** The example of a free-form string (any text is valid there). */
export const GENERIC_TEXT = "some-text";

/** A valid example for a schema: its declared example, else a default, else one built from its type. */
export function exampleOf(schema: Schema, depth = 0): unknown {
    const info = inspect(schema);
    const d = def(info.core);
    // A scalar key's own default is the most telling example; structures show their declared one.
    const structured = ["object", "array", "record", "union"].includes(d.type);
    if (!structured && informative(info.defaultValue)) {
        return info.defaultValue;
    }
    if (info.meta.example !== undefined) {
        return info.meta.example;
    }
    const built = depth > 6 ? undefined : buildExample(info.core, depth);
    if (built !== undefined && accepts(info.core, built)) {
        return built;
    }
    return informative(info.defaultValue) ? info.defaultValue : undefined;
}

function buildExample(core: Schema, depth: number): unknown {
    const d = def(core);
    switch (d.type) {
        case "boolean":
            return true;
        case "unknown":
        case "any":
            return GENERIC_TEXT;
        case "string":
            // A free-form string (no pattern or format of its own): any text is an example of it.
            return accepts(core, GENERIC_TEXT) ? GENERIC_TEXT : undefined;
        case "enum":
            return Object.values(d.entries ?? {})[0];
        case "literal":
            return d.values?.[0];
        case "number":
        case "int": {
            const { min, max } = boundsOf(d);
            const candidates = [Math.max(min ?? 1, 1), min, 1, 0, 7, 10, 30, 100, max];
            return candidates.find(
                (c) =>
                    c !== undefined &&
                    (min === undefined || c >= min) &&
                    (max === undefined || c <= max) &&
                    accepts(core, c),
            );
        }
        case "record": {
            const key = d.keyType ? exampleOf(d.keyType, depth + 1) : undefined;
            const value = d.valueType ? exampleOf(d.valueType, depth + 1) : undefined;
            return value === undefined
                ? undefined
                : { [typeof key === "string" && key !== GENERIC_TEXT ? key : "name"]: value };
        }
        case "array": {
            const item = d.element ? exampleOf(d.element, depth + 1) : undefined;
            return item === undefined ? undefined : [item];
        }
        case "object": {
            const out: Record<string, unknown> = {};
            for (const [key, field] of Object.entries(d.shape ?? {})) {
                if (!inspect(field).optional) {
                    const value = exampleOf(field, depth + 1);
                    if (value === undefined) {
                        return undefined;
                    }
                    out[key] = value;
                }
            }
            return out;
        }
        case "union": {
            for (const option of d.options ?? []) {
                const value = exampleOf(option, depth + 1);
                if (value !== undefined) {
                    return value;
                }
            }
            return undefined;
        }
        default:
            return undefined;
    }
}

/** One key of a schema found by {@link schemaKeys}: its path (`*` for any record key, 0 for any item). */
export interface SchemaKey {
    path: (string | number)[];
    schema: Schema;
}

/**
 * Every key below `root`, through every branch of every union (each backend kind, each bundle type):
 * record keys appear as `*`, list items as index 0. Used to find keys by what their schemas say.
 */
export function schemaKeys(root: Schema): SchemaKey[] {
    const out: SchemaKey[] = [];
    const seen = new Set<Schema>();
    const walk = (schema: Schema, path: (string | number)[]): void => {
        const core = inspect(schema).core;
        if (seen.has(core) && path.length > 12) {
            return;
        }
        seen.add(core);
        const d = def(core);
        const visit = (child: Schema | undefined, key: string | number) => {
            if (child !== undefined) {
                out.push({ path: [...path, key], schema: child });
                walk(child, [...path, key]);
            }
        };
        switch (d.type) {
            case "object":
                for (const [key, child] of Object.entries(d.shape ?? {})) {
                    visit(child, key);
                }
                break;
            case "array":
                visit(d.element, 0);
                break;
            case "record":
                visit(d.valueType, "*");
                break;
            case "union":
                for (const option of d.options ?? []) {
                    walk(option, path);
                }
                break;
            case "intersection":
                for (const side of [d.left, d.right]) {
                    if (side !== undefined) {
                        walk(side, path);
                    }
                }
                break;
            default:
                break;
        }
    };
    walk(root, []);
    return out;
}
