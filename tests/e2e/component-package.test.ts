// The multi-language component package (component/PulumiPlugin.yaml) as another project gets it: the
// packed npm package installed next to a YAML program (examples/consumer-yaml). Its inferred schema,
// then the YAML program deploying the agent through it: up, outputs, preview (no changes), destroy.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { REMOTE_AGENT_TYPED_KEYS } from "../../components/remoteAgent";
import { schemaAt } from "../../config/introspect";
import { agentConfigSchema } from "../../config/schema";
import { e2eWorld, STAND_IN_CHART } from "./harness";
import { exampleSharingModules, installExample } from "./packaging";

const TOKEN = "component-package-e2e-token-41d9";
const PKG = "astro-remote-agent";
const TOKEN_TYPE = `${PKG}:index:RemoteAgent`;

interface SchemaProperty {
    type?: string;
    $ref?: string;
    plain?: boolean;
    secret?: boolean;
    description?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
}
interface PackageSchema {
    name: string;
    version: string;
    resources: Record<
        string,
        {
            isComponent?: boolean;
            inputProperties: Record<string, SchemaProperty>;
            requiredInputs: string[];
            properties: Record<string, SchemaProperty>;
            required: string[];
        }
    >;
    types: Record<string, { type: string; properties: Record<string, SchemaProperty>; required?: string[] }>;
}

/** Skips locally, fails in CI, when a language host is not built (scripts/toolchain.sh). */
function requireHost(ctx: Mocha.Context, bin: string): void {
    try {
        execFileSync("bash", ["-c", `command -v ${bin}`], { stdio: "ignore" });
    } catch {
        if (process.env.CI === "true") {
            throw new Error(`${bin} is not built in CI: run npm run toolchain`);
        }
        console.warn(`skipping: ${bin} is not built (npm run toolchain)`);
        ctx.skip();
    }
}

