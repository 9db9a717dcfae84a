"""Deploys Astronomer's Remote Execution Agent through the astro-remote-agent component package.

No generated SDK: the component is addressed by its type token (remote=True), its inputs are the
names of the package schema (`pulumi package get-schema`), its outputs are read by name.
"""

from typing import Any, Mapping, Optional

import pulumi

OUTPUTS = ("namespace", "releaseName", "xcomPath", "serviceAccountNames", "backendOutputs")


class RemoteAgent(pulumi.ComponentResource):
    """astro-remote-agent:index:RemoteAgent, constructed by the Node.js component package."""

    namespace: pulumi.Output[str]
    releaseName: pulumi.Output[str]
    xcomPath: pulumi.Output[str]
    serviceAccountNames: pulumi.Output[Mapping[str, str]]
    backendOutputs: pulumi.Output[Mapping[str, str]]

    def __init__(
        self, name: str, args: Mapping[str, Any], opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        # output names the engine fills in; `namespace` is also an input, so the args come last
        props = {**{key: None for key in OUTPUTS}, **args}
        super().__init__("astro-remote-agent:index:RemoteAgent", name, props, opts, remote=True)


class KubernetesObject(pulumi.CustomResource):
    """A Kubernetes object through the provider plugin (no Python Kubernetes SDK needed here)."""

    metadata: pulumi.Output[Mapping[str, Any]]
    data: pulumi.Output[Mapping[str, str]]

    def __init__(
        self, name: str, kind: str, props: Mapping[str, Any], opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        props = {"apiVersion": "v1", "kind": kind, **props}
        super().__init__(f"kubernetes:core/v1:{kind}", name, props, opts)


config = pulumi.Config()
cluster = pulumi.ProviderResource("kubernetes", "cluster", {"kubeconfig": config.require("kubeconfig")})
on_cluster = pulumi.ResourceOptions(provider=cluster)

# The agent's namespace is this program's own; the agent adopts it through its Output.
agent_ns = KubernetesObject(
    "agent-ns",
    "Namespace",
    {
        "metadata": {
            "name": config.require("agentNamespace"),
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
        }
    },
    on_cluster,
)
namespace_name = agent_ns.metadata.apply(lambda m: m["name"])
# Another resource the agent is wired from (in real life: an IAM role, a bucket, another stack).
identity = KubernetesObject(
    "identity",
    "ConfigMap",
    {
        "metadata": {"namespace": namespace_name, "name": "agent-identity"},
        "data": {"roleArn": "arn:aws:iam::123456789012:role/consumer-agent", "xcomPath": "s3://example-astro-xcom/xcom"},
    },
    on_cluster,
)

agent = RemoteAgent(
    "agent",
    {
        "environment": "prod",
        "resourceNamePrefix": "astro-py",
        "namespace": namespace_name,
        "createNamespace": False,
        "astroDeploymentAPIURL": "https://cm2x9a7kd000301l0exampleab.external.astronomer.run/dprd0001",
        "astro": {
            "organizationId": "cm2x8c1o2000001l0exampleorg",
            "workspaceId": "cm2x9a0bc000101l0examplewsp",
            "deploymentId": "cm2x9a7kd000301l0exampledprd0001",
            "deploymentNamespace": "stellar-quasar-5678",
        },
        "agentToken": config.require_secret("agentToken"),
        "imagePullSecretName": "astro-image-pull",
        "image": "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1",
        "chart": {"path": config.require("chartPath")},
        "release": {"skipAwait": config.get_bool("skipAwait") or False},
        "backend": {
            "kind": "external",
            "secretBackend": "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
            "secretBackendKwargs": {"connections_prefix": "astro/connections", "region_name": "eu-west-1"},
            "xcomPath": identity.data.apply(lambda d: d["xcomPath"]),
            "serviceAccountAnnotations": {"eks.amazonaws.com/role-arn": identity.data.apply(lambda d: d["roleArn"])},
        },
        "extraConfig": {"labels": {"team": "data-platform"}},
        "dagBundles": [
            {"type": "git", "name": "dags", "repoUrl": "https://github.com/org/dags.git", "trackingRef": "main"}
        ],
    },
    pulumi.ResourceOptions(providers=[cluster]),
)

pulumi.export("agentNamespace", agent.namespace)
pulumi.export("releaseName", agent.releaseName)
pulumi.export("serviceAccountNames", agent.serviceAccountNames)
pulumi.export("xcomPath", agent.xcomPath)
