// The program's side of a reshape (config/reshape.ts): what the stack's last update deployed, read from
// the stack's own outputs, judged against the config before any resource is built.
//
// The outputs come from a StackReference to this very stack: the engine answers it from the last
// checkpoint (the update in progress has not written its outputs yet), in preview as in `up`. It is a
// read, so it creates nothing and a preview never counts it as a change.
import * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "../config/errors";
import { previousShapeOf, reshapePlan, type ReshapeConfig } from "../config/reshape";
import { componentType } from "../components/typeTokens";

/** The stack's outputs as of its last update (empty for a stack never deployed). */
async function previousOutputs(name: string): Promise<Record<string, unknown>> {
    const self = new pulumi.StackReference(`${name}-last-update`, {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    return new Promise((resolve) => {
        self.outputs.apply((outputs) => {
            resolve(outputs);
        });
    });
}

/**
 * Judges the config against the last update (refusing, in prod, a change that would drop a cluster)
 * and returns the aliases the single-cluster agent `name` needs: those of the previous fleet's cluster
 * it takes over.
 */
export async function planReshape(name: string, config: ReshapeConfig): Promise<pulumi.Alias[]> {
    const plan = reshapePlan(previousShapeOf(await previousOutputs(name)), config);
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
