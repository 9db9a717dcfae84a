// Every message a user can get says what that key expects, with an example, at the full key path:
// none of zod's own phrasings ("Invalid input: expected number, received string", "Too small…")
// gets through. Proved by walking every key of the schema (every backend branch, both bundle types,
// nested lists and maps) and feeding each one values of the wrong type.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import type { z } from "zod";
import { formatPath, parseConfig, type ConfigProblem } from "../../config/errors";
import { exampleOf, inspect, jsonKinds, type JsonKind, GENERIC_TEXT } from "../../config/introspect";
import { validateStackConfig } from "../../chart/validate";
import { agentConfigSchema } from "../../config/schema";
import { baseValues, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
type Path = (string | number)[];
type Schema = z.core.$ZodType;

interface CoreDef {
    type: string;
    shape?: Record<string, Schema>;
    element?: Schema;
    keyType?: Schema;
    valueType?: Schema;
    options?: Schema[];
    discriminator?: string;
}

const coreDef = (schema: Schema) => inspect(schema).core._zod.def as unknown as CoreDef;

/** zod's own phrasings (en locale), and the marker that must never leak. */
const ZOD_DEFAULTS = [
    /Invalid input/,
    /Invalid option/,
    /Too (small|big)/,
    /Invalid (string|key|element|format|union|type)/,
    /expected [a-z]+, received [a-z]+/,
    /expected (string|number|int|boolean|object|array) to have/,
    /Unrecognized key/,
];
/** What every message must show: an example, the allowed values, or how to set a secret. */
const SHOWS_EXPECTED = /for example|must be '[^']+'(, '[^']+')* or '|must be one of '|pulumi config set --secret/;

/** A key of the schema, reached through the base config `variant` selects (union branches). */
interface KeyNode {
    path: Path;
    schema: Schema;
    variant: string;
}

/** Every key below `schema`, choosing union branches by the input at that point. */
function keysOf(schema: Schema, path: Path, input: unknown, variant: string, out: KeyNode[]): void {
    if (path.length > 0) {
        out.push({ path, schema, variant });
    }
    const d = coreDef(schema);
    const at = (key: string | number) =>
        input !== null && typeof input === "object" ? (input as Record<string, unknown>)[String(key)] : undefined;
    switch (d.type) {
        case "object":
            for (const [key, child] of Object.entries(d.shape ?? {})) {
                keysOf(child, [...path, key], at(key), variant, out);
            }
            break;
        case "array":
            if (d.element) {
                keysOf(d.element, [...path, 0], at(0), variant, out);
            }
            break;
        case "record":
            if (d.valueType) {
                const key = d.keyType ? exampleOf(d.keyType) : undefined;
                const name = typeof key === "string" && key !== GENERIC_TEXT ? key : "name";
                keysOf(d.valueType, [...path, name], at(name), variant, out);
            }
            break;
        case "union": {
            if (d.discriminator === undefined || input === null || typeof input !== "object") {
                break;
            }
            const tag = (input as Record<string, unknown>)[d.discriminator];
            const branch = (d.options ?? []).find((o) => {
                const field = coreDef(o).shape?.[d.discriminator ?? ""];
                return field !== undefined && (coreDef(field) as { values?: unknown[] }).values?.includes(tag);
            });
            if (branch !== undefined) {
                for (const [key, child] of Object.entries(coreDef(branch).shape ?? {})) {
                    keysOf(child, [...path, key], at(key), variant, out);
                }
            }
            break;
        }
        default:
            break;
    }
}

/** Base configs: one per backend branch and per bundle type; each only contributes the keys it changes. */
function variants(): { name: string; values: Values; prefix: string | undefined }[] {
    const local = baseValues();
    const external = baseValues();
    external.backend = { kind: "external", secretBackend: "a.b.C", xcomPath: "s3://bucket/xcom" };
    const aws = baseValues();
    aws.backend = { kind: "aws", region: "eu-west-1", eksClusterName: "my-cluster" };
    const azure = baseValues();
    azure.backend = {
        kind: "azure",
        location: "westeurope",
        resourceGroup: { name: "rg" },
        oidcIssuerUrl: "https://issuer.example.com/",
    };
    const gcp = baseValues();
    gcp.backend = {
        kind: "gcp",
        project: "my-data-project",
        location: "europe-west1",
        workloadPool: "my-data-project.svc.id.goog",
    };
    const vault = baseValues();
    vault.backend = {
        kind: "vault",
        address: "https://vault.example.com:8200",
        xcomPath: "s3://bucket/xcom",
        auth: { createMount: { kubernetesHost: "https://k8s.example.com" } },
        tls: { configMapName: "vault-ca" },
    };
    const fleet = baseValues();
    fleet.clusters = [{ name: "primary", context: "prod-eu" }];
    const localBundle = baseValues();
    localBundle.dagBundles = [{ type: "local", name: "dags" }];
    return [
        { name: "local backend, git bundle", values: local, prefix: undefined },
        { name: "external backend", values: external, prefix: "backend" },
        { name: "aws backend", values: aws, prefix: "backend" },
        { name: "azure backend", values: azure, prefix: "backend" },
        { name: "gcp backend", values: gcp, prefix: "backend" },
        { name: "vault backend", values: vault, prefix: "backend" },
        { name: "local bundle", values: localBundle, prefix: "dagBundles" },
        { name: "clusters", values: fleet, prefix: "clusters" },
    ];
}

