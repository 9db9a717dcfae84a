// The Helm releases a stack's config makes, found the way `npm run render` finds them: the real program
// evaluated offline (mock runtime: no state, no cluster), so they are known even when no `up` ever
// finished (no stack outputs yet).
import { componentType } from "../../components/typeTokens";
import type { RecordedResource } from "./mockRun";
import { readStackFile } from "./stackFile";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** One Helm release of the stack. */
export interface StackRelease {
    /** The fleet cluster it goes to (undefined: a single-cluster stack). */
    cluster: string | undefined;
    /** Helm's release name and namespace. */
    release: string;
    namespace: string;
    /** The Release resource's name and its parent component's (to import it under the same URN). */
    resourceName: string;
    parentName: string | undefined;
    /** The chart values the program gives Helm (placeholders where config is secret). */
    values: Record<string, unknown>;
}

/** Evaluates the program for `Pulumi.<stack>.yaml` in `projectDir`: every resource it declares. */
export async function stackResources(projectDir: string, stack: string): Promise<RecordedResource[]> {
    const stackFile = readStackFile(projectDir, stack);
    // The program and the Pulumi SDK load only now (seconds), as in scripts/render.ts.
    /* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose, see above */
    const { runUnderMocks } = require("./mockRun") as typeof import("./mockRun");
    const agentProgram = require("../../index") as typeof import("../../index");
    /* eslint-enable @typescript-eslint/no-require-imports */
    return (await runUnderMocks({ ...stackFile, program: agentProgram })).resources;
}

/** Evaluates the program for `Pulumi.<stack>.yaml` in `projectDir` and returns its releases. */
export async function stackReleases(projectDir: string, stack: string): Promise<StackRelease[]> {
    const resources = await stackResources(projectDir, stack);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
    const { unwrapSecrets } = require("./mockRun") as typeof import("./mockRun");
    const fleet = resources.some((r) => r.type === componentType("AgentFleet"));
    return resources
        .filter((r) => r.type === RELEASE_TYPE)
        .map((r) => {
            const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
            return {
                cluster: fleet ? r.name.replace(/^astro-agent-/, "").replace(/-release$/, "") : undefined,
                release: String(inputs.name),
                namespace: String(inputs.namespace),
                resourceName: r.name,
                parentName: r.parent,
                values: (inputs.values ?? {}) as Record<string, unknown>,
            };
        });
}
