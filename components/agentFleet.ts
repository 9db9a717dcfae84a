// Agents in several clusters or regions from one stack: one RemoteExecutionAgent per `clusters` entry,
// each with its own Kubernetes provider, all registered at once (no ordering between clusters).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterMembers, type ClusterConfig } from "../config/clusters";
import { probeTargets, warnUnreachableClusters } from "../doctor/reachability";
import { rememberKubeConnection } from "../doctor/releaseHooks";
import type { AgentConfig } from "../config/schema";
import type { ChartValues } from "../chart/values";
import { recordSecretRevision, secretRevisionOf } from "../config/secretRevision";
import { componentType, withLegacyAlias } from "./typeTokens";
import {
    parseAgentArgsWithWarnings,
    RemoteExecutionAgent,
    type RemoteExecutionAgentArgs,
} from "./remoteExecutionAgent";

/** Args of {@link AgentFleet}: the stack config with a `clusters` block (see docs/fleet.md). */
export type AgentFleetArgs = RemoteExecutionAgentArgs;

/** Options of {@link AgentFleet}. */
export interface AgentFleetOptions extends pulumi.ComponentResourceOptions {
    /**
     * Kubernetes providers you created, by cluster name: the agent of that cluster uses it (the entry
     * then sets neither `kubeconfig` nor `context`).
     */
    clusterProviders?: Record<string, k8s.Provider>;
}

/** What one cluster's agent exposes as stack outputs. */
export interface ClusterOutputs {
    namespace: pulumi.Output<string>;
    releaseName: pulumi.Output<string>;
    standby: boolean;
    serviceAccountNames: Record<string, string>;
    xcomPath: pulumi.Output<string>;
    /** The chart values given to Helm there (contain no secret values). */
    chartValues: pulumi.Output<ChartValues>;
    /** The backend's outputs in this cluster (e.g. `awsRoleArn`, `awsBucketName`). */
    backend: Record<string, pulumi.Output<string>>;
}

/** The provider of one cluster: the one passed in, one from its kubeconfig/context, or the default (undefined). */
function providerFor(
    parent: pulumi.Resource,
    name: string,
    cluster: ClusterConfig,
    given: k8s.Provider | undefined,
): k8s.Provider | undefined {
    const set = [
        cluster.kubeconfig === undefined ? [] : ["kubeconfig"],
        cluster.context === undefined ? [] : ["context"],
    ].flat();
    if (given !== undefined) {
        if (set.length > 0) {
            throw new pulumi.ResourceError(
                `cluster '${cluster.name}': a provider was passed in clusterProviders and the entry also sets ${set.join(" and ")}; use one of them`,
                parent,
            );
        }
        return given;
    }
    if (set.length === 0) {
        return undefined;
    }
    const provider = new k8s.Provider(
        `${name}-${cluster.name}-kubernetes`,
        {
            ...(cluster.kubeconfig === undefined ? {} : { kubeconfig: cluster.kubeconfig }),
            ...(cluster.context === undefined ? {} : { context: cluster.context }),
            // Rotations update the agent's Secrets in place (config/providerConfig.ts). Turning it on for
            // an existing provider is an update of the provider: nothing is replaced.
            enableSecretMutable: true,
            // A cluster marked unreachable (failover from a dead cluster): while its API server does not
            // answer, the provider keeps each of its resources as deployed (no update, no wait), so `up`
            // succeeds; the pending changes apply once the marker is removed.
            ...(cluster.unreachable === true ? { skipUpdateUnreachable: true } : {}),
        },
        {
            parent,
            ...(cluster.formerName === undefined
                ? {}
                : { aliases: [{ name: `${name}-${cluster.formerName}-kubernetes` }] }),
        },
    );
    // The release's wait hooks poll this cluster, not the stack's default one.
    rememberKubeConnection(provider, { kubeconfig: cluster.kubeconfig, context: cluster.context });
    return provider;
}

