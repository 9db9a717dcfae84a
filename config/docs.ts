// Generates, from the zod schema alone, the config reference (docs/config-reference.md) and the typed `config:` block of
// Pulumi.yaml. `npm run docs` writes both; a test fails when either is stale.
import { z } from "zod";
import { backends } from "../backends/registry";
import { PROJECT_PROVIDER_CONFIG } from "./providerConfig";
import { risksMarkdown } from "./risks";
import { agentConfigSchema } from "./schema";

interface JsonSchema {
    type?: string | string[];
    description?: string;
    default?: unknown;
    secret?: boolean;
    enum?: unknown[];
    const?: unknown;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    additionalProperties?: JsonSchema | boolean;
    anyOf?: JsonSchema[];
    oneOf?: JsonSchema[];
    /** Set with `.meta({ collapse: "<Kubernetes type>" })`: documented as one row, fields not listed. */
    collapse?: string;
}

function isWiring(schema: z.core.$ZodType): boolean {
    return (z.globalRegistry.get(schema) as { wiring?: unknown } | undefined)?.wiring === true;
}

/** A wiring key, or a map of them (the schemas whose default zod leaves out; see below). */
function holdsWiring(schema: z.core.$ZodType): boolean {
    const def = schema._zod.def as { type: string; valueType?: z.core.$ZodType };
    return isWiring(schema) || (def.type === "record" && def.valueType !== undefined && isWiring(def.valueType));
}

/**
 * The stack config as JSON Schema (input side: what users write). A wiring key (primitives.ts
 * `wiring`) is documented as its plain branch, with its default: stack config gives plain values.
 */
export function configJsonSchema(): JsonSchema {
    return z.toJSONSchema(agentConfigSchema, {
        io: "input",
        unrepresentable: "any",
        override: (ctx) => {
            const json = ctx.jsonSchema as JsonSchema & Record<string, unknown>;
            const def = ctx.zodSchema._zod.def as { type: string; innerType?: z.core.$ZodType; defaultValue?: unknown };
            if (isWiring(ctx.zodSchema)) {
                const [plain] = json.anyOf ?? [];
                delete json.anyOf;
                Object.assign(json, plain);
            } else if (def.type === "default" && def.innerType !== undefined && holdsWiring(def.innerType)) {
                // (zod leaves the default out on the input side of a schema with a transform.)
                json.default = def.defaultValue;
            }
        },
    }) as JsonSchema;
}

interface Row {
    key: string;
    type: string;
    required: boolean;
    defaultValue: string;
    description: string;
}

function typeOf(s: JsonSchema): string {
    if (s.secret) {
        return "secret string";
    }
    if (s.collapse !== undefined) {
        return `${s.collapse} object`;
    }
    if (s.const !== undefined) {
        return JSON.stringify(s.const);
    }
    if (s.enum) {
        return s.enum.map((e) => JSON.stringify(e)).join(" \\| ");
    }
    if (s.oneOf ?? s.anyOf) {
        const types = [...new Set((s.oneOf ?? s.anyOf ?? []).map(typeOf))];
        return types.join(" \\| ");
    }
    if (s.type === "array") {
        return `list of ${s.items ? typeOf(s.items) : "any"}`;
    }
    if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object" && !s.properties) {
        return `map of ${typeOf(s.additionalProperties)}`;
    }
    return Array.isArray(s.type) ? s.type.join(" \\| ") : (s.type ?? "any");
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function walk(s: JsonSchema, key: string, required: boolean, rows: Row[]): void {
    rows.push({
        key,
        type: typeOf(s),
        required,
        defaultValue: s.default === undefined ? "" : `\`${JSON.stringify(s.default)}\``,
        description: s.description ?? "",
    });
    const inner = s.type === "array" && s.items ? s.items : s;
    if (inner.collapse === undefined) {
        walkChildren(inner, s.type === "array" ? `${key}[]` : key, rows);
    }
}

/** Rows for the fields of an object, or of each branch of a tagged union (`backend (kind=local).connections`). */
function walkChildren(s: JsonSchema, key: string, rows: Row[]): void {
    for (const v of s.oneOf ?? [s]) {
        const tag = Object.entries(v.properties ?? {}).find(([, p]) => p.const !== undefined);
        const label = tag === undefined ? key : `${key} (${tag[0]}=${String(tag[1].const)})`;
        for (const [k, p] of Object.entries(v.properties ?? {})) {
            if (p.const === undefined) {
                walk(p, label === "" ? k : `${label}.${k}`, v.required?.includes(k) ?? false, rows);
            }
        }
    }
}

