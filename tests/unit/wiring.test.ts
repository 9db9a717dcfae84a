// Wiring keys of the top level and of the external backend given as Outputs (tests/lib/wiring.ts runs
// the three cases of each: unknown at preview, known and valid, known and invalid).
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RemoteExecutionAgent, type RemoteExecutionAgentArgs } from "../../components";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { AGENT_TOKEN, baseValues } from "../fixtures/config";
import { describeWiring } from "../lib/wiring";

function args(): Record<string, unknown> {
    return { ...baseValues(), agentToken: AGENT_TOKEN };
}

function withoutKeys(keys: string[], extra: Record<string, unknown>): () => Record<string, unknown> {
    return () => ({ ...Object.fromEntries(Object.entries(args()).filter(([k]) => !keys.includes(k))), ...extra });
}

function prod(): Record<string, unknown> {
    return {
        ...external(),
        environment: "prod",
        imagePullSecretName: "astro-image-pull",
        imagePullCredentials: undefined,
    };
}

function external(): Record<string, unknown> {
    return {
        ...args(),
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
            secretBackendKwargs: { connections_prefix: "astro/connections", region_name: "eu-west-1" },
            xcomPath: "s3://example-astro-xcom/xcom",
            serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/astro-agent" },
        },
    };
}

describeWiring("top-level wiring keys", [
    { path: ["namespace"], args, invalid: "Not_A_Namespace" },
    { path: ["astroDeploymentAPIURL"], args, invalid: "http://cabc.external.astronomer.run/d1234567" },
    { path: ["astro", "organizationId"], args, invalid: "org 1" },
    { path: ["astro", "workspaceId"], args, invalid: "" },
    { path: ["astro", "deploymentId"], args, invalid: "dep/1" },
    { path: ["astro", "deploymentNamespace"], args, invalid: "cosmic ray" },
    {
        path: ["agentTokenSecretName"],
        args: withoutKeys(["agentToken"], { agentTokenSecretName: "team-agent-token" }),
        invalid: "Team_Token",
    },
    {
        path: ["imagePullSecretName"],
        args: withoutKeys(["imagePullCredentials"], { imagePullSecretName: "team-pull" }),
        invalid: "team pull",
    },
    { path: ["image"], args, invalid: "not an image!" },
    // A rule across keys (prod refuses a floating tag), checked again once the Output resolved.
    { path: ["image"], args: prod, invalid: "images.astronomer.cloud/baseimages/astro-remote-execution-agent:latest" },
    {
        path: ["chart", "repo"],
        args: () => ({ ...args(), chart: { repo: "https://charts.example.com/astro", version: "2.3.3" } }),
        invalid: "oci://charts.example.com/astro",
    },
    {
        path: ["chart", "path"],
        args: () => ({ ...args(), chart: { path: "./charts/agent", version: "2.3.3" } }),
        invalid: "",
    },
    {
        path: ["openLineage", "apiKeySecretName"],
        args: () => ({
            ...args(),
            openLineage: { enabled: true, namespace: "cosmic-ray-1234", apiKeySecretName: "ol-key" },
        }),
        invalid: "OL Key",
    },
]);

describeWiring("external backend wiring keys", [
    { path: ["backend", "xcomPath"], args: external, invalid: "example-astro-xcom/xcom" },
    {
        path: ["backend", "serviceAccountAnnotations", "eks.amazonaws.com/role-arn"],
        args: external,
        invalid: { arn: "x" },
    },
]);

describe("composing with Outputs (what a TypeScript consumer writes)", () => {
    it("type-checks Outputs of other resources in the wiring keys without casts (tsc runs over this file)", () => {
        // The type of `ns.metadata.name` for a Namespace `ns` of the consumer's.
        const name: k8s.core.v1.Namespace["metadata"]["name"] = pulumi.output("team-agent");
        const args: RemoteExecutionAgentArgs = {
            ...(baseValues() as RemoteExecutionAgentArgs),
            namespace: name,
            createNamespace: false,
            astroDeploymentAPIURL: pulumi.output("https://cabc.external.astronomer.run/d1234567"),
            image: Promise.resolve(
                "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1",
            ),
        };
        assert.ok(pulumi.Output.isInstance(args.namespace));
    });

    it("an adopted namespace given as an Output is not read (a fresh stack that creates it previews)", async () => {
        const { resources } = await runUnderMocks({
            project: "astro-agent",
            stack: "compose",
            config: {},
            preview: true,
            program: () => {
                const ns = new k8s.core.v1.Namespace("team", { metadata: { name: "team-agent" } });
                new RemoteExecutionAgent("agent", {
                    ...(args() as RemoteExecutionAgentArgs),
                    namespace: ns.metadata.name,
                    createNamespace: false,
                });
            },
        });
        assert.deepEqual(
            resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => [r.name, r.readId]),
            [["team", undefined]],
            "only the program's own namespace, created, and no read",
        );
        const token = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("agent-token"));
        assert.equal((token?.inputs.metadata as { namespace?: unknown } | undefined)?.namespace, "team-agent");
    });

    it("a key that decides structure given as an Output says so, naming the key", () => {
        assert.throws(
            () => new RemoteExecutionAgent("agent", { ...args(), workers: pulumi.output([]) } as never),
            /workers: must be .*\(got an Output, whose value is not known when the component is constructed; this key decides which resources exist/,
        );
    });
});
