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
    /** Extra labels for a created namespace (also on its ResourceQuota and LimitRange). */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * A ResourceQuota (`spec.hard`, `spec.scopes`) created in a created namespace. Refused when adopting:
     * quotas on a namespace someone else owns are theirs to set.
     */
    quota?: { hard: Record<string, string | number>; scopes?: string[] | undefined };
    /** A LimitRange with one `Container` item created in a created namespace. Refused when adopting. */
    limits?: {
        min?: Record<string, string | number> | undefined;
        max?: Record<string, string | number> | undefined;
        default?: Record<string, string | number> | undefined;
        defaultRequest?: Record<string, string | number> | undefined;
        maxLimitRequestRatio?: Record<string, string | number> | undefined;
    };
}

/** Quantities as strings, the way the API server stores them. */
function quantities(list: Record<string, string | number> | undefined): Record<string, string> | undefined {
    return list === undefined ? undefined : Object.fromEntries(Object.entries(list).map(([k, v]) => [k, String(v)]));
}

export { podSecurityLabels };

/** The agent's namespace: created with Pod Security Standards labels, or an existing one adopted. */
export class AgentNamespace extends pulumi.ComponentResource {
    /** Namespace name; depends on the namespace, so objects placed in it are created after it. */
    public readonly name: pulumi.Output<string>;
    /** The namespace object (created, or read when adopted by a plain name; undefined when adopted by an Output). */
    public readonly namespace: k8s.core.v1.Namespace | undefined;
    /** The tenant ResourceQuota, when `quota` is given. */
    public readonly resourceQuota: k8s.core.v1.ResourceQuota | undefined;
    /** The tenant LimitRange, when `limits` is given. */
    public readonly limitRange: k8s.core.v1.LimitRange | undefined;

    constructor(name: string, args: AgentNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AgentNamespace"), name, {}, withLegacyAlias("AgentNamespace", opts));
        if (!(args.create ?? true) && (args.quota !== undefined || args.limits !== undefined)) {
            throw new Error(
                "AgentNamespace: quota and limits are only created with a namespace this component creates (create: true); on an adopted namespace they are its owner's to set",
            );
        }
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
            const created = this.namespace.metadata.name;
            const metadata = { namespace: created, labels: args.labels ?? {} };
            // Created with the namespace and kept with it (a retained namespace keeps its quota).
            const opts = { parent: this, retainOnDelete: retain };
            if (args.quota !== undefined) {
                const q = args.quota;
                this.resourceQuota = new k8s.core.v1.ResourceQuota(
                    `${name}-quota`,
                    {
                        metadata: { ...metadata, name: "astro-agent-quota" },
                        spec: {
                            hard: quantities(q.hard) ?? {},
                            ...(q.scopes === undefined ? {} : { scopes: q.scopes }),
                        },
                    },
                    opts,
                );
            }
            if (args.limits !== undefined) {
                const l = args.limits;
                const item = Object.fromEntries(
                    (["min", "max", "default", "defaultRequest", "maxLimitRequestRatio"] as const)
                        .map((f) => [f, quantities(l[f])] as const)
                        .filter(([, v]) => v !== undefined),
                );
                this.limitRange = new k8s.core.v1.LimitRange(
                    `${name}-limits`,
                    {
                        metadata: { ...metadata, name: "astro-agent-limits" },
                        spec: { limits: [{ type: "Container", ...item }] },
                    },
                    opts,
                );
            }
            // Objects placed in the namespace (the release's pods) wait for its quota and limit range: a
            // pod created before the LimitRange would miss its defaults.
            const guards = [this.resourceQuota, this.limitRange].filter((r) => r !== undefined);
            this.name =
                guards.length === 0
                    ? created
                    : pulumi.all([created, ...guards.map((r) => r.metadata.name)]).apply(([n]) => n as string);
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
