// Reshapes (config/reshape.ts, program/reshape.ts, the fleet's aliases): what the last update deployed,
// judged against the config; the aliases each move carries; the static rules of the reshape keys.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { validateStackConfig } from "../../chart/validate";
import { checkReshapeKeys, previousShapeOf, reshapePlan, type PreviousShape } from "../../config/reshape";
import agentProgram from "../../index";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { baseValues, configStrings, PROJECT, raw } from "../fixtures/config";
import { rng } from "../lib/seeded";

const NAMES = ["primary", "dr", "east", "west", "blue", "green"];

describe("reshape: the last update's shape from its outputs", () => {
    it("a fleet exports clusters, a single stack releaseName; anything else is no previous deployment", () => {
        assert.deepEqual(previousShapeOf({ clusters: { west: {}, east: {} }, nextSteps: "…" }), {
            kind: "fleet",
            clusters: ["east", "west"],
        });
        assert.deepEqual(previousShapeOf({ releaseName: "astro-agent", namespace: "astro" }), { kind: "single" });
        assert.deepEqual(previousShapeOf({}), { kind: "none" });
        assert.deepEqual(previousShapeOf(undefined), { kind: "none" });
        assert.deepEqual(previousShapeOf({ clusters: ["not", "a", "map"] }), { kind: "none" });
    });
});

describe("reshape: every cluster of the last update is listed, renamed, removed on purpose, or reported", () => {
    it("holds for generated previous fleets and configs (prod refuses, dev warns, nothing else is said)", () => {
        const next = rng(25);
        const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T;
        const subset = () => NAMES.filter(() => next() < 0.4);
        for (let n = 0; n < 400; n++) {
            const previous: PreviousShape = { kind: "fleet", clusters: subset().sort() };
            const single = next() < 0.25;
            const listed = single ? [] : subset();
            const clusters = listed.map((name) => {
                const former = next() < 0.3 ? pick(NAMES) : undefined;
                return { name, ...(former === undefined || listed.includes(former) ? {} : { formerName: former }) };
            });
            const removeClusters = subset().filter((c) => !listed.includes(c));
            const environment = next() < 0.5 ? "prod" : "dev";
            const plan = reshapePlan(previous, {
                environment,
                ...(single ? {} : { clusters }),
                ...(removeClusters.length === 0 ? {} : { removeClusters }),
            });
            const kept = previous.clusters.filter((c) => !removeClusters.includes(c));
            const covered = new Set(clusters.flatMap((c) => [c.name, ...(c.formerName ? [c.formerName] : [])]));
            const expectedDropped = single ? (kept.length > 1 ? kept : []) : kept.filter((c) => !covered.has(c));
            const said = [...plan.problems.map((p) => p.message), ...plan.warnings].join("\n");
            const context = JSON.stringify({ previous, clusters: single ? "unset" : clusters, removeClusters });
            for (const c of previous.clusters) {
                assert.equal(
                    said.includes(`'${c}'`),
                    expectedDropped.includes(c),
                    `cluster '${c}' reported iff dropped: ${context}`,
                );
            }
            assert.equal(plan.problems.length > 0, environment === "prod" && expectedDropped.length > 0, context);
            assert.equal(plan.warnings.length > 0, environment === "dev" && expectedDropped.length > 0, context);
            assert.equal(plan.singleFromCluster, single && kept.length === 1 ? kept[0] : undefined, context);
        }
    });

    it("names the key and the exact ways out", () => {
        const renamed = reshapePlan(
            { kind: "fleet", clusters: ["blue"] },
            { environment: "prod", clusters: [{ name: "green" }] },
        );
        assert.deepEqual(
            renamed.problems.map((p) => p.key),
            ["clusters"],
        );
        assert.match(renamed.problems[0]?.message ?? "", /no longer lists cluster 'blue'/);
        assert.match(renamed.problems[0]?.message ?? "", /clusters\[0\]\.formerName: blue/);
        assert.match(renamed.problems[0]?.message ?? "", /removeClusters: \[blue\]/);
        const toSingle = reshapePlan({ kind: "fleet", clusters: ["dr", "primary"] }, { environment: "prod" });
        assert.match(toSingle.problems[0]?.message ?? "", /removeClusters: \[primary\] keeps 'dr'/);
    });

    it("a single stack or none before: nothing to judge (the first entry takes the single stack's objects)", () => {
        for (const previous of [{ kind: "single" }, { kind: "none" }] as const) {
            assert.deepEqual(reshapePlan(previous, { environment: "prod", clusters: [{ name: "a" }] }), {
                problems: [],
                warnings: [],
            });
        }
    });
});

