// One path primitive: every key of the config that names a path (prefixes in buckets and secret
// stores, Vault mounts, paths and namespace, repository folders, mount and sub paths, files) is built
// with `configPath`, found by walking the schema (every backend branch) rather than from a list; and
// every such key refuses traversal, wildcards, empty parts, backslashes and control characters,
// generated over each key's own rule.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import type { z } from "zod";
import { validateStackConfig } from "../../chart/validate";
import { exampleOf, inspect, jsonKinds, schemaKeys, type SchemaKey } from "../../config/introspect";
import { agentConfigSchema } from "../../config/schema";
import { pathRuleOf, type PathRule } from "../../schema/primitives";
import { baseValues, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

/** Key names that say "path": the name, or its last camelCase word. */
const PATH_NAME = /^(path|prefix|subdir|mount|namespace)$|(Path|Prefix|Subdir|Mount|Namespace|Dir|File)$/;

const parses = (schema: z.core.$ZodType, value: unknown) => (schema as z.ZodType).safeParse(value).success;

function isFreeString(key: SchemaKey): boolean {
    const core = inspect(key.schema).core._zod.def.type;
    return jsonKinds(key.schema).has("string") && core !== "enum" && core !== "literal";
}

const ALL_KEYS = schemaKeys(agentConfigSchema);
const PATH_KEYS = ALL_KEYS.filter((k) => pathRuleOf(inspect(k.schema).meta) !== undefined);

describe("path primitive", function () {
    this.timeout(120000);

    it("every key named like a path uses configPath (or is a name that cannot hold '/')", () => {
        const named = ALL_KEYS.filter((k) => PATH_NAME.test(String(k.path.at(-1))) && isFreeString(k));
        assert.ok(named.length >= 30, `the walk found only ${named.length} path-named keys`);
        const offenders = named.flatMap((k) => {
            const meta = inspect(k.schema).meta;
            if (pathRuleOf(meta) !== undefined || typeof meta.notAPath === "string") {
                return [];
            }
            // A name (DNS label, Astro id): it must refuse any '/' and any '..'.
            const example = exampleOf(k.schema);
            const name = typeof example === "string" ? example : "name";
            const refusesPaths = !parses(k.schema, `${name}/x`) && !parses(k.schema, `..`);
            return refusesPaths ? [] : [k.path.join(".")];
        });
        assert.deepEqual(offenders, [], "path-named keys that accept '/' without the path primitive");
    });

    it("reaches the path keys of every backend, bundle type and mount list", () => {
        const paths = PATH_KEYS.map((k) => k.path.join("."));
        // Each place a path can appear contributes at least one: proves the walk took every branch.
        for (const where of [
            /^backend\.secretsManager/,
            /^backend\.keyVault/,
            /^backend\.secretManager/,
            /^backend\.kv/,
        ]) {
            assert.ok(
                paths.some((p) => where.test(p)),
                `no path key under ${where.source}`,
            );
        }
        assert.ok(paths.some((p) => /^dagBundles\.0\.subdir$/.test(p)));
        assert.ok(paths.some((p) => /volumeMounts\.0\.subPath$/.test(p)));
    });

    /** A valid value for the rule: generated parts of lower-case letters and digits. */
    const part = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    function valid(rule: PathRule, parts: string[]): string {
        const body = (rule.single === true ? parts.slice(0, 1) : parts).join("/");
        return rule.form === "absolute" ? `/${body}` : body;
    }
    /** The value as the key takes it: the path alone, or inside an object storage URL. */
    function embed(key: SchemaKey, path: string): string {
        const example = exampleOf(key.schema);
        return typeof example === "string" && example.includes("://") ? `s3://my-bucket/${path}` : path;
    }

    type Mutation = (rule: PathRule, parts: string[], at: number, ch: string) => string | undefined;
    const insertInPart = (parts: string[], at: number, ch: string) =>
        parts.map((p, i) => (i === at % parts.length ? `${p.slice(0, 1)}${ch}${p.slice(1)}` : p));
    const MUTATIONS: Record<string, Mutation> = {
        "a '..' part": (r, ps, at) =>
            r.allowParent === true || r.single === true
                ? undefined
                : valid(r, [...ps.slice(0, at % ps.length), "..", ...ps.slice(at % ps.length)]),
        "a '.' part": (r, ps, at) =>
            r.allowParent === true || r.single === true
                ? undefined
                : valid(r, [...ps.slice(0, at % ps.length), ".", ...ps.slice(at % ps.length)]),
        "a wildcard": (r, ps, at, ch) => valid(r, insertInPart(ps, at, "*?["[ch.charCodeAt(0) % 3] ?? "*")),
        "a backslash": (r, ps, at) => valid(r, insertInPart(ps, at, "\\")),
        "a control character": (r, ps, at, ch) =>
            valid(r, insertInPart(ps, at, String.fromCharCode(ch.charCodeAt(0) % 32))),
        "an empty part": (r, ps, at) => {
            if (r.single === true || ps.length < 2) {
                return undefined;
            }
            const k = 1 + (at % (ps.length - 1));
            const body = `${ps.slice(0, k).join("/")}//${ps.slice(k).join("/")}`;
            return r.form === "absolute" ? `/${body}` : body;
        },
        "a trailing '/'": (r, ps) => `${valid(r, ps)}/`,
        "the wrong form": (r, ps) =>
            r.form === "absolute" ? valid(r, ps).slice(1) : r.form === "relative" ? `/${valid(r, ps)}` : undefined,
        "a leading '-'": (r, ps) => (r.noLeadingDash === true ? `-${valid(r, ps)}` : undefined),
        "two names": (r, ps) => (r.single === true ? `${ps[0] ?? "a"}/${ps[0] ?? "a"}` : undefined),
    };

    it("every path key accepts generated valid paths and refuses each generated fault", () => {
        assert.ok(PATH_KEYS.length >= 30, `only ${PATH_KEYS.length} keys carry the path rule`);
        let refused = 0;
        fc.assert(
            fc.property(
                fc.constantFrom(...PATH_KEYS),
                fc.array(part, { minLength: 1, maxLength: 4 }),
                fc.nat(),
                fc.integer({ min: 0, max: 127 }).map((n) => String.fromCharCode(n)),
                fc.constantFrom(...Object.keys(MUTATIONS)),
                (key, generated, at, ch, fault) => {
                    const rule = pathRuleOf(inspect(key.schema).meta) as PathRule;
                    const parts = rule.single === true ? generated.slice(0, 1) : generated;
                    const good = embed(key, valid(rule, parts));
                    assert.ok(parses(key.schema, good), `${key.path.join(".")} refused the valid '${good}'`);
                    const bad = MUTATIONS[fault]?.(rule, parts, at, ch);
                    if (bad !== undefined) {
                        refused++;
                        assert.ok(
                            !parses(key.schema, embed(key, bad)),
                            `${key.path.join(".")} accepted ${fault}: ${JSON.stringify(embed(key, bad))}`,
                        );
                    }
                },
            ),
            { numRuns: 3000, seed: 23 },
        );
        assert.ok(refused > 1000, `only ${refused} faults were tried`);
    });

    /** Named keys of the issue, through the whole stack-config path: the problem names the full key. */
    const awsBackend = { kind: "aws", region: "eu-west-1", eksClusterName: "my-cluster" };
    const vaultBackend = {
        kind: "vault",
        address: "https://vault.example.com:8200",
        xcomPath: "s3://bucket/xcom",
        auth: { createMount: { kubernetesHost: "https://k8s.example.com" } },
        tls: { configMapName: "vault-ca" },
    };
    const ENDS: { key: string; set: (v: Values, bad: string) => void }[] = [
        {
            key: "backend.extraS3Prefixes[0].prefix",
            set: (v, bad) => (v.backend = { ...awsBackend, extraS3Prefixes: [{ prefix: bad }] }),
        },
        {
            key: "backend.kv.connectionsPath",
            set: (v, bad) => (v.backend = { ...vaultBackend, kv: { connectionsPath: bad } }),
        },
        {
            key: "backend.namespace",
            set: (v, bad) => (v.backend = { ...vaultBackend, namespace: bad }),
        },
        {
            key: "backend.xcomPath",
            set: (v, bad) => (v.backend = { ...vaultBackend, xcomPath: `s3://bucket/${bad}` }),
        },
        {
            key: "dagBundles[0].subdir",
            set: (v, bad) =>
                (v.dagBundles = [
                    { type: "git", name: "d", repoUrl: "https://github.com/e/d.git", trackingRef: "main", subdir: bad },
                ]),
        },
        {
            key: "dagBundles[0].path",
            set: (v, bad) => (v.dagBundles = [{ type: "local", name: "d", path: `/${bad}` }]),
        },
        {
            key: "workers[0].volumeMounts[0].subPath",
            set: (v, bad) =>
                (v.workers = [
                    {
                        name: "w",
                        volumes: [{ name: "s", emptyDir: {} }],
                        volumeMounts: [{ name: "s", mountPath: "/s", subPath: bad }],
                    },
                ]),
        },
    ];

    it("a traversal or wildcard in the issue's keys is refused at the full key, with what is expected", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...ENDS),
                fc.array(part, { minLength: 1, maxLength: 3 }),
                fc.constantFrom("..", "*", "?", "[x]"),
                (end, parts, fault) => {
                    const values = baseValues();
                    const bad = [...parts.slice(0, 1), fault, ...parts.slice(1)].join("/");
                    end.set(values, bad);
                    const result = validateStackConfig(raw(values));
                    if (result.ok) {
                        assert.fail(`${end.key}: '${bad}' was accepted`);
                    }
                    const hit = result.problems.find((p) => p.key === end.key);
                    assert.ok(
                        hit !== undefined,
                        `${end.key}: no problem there, got ${JSON.stringify(result.problems)}`,
                    );
                    assert.match(hit.message, /(\.\.|wildcard)/);
                    assert.match(hit.message, /for example/);
                },
            ),
            { numRuns: 60, seed: 23 },
        );
    });
});