/**
 * Where a cluster's agent may have lived before (config/reshape.ts), so the engine updates its objects
 * in place instead of creating them anew and deleting the old ones. The first entry takes over a
 * single-cluster stack's agent (`<name>` beside this fleet: its children are carried over by the
 * engine, which maps `<name>-…` to `<name>-<cluster>-…`); a renamed cluster takes over its former name's.
 * An alias that matches nothing in the state does nothing.
 */
function reshapeAliases(
    name: string,
    cluster: ClusterConfig,
    index: number,
    parent: pulumi.Resource | undefined,
): pulumi.Alias[] {
    return [
        // `parent: undefined` (pulumi.rootStackResource) is an alias with no parent: the stack's top level.
        ...(index === 0 ? [{ name, parent: parent ?? pulumi.rootStackResource }] : []),
        ...(cluster.formerName === undefined ? [] : [{ name: `${name}-${cluster.formerName}` }]),
    ];
}

/**
 * Astronomer's Remote Execution Agent in every cluster of the `clusters` block: one
 * {@link RemoteExecutionAgent} per cluster (named `<name>-<cluster>`), each deployed through that
 * cluster's provider, from the shared config merged with the cluster's overrides. A standby cluster
 * gets everything with its workers at zero and their HPA off.
 */
export class AgentFleet extends pulumi.ComponentResource {
    /** The agent of each cluster, by cluster name. */
    public readonly agents: Record<string, RemoteExecutionAgent>;
    /** The Kubernetes provider of each cluster that has its own (kubeconfig, context or passed in). */
    public readonly providers: Record<string, k8s.Provider>;
    /** Per-cluster outputs, by cluster name. */
    public readonly clusters: Record<string, ClusterOutputs>;

    constructor(name: string, args: AgentFleetArgs, opts: AgentFleetOptions = {}) {
        // Validate before anything is registered: a bad config creates nothing.
        const parsed = parseAgentArgsWithWarnings(args);
        const cfg: AgentConfig = parsed.config;
        if (cfg.clusters === undefined) {
            throw new Error(
                "AgentFleet: clusters is not set; list the clusters (clusters: [{name: primary, …}]) or use RemoteExecutionAgent for one cluster",
            );
        }
        const { clusterProviders = {}, ...componentOpts } = opts;
        const unknown = Object.keys(clusterProviders).filter((k) => !cfg.clusters?.some((c) => c.name === k));
        if (unknown.length > 0) {
            throw new Error(
                `AgentFleet: clusterProviders names no cluster: ${unknown.map((k) => `'${k}'`).join(", ")}; use one of ${cfg.clusters.map((c) => `'${c.name}'`).join(", ")}`,
            );
        }
        super(componentType("AgentFleet"), name, {}, withLegacyAlias("AgentFleet", componentOpts));
        for (const warning of parsed.warnings) {
            void pulumi.log.warn(warning, this);
        }

        this.agents = {};
        this.providers = {};
        this.clusters = {};
        // Every cluster is registered here, in one pass: nothing orders one cluster after another.
        clusterMembers(cfg).forEach(({ cluster, config }, index) => {
            const provider = providerFor(this, name, cluster, clusterProviders[cluster.name]);
            if (provider !== undefined) {
                this.providers[cluster.name] = provider;
            }
            // Every member holds the fleet's secret values: the same rollout revision.
            recordSecretRevision(config, secretRevisionOf(args));
            const agent = new RemoteExecutionAgent(`${name}-${cluster.name}`, config, {
                parent: this,
                aliases: reshapeAliases(name, cluster, index, componentOpts.parent),
                ...(provider === undefined ? {} : { providers: { kubernetes: provider } }),
            });
            this.agents[cluster.name] = agent;
            this.clusters[cluster.name] = {
                namespace: agent.namespace,
                releaseName: agent.releaseName,
                standby: cluster.standby,
                serviceAccountNames: agent.serviceAccountNames,
                xcomPath: agent.xcomPath,
                chartValues: agent.chartValues,
                backend: agent.backendOutputs,
            };
        });
        // A warning per cluster whose API server does not answer (docs/fleet.md), preview included.
        warnUnreachableClusters(this, probeTargets(cfg.clusters, clusterProviders));
        this.registerOutputs({ clusters: this.clusters });
    }
}