/** The config reference as a Markdown table plus the backend list. */
export function configReferenceMarkdown(): string {
    const rows: Row[] = [];
    walkChildren(configJsonSchema(), "", rows);
    const lines = [
        "| key | type | required | default | description |",
        "|---|---|---|---|---|",
        ...rows.map(
            (r) =>
                `| \`${r.key}\` | ${r.type} | ${r.required ? "yes" : ""} | ${cell(r.defaultValue)} | ${cell(r.description)} |`,
        ),
        "",
        "Backends (`backend.kind`):",
        "",
        ...backends.map((b) => `- \`${b.kind}\`: ${b.summary}`),
        "",
        risksMarkdown(),
        "",
        "Secret strings are set with `pulumi config set --secret KEY VALUE` (nested: `--secret --path 'a.b'`).",
    ];
    return lines.join("\n");
}

/** Pulumi project config type of a top-level key. */
function pulumiType(s: JsonSchema): Record<string, unknown> {
    if (s.secret) {
        return { type: "string" };
    }
    const t = s.oneOf ? "object" : Array.isArray(s.type) ? s.type[0] : s.type;
    if (t === "array") {
        return { type: "array", items: { type: s.items?.type === "string" ? "string" : "object" } };
    }
    if (t === "number") {
        return { type: "integer" };
    }
    return { type: t ?? "string" };
}

/**
 * The `config:` block of Pulumi.yaml: every key that is required or has a default. Optional keys
 * without a default (token and pull-secret alternatives) are not declared, because the CLI treats a
 * declared key without a default as required. Then the provider settings every stack of the project
 * gets (config/providerConfig.ts).
 */
export function pulumiProjectConfig(): Record<string, Record<string, unknown>> {
    const schema = configJsonSchema();
    const out: Record<string, Record<string, unknown>> = {};
    for (const [key, p] of Object.entries(schema.properties ?? {})) {
        const required = schema.required?.includes(key) ?? false;
        if (!required && p.default === undefined) {
            continue;
        }
        out[key] = {
            ...pulumiType(p),
            description: p.description ?? "",
            ...(p.default === undefined ? {} : { default: p.default }),
        };
    }
    return { ...out, ...PROJECT_PROVIDER_CONFIG };
}

/**
 * Every key that takes an Output in component args (a wiring key), as config paths: `[]` stands for
 * any list item, `.<key>` for any map key, and `backend (kind=…)` for the backend that has it.
 */
export function wiringKeyPaths(schema: z.core.$ZodType = agentConfigSchema, path = ""): string[] {
    if (isWiring(schema)) {
        return [path];
    }
    const def = schema._zod.def as {
        type: string;
        innerType?: z.core.$ZodType;
        in?: z.core.$ZodType;
        shape?: Record<string, z.core.$ZodType>;
        options?: z.core.$ZodType[];
        discriminator?: string;
        element?: z.core.$ZodType;
        valueType?: z.core.$ZodType;
    };
    const join = (key: string) => (path === "" ? key : `${path}.${key}`);
    switch (def.type) {
        case "optional":
        case "nullable":
        case "default":
        case "prefault":
        case "readonly":
        case "catch":
            return def.innerType === undefined ? [] : wiringKeyPaths(def.innerType, path);
        case "pipe":
            return def.in === undefined ? [] : wiringKeyPaths(def.in, path);
        case "object":
            return Object.entries(def.shape ?? {}).flatMap(([k, s]) => wiringKeyPaths(s, join(k)));
        case "array":
            return def.element === undefined ? [] : wiringKeyPaths(def.element, `${path}[]`);
        case "record":
            return def.valueType === undefined ? [] : wiringKeyPaths(def.valueType, join("<key>"));
        case "union":
            return (def.options ?? []).flatMap((o) => {
                const tag = def.discriminator === undefined ? undefined : discriminatorValue(o, def.discriminator);
                return wiringKeyPaths(o, tag === undefined ? path : `${path} (${def.discriminator ?? ""}=${tag})`);
            });
        default:
            return [];
    }
}

function discriminatorValue(option: z.core.$ZodType, key: string): string | undefined {
    const shape = (option._zod.def as { shape?: Record<string, z.core.$ZodType> }).shape;
    const literal = shape?.[key]?._zod.def as { values?: unknown[] } | undefined;
    const value = literal?.values?.[0];
    return typeof value === "string" ? value : undefined;
}

/** The list of wiring keys for docs/packages.md. */
export function wiringKeysMarkdown(): string {
    return wiringKeyPaths()
        .map((p) => `- \`${p}\``)
        .join("\n");
}
