// program/providerWarmup.ts: a valid single-cluster stack starts its default Kubernetes provider with
// one invoke before it registers any resource; a fleet (explicit providers) and a bad config do not.
import * as assert from "node:assert/strict";
import agentProgram from "../../index";
import { warmupRequest } from "../../program/providerWarmup";
import { runUnderMocks, type MockRunResult } from "../../scripts/lib/mockRun";
import { baseValues, configStrings, PROJECT } from "../fixtures/config";

const WARMUP = "kubernetes:yaml:decode";

describe("provider warm-up (program/providerWarmup.ts)", () => {
    it("asks the default provider at the version the Kubernetes SDK registers its resources with", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's own answer
        const utilities = require("@pulumi/kubernetes/utilities") as { getVersion(): string };
        const { token, args, opts } = warmupRequest();
        assert.equal(token, WARMUP);
        assert.deepEqual(args, { text: "" });
        assert.equal(opts.version, utilities.getVersion());
        assert.equal(opts.provider, undefined);
        assert.equal(opts.parent, undefined);
    });

    it("a single-cluster stack sends it once, before its first resource", async () => {
        const { invokes, resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: configStrings(baseValues()),
            secretKeys: ["agentToken", "imagePullCredentials"],
            program: agentProgram,
        });
        const warmups = invokes.filter((i) => i.token === WARMUP);
        assert.deepEqual(warmups, [{ token: WARMUP, inputs: { text: "" }, afterResources: 0 }]);
        assert.ok(resources.some((r) => r.type === "kubernetes:core/v1:Namespace"));
    });

    it("a fleet (one explicit provider per cluster) does not", async () => {
        const values = baseValues();
        values.clusters = [
            { name: "primary", context: "primary-eu" },
            { name: "dr", context: "dr-eu", namespace: "astro-dr", standby: true },
        ];
        const { invokes, resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: configStrings(values),
            secretKeys: ["agentToken", "imagePullCredentials"],
            program: agentProgram,
        });
        assert.equal(resources.filter((r) => r.type === "pulumi:providers:kubernetes").length, 2);
        assert.deepEqual(
            invokes.filter((i) => i.token === WARMUP),
            [],
        );
    });

    it("a bad config fails before it: no invoke, no resource", async () => {
        const values = baseValues();
        values.resourceNamePrefix = "Bad_Prefix";
        const invokes: MockRunResult["invokes"] = [];
        const sink: MockRunResult["resources"] = [];
        await assert.rejects(
            runUnderMocks({
                project: PROJECT,
                stack: "test",
                config: configStrings(values),
                secretKeys: ["agentToken", "imagePullCredentials"],
                program: agentProgram,
                sink,
                invokeSink: invokes,
            }),
            /resourceNamePrefix/,
        );
        assert.deepEqual(invokes, []);
        assert.deepEqual(
            sink.filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
    });
});
