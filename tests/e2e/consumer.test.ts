// Another team's TypeScript program (examples/consumer-ts, the README's "Using the components in your
// own program" code) installs the packed npm package, creates its own namespaces and ConfigMap and
// composes RemoteExecutionAgent with an explicit Kubernetes provider, wiring it from Outputs: the
// agent's namespace is the program's own Namespace, the role ARN and XCom path come from a
// StackReference to a second stack on the same file backend. Preview (the whole plan), up, preview
// (no changes), destroy.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { e2eWorld, STAND_IN_CHART } from "./harness";
import { installExample } from "./packaging";

const TOKEN = "consumer-e2e-agent-token-7f3c";
const TEAM_NS = "team-consumer";
const AGENT_NS = "astro-consumer";
const ROLE_ARN = "arn:aws:iam::123456789012:role/consumer-agent";
const XCOM_PATH = "s3://consumer-xcom-bucket/xcom";
const IDENTITY_PROJECT = "consumer-identity";

interface StateResource {
    urn: string;
    type: string;
    provider?: string;
}

describe("consumer program on the packed npm package (examples/consumer-ts)", function () {
    this.timeout(600_000);
    const world = e2eWorld("consumer");
    let dir: string;
    let stack: Stack;
    let identity: Stack;

    before(async function () {
        dir = installExample("consumer-ts");
        // The other stack: its outputs are what the consumer's StackReference reads.
        identity = await LocalWorkspace.createOrSelectStack(
            {
                stackName: "identity",
                projectName: IDENTITY_PROJECT,
                program: () => Promise.resolve({ roleArn: ROLE_ARN, xcomPath: XCOM_PATH }),
            },
            { envVars: world.env },
        );
        await identity.up();
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: "consumer", workDir: dir },
            { envVars: world.env },
        );
        await stack.setAllConfig({
            kubeconfig: { value: fs.readFileSync(world.env.KUBECONFIG!, "utf8") },
            teamNamespace: { value: TEAM_NS },
            agentNamespace: { value: AGENT_NS },
            identityStack: { value: `organization/${IDENTITY_PROJECT}/identity` },
            agentToken: { value: TOKEN, secret: true },
            chart: { value: JSON.stringify({ path: STAND_IN_CHART }) },
            release: { value: JSON.stringify({ skipAwait: true }) },
        });
    });

    it("installs compiled JavaScript and declarations only, and type-checks against them (strict tsc)", () => {
        const pkg = path.join(dir, "node_modules", "astro-remote-agent");
        assert.ok(fs.existsSync(path.join(pkg, "dist", "components", "index.d.ts")));
        assert.ok(!fs.existsSync(path.join(pkg, "components")), "TypeScript sources are not shipped");
        execFileSync(path.join(dir, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", dir], { stdio: "inherit" });
    });

    let previewCreates = 0;
    it("preview on the fresh stack shows the whole plan (the namespace it creates, the other stack's outputs)", async () => {
        const result = await stack.preview();
        previewCreates = result.changeSummary.create ?? 0;
        assert.deepEqual(Object.keys(result.changeSummary).sort(), ["create"]);
        assert.ok(previewCreates >= 15, `${previewCreates} creates`);
    });

    it("up creates its own namespaces and ConfigMap and the agent, through the explicit provider", async () => {
        const result = await stack.up();
        assert.equal(result.summary.result, "succeeded");
        assert.equal(result.summary.resourceChanges?.create, previewCreates, "up did what the preview showed");
        const outputs = await stack.outputs();
        assert.equal(outputs.agentNamespaceName?.value, AGENT_NS);
        assert.equal(outputs.xcomPath?.value, XCOM_PATH, "the XCom path came from the other stack");
        assert.equal(outputs.releaseName?.value, "astro");
        assert.equal(outputs.teamSettings?.value, "team-settings");

        const kube = world.kube;
        const cm = await kube.get<{ data: Record<string, string> }>(
            `/api/v1/namespaces/${TEAM_NS}/configmaps/team-settings`,
        );
        assert.deepEqual(cm?.data, { owner: "data-platform" });
        const token = await kube.get<{ data: Record<string, string> }>(
            `/api/v1/namespaces/${AGENT_NS}/secrets/astro-agent-token`,
        );
        assert.equal(Buffer.from(token?.data.token ?? "", "base64").toString(), TOKEN);
        const sas = (await kube.list<{ metadata: { name: string } }>(`/api/v1/namespaces/${AGENT_NS}/serviceaccounts`))
            .map((s) => s.metadata.name)
            .filter((n) => n !== "default")
            .sort();
        assert.deepEqual(sas, Object.values(outputs.serviceAccountNames?.value as Record<string, string>).sort());
        for (const sa of sas) {
            const obj = await kube.get<{ metadata: { annotations?: Record<string, string> } }>(
                `/api/v1/namespaces/${AGENT_NS}/serviceaccounts/${sa}`,
            );
            assert.equal(obj?.metadata.annotations?.["eks.amazonaws.com/role-arn"], ROLE_ARN, sa);
        }
        const releases = await kube.list(`/api/v1/namespaces/${AGENT_NS}/secrets?labelSelector=owner%3Dhelm`);
        assert.equal(releases.length, 1);

        // Every Kubernetes resource, the agent's included, uses the program's provider: no default one.
        const state = (await stack.exportStack()).deployment as { resources: StateResource[] };
        const providers = state.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        assert.deepEqual(
            providers.map((p) => p.urn.split("::").pop()),
            ["cluster"],
        );
        const k8sResources = state.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(k8sResources.length >= 8, `${k8sResources.length} Kubernetes resources`);
        for (const r of k8sResources) {
            assert.match(r.provider ?? "", /::pulumi:providers:kubernetes::cluster::/, r.urn);
        }
        assert.ok(
            state.resources.some(
                (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.urn.includes("RemoteExecutionAgent"),
            ),
        );
        assert.ok(!JSON.stringify(state).includes(TOKEN), "the agent token is encrypted in state");
    });

    it("a second preview reports no changes", async () => {
        const result = await stack.preview();
        assert.deepEqual(Object.keys(result.changeSummary), ["same"]);
    });

    it("destroy removes the team's resources and the agent's, its own namespaces included", async () => {
        await stack.destroy();
        const kube = world.kube;
        for (const ns of [TEAM_NS, AGENT_NS]) {
            await kube.waitFor(
                `namespace ${ns} to be deleted`,
                async () => {
                    return (await kube.get(`/api/v1/namespaces/${ns}`)) === undefined;
                },
                90,
            );
        }
        const state = (await stack.exportStack()).deployment as { resources?: StateResource[] };
        assert.deepEqual(state.resources ?? [], [], "nothing left in state");
        await stack.workspace.removeStack("consumer");
        await identity.destroy();
        await identity.workspace.removeStack("identity");
    });
});