const ALL_NODES: (KeyNode & { base: Values })[] = variants().flatMap(({ name, values, prefix }) => {
    const out: KeyNode[] = [];
    keysOf(agentConfigSchema, [], values, name, out);
    return out.filter((n) => prefix === undefined || n.path[0] === prefix).map((n) => ({ ...n, base: values }));
});

/** `base` with `value` at `path`; missing parents are filled with valid examples from the schema. */
function withValue(base: Values, path: Path, value: unknown): Values {
    const root = structuredClone(base);
    let node: Record<string | number, unknown> = root;
    let schema: Schema = agentConfigSchema;
    for (const [i, key] of path.entries()) {
        const child = childOf(schema, key, node);
        if (i === path.length - 1) {
            if (value === undefined) {
                Reflect.deleteProperty(node, key);
            } else {
                node[key] = value;
            }
            break;
        }
        if (node[key] === undefined || node[key] === null) {
            node[key] = structuredClone(exampleOf(child));
        }
        node = node[key] as Record<string | number, unknown>;
        schema = child;
    }
    return root;
}

function childOf(schema: Schema, key: string | number, input: unknown): Schema {
    const d = coreDef(schema);
    if (d.type === "object") {
        return d.shape?.[key] as Schema;
    }
    if (d.type === "array") {
        return d.element as Schema;
    }
    if (d.type === "record") {
        return d.valueType as Schema;
    }
    const tag = (input as Record<string, unknown>)[d.discriminator ?? ""];
    const branch = (d.options ?? []).find((o) =>
        (coreDef(coreDef(o).shape?.[d.discriminator ?? ""] as Schema) as { values?: unknown[] }).values?.includes(tag),
    );
    return coreDef(branch as Schema).shape?.[key] as Schema;
}

const WRONG: Record<JsonKind, unknown> = {
    string: "wrong",
    number: 7,
    boolean: true,
    object: { unexpected: 1 },
    array: ["wrong"],
    null: null,
};

/** A key the chart does not take (config/podSettings.ts) is refused at that key whatever its value holds. */
const NOT_TAKEN = /^the Remote Execution Agent chart takes no '(priorityClassName|topologySpreadConstraints|envFrom)'/;

/** Whether `p` is that refusal of a key on the way to `path`. */
function refusedAbove(p: ConfigProblem, path: Path): boolean {
    const key = NOT_TAKEN.exec(p.message)?.[1];
    return key !== undefined && path.some((k, i) => k === key && formatPath(path.slice(0, i + 1)) === p.key);
}

function check(problems: readonly ConfigProblem[], path: Path, what: string): void {
    const key = formatPath(path);
    assert.ok(problems.length > 0, `${what}: no problem reported`);
    for (const p of problems.filter((x) => !refusedAbove(x, path))) {
        assert.equal(p.key, key, `${what}: problem at ${p.key} (${p.message}), not at the key fed`);
        assert.ok(!p.message.includes("\u0000"), `${what}: internal marker leaked at ${p.key}`);
        for (const phrase of ZOD_DEFAULTS) {
            assert.doesNotMatch(p.message, phrase, `${what}: zod's own phrasing at ${p.key}`);
        }
        assert.match(p.message, SHOWS_EXPECTED, `${what}: no example at ${p.key}: ${p.message}`);
    }
}

/** Problems for `values` as component args (typed values) and as stack config (engine strings). */
function bothWays(values: Values, path: Path): { args: ConfigProblem[]; stack?: ConfigProblem[] } {
    const args = parseConfig(agentConfigSchema, values);
    // Top-level keys reach the program as strings: one that takes strings cannot get a wrong type.
    const topLevelString = path.length === 1 && jsonKinds(agentConfigShapeOf(path[0])).has("string");
    if (topLevelString) {
        return { args: args.success ? [] : args.problems };
    }
    const stack = validateStackConfig(raw(values));
    return { args: args.success ? [] : args.problems, stack: stack.ok ? [] : stack.problems };
}

function agentConfigShapeOf(key: string | number | undefined): Schema {
    return (coreDef(agentConfigSchema).shape ?? {})[String(key)] as Schema;
}

