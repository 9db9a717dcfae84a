// The shape every rule has: one function per Pulumi resource type, returning the violation messages.
// Policies are tables of these, so covering a new cloud means adding entries, not branches.
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { COMPONENT_TYPE_PREFIX } from "../../components/typeTokens";

/** What a rule looks at: the resource as the engine shows it to a policy. */
export type RuleInput = Pick<ResourceValidationArgs, "type" | "name" | "urn" | "props" | "opts">;

/** A check of one resource type: the violation messages (empty when the resource passes). */
export type ResourceRule = (resource: RuleInput) => string[];

/** Rules by Pulumi type token. */
export type RulesByType = ReadonlyMap<string, ResourceRule>;

/**
 * The type chain of a URN (`urn:pulumi:<stack>::<project>::<parent types $ own type>::<name>`):
 * ancestors first, the resource's own type last.
 */
export function typeChain(urn: string): string[] {
    return (urn.split("::")[2] ?? "").split("$");
}

/** The type of the resource's parent, or undefined at the top. */
export function parentType(urn: string): string | undefined {
    const chain = typeChain(urn);
    return chain.length > 1 ? chain[chain.length - 2] : undefined;
}

/** Whether the resource belongs to the agent: one of its ancestors is an agent component (`astro-remote-agent:index:*`). */
export function isAgentResource(urn: string): boolean {
    return typeChain(urn)
        .slice(0, -1)
        .some((t) => t.startsWith(COMPONENT_TYPE_PREFIX));
}

/** The metadata a policy shows the engine (and the user, next to each violation). */
export interface PolicyInfo {
    name: string;
    description: string;
    severity: ResourceValidationPolicy["severity"];
    remediationSteps: string;
}

/** A resource policy that runs the rule registered for the resource's type, on the agent's resources only. */
export function rulePolicy(info: PolicyInfo, rules: RulesByType): ResourceValidationPolicy {
    return {
        ...info,
        validateResource: (args, reportViolation) => {
            const rule = rules.get(args.type);
            if (rule === undefined || !isAgentResource(args.urn)) {
                return;
            }
            for (const message of rule(args)) {
                reportViolation(message);
            }
        },
    };
}

// The SDK's policy types, for code outside this folder (the unit tests), which cannot resolve
// @pulumi/policy from the root install.
export type {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
