import * as pulumi from "@pulumi/pulumi";
import { toProblems, formatProblems } from "../config/errors";
import { agentConfigSchema, type AgentConfig, type AgentConfigInput } from "../config/schema";
import { AgentCredentials } from "./agentCredentials";
import { AgentNamespace } from "./agentNamespace";
import { AgentRelease } from "./agentRelease";
import { AgentServiceAccounts } from "./agentServiceAccounts";
import { backendFor } from "./backends/registry";
import type { BackendContribution } from "./backends/types";
import { agentObjectNames, serviceAccountRefs } from "./names";
import { buildChartValues, type ChartValues, type ResolvedBackend } from "./values";

/**
 * Args of {@link RemoteExecutionAgent}: exactly the stack config this program reads (see the README's
 * config reference), so a stack file and a component call are interchangeable. Secret fields accept
 * strings or Outputs and are always treated as Pulumi secrets.
 */
export type RemoteExecutionAgentArgs = AgentConfigInput;

/** Validates component args the same way stack config is validated; throws listing every problem. */
export function parseAgentArgs(args: RemoteExecutionAgentArgs): AgentConfig {
    const parsed = agentConfigSchema.safeParse(args);
    if (!parsed.success) {
        const problems = toProblems(parsed.error.issues);
        throw new Error(
            formatProblems(
                problems,
                `Invalid RemoteExecutionAgent args (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
            ),
        );
    }
    return parsed.data;
}

const MANAGED_BY = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "astro-remote-agent" };

/**
 * Astronomer's Remote Execution Agent in your cluster: namespace, credentials, backend (secrets,
 * XCom, identity), one ServiceAccount per component and the Helm release, all wired together.
 */
export class RemoteExecutionAgent extends pulumi.ComponentResource {
    /** Agent namespace. */
    public readonly namespace: pulumi.Output<string>;
    /** Helm release name. */
    public readonly releaseName: pulumi.Output<string>;
    /** ServiceAccount names by component key (`worker:<name>`, `dagProcessor`, `triggerer`, `sentinel`). */
    public readonly serviceAccountNames: Record<string, string>;
    /** The chart values given to Helm (contain no secret values). */
    public readonly chartValues: pulumi.Output<ChartValues>;
    /** Outputs of the backend by name (AWS: `awsRoleArn`, `awsRoleName`, `awsBucketName`; none for local and external). */
    public readonly backendOutputs: Record<string, pulumi.Output<string>>;
    /** The children, for consumers that extend the agent. */
    public readonly children: {
        namespace: AgentNamespace;
        credentials: AgentCredentials;
        serviceAccounts: AgentServiceAccounts;
        release: AgentRelease;
    };

    constructor(name: string, args: RemoteExecutionAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before anything is registered: a bad config creates nothing, not even this component.
        const cfg = parseAgentArgs(args);
        super("astro-agent:index:RemoteExecutionAgent", name, {}, opts);

        const names = agentObjectNames({
            resourceNamePrefix: cfg.resourceNamePrefix,
            workers: cfg.workers,
            releaseName: cfg.release.name,
        });
        const labels = { ...MANAGED_BY, ...cfg.labels };

        const ns = new AgentNamespace(
            `${name}-namespace`,
            {
                name: cfg.namespace,
                create: cfg.createNamespace,
                restricted: cfg.restricted,
                podSecurityVersion: cfg.podSecurityVersion,
                labels,
            },
            { parent: this },
        );

        const serviceAccounts = serviceAccountRefs(names, cfg.sentinel.enabled);
        const backendImpl = backendFor(cfg.backend.kind);
        if (backendImpl === undefined) {
            throw new pulumi.ResourceError(`backend.kind '${cfg.backend.kind}' is not implemented`, this);
        }
        const backend: BackendContribution = backendImpl.create(cfg.backend, {
            name,
            parent: this,
            namespace: ns.name,
            namespaceName: cfg.namespace,
            resourceNamePrefix: cfg.resourceNamePrefix,
            environment: cfg.environment,
            serviceAccounts,
            labels,
        });

        const credentials = new AgentCredentials(
            `${name}-credentials`,
            {
                namespace: ns.name,
                agentTokenSecretName: names.agentTokenSecret,
                imagePullSecretName: names.imagePullSecret,
                openLineageSecretName: names.openLineageSecret,
                labels,
                ...(cfg.agentToken === undefined ? {} : { agentToken: cfg.agentToken }),
                ...(cfg.imagePullCredentials === undefined ? {} : { imagePull: cfg.imagePullCredentials }),
                ...(cfg.openLineage.apiKey === undefined ? {} : { openLineageApiKey: cfg.openLineage.apiKey }),
            },
            { parent: this },
        );

        const sas = new AgentServiceAccounts(
            `${name}-service-accounts`,
            {
                namespace: ns.name,
                serviceAccounts,
                annotations: backend.serviceAccountAnnotations,
                labels,
            },
            { parent: this },
        );

        const resolved = pulumi
            .output({
                secretBackend: backend.secretBackend,
                secretBackendKwargs: backend.secretBackendKwargs,
                xcomBackend: backend.xcomBackend,
                xcomPath: backend.xcomPath,
                commonEnv: backend.commonEnv,
                serviceAccountAnnotations: backend.serviceAccountAnnotations,
                podLabels: backend.podLabels,
                volumes: backend.volumes,
                volumeMounts: backend.volumeMounts,
            })
            .apply((b) => b as ResolvedBackend);
        const values = resolved.apply((b) => buildChartValues(cfg, names, b));

        const release = new AgentRelease(
            `${name}-release`,
            {
                releaseName: names.release,
                namespace: ns.name,
                chart: cfg.chart,
                values,
                extraValues: cfg.extraValues,
                atomic: cfg.release.atomic,
                timeoutSeconds: cfg.release.timeoutSeconds,
                skipAwait: cfg.release.skipAwait,
                maxHistory: cfg.release.maxHistory,
            },
            {
                parent: this,
                dependsOn: [...credentials.secrets, ...Object.values(sas.accounts), ...backend.dependsOn],
            },
        );

        this.namespace = ns.name;
        this.releaseName = release.releaseName;
        this.serviceAccountNames = sas.names;
        this.chartValues = release.values;
        this.backendOutputs = backend.outputs ?? {};
        this.children = { namespace: ns, credentials, serviceAccounts: sas, release };
        this.registerOutputs({
            namespace: this.namespace,
            releaseName: this.releaseName,
            serviceAccountNames: this.serviceAccountNames,
            ...this.backendOutputs,
        });
    }
}
