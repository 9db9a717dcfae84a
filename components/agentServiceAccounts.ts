import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AgentServiceAccountRef } from "../backends/types";
import { componentSlug } from "../chart/names";
import { COMPONENT_LABEL } from "../config/ownedMetadata";
import { componentType, withLegacyAlias } from "./typeTokens";

/** Args of {@link AgentServiceAccounts}. */
export interface AgentServiceAccountsArgs {
    /** Namespace of the ServiceAccounts. */
    namespace: pulumi.Input<string>;
    /** One entry per agent component; identity bindings name exactly these. */
    serviceAccounts: AgentServiceAccountRef[];
    /** Annotations the backend asks for (e.g. `eks.amazonaws.com/role-arn`), on every ServiceAccount. */
    annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Extra annotations per component key (`worker:<name>`, `dagProcessor`, `triggerer`, `sentinel`).
     * The backend's annotations are merged over them: an identity binding cannot be overridden.
     */
    componentAnnotations?: Record<string, Record<string, string>>;
    /**
     * `automountServiceAccountToken` per component key, where configured (unset: the field is left out
     * and Kubernetes' default, true, applies).
     */
    automount?: Record<string, boolean>;
    /** Labels for every ServiceAccount. */
    labels?: Record<string, string>;
}

function withComponentAnnotations(
    own: Record<string, string> | undefined,
    backend: pulumi.Input<Record<string, pulumi.Input<string>>>,
): pulumi.Input<Record<string, pulumi.Input<string>>> {
    if (own === undefined || Object.keys(own).length === 0) {
        return backend;
    }
    return pulumi.output(backend).apply((b) => ({ ...own, ...b }));
}

/**
 * One ServiceAccount per agent component (each worker, dag processor, triggerer, Sentinel). The chart
 * is told `create: false` and these names.
 */
export class AgentServiceAccounts extends pulumi.ComponentResource {
    /** ServiceAccounts by component key (`worker:<name>`, `dagProcessor`, `triggerer`, `sentinel`). */
    public readonly accounts: Record<string, k8s.core.v1.ServiceAccount>;
    /** The ServiceAccount names, by component key. */
    public readonly names: Record<string, string>;

    constructor(name: string, args: AgentServiceAccountsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AgentServiceAccounts"), name, {}, withLegacyAlias("AgentServiceAccounts", opts));
        this.accounts = {};
        this.names = {};
        for (const sa of args.serviceAccounts) {
            this.accounts[sa.component] = new k8s.core.v1.ServiceAccount(
                `${name}-${componentSlug(sa.component)}`,
                {
                    metadata: {
                        name: sa.name,
                        namespace: args.namespace,
                        labels: {
                            ...(args.labels ?? {}),
                            [COMPONENT_LABEL]: componentSlug(sa.component),
                        },
                        annotations: withComponentAnnotations(
                            args.componentAnnotations?.[sa.component],
                            args.annotations ?? {},
                        ),
                    },
                    ...(args.automount?.[sa.component] === undefined
                        ? {}
                        : { automountServiceAccountToken: args.automount[sa.component] }),
                },
                { parent: this },
            );
            this.names[sa.component] = sa.name;
        }
        this.registerOutputs({ names: this.names });
    }
}
