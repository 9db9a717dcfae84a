// The multi-language face of RemoteExecutionAgent: the component package (component/PulumiPlugin.yaml)
// exports this class, so YAML and Python programs can deploy the agent. Pulumi infers the package
// schema from the TypeScript interfaces below (no unions, no zod types), so they name the common keys
// and carry everything else as maps; the args are then validated by the one zod schema, exactly as
// stack config is, before anything is created.
import * as pulumi from "@pulumi/pulumi";
import {
    parseAgentArgsWithWarnings,
    RemoteExecutionAgent,
    type RemoteExecutionAgentArgs,
} from "./remoteExecutionAgent";
import { componentType } from "./typeTokens";

/** The four IDs of the Astro Deployment (from the values file the Astro UI generates). */
export interface AstroIdsArgs {
    /** Astro organization ID (chart `astro.organizationId`). */
    organizationId: pulumi.Input<string>;
    /** Astro workspace ID (chart `astro.workspaceId`). */
    workspaceId: pulumi.Input<string>;
    /** Astro Deployment ID (chart `astro.deploymentId`). */
    deploymentId: pulumi.Input<string>;
    /** Astro Deployment namespace (chart `astro.deploymentNamespace`). */
    deploymentNamespace: pulumi.Input<string>;
}

/** Registry credentials the program stores in a `kubernetes.io/dockerconfigjson` Secret. */
export interface ImagePullCredentialsArgs {
    /** Registry host, e.g. `images.astronomer.cloud`. */
    registry: string;
    /** Registry user name, e.g. `cli`. */
    username: string;
    /** Registry password or Astro API token. Always stored as a Pulumi secret. */
    password: pulumi.Input<string>;
}

/** Where the Helm chart comes from (config key `chart`). */
export interface ChartSourceArgs {
    /** Chart name in the repository. */
    name?: string;
    /** Exact chart version. */
    version?: string;
    /** Helm chart repository URL. */
    repo?: pulumi.Input<string>;
    /** Local chart directory or .tgz archive, instead of a repository. */
    path?: pulumi.Input<string>;
}

/** Helm release options (config key `release`). */
export interface ReleaseOptionsArgs {
    /** Release name (default: `resourceNamePrefix`). */
    name?: string;
    /** Do not wait for the agent's workloads to become ready. */
    skipAwait?: boolean;
    /** Roll back a failed install or upgrade. */
    atomic?: boolean;
    /** Helm timeout in seconds. */
    timeoutSeconds?: number;
}

/**
 * Args of {@link RemoteAgent}: the stack config reference of this project (docs/config-reference.md), with the common
 * keys typed. Keys where resources meet (the namespace, the Astro IDs and API URL, Secret names, the
 * image, the chart's repo or path, and inside `backend` its identity and existing-store keys) take
 * outputs of other resources; keys that decide which resources exist must be known when the component
 * is constructed. Validated by the same schema as stack config.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- schema inference maps `any` (not `unknown`) to a free-form value */
