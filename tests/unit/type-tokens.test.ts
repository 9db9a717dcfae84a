// One type-token prefix for every component (`astro-remote-agent:index:<Name>`, the npm and component
// package name), and an alias to the 0.1 token (`astro-agent:index:<Name>`) on each renamed component,
// so a stack deployed with 0.1 keeps its resources. The engine side (children inherit the parent's
// alias; a preview after the rename changes nothing) is proven in tests/e2e/type-tokens.test.ts.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AgentNamespace } from "../../components";
import agentProgram from "../../index";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { PROJECT } from "../fixtures/config";

const ROOT = path.join(__dirname, "..", "..");

/** The components of 0.1 and the token each registered under then (pinned: state written by 0.1 has these). */
const RENAMED: Record<string, string> = {
    AgentCredentials: "astro-agent:index:AgentCredentials",
    AgentFleet: "astro-agent:index:AgentFleet",
    AgentNamespace: "astro-agent:index:AgentNamespace",
    AgentRelease: "astro-agent:index:AgentRelease",
    AgentServiceAccounts: "astro-agent:index:AgentServiceAccounts",
    AwsBackend: "astro-agent:index:AwsBackend",
    AzureBackend: "astro-agent:index:AzureBackend",
    GcpBackend: "astro-agent:index:GcpBackend",
    LocalBackend: "astro-agent:index:LocalBackend",
    RemoteExecutionAgent: "astro-agent:index:RemoteExecutionAgent",
    VaultBackend: "astro-agent:index:VaultBackend",
};

/** Components added after 0.1: no old token to alias. */
const ADDED = ["AgentNetworkPolicy"];

/** Stack files that, together, construct every component (each backend, the fleet). */
const STACKS: [string, string | undefined][] = [
    ["dev", undefined],
    ["prod", undefined],
    ["azure", undefined],
    ["gcp", undefined],
    ["vault", undefined],
    ["fleet-dr", "tests/fixtures/stacks/Pulumi.fleet-dr.yaml"],
];

interface SeenComponent {
    type: string;
    name: string;
    aliases: unknown[];
}

/** Runs `program` under mocks and records every component's type and the aliases in its options. */
async function components(
    program: () => unknown,
    stack = { project: PROJECT, stack: "test", config: {} as Record<string, string> },
): Promise<SeenComponent[]> {
    const seen: SeenComponent[] = [];
    await runUnderMocks({
        ...stack,
        program: () => {
            pulumi.runtime.registerStackTransformation((t) => {
                if (!(t.resource instanceof pulumi.CustomResource) && t.type !== "pulumi:pulumi:Stack") {
                    seen.push({ type: t.type, name: t.name, aliases: [...(t.opts.aliases ?? [])] });
                }
                return undefined;
            });
            return program();
        },
    });
    return seen;
}

describe("component type tokens", function () {
    this.timeout(60_000);

    it("every component of every stack is astro-remote-agent:index:<Name>; each renamed one aliases its 0.1 token", async () => {
        const types = new Set<string>();
        for (const [stack, file] of STACKS) {
            const stackFile = readStackFile(ROOT, stack, file === undefined ? undefined : path.join(ROOT, file));
            for (const c of await components(agentProgram, stackFile)) {
                const [prefix, short] = [c.type.slice(0, c.type.lastIndexOf(":") + 1), c.type.split(":").pop()!];
                assert.equal(prefix, "astro-remote-agent:index:", `${stack}: ${c.type} ${c.name}`);
                // Besides: the first cluster's agent of a fleet takes over a single-cluster stack's (config/reshape.ts).
                const reshape = c.name === "astro-agent-primary" ? [{ name: "astro-agent", parent: undefined }] : [];
                const legacy = ADDED.includes(short) ? [] : [{ type: RENAMED[short] }];
                assert.deepEqual(c.aliases, [...reshape, ...legacy], `${stack}: ${c.type} ${c.name}`);
                types.add(short);
            }
        }
        // the stacks above reach every renamed component, so none is left without its alias
        assert.deepEqual([...types].sort(), [...Object.keys(RENAMED), ...ADDED].sort());
    });

    it("keeps the aliases the caller passed, the 0.1 token after them", async () => {
        const [ns] = await components(
            () => new AgentNamespace("ns", { name: "astro", restricted: true }, { aliases: [{ name: "old-ns" }] }),
        );
        assert.deepEqual(ns?.aliases, [{ name: "old-ns" }, { type: "astro-agent:index:AgentNamespace" }]);
    });

    it("the prefix is the npm package's and the component package's name", () => {
        const name = (file: string) =>
            (JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as { name: string }).name;
        assert.equal(name("package.json"), "astro-remote-agent");
        assert.equal(name("component/package.json"), "astro-remote-agent");
    });
});
