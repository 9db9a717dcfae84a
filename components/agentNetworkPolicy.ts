import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkPolicyObject } from "../config/networkPolicy";
import { componentType } from "./typeTokens";

/** One policy object: what `buildNetworkPolicies` returns, with the spec possibly an Output. */
export type AgentNetworkPolicyObject = Omit<NetworkPolicyObject, "spec"> & {
    spec: pulumi.Input<Record<string, unknown>>;
};

/** Args of {@link AgentNetworkPolicy}. */
export interface AgentNetworkPolicyArgs {
    /** Namespace the policies live in (and whose pods they select). */
    namespace: pulumi.Input<string>;
    /** The objects, in order (config/networkPolicy.ts `buildNetworkPolicies`). */
    policies: AgentNetworkPolicyObject[];
    /** Labels for every object. */
    labels?: Record<string, string>;
}

const K8S_API = "networking.k8s.io/v1";

/**
 * The agent namespace's network policies: Kubernetes NetworkPolicy objects, and the Cilium or Calico
 * egress policy as a custom resource (its CRD or API server must be installed). Each child is named
 * `<name>-<role>` (`default-deny`, `egress`, `ingress`).
 */
export class AgentNetworkPolicy extends pulumi.ComponentResource {
    /** The objects by role. */
    public readonly objects: Record<string, k8s.networking.v1.NetworkPolicy | k8s.apiextensions.CustomResource>;
    /** Object names by role. */
    public readonly names: Record<string, string>;

    constructor(name: string, args: AgentNetworkPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AgentNetworkPolicy"), name, {}, opts);
        this.objects = {};
        this.names = {};
        for (const p of args.policies) {
            const metadata = { name: p.name, namespace: args.namespace, labels: args.labels ?? {} };
            this.objects[p.role] =
                p.apiVersion === K8S_API && p.kind === "NetworkPolicy"
                    ? new k8s.networking.v1.NetworkPolicy(
                          `${name}-${p.role}`,
                          { metadata, spec: p.spec as unknown as k8s.types.input.networking.v1.NetworkPolicySpec },
                          { parent: this },
                      )
                    : new k8s.apiextensions.CustomResource(
                          `${name}-${p.role}`,
                          { apiVersion: p.apiVersion, kind: p.kind, metadata, spec: p.spec },
                          { parent: this },
                      );
            this.names[p.role] = p.name;
        }
        this.registerOutputs({ names: this.names });
    }
}