export interface RemoteAgentArgs {
    /** `dev` or `prod` (default `prod`): prod is stricter (no local backend, pinned images, no plain-text secrets). */
    environment?: string;
    /** Prefix of every object name (chart `resourceNamePrefix`). */
    resourceNamePrefix?: string;
    /** Namespace of the agent (chart `namespace`); may be another resource's output, e.g. your own Namespace's name. */
    namespace: pulumi.Input<string>;
    /** Create the namespace (true, default) or adopt an existing one (false). */
    createNamespace?: boolean;
    /** Pod Security Standard `restricted` on the namespace and every pod (default true). */
    restricted?: boolean;
    /** Orchestration plane API URL of the Deployment (chart `astroDeploymentAPIURL`). */
    astroDeploymentAPIURL: pulumi.Input<string>;
    /** The Astro Deployment's IDs. */
    astro: AstroIdsArgs;
    /** Agent token. Always stored as a Pulumi secret, in a Secret with key `token`. */
    agentToken?: pulumi.Input<string>;
    /** Existing Secret with key `token`, instead of `agentToken`. */
    agentTokenSecretName?: pulumi.Input<string>;
    /** Existing `kubernetes.io/dockerconfigjson` Secret for the agent image. */
    imagePullSecretName?: pulumi.Input<string>;
    /** Registry credentials, instead of `imagePullSecretName`; the password is always a secret. */
    imagePullCredentials?: ImagePullCredentialsArgs;
    /** Agent image (pinned by tag or digest in prod). */
    image?: pulumi.Input<string>;
    /** Where the Helm chart comes from. */
    chart?: ChartSourceArgs;
    /** Helm release options. */
    release?: ReleaseOptionsArgs;
    /**
     * The `backend` block of the config reference, e.g. `{kind: external, secretBackend: …, xcomPath: …}`;
     * its identity and existing-store keys may be outputs of other resources (its `kind` must be known).
     */
    backend: pulumi.Input<{ [key: string]: any }>;
    /** DAG bundles (config key `dagBundles`), e.g. `[{type: git, name: dags, repoUrl: …, trackingRef: main}]`. */
    dagBundles: { [key: string]: any }[];
    /** Worker queues (config key `workers`). */
    workers?: { [key: string]: any }[];
    /** Any other key of the config reference (e.g. `commonEnv`, `labels`, `openLineage`), validated the same way. */
    extraConfig?: { [key: string]: any };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The typed keys of {@link RemoteAgentArgs}; `extraConfig` may not repeat them. */
export const REMOTE_AGENT_TYPED_KEYS = [
    "environment",
    "resourceNamePrefix",
    "namespace",
    "createNamespace",
    "restricted",
    "astroDeploymentAPIURL",
    "astro",
    "agentToken",
    "agentTokenSecretName",
    "imagePullSecretName",
    "imagePullCredentials",
    "image",
    "chart",
    "release",
    "backend",
    "dagBundles",
    "workers",
] as const satisfies readonly (keyof RemoteAgentArgs)[];

/**
 * The facade's args as {@link RemoteExecutionAgentArgs}: typed keys plus `extraConfig`, absent keys
 * left out (so schema defaults apply). Throws when `extraConfig` repeats a typed key.
 */
export function remoteAgentConfig(args: RemoteAgentArgs): RemoteExecutionAgentArgs {
    const extra = args.extraConfig ?? {};
    const repeated = REMOTE_AGENT_TYPED_KEYS.filter((k) => k in extra);
    if (repeated.length > 0) {
        throw new Error(
            `Invalid RemoteAgent args: extraConfig repeats ${repeated.map((k) => `'${k}'`).join(", ")}; set ${repeated.length === 1 ? "it" : "them"} as a top-level arg`,
        );
    }
    const typed = Object.fromEntries(
        REMOTE_AGENT_TYPED_KEYS.flatMap((k) => (args[k] === undefined ? [] : [[k, args[k]]])),
    );
    return { ...extra, ...typed } as RemoteExecutionAgentArgs;
}

/**
 * Astronomer's Remote Execution Agent in your cluster (namespace, credentials, backend, ServiceAccounts
 * and the Helm release): {@link RemoteExecutionAgent} for YAML, Python and other Pulumi languages.
 */
export class RemoteAgent extends pulumi.ComponentResource {
    /** Agent namespace. */
    public readonly namespace: pulumi.Output<string>;
    /** Helm release name. */
    public readonly releaseName: pulumi.Output<string>;
    /** Where XComs are stored (`AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`). */
    public readonly xcomPath: pulumi.Output<string>;
    /** ServiceAccount names by component key (`worker:<name>`, `dagProcessor`, `triggerer`, `sentinel`). */
    public readonly serviceAccountNames: pulumi.Output<{ [key: string]: string }>;
    /** Outputs of the backend (e.g. `awsRoleArn`); empty for `local` and `external`. */
    public readonly backendOutputs: pulumi.Output<{ [key: string]: string }>;

    constructor(name: string, args: RemoteAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate once, before anything is registered, with the same messages as stack config; the
        // agent below takes the validated config as it is.
        const parsed = parseAgentArgsWithWarnings(remoteAgentConfig(args));
        super(componentType("RemoteAgent"), name, {}, opts);
        for (const warning of parsed.warnings) {
            void pulumi.log.warn(warning, this);
        }
        const agent = new RemoteExecutionAgent(name, parsed.config, { parent: this });
        this.namespace = agent.namespace;
        this.releaseName = agent.releaseName;
        this.xcomPath = agent.xcomPath;
        this.serviceAccountNames = pulumi.output(agent.serviceAccountNames);
        this.backendOutputs = pulumi.output(agent.backendOutputs);
        this.registerOutputs({
            namespace: this.namespace,
            releaseName: this.releaseName,
            xcomPath: this.xcomPath,
            serviceAccountNames: this.serviceAccountNames,
            backendOutputs: this.backendOutputs,
        });
    }
}
