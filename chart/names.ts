// Names of the Kubernetes objects the program creates, derived from config alone (no resources), so
// the chart values, the identity bindings and the objects themselves can never disagree.
import type { AgentServiceAccountRef } from "../backends/types";

/** Inputs of {@link agentObjectNames}. */
export interface NamingInput {
    resourceNamePrefix: string;
    workers: readonly { name: string }[];
    releaseName?: string | undefined;
}

/** Every name the chart is told about. */
export interface AgentObjectNames {
    release: string;
    agentTokenSecret: string;
    imagePullSecret: string;
    openLineageSecret: string;
    /** Secret holding secret environment values (and secret backend kwargs). */
    envSecret: string;
    serviceAccounts: {
        workers: Record<string, string>;
        dagProcessor: string;
        triggerer: string;
        sentinel: string;
    };
}

/** Names for a config. The ServiceAccount names equal the chart's own defaults. */
export function agentObjectNames(input: NamingInput): AgentObjectNames {
    const p = input.resourceNamePrefix;
    return {
        release: input.releaseName ?? p,
        agentTokenSecret: `${p}-agent-token`,
        imagePullSecret: `${p}-image-pull`,
        openLineageSecret: `${p}-openlineage-api-key`,
        envSecret: `${p}-env`,
        serviceAccounts: {
            workers: Object.fromEntries(input.workers.map((w) => [w.name, `${p}-worker-${w.name}`])),
            dagProcessor: `${p}-dag-processor`,
            triggerer: `${p}-triggerer`,
            sentinel: `${p}-sentinel`,
        },
    };
}

/** A component key as a name part: `worker:default` → `worker-default`, `dagProcessor` → `dag-processor`. */
export function componentSlug(component: string): string {
    return component
        .replace(/:/g, "-")
        .replace(/([a-z])([A-Z])/g, "$1-$2")
        .toLowerCase();
}

/** The ServiceAccounts as a flat list, in a stable order (workers in config order, then the rest). */
export function serviceAccountRefs(names: AgentObjectNames, sentinelEnabled: boolean): AgentServiceAccountRef[] {
    const sa = names.serviceAccounts;
    return [
        ...Object.entries(sa.workers).map(([worker, name]) => ({ component: `worker:${worker}`, name })),
        { component: "dagProcessor", name: sa.dagProcessor },
        { component: "triggerer", name: sa.triggerer },
        ...(sentinelEnabled ? [{ component: "sentinel", name: sa.sentinel }] : []),
    ];
}
