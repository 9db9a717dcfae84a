// Rotations update the agent's Secrets in place: the Kubernetes provider's enableSecretMutable is on
// for every provider the program configures (Pulumi.yaml for the default one, the fleet's own), and a
// stack whose default provider has it off is told how to turn it on.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import agentProgram from "../../index";
import { SECRET_MUTABLE_ENV, secretsMutable } from "../../config/providerConfig";
import { runUnderMocks, type MockRunResult } from "../../scripts/lib/mockRun";
import { validateStackConfig } from "../../chart/validate";
import { baseValues, configStrings, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

/** A mock run of the program, with the warnings it logged. */
async function run(
    values: Values,
    providerConfig: Record<string, string> = {},
): Promise<{ result: MockRunResult; warnings: string[] }> {
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
    };
    try {
        const result = await runUnderMocks({
            project: PROJECT,
            stack: "dev",
            config: configStrings(values),
            secretKeys: ["agentToken", "imagePullCredentials"],
            providerConfig,
            program: agentProgram,
        });
        return { result, warnings };
    } finally {
        pulumi.log.warn = original;
    }
}

const inPlaceWarnings = (warnings: string[]) => warnings.filter((w) => w.includes("enableSecretMutable"));

describe("rotation: the agent's Secrets are updated in place", () => {
    it("the provider's precedence: its config key when set, else the environment variable", () => {
        const cases: [string | undefined, string | undefined, boolean][] = [
            [undefined, undefined, false],
            ["true", undefined, true],
            ["false", "true", false],
            [undefined, "true", true],
            [undefined, "1", false],
            ["TRUE", undefined, false],
        ];
        for (const [config, env, expected] of cases) {
            assert.equal(secretsMutable(config, env), expected, `config ${config}, env ${env}`);
        }
    });

    it("warns, naming the config key, when the default provider would replace the Secrets delete-first", async () => {
        const saved = process.env[SECRET_MUTABLE_ENV];
        Reflect.deleteProperty(process.env, SECRET_MUTABLE_ENV);
        try {
            const off = inPlaceWarnings((await run(baseValues())).warnings);
            assert.equal(off.length, 1, off.join("\n"));
            assert.match(off[0] ?? "", /pulumi config set kubernetes:enableSecretMutable true/);
            assert.deepEqual(
                inPlaceWarnings((await run(baseValues(), { "kubernetes:enableSecretMutable": "true" })).warnings),
                [],
            );
        } finally {
            if (saved === undefined) {
                Reflect.deleteProperty(process.env, SECRET_MUTABLE_ENV);
            } else {
                process.env[SECRET_MUTABLE_ENV] = saved;
            }
        }
    });

    it("no warning when the program manages no Secret (existing Secrets by name)", async () => {
        const values: Values = { ...baseValues(), agentTokenSecretName: "mine", imagePullSecretName: "pull" };
        delete values.agentToken;
        delete values.imagePullCredentials;
        assert.deepEqual(inPlaceWarnings((await run(values)).warnings), []);
    });

    it("the fleet's own providers update Secrets in place, and no warning is logged", async () => {
        const values = {
            ...baseValues(),
            clusters: [
                { name: "primary", context: "ctx-a" },
                { name: "dr", context: "ctx-b", standby: true },
            ],
        };
        const { result, warnings } = await run(values);
        const providers = result.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        assert.deepEqual(providers.map((p) => p.name).sort(), [
            "astro-agent-dr-kubernetes",
            "astro-agent-primary-kubernetes",
        ]);
        for (const p of providers) {
            // Provider inputs reach the engine as strings.
            assert.equal(p.inputs.enableSecretMutable, "true", p.name);
        }
        assert.deepEqual(inPlaceWarnings(warnings), []);
    });
});

describe("rotation: failover from an unreachable cluster (clusters[i].unreachable)", () => {
    const fleet = (clusters: Values[]): Values => ({ ...baseValues(), clusters });
    const problems = (values: Values) => {
        const result = validateStackConfig(raw(values));
        return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
    };

    it("accepts a marked cluster that is standby and has its own provider", () => {
        assert.deepEqual(
            problems(
                fleet([
                    { name: "primary", context: "ctx-a", standby: true, unreachable: true },
                    { name: "dr", context: "ctx-b" },
                ]),
            ),
            [],
        );
    });

    it("refuses a marked cluster that is still active, or on the default provider: every problem at once, by full key", () => {
        const found = problems(
            fleet([
                { name: "primary", unreachable: true },
                { name: "dr", context: "ctx-b", standby: true },
            ]),
        );
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(
            found[0] ?? "",
            /^clusters\[0\]\.standby: must be true while clusters\[0\]\.unreachable is true: .*standby: false on a reachable cluster$/,
        );
        assert.match(
            found[1] ?? "",
            /^clusters\[0\]\.unreachable: needs the cluster's own provider: set clusters\[0\]\.kubeconfig or clusters\[0\]\.context .*for example clusters\[0\]\.context: /,
        );
    });

    it("refuses a marker that leaves no reachable active cluster", () => {
        const found = problems(
            fleet([
                { name: "primary", context: "ctx-a", standby: true, unreachable: true },
                { name: "dr", context: "ctx-b", standby: true },
            ]),
        );
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0] ?? "",
            /^clusters: has only standby clusters, .*set standby: false on the cluster that serves tasks/,
        );
    });

    it("refuses a value that is not a boolean, naming the key", () => {
        const found = problems(
            fleet([
                { name: "primary", context: "ctx-a", standby: true, unreachable: "yes" },
                { name: "dr", context: "ctx-b" },
            ]),
        );
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0] ?? "", /^clusters\[0\]\.unreachable: /);
    });

    it("the marked cluster's provider skips its resources while unreachable; the others' do not", async () => {
        const { result } = await run(
            fleet([
                { name: "primary", context: "ctx-a", standby: true, unreachable: true },
                { name: "dr", context: "ctx-b" },
            ]),
        );
        const providers = new Map(
            result.resources
                .filter((r) => r.type === "pulumi:providers:kubernetes")
                .map((p) => [p.name, p.inputs.skipUpdateUnreachable]),
        );
        assert.deepEqual(
            providers,
            new Map([
                ["astro-agent-primary-kubernetes", "true"],
                ["astro-agent-dr-kubernetes", undefined],
            ]),
        );
    });
});
