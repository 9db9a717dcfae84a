// The Pulumi program: read and validate the stack config, build the agent, export its outputs.
import * as pulumi from "@pulumi/pulumi";
import { AgentFleet, RemoteExecutionAgent } from "./components";
import { loadStackConfig } from "./chart/validate";
import type { AgentConfig } from "./config/schema";
import { startDefaultKubernetesProvider } from "./program/providerWarmup";
import { planReshape } from "./program/reshape";
import { cacheStackTraces } from "./program/stackTraces";

/** With a `clusters` block: one agent per cluster (docs/fleet.md), outputs by cluster name. */
function fleet(config: AgentConfig) {
    const agents = new AgentFleet("astro-agent", config);
    return {
        clusters: agents.clusters,
        nextSteps: `Check the agent's pods in each cluster with: kubectl get pods -n <clusters.<name>.namespace>
Then open the Astro UI (Remote Agents tab) and wait for the agents of the active clusters to report Healthy.`,
    };
}

/** The program: Pulumi calls the exported function and uses its result as the stack outputs. */
async function main() {
    // Before any resource: the SDK formats a source-mapped stack trace for each (program/stackTraces.ts).
    cacheStackTraces();
    const config = loadStackConfig();
    if (config.clusters === undefined) {
        // The config is valid: start the provider the resources use while they are built.
        await startDefaultKubernetesProvider();
    }
    // Against the last update: a reshape keeps its objects (aliases), and prod refuses dropping a cluster.
    const aliases = await planReshape("astro-agent", config);
    if (config.clusters !== undefined) {
        return fleet(config);
    }
    const agent = new RemoteExecutionAgent("astro-agent", config, { aliases });
    return {
        namespace: agent.namespace,
        releaseName: agent.releaseName,
        serviceAccountNames: agent.serviceAccountNames,
        chartValues: agent.chartValues,
        xcomPath: agent.xcomPath,
        // backend outputs, e.g. awsRoleArn / awsRoleName / awsBucketName with the AWS backend
        ...agent.backendOutputs,
        nextSteps: pulumi.interpolate`Check the agent's pods with: kubectl get pods -n ${agent.namespace}
Then open the Astro UI (Remote Agents tab) and wait for each agent to report Healthy.`,
    };
}

// `export =`, not `export default`: Pulumi runs TypeScript programs as CommonJS, where only a
// function assigned to module.exports is called.
export = main;
