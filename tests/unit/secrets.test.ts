// Secrets stay secret: secret config reaches Kubernetes only as Pulumi secrets, and never the chart
// values, the stack outputs or any plain input.
import * as assert from "node:assert/strict";
import agentProgram from "../../index";
import { plaintextPaths, runUnderMocks, type MockRunResult } from "../../scripts/lib/mockRun";
import {
    AGENT_TOKEN,
    baseValues,
    configStrings,
    GIT_CONNECTION,
    OPENLINEAGE_KEY,
    PROJECT,
    PULL_PASSWORD,
    stackFileWithSecure,
} from "../fixtures/config";

const VARIABLE_VALUE = "variable-secret-value-1d2c3b4a";
const SECRETS = {
    agentToken: AGENT_TOKEN,
    pullPassword: PULL_PASSWORD,
    openLineageKey: OPENLINEAGE_KEY,
    gitPassword: "git-pat-value-9e8d7c6b",
    variable: VARIABLE_VALUE,
};

function secretValues(): Record<string, unknown> {
    const v = baseValues();
    v.openLineage = { enabled: true, apiKey: OPENLINEAGE_KEY };
    v.backend = { kind: "local", connections: { git_repo: GIT_CONNECTION }, variables: { api_key: VARIABLE_VALUE } };
    v.dagBundles = [
        {
            type: "git",
            name: "private",
            repoUrl: "https://github.com/example/private.git",
            trackingRef: "main",
            private: true,
            gitConnId: "git_repo",
        },
    ];
    return v;
}

describe("secrecy", () => {
    let result: MockRunResult;
    before(async () => {
        const { file, secretKeys } = stackFileWithSecure(secretValues(), [
            ["agentToken"],
            ["imagePullCredentials", "password"],
            ["openLineage", "apiKey"],
            ["backend", "connections", "git_repo"],
            ["backend", "variables", "api_key"],
        ]);
        result = await runUnderMocks({
            project: PROJECT,
            stack: "dev",
            config: configStrings(secretValues()),
            secretKeys,
            file,
            program: agentProgram,
        });
    });

    it("puts each secret into exactly the Kubernetes Secret meant for it", () => {
        const holders = Object.fromEntries(
            Object.entries(SECRETS).map(([what, secret]) => [
                what,
                result.resources.filter((r) => JSON.stringify(r.inputs).includes(secret)).map((r) => r.name),
            ]),
        );
        assert.deepEqual(holders, {
            agentToken: ["astro-agent-credentials-agent-token"],
            pullPassword: ["astro-agent-credentials-image-pull"],
            openLineageKey: ["astro-agent-credentials-openlineage"],
            gitPassword: ["astro-agent-local-secrets"],
            variable: ["astro-agent-local-secrets"],
        });
    });

    it("marks every input that contains a secret as a Pulumi secret", () => {
        for (const r of result.resources) {
            for (const [what, secret] of Object.entries(SECRETS)) {
                assert.deepEqual(plaintextPaths(r.inputs, secret), [], `${what} in plain text in ${r.type} ${r.name}`);
            }
        }
    });

    it("keeps every secret out of the Helm release values, even wrapped", () => {
        const release = result.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
        assert.ok(release);
        const values = JSON.stringify(release.inputs.values);
        for (const secret of Object.values(SECRETS)) {
            assert.ok(!values.includes(secret));
        }
        assert.ok(!values.includes("4dabf18193072939515e22adb298388d"), "no secret wrapper in values");
    });

    it("keeps every secret out of the stack outputs", () => {
        const stored = JSON.stringify(result.storedOutputs);
        assert.ok(stored.includes("chartValues"), "outputs were recorded");
        for (const secret of Object.values(SECRETS)) {
            assert.ok(!stored.includes(secret));
        }
    });

    it("passes nothing to the components' own state (super args are empty)", () => {
        for (const r of result.resources.filter((x) => !x.custom)) {
            assert.deepEqual(r.inputs, {}, `${r.type} ${r.name}`);
        }
    });
});
