// RemoteAgent, the component package's facade: interface-typed args (for schema inference) that are
// validated by the one zod schema and build exactly what RemoteExecutionAgent builds from the same config.
import * as assert from "node:assert/strict";
import { RemoteExecutionAgent, type RemoteExecutionAgentArgs } from "../../components";
import {
    REMOTE_AGENT_TYPED_KEYS,
    RemoteAgent,
    remoteAgentConfig,
    type RemoteAgentArgs,
} from "../../components/remoteAgent";
import { agentConfigSchema } from "../../config/schema";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { AGENT_TOKEN, baseValues, PROJECT } from "../fixtures/config";

async function run(program: () => unknown): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks({ project: PROJECT, stack: "test", config: {}, program });
    return resources;
}

function facadeArgs(change: (v: Record<string, unknown>) => void = () => undefined): RemoteAgentArgs {
    const v = baseValues();
    change(v);
    return v as unknown as RemoteAgentArgs;
}

describe("RemoteAgent (component package facade)", () => {
    it("types only keys of the config schema, and every required one", () => {
        const shape = agentConfigSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
        assert.deepEqual(
            REMOTE_AGENT_TYPED_KEYS.filter((k) => !(k in shape)),
            [],
        );
        const required = Object.keys(shape).filter((k) => !shape[k]!.safeParse(undefined).success);
        assert.deepEqual(
            required.filter((k) => !(REMOTE_AGENT_TYPED_KEYS as readonly string[]).includes(k)),
            [],
            "a required config key is reachable only through extraConfig",
        );
    });

    it("creates exactly what RemoteExecutionAgent creates from the same config, parented to the facade", async () => {
        const direct = await run(() => new RemoteExecutionAgent("agent", baseValues() as RemoteExecutionAgentArgs));
        const viaFacade = await run(() => new RemoteAgent("agent", facadeArgs()));
        assert.deepEqual(viaFacade.map((r) => [r.type, r.name, r.parentType]).slice(0, 2), [
            ["astro-remote-agent:index:RemoteAgent", "agent", undefined],
            ["astro-remote-agent:index:RemoteExecutionAgent", "agent", "astro-remote-agent:index:RemoteAgent"],
        ]);
        const shape = (rs: RecordedResource[]) =>
            rs.map((r) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs }));
        assert.deepEqual(shape(viaFacade.slice(1)).slice(1), shape(direct).slice(1));
        assert.deepEqual(viaFacade[0]!.inputs, {}, "nothing is passed to super()");
        assert.ok(!JSON.stringify(viaFacade[0]).includes(AGENT_TOKEN));
    });

    it("extraConfig reaches the schema like any other key", async () => {
        const rs = await run(
            () =>
                new RemoteAgent(
                    "agent",
                    facadeArgs((v) => (v.extraConfig = { labels: { team: "data" } })),
                ),
        );
        const ns = rs.find((r) => r.type === "kubernetes:core/v1:Namespace");
        assert.equal((ns?.inputs.metadata as { labels: Record<string, string> }).labels.team, "data");
    });

    it("refuses bad args before registering anything, with the stack config's messages (full key)", async () => {
        let caught: unknown;
        const rs = await run(() => {
            try {
                new RemoteAgent(
                    "agent",
                    facadeArgs((v) => {
                        v.namespace = "Not_A_Label";
                        v.extraConfig = { proxy: { httpProxy: "not a url" } };
                    }),
                );
            } catch (err) {
                caught = err;
            }
        });
        assert.ok(caught instanceof Error);
        assert.match(caught.message, /^Invalid RemoteExecutionAgent args \(2 problems\):/);
        assert.match(caught.message, /\bnamespace: /);
        assert.match(caught.message, /\bproxy\.httpProxy: /);
        assert.deepEqual(rs, [], "not even the facade is registered");
    });

    it("refuses extraConfig that repeats a typed key", () => {
        assert.throws(() => remoteAgentConfig({ ...facadeArgs(), extraConfig: { namespace: "x", backend: {} } }), {
            message:
                "Invalid RemoteAgent args: extraConfig repeats 'namespace', 'backend'; set them as a top-level arg",
        });
    });

    it("leaves unset keys out, so schema defaults apply", () => {
        const cfg = remoteAgentConfig(facadeArgs()) as Record<string, unknown>;
        assert.deepEqual(Object.keys(cfg).sort(), Object.keys(baseValues()).sort());
    });
});
