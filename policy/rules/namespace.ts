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

/** The component whose inputs carry an adopted namespace's labels (read at preview). */
export const AGENT_RELEASE_COMPONENT = componentType("AgentRelease");

/**
 * An adopted namespace (`createNamespace: false`, read at preview) enforces `restricted`: the program
 * does not label a namespace it adopts, so in prod the cluster's owner must have.
 */
export const adoptedNamespaceRestricted: ResourceRule = ({ props }) => {
    const adopted = asRecord(props.adoptedNamespace);
    if (adopted === undefined) {
        return [];
    }
    const name = asString(adopted.name) ?? "(unnamed)";
    const enforce = asRecord(adopted.labels)?.["pod-security.kubernetes.io/enforce"];
    if (enforce === "restricted") {
        return [];
    }
    const found = enforce === undefined ? "missing" : `'${JSON.stringify(enforce).replace(/^"|"$/g, "")}'`;
    return [
        `adopted namespace '${name}' (createNamespace: false) must enforce the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is ${found}; label it (kubectl label namespace ${name} pod-security.kubernetes.io/enforce=restricted) or let the program create it (createNamespace: true)`,
    ];
};