describe("component package (PulumiPlugin.yaml) from the packed npm package", function () {
    this.timeout(600_000);
    const world = e2eWorld("component package");
    let dir: string;
    let pluginDir: string;

    before(function () {
        dir = installExample("consumer-yaml");
        pluginDir = path.join(dir, "node_modules", PKG, "component");
    });

    describe("pulumi package get-schema", () => {
        let schema: PackageSchema;
        before(() => {
            // From an empty directory: this toolchain's Node.js host (3.68) looks for required plugins
            // in the current directory, and the consumer's node_modules holds the cloud SDKs, whose
            // provider plugins cannot be downloaded here.
            const out = execFileSync("pulumi", ["package", "get-schema", pluginDir], {
                cwd: fs.mkdtempSync(path.join(os.tmpdir(), "astro-get-schema-")),
                env: { ...process.env, ...world.env },
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
            schema = JSON.parse(out) as PackageSchema;
        });

        it("names the package after the npm package, at its version, with one component", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", PKG, "package.json"), "utf8")) as {
                version: string;
            };
            assert.equal(schema.name, PKG);
            assert.equal(schema.version, pkg.version);
            assert.deepEqual(Object.keys(schema.resources), [TOKEN_TYPE]);
            assert.equal(schema.resources[TOKEN_TYPE]!.isComponent, true);
        });

        it("infers the inputs from the args interface: the typed config keys plus extraConfig", () => {
            const r = schema.resources[TOKEN_TYPE]!;
            assert.deepEqual(Object.keys(r.inputProperties).sort(), [...REMOTE_AGENT_TYPED_KEYS, "extraConfig"].sort());
            assert.deepEqual(r.requiredInputs.sort(), [
                "astro",
                "astroDeploymentAPIURL",
                "backend",
                "dagBundles",
                "namespace",
            ]);
            const p = r.inputProperties;
            assert.deepEqual(p.namespace, {
                type: "string",
                description:
                    "Namespace of the agent (chart `namespace`); may be another resource's output, e.g. your own Namespace's name.",
            });
            assert.equal(p.createNamespace?.type, "boolean");
            assert.equal(p.astro?.$ref, `#/types/${PKG}:index:AstroIdsArgs`);
            assert.deepEqual(p.backend?.additionalProperties, { $ref: "pulumi.json#/Any" });
            assert.equal(p.dagBundles?.type, "array");
            assert.deepEqual(p.dagBundles.items?.additionalProperties, { $ref: "pulumi.json#/Any" });
            assert.equal(schema.types[`${PKG}:index:ReleaseOptionsArgs`]?.properties.timeoutSeconds?.type, "number");
        });

        it("nested types name only keys the config schema knows", () => {
            const byKey: Record<string, string> = {
                AstroIdsArgs: "astro",
                ImagePullCredentialsArgs: "imagePullCredentials",
                ChartSourceArgs: "chart",
                ReleaseOptionsArgs: "release",
            };
            assert.deepEqual(
                Object.keys(schema.types).sort(),
                Object.keys(byKey)
                    .map((t) => `${PKG}:index:${t}`)
                    .sort(),
            );
            for (const [type, key] of Object.entries(byKey)) {
                for (const prop of Object.keys(schema.types[`${PKG}:index:${type}`]!.properties)) {
                    assert.ok(
                        schemaAt(agentConfigSchema, [key, prop], {}),
                        `${type}.${prop} is not config key ${key}.${prop}`,
                    );
                }
            }
        });

        it("carries a JSDoc description on every input, output and nested property", () => {
            const r = schema.resources[TOKEN_TYPE]!;
            const props = [
                ...Object.entries(r.inputProperties),
                ...Object.entries(r.properties),
                ...Object.values(schema.types).flatMap((t) => Object.entries(t.properties)),
            ];
            assert.deepEqual(
                props.filter(([, s]) => !s.description).map(([k]) => k),
                [],
            );
        });

        it("the wiring keys and the secrets take Outputs; keys that decide which resources exist are plain", () => {
            // Schema inference never sets `secret: true` (no TypeScript form for it): the facade wraps
            // the secrets in pulumi.secret itself, and the YAML consumer below checks the state.
            const r = schema.resources[TOKEN_TYPE]!;
            const nested = (type: string, key: string) =>
                Object.entries(schema.types[`${PKG}:index:${type}`]!.properties)
                    .filter(([, s]) => s.plain !== true)
                    .map(([k]) => `${key}.${k}`);
            const notPlain = [
                ...Object.entries(r.inputProperties)
                    .filter(([, s]) => s.plain !== true)
                    .map(([k]) => k),
                ...nested("ImagePullCredentialsArgs", "imagePullCredentials"),
                ...nested("AstroIdsArgs", "astro"),
                ...nested("ChartSourceArgs", "chart"),
            ];
            assert.deepEqual(notPlain.sort(), [
                "agentToken",
                "agentTokenSecretName",
                "astro.deploymentId",
                "astro.deploymentNamespace",
                "astro.organizationId",
                "astro.workspaceId",
                "astroDeploymentAPIURL",
                "backend",
                "chart.path",
                "chart.repo",
                "image",
                "imagePullCredentials.password",
                "imagePullSecretName",
                "namespace",
            ]);
            const pull = schema.types[`${PKG}:index:ImagePullCredentialsArgs`]!.properties;
            assert.match(r.inputProperties.agentToken!.description!, /Always stored as a Pulumi secret/);
            assert.match(pull.password!.description!, /Always stored as a Pulumi secret/);
            assert.equal(r.inputProperties.agentToken!.secret, undefined);
        });

        it("infers the outputs from the class's Output members", () => {
            const r = schema.resources[TOKEN_TYPE]!;
            assert.deepEqual(Object.keys(r.properties).sort(), [
                "backendOutputs",
                "namespace",
                "releaseName",
                "serviceAccountNames",
                "xcomPath",
            ]);
            assert.deepEqual(r.properties.serviceAccountNames?.additionalProperties, { type: "string" });
        });
    });

    /**
     * A program in another language that deploys the agent through the component package (no
     * generated SDK): up and its outputs, a preview with no changes, destroy.
     */
    function languageConsumer(o: {
        title: string;
        example: string;
        host: string;
        prefix: string;
        /** Extra environment for the stack (e.g. the Python interpreter); undefined: skip. */
        env?: () => Record<string, string> | undefined;
    }): void {
        describe(o.title, () => {
            const NS = o.prefix;
            let stack: Stack;

            before(async function () {
                requireHost(this, o.host);
                const extra = o.env === undefined ? {} : o.env();
                if (extra === undefined) {
                    if (process.env.CI === "true") {
                        throw new Error(`${o.title}: toolchain incomplete in CI: run npm run toolchain`);
                    }
                    this.skip();
                }
                // the Python example lists the same Node.js dependencies as the YAML one
                const workDir = o.example === "consumer-yaml" ? dir : exampleSharingModules(o.example, dir);
                stack = await LocalWorkspace.createOrSelectStack(
                    { stackName: o.prefix, workDir },
                    { envVars: { ...world.env, ...extra } },
                );
                await stack.setAllConfig({
                    kubeconfig: { value: fs.readFileSync(world.env.KUBECONFIG!, "utf8") },
                    agentNamespace: { value: NS },
                    agentToken: { value: TOKEN, secret: true },
                    chartPath: { value: STAND_IN_CHART },
                    skipAwait: { value: "true" },
                });
            });

            let previewCreates = 0;
            it("preview of the fresh stack shows the whole plan (namespace and identity from references)", async () => {
                const result = await stack.preview();
                previewCreates = result.changeSummary.create ?? 0;
                assert.deepEqual(Object.keys(result.changeSummary), ["create"]);
                assert.ok(previewCreates >= 15, `${previewCreates} creates`);
            });

            it("up deploys the agent through the component package and reads its outputs", async () => {
                const result = await stack.up();
                assert.equal(result.summary.result, "succeeded");
                assert.equal(result.summary.resourceChanges?.create, previewCreates, "up did what the preview showed");
                const outputs = await stack.outputs();
                assert.equal(outputs.agentNamespace?.value, NS);
                assert.equal(outputs.releaseName?.value, o.prefix);
                assert.equal(outputs.xcomPath?.value, "s3://example-astro-xcom/xcom");
                const sas = outputs.serviceAccountNames?.value as Record<string, string>;
                assert.deepEqual(Object.keys(sas).sort(), [
                    "dagProcessor",
                    "sentinel",
                    "triggerer",
                    "worker:default-worker",
                ]);

                const kube = world.kube;
                for (const sa of Object.values(sas)) {
                    const obj = await kube.get<{
                        metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
                    }>(`/api/v1/namespaces/${NS}/serviceaccounts/${sa}`);
                    assert.equal(
                        obj?.metadata.annotations?.["eks.amazonaws.com/role-arn"],
                        "arn:aws:iam::123456789012:role/consumer-agent",
                        `${sa}: the annotation came from the other resource's output`,
                    );
                    assert.equal(obj.metadata.labels?.team, "data-platform", "extraConfig.labels reached the objects");
                }
                const token = await kube.get<{ data: Record<string, string> }>(
                    `/api/v1/namespaces/${NS}/secrets/${o.prefix}-agent-token`,
                );
                assert.equal(Buffer.from(token?.data.token ?? "", "base64").toString(), TOKEN);
                const helm = await kube.list(`/api/v1/namespaces/${NS}/secrets?labelSelector=owner%3Dhelm`);
                assert.equal(helm.length, 1);
                for (const sa of Object.values(sas)) {
                    assert.ok(await kube.get(`/api/v1/namespaces/${NS}/serviceaccounts/${sa}`), sa);
                }

                const state = JSON.stringify((await stack.exportStack()).deployment);
                assert.ok(!state.includes(TOKEN), "the agent token is encrypted in state");
                assert.match(state, new RegExp(`"type":"${TOKEN_TYPE}"`));
                // the children used the program's provider, passed through the component's `providers`
                assert.ok(!/pulumi:providers:kubernetes::default/.test(state), "no default Kubernetes provider");
            });

            it("a second preview reports no changes", async () => {
                const result = await stack.preview();
                assert.deepEqual(Object.keys(result.changeSummary), ["same"]);
            });

            it("destroy removes what it made, the program's own namespace included", async () => {
                await stack.destroy();
                const kube = world.kube;
                await kube.waitFor(
                    `namespace ${NS} to be deleted`,
                    async () => (await kube.get(`/api/v1/namespaces/${NS}`)) === undefined,
                    90,
                );
                const state = (await stack.exportStack()).deployment as { resources?: unknown[] };
                assert.deepEqual(state.resources ?? [], [], "nothing left in state");
                await stack.workspace.removeStack(o.prefix);
            });
        });
    }

    languageConsumer({
        title: "YAML program (examples/consumer-yaml, pulumi-language-yaml)",
        example: "consumer-yaml",
        host: "pulumi-language-yaml",
        prefix: "astro-yaml",
    });

    languageConsumer({
        title: "Python program (examples/consumer-python, pulumi-language-python)",
        example: "consumer-python",
        host: "pulumi-language-python",
        prefix: "astro-py",
        // the 3.68 host runs PULUMI_PYTHON_CMD: the toolchain's venv with PyPI pulumi at the CLI's version
        env: () => {
            const venv = process.env.ASTRO_PULUMI_PYTHON_VENV;
            const python = venv === undefined ? undefined : path.join(venv, "bin", "python");
            return python !== undefined && fs.existsSync(python) ? { PULUMI_PYTHON_CMD: python } : undefined;
        },
    });
});