describe("config messages", function () {
    // The walk feeds every key of the schema (the pod settings of five blocks among them) every wrong type.
    this.timeout(90000);

    it("walks every key: every backend branch, both bundle types, nested lists and maps", () => {
        const keys = new Set(ALL_NODES.map((n) => formatPath(n.path)));
        for (const expected of [
            "backend.connections.git_default",
            "backend.secretBackendKwargs",
            "backend.secretsManager.recoveryWindowInDays",
            "backend.oidcProvider.issuerUrl",
            "backend.keyVault.networkRules.subnetIds[0]",
            "backend.storage.customerManagedKey.identityId",
            "backend.auth.createMount.kubernetesCaCert",
            "backend.kv.connections.my_postgres",
            "dagBundles[0].persistentVolumeClaim",
            "dagBundles[0].repoUrl",
            "workers[0].resources.requests.name",
            "workers[0].hpa.metrics[0]",
            "workers[0].volumeMounts[0].mountPath",
            "commonEnv[0].valueFrom",
            "labels.team",
            "proxy.noProxy[0]",
            "clusters[0].kubeconfig",
            "clusters[0].standby",
            'clusters[0].workers["default-worker"].replicas',
            "clusters[0].backend",
        ]) {
            assert.ok(keys.has(expected), `walked ${expected}`);
        }
        assert.ok(ALL_NODES.length > 200, `${ALL_NODES.length} keys`);
    });

    it("every key fed every wrong type: the problem is at that key and says what it expects", () => {
        let fed = 0;
        for (const node of ALL_NODES) {
            const kinds = jsonKinds(node.schema);
            for (const kind of Object.keys(WRONG) as JsonKind[]) {
                if (kinds.has(kind)) {
                    continue;
                }
                const values = withValue(node.base, node.path, WRONG[kind]);
                const what = `${node.variant}: ${formatPath(node.path)} = ${JSON.stringify(WRONG[kind])}`;
                const { args, stack } = bothWays(values, node.path);
                check(args, node.path, `${what} (component args)`);
                if (stack !== undefined) {
                    check(stack, node.path, `${what} (stack config)`);
                }
                fed++;
            }
        }
        assert.ok(fed > 600, `${fed} wrong values fed`);
    });

    it("every required key left out: 'is required' at that key, with what it expects", () => {
        let removed = 0;
        for (const node of ALL_NODES) {
            const parent = node.path.slice(0, -1);
            const last = node.path[node.path.length - 1];
            if (inspect(node.schema).optional || typeof last !== "string") {
                continue;
            }
            // Only keys of mappings the walk reached with real fields (not record entries).
            const parentNode = ALL_NODES.find(
                (n) => n.variant === node.variant && formatPath(n.path) === formatPath(parent),
            );
            if (parent.length > 0 && (parentNode === undefined || coreDef(parentNode.schema).type === "record")) {
                continue;
            }
            if (parent.length === 0 && ["agentToken"].includes(last)) {
                continue;
            }
            const existing = parent.reduce<unknown>(
                (v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[String(k)] : undefined),
                node.base,
            );
            const filled =
                parent.length === 0 || existing !== undefined
                    ? node.base
                    : withValue(node.base, parent, exampleOf(parentNode?.schema as Schema));
            const values = withValue(filled, node.path, undefined);
            const args = parseConfig(agentConfigSchema, values);
            const problems = args.success ? [] : args.problems;
            check(problems, node.path, `${node.variant}: without ${formatPath(node.path)}`);
            assert.ok(
                problems.every((p) => /^is required \(|must be/.test(p.message) || refusedAbove(p, node.path)),
                `${formatPath(node.path)}: ${problems.map((p) => p.message).join("; ")}`,
            );
            removed++;
        }
        assert.ok(removed > 15, `${removed} required keys removed`);
    });

    it("random wrong values anywhere (fast-check): never a zod phrasing, always the key fed", () => {
        const typed = ALL_NODES.filter((n) => jsonKinds(n.schema).size > 0 && jsonKinds(n.schema).size < 6);
        const anyJson = fc.oneof(
            fc.string({ unit: "binary", maxLength: 12 }),
            fc.double({ noNaN: true }),
            fc.integer(),
            fc.boolean(),
            fc.constant(null),
            fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
            fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
        );
        fc.assert(
            fc.property(fc.constantFrom(...typed), anyJson, (node, value) => {
                const kind = value === null ? "null" : Array.isArray(value) ? "array" : (typeof value as JsonKind);
                fc.pre(!jsonKinds(node.schema).has(kind));
                const values = withValue(node.base, node.path, value);
                const { args } = bothWays(values, node.path);
                check(args, node.path, `${formatPath(node.path)} = ${JSON.stringify(value)}`);
            }),
            { numRuns: 150 },
        );
    });
});
