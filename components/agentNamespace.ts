import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podSecurityLabels } from "../config/ownedMetadata";
import { retentionMarker } from "./retention";
import { componentType, withLegacyAlias } from "./typeTokens";

/** Args of {@link AgentNamespace}. */
export interface AgentNamespaceArgs {
    /**
     * Namespace name: a literal, or an Output (e.g. `ns.metadata.name` of a namespace your program
     * creates, to adopt it with `create: false`).
     */
    name: pulumi.Input<string>;
    /**
     * Create the namespace (true) or adopt an existing one (false). Default true. Adopting a name given
     * as a plain string reads the namespace (a missing one fails the preview); a name given as an Output
     * is used as it is, ordered after the resource it comes from (a fresh stack that creates it previews).
     */
    create?: boolean;
    /**
     * Enforce the Pod Security Standard `restricted` (enforce, audit and warn labels). Otherwise the
     * namespace enforces `baseline` and audits and warns on `restricted`. Ignored when adopting.
     */
    restricted?: boolean;
    /** Pod Security Standards version the labels pin, e.g. `v1.30`. Default `v1.30`. */
    podSecurityVersion?: string;
    /**
     * Keep a created namespace in the cluster when the stack is destroyed (or the component removed):
     * it may hold Secrets that others (secret-sync tooling, operators) put there. Default false. A
     * retained namespace is annotated `astro-agent-retain-on-delete: "true"` (what the policy pack checks).
     * An adopted namespace is never deleted.
     */
    retainOnDelete?: boolean;
    /** Extra labels for a created namespace. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export { podSecurityLabels };

/** The agent's namespace: created with Pod Security Standards labels, or an existing one adopted. */
export class AgentNamespace extends pulumi.ComponentResource {
    /** Namespace name; depends on the namespace, so objects placed in it are created after it. */
    public readonly name: pulumi.Output<string>;
    /** The namespace object (created, or read when adopted by a plain name; undefined when adopted by an Output). */
    public readonly namespace: k8s.core.v1.Namespace | undefined;

    constructor(name: string, args: AgentNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AgentNamespace"), name, {}, withLegacyAlias("AgentNamespace", opts));
        const version = args.podSecurityVersion ?? "v1.30";
        if (args.create ?? true) {
            const retain = args.retainOnDelete ?? false;
            this.namespace = new k8s.core.v1.Namespace(
                name,
                {
                    metadata: {
                        name: args.name,
                        labels: pulumi
                            .output(args.labels ?? {})
                            .apply((extra) => ({ ...extra, ...podSecurityLabels(args.restricted ?? true, version) })),
                        // The policy pack's evidence of retainOnDelete (see ./retention.ts).
                        ...(retain ? { annotations: retentionMarker(retain) } : {}),
                    },
                },
                { parent: this, retainOnDelete: retain },
            );
            this.name = this.namespace.metadata.name;
        } else if (typeof args.name === "string") {
            // Reading it fails the deployment early (and clearly) when the namespace does not exist.
            this.namespace = k8s.core.v1.Namespace.get(name, args.name, { parent: this });
            this.name = this.namespace.metadata.name;
        } else {
            // An Output: the namespace is another resource's (often created by the same program, so a
            // read at preview would fail on a fresh stack); its dependencies order everything after it.
            this.namespace = undefined;
            this.name = pulumi.output(args.name);
        }
        this.registerOutputs({ name: this.name });
    }
}
