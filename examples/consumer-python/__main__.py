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


config = pulumi.Config()
cluster = pulumi.ProviderResource("kubernetes", "cluster", {"kubeconfig": config.require("kubeconfig")})

agent = RemoteAgent(
    "agent",
    {
        "environment": "prod",
        "resourceNamePrefix": "astro-py",
        "namespace": config.require("agentNamespace"),
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
            "xcomPath": "s3://example-astro-xcom/xcom",
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
