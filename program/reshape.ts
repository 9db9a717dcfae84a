// The program's side of a reshape (config/reshape.ts): what the stack's last update deployed, read from
// the stack's own outputs, judged against the config before any resource is built.
//
// The outputs come from the engine's own `pulumi:pulumi:readStackOutputs` (what a StackReference reads,
// as an invoke): answered from the last checkpoint (the update in progress has not written its outputs
// yet), in preview as in `up`, and nothing is added to the state or to a preview's changes.
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "../config/errors";
import { previousShapeOf, reshapePlan, type ReshapeConfig } from "../config/reshape";
import { componentType } from "../components/typeTokens";

/** The engine's read of a stack's outputs (its builtin provider). */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/** The stack's outputs as of its last update (empty for a stack never deployed); undefined if unreadable. */
async function previousOutputs(): Promise<Record<string, unknown> | undefined> {
    const name = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    try {
        const result = (await pulumi.runtime.invoke(READ_STACK_OUTPUTS, { name }, { async: true })) as {
            outputs?: Record<string, unknown>;
        };
        return result.outputs ?? {};
    } catch (err) {
        void pulumi.log.warn(
            `could not read this stack's last outputs (${err instanceof Error ? err.message : String(err)}): a reshape (clusters added, removed or renamed) is not checked in this run`,
        );
        return undefined;
    }
}

/**
 * Judges the config against the last update (refusing, in prod, a change that would drop a cluster)
 * and returns the aliases the single-cluster agent `name` needs: those of the previous fleet's cluster
 * it takes over.
 */
export async function planReshape(name: string, config: ReshapeConfig): Promise<pulumi.Alias[]> {
    const plan = reshapePlan(previousShapeOf(await previousOutputs()), config);
    for (const warning of plan.warnings) {
        void pulumi.log.warn(warning);
    }
    if (plan.problems.length > 0) {
        throw new ConfigValidationError(
            plan.problems,
            `The stack config would drop what this stack's last update deployed (${plan.problems.length} problem${plan.problems.length === 1 ? "" : "s"}); nothing was changed:`,
        );
    }
    if (config.clusters !== undefined || plan.singleFromCluster === undefined) {
        return [];
    }
    // The fleet's agent of that cluster was `<name>-<cluster>` below the fleet `<name>`.
    const fleet = pulumi.createUrn(name, componentType("AgentFleet"));
    return [{ name: `${name}-${plan.singleFromCluster}`, parent: fleet }];
}
