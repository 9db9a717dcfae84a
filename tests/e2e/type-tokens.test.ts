// The component type tokens moved from `astro-agent:index:<Name>` (0.1) to `astro-remote-agent:index:<Name>`;
// each renamed component aliases its old type. On the real engine: deploy the dev stack, rewrite its
// state to the 0.1 tokens (what a stack deployed with 0.1 holds: every component and every child URN
// under the old types), and the next preview must find every resource through the aliases, the
// children's through their parent's alias: nothing created, deleted or replaced.
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { e2eWorld, openStack, readExample, STAND_IN_CHART, withConfig } from "./harness";

const NEW_PREFIX = "astro-remote-agent:index:";
const OLD_PREFIX = "astro-agent:index:";

interface StateResource {
    urn: string;
    type: string;
    id?: string;
    parent?: string;
}

describe("end to end: renamed component types keep a 0.1 stack's resources (aliases)", function () {
    this.timeout(300_000);
    const world = e2eWorld("type-tokens e2e");
    const NS = `astro-e2e-tokens-${crypto.randomBytes(3).toString("hex")}`;
    let opened: Stack | undefined;
    const stack = (): Stack => {
        assert.ok(opened, "the stack was not opened");
        return opened;
    };

    const resourcesOf = async (): Promise<StateResource[]> =>
        ((await stack().exportStack()).deployment as { resources?: StateResource[] }).resources ?? [];

    before(async () => {
        const doc = withConfig(readExample("dev"), {
            namespace: NS,
            chart: { path: STAND_IN_CHART },
            release: { skipAwait: true },
        });
        opened = await openStack(world.project.dir, "e2e-tokens", doc, world.env);
        await opened.up();
    });

    it("the state written with 0.1 tokens previews with no changes: every resource found by alias", async () => {
        const before = await resourcesOf();
        const components = before.filter((r) => r.type.startsWith(NEW_PREFIX)).map((r) => r.type);
        assert.deepEqual(components.sort(), [
            "astro-remote-agent:index:AgentCredentials",
            "astro-remote-agent:index:AgentNamespace",
            "astro-remote-agent:index:AgentRelease",
            "astro-remote-agent:index:AgentServiceAccounts",
            "astro-remote-agent:index:LocalBackend",
            "astro-remote-agent:index:RemoteExecutionAgent",
        ]);
        // the state a 0.1 deployment left: the old prefix in every type, URN, parent and dependency
        const exported = await stack().exportStack();
        const old = JSON.parse(JSON.stringify(exported).split(NEW_PREFIX).join(OLD_PREFIX)) as typeof exported;
        await stack().importStack(old);
        const imported = await resourcesOf();
        assert.ok(!JSON.stringify(imported).includes(NEW_PREFIX));
        // a child two levels down carries both old component types in its URN
        assert.ok(
            imported.some((r) =>
                r.urn.includes(
                    "::astro-agent:index:RemoteExecutionAgent$astro-agent:index:AgentNamespace$kubernetes:core/v1:Namespace::",
                ),
            ),
            imported.map((r) => r.urn).join("\n"),
        );

        const ops: string[] = [];
        const result = await stack().preview({
            expectNoChanges: true,
            onEvent: (e: EngineEvent) => {
                const m = e.resourcePreEvent?.metadata;
                if (m !== undefined && m.op !== "same") {
                    ops.push(`${m.op} ${m.urn}`);
                }
            },
        });
        assert.deepEqual(ops, []);
        assert.deepEqual(Object.keys(result.changeSummary), ["same"]);
        // every resource of the state (the summary leaves out providers)
        assert.equal(result.changeSummary.same, before.filter((r) => !r.type.startsWith("pulumi:providers:")).length);
    });

    it("an up moves the state to the new tokens, same ids (nothing replaced), then no changes", async () => {
        // custom resources (the ones with ids) keep their types; only the components' changed
        const key = (r: StateResource) => `${r.type}::${r.urn.split("::").pop() ?? ""}`;
        const withId = (rs: StateResource[]) => rs.filter((r) => r.id !== undefined && r.id !== "");
        const idsBefore = new Map(withId(await resourcesOf()).map((r) => [key(r), r.id]));
        const result = await stack().up();
        assert.deepEqual(
            Object.keys(result.summary.resourceChanges ?? {}).filter((op) => op !== "same"),
            [],
        );
        const after = await resourcesOf();
        assert.ok(!JSON.stringify(after).includes(OLD_PREFIX));
        assert.equal(withId(after).length, idsBefore.size);
        for (const r of withId(after)) {
            assert.equal(r.id, idsBefore.get(key(r)), r.urn);
        }
        await stack().preview({ expectNoChanges: true });
    });

    it("destroy removes everything", async () => {
        await stack().destroy();
        assert.deepEqual(
            (await resourcesOf()).filter((r) => !r.type.startsWith("pulumi:")),
            [],
        );
        await world.kube.waitFor(
            `namespace ${NS} to be deleted`,
            async () => (await world.kube.get(`/api/v1/namespaces/${NS}`)) === undefined,
            90,
        );
    });
});
