// The agent namespace's Pod Security Standards labels (what AgentNamespace sets from `restricted`).
import type { ResourceRule } from "../lib/rules";
import { componentType } from "../../components/typeTokens";
import { parentType } from "../lib/rules";
import { asRecord, asString } from "../lib/values";

export const K8S_NAMESPACE = "kubernetes:core/v1:Namespace";
/** The component that owns the agent namespace. */
export const AGENT_NAMESPACE_COMPONENT = componentType("AgentNamespace");

const MODES = ["enforce", "audit", "warn"] as const;

/** The agent namespace enforces, audits and warns on `restricted`. */
export const namespaceRestricted: ResourceRule = ({ urn, props }) => {
    if (parentType(urn) !== AGENT_NAMESPACE_COMPONENT) {
        return [];
    }
    const metadata = asRecord(props.metadata);
    const labels = asRecord(metadata?.labels) ?? {};
    const wrong = MODES.map((mode) => ({
        label: `pod-security.kubernetes.io/${mode}`,
        value: labels[`pod-security.kubernetes.io/${mode}`],
    }))
        .filter((l) => l.value !== "restricted")
        .map(
            (l) =>
                `${l.label} is ${l.value === undefined ? "missing" : `'${JSON.stringify(l.value).replace(/^"|"$/g, "")}'`}`,
        );
    if (wrong.length === 0) {
        return [];
    }
    const name = asString(metadata?.name) ?? "(unnamed)";
    return [
        `namespace '${name}' must enforce, audit and warn the Pod Security Standard 'restricted' in prod: ${wrong.join(", ")} (set astro-agent:restricted: true)`,
    ];
};
