import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RemoteExecutionAgent, type RemoteExecutionAgentArgs } from "astro-remote-agent/components";

const cfg = new pulumi.Config();
// An explicit provider: every Kubernetes object below (the agent's included) goes to this cluster.
const provider = new k8s.Provider("cluster", { kubeconfig: cfg.require("kubeconfig") });

// Your own resources, next to the agent's.
const team = new k8s.core.v1.Namespace("team", { metadata: { name: cfg.require("teamNamespace") } }, { provider });
const settings = new k8s.core.v1.ConfigMap(
    "team-settings",
    { metadata: { namespace: team.metadata.name, name: "team-settings" }, data: { owner: "data-platform" } },
    { provider },
);
// The agent's namespace is yours too: the agent adopts it (createNamespace: false) through its Output.
const agentNamespace = new k8s.core.v1.Namespace(
    "agent-namespace",
    {
        metadata: {
            name: cfg.require("agentNamespace"),
            labels: { "pod-security.kubernetes.io/enforce": "restricted" },
        },
    },
    { provider },
);
// The identity and the XCom bucket come from another stack (e.g. the one that runs the cluster).
const identity = new pulumi.StackReference(cfg.require("identityStack"));

const agent = new RemoteExecutionAgent(
    "agent",
    {
        environment: "prod",
        resourceNamePrefix: "astro",
        namespace: agentNamespace.metadata.name, // an Output: the agent is created after the namespace
        createNamespace: false,
        astroDeploymentAPIURL: "https://cm2x9a7kd000301l0exampleab.external.astronomer.run/dprd0001",
        astro: {
            organizationId: "cm2x8c1o2000001l0exampleorg",
            workspaceId: "cm2x9a0bc000101l0examplewsp",
            deploymentId: "cm2x9a7kd000301l0exampledprd0001",
            deploymentNamespace: "stellar-quasar-5678",
        },
        agentToken: cfg.requireSecret("agentToken"), // a string or an Output; always kept secret
        imagePullSecretName: "astro-image-pull",
        image: "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1",
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
            secretBackendKwargs: { connections_prefix: "astro/connections", region_name: "eu-west-1" },
            // Outputs of the other stack: checked when they resolve, like a literal would be now.
            xcomPath: identity.requireOutput("xcomPath") as pulumi.Output<string>,
            serviceAccountAnnotations: {
                "eks.amazonaws.com/role-arn": identity.requireOutput("roleArn") as pulumi.Output<string>,
            },
        },
        dagBundles: [{ type: "git", name: "dags", repoUrl: "https://github.com/org/dags.git", trackingRef: "main" }],
        // chart source and release options from stack config (e.g. a mirrored chart, `skipAwait`)
        chart: cfg.getObject<RemoteExecutionAgentArgs["chart"]>("chart"),
        release: cfg.getObject<RemoteExecutionAgentArgs["release"]>("release"),
    },
    { providers: [provider], dependsOn: [settings] },
);

export const agentNamespaceName = agent.namespace;
export const releaseName = agent.releaseName;
export const serviceAccountNames = agent.serviceAccountNames;
export const xcomPath = agent.xcomPath;
export const teamSettings = settings.metadata.name;