describe("reshape: the static rules of formerName and removeClusters", () => {
    function problems(values: Record<string, unknown>) {
        const result = validateStackConfig(raw(values));
        return result.ok ? [] : result.problems;
    }
    const fleet = (clusters: unknown[], extra: Record<string, unknown> = {}) => ({
        ...baseValues(),
        clusters,
        ...extra,
    });

    it("refuses a formerName in use or repeated, and removeClusters naming a listed cluster, with full keys", () => {
        const found = problems(
            fleet(
                [
                    { name: "a", context: "a", formerName: "a" },
                    { name: "b", context: "b", formerName: "a" },
                    { name: "c", context: "c", formerName: "old" },
                    { name: "d", context: "d", formerName: "old" },
                ],
                { removeClusters: ["old", "c"] },
            ),
        );
        assert.deepEqual(
            found.map((p) => p.key),
            ["clusters[0].formerName", "clusters[1].formerName", "clusters[3].formerName", "removeClusters[1]"],
        );
        assert.match(found[0]?.message ?? "", /is this entry's own name/);
        assert.match(found[1]?.message ?? "", /'a' is clusters\[0\]\.name/);
        assert.match(found[2]?.message ?? "", /duplicates clusters\[2\]\.formerName 'old'/);
        assert.match(found[3]?.message ?? "", /'c' is still listed as clusters\[2\]/);
    });

    it("the rule is the same function the schema runs (no second copy)", () => {
        const seen: string[] = [];
        checkReshapeKeys({ environment: "dev", clusters: [{ name: "x", formerName: "x" }] }, (p) =>
            seen.push(p.join(".")),
        );
        assert.deepEqual(seen, ["clusters.0.formerName"]);
        assert.deepEqual(
            problems(fleet([{ name: "x", formerName: "x" }])).map((p) => p.key),
            ["clusters[0].formerName"],
        );
    });
});

/** An Input's value (known under mocks outside preview). */
function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => {
        pulumi.output(input).apply((v) => {
            resolve(v as T);
        });
    });
}

/** An alias with its Inputs resolved; a parent given as `undefined` (the stack's top level) shown as "(none)". */
async function resolveAlias(a: pulumi.Alias | string): Promise<unknown> {
    if (typeof a === "string") {
        return a;
    }
    const parent =
        "parent" in a
            ? {
                  parent:
                      a.parent === undefined
                          ? "(none)"
                          : pulumi.Resource.isInstance(a.parent)
                            ? "(resource)"
                            : await valueOf(a.parent),
              }
            : {};
    return {
        ...(a.name === undefined ? {} : { name: await valueOf(a.name) }),
        ...parent,
        ...(a.type === undefined ? {} : { type: await valueOf(a.type) }),
    };
}

describe("reshape: the program under mocks, against given last outputs", () => {
    /** Runs the program and records each registration's aliases (resolved) by `type name`. */
    async function run(values: Record<string, unknown>, previousOutputs: Record<string, unknown>) {
        const aliases = new Map<string, unknown[]>();
        const pending: Promise<void>[] = [];
        const sink: RecordedResource[] = [];
        const result = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: configStrings(values),
            secretKeys: ["agentToken", "imagePullCredentials"],
            previousOutputs,
            sink,
            program: () => {
                pulumi.runtime.registerStackTransformation((t) => {
                    const list = (t.opts.aliases ?? []) as (pulumi.Alias | string)[];
                    pending.push(
                        Promise.all(list.map(resolveAlias)).then((resolved) => {
                            aliases.set(`${t.type} ${t.name}`, resolved);
                        }),
                    );
                    return undefined;
                });
                return agentProgram();
            },
        });
        await Promise.all(pending);
        return { ...result, aliases, sink };
    }
    const AGENT = "astro-remote-agent:index:RemoteExecutionAgent";

    it("single after a one-cluster fleet: the agent takes over that cluster's agent (name and parent)", async () => {
        const { aliases } = await run(baseValues(), { clusters: { primary: { namespace: "astro-agent" } } });
        const got = aliases.get(`${AGENT} astro-agent`) ?? [];
        assert.deepEqual(got[0], {
            name: "astro-agent-primary",
            parent: "urn:pulumi:test::astro-agent::astro-remote-agent:index:AgentFleet::astro-agent",
        });
    });

    it("a fleet: its first entry takes over a single stack's agent, a renamed entry its former name's", async () => {
        const values = {
            ...baseValues(),
            clusters: [
                { name: "primary", context: "a" },
                { name: "green", context: "b", formerName: "blue", standby: true },
            ],
        };
        const { aliases } = await run(values, { releaseName: "astro-agent" });
        assert.deepEqual(aliases.get(`${AGENT} astro-agent-primary`)?.[0], { name: "astro-agent", parent: "(none)" });
        assert.deepEqual(aliases.get(`${AGENT} astro-agent-green`)?.[0], { name: "astro-agent-blue" });
        assert.deepEqual(aliases.get("pulumi:providers:kubernetes astro-agent-green-kubernetes")?.[0], {
            name: "astro-agent-blue-kubernetes",
        });
    });

    it("prod refuses dropping a cluster before any resource is registered; dev warns and goes ahead", async () => {
        const prod: Record<string, unknown> = {
            ...baseValues(),
            environment: "prod",
            agentTokenSecretName: "t",
            imagePullSecretName: "p",
            backend: { kind: "external", secretBackend: "a.b.C", xcomPath: "s3://b/x" },
            clusters: [{ name: "primary", context: "a" }],
        };
        delete prod.agentToken;
        delete prod.imagePullCredentials;
        assert.ok(validateStackConfig(raw(prod, [])).ok, "a valid prod config");
        const previous = { clusters: { primary: {}, dr: {} } };
        const sink: RecordedResource[] = [];
        await assert.rejects(
            runUnderMocks({
                project: PROJECT,
                stack: "test",
                config: configStrings(prod),
                previousOutputs: previous,
                sink,
                program: agentProgram,
            }),
            /would drop what this stack's last update deployed \(1 problem\); nothing was changed:\n {2}- clusters: no longer lists cluster 'dr'/,
        );
        assert.deepEqual(
            sink.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
            [],
            "nothing registered",
        );
        const dev = await run({ ...prod, environment: "dev" }, previous);
        assert.ok(
            dev.resources.some((r) => r.type === AGENT),
            "dev goes ahead",
        );
    });
});
