// Wiring keys of the top level and of the external backend given as Outputs (tests/lib/wiring.ts runs
// the three cases of each: unknown at preview, known and valid, known and invalid).
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
