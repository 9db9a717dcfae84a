// The label and annotation keys this program sets, defined once: the components set them from here, and
// `labels`/`annotations` config may not name them (config/rules/ownedMetadata.ts). A test runs every
// example stack and holds that each key the program puts on an object is covered here.
import { backends } from "../backends/registry";

/** The Pod Security Standards labels of a namespace the program creates. */
export function podSecurityLabels(restricted: boolean, version: string): Record<string, string> {
    const enforce = restricted ? "restricted" : "baseline";
    return {
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": version,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": version,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": version,
    };
}

/** Labels on every object the program creates. */
export const MANAGED_BY_LABELS = {
    "app.kubernetes.io/managed-by": "pulumi",
    "app.kubernetes.io/part-of": "astro-remote-agent",
} as const;

/** Pod annotation that changes when a Secret the program manages is rotated, so the agent pods roll. */
export const SECRETS_VERSION_ANNOTATION = "astronomer.io/managed-secrets-version";

/** Label naming the component a ServiceAccount belongs to. */
export const COMPONENT_LABEL = "astronomer.io/agent-component";

/**
 * Tag / label / annotation key of the retention marker (components/retention.ts): one key that is
 * valid as an AWS or Azure tag, a GCP label and a Kubernetes annotation.
 */
export const RETAIN_ON_DELETE_MARKER = "astro-agent-retain-on-delete";

/** The Pulumi Kubernetes provider's annotation that skips waiting for an object (its `pulumi.com/` keys steer the provider). */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** A key (or, with `prefix`, every key starting with it) the program owns. */
export interface OwnedMetadataKey {
    match: string;
    prefix: boolean;
    /** Who sets it, for messages. */
    owner: string;
    /** What to do instead. */
    instead: string;
    /** A workload-identity key (a component's ServiceAccount may still set it: identityAnnotations.ts). */
    identity: boolean;
}

/** `example.com/` of `example.com/name`. */
function dnsPrefix(key: string): string {
    return key.slice(0, key.indexOf("/") + 1);
}

/** Every key the program owns. Pod Security and workload-identity keys are owned by their whole prefix. */
export const OWNED_METADATA_KEYS: readonly OwnedMetadataKey[] = [
    ...[...new Set(Object.keys(podSecurityLabels(true, "v1.30")).map(dnsPrefix))].map((match) => ({
        match,
        prefix: true,
        owner: "the namespace's Pod Security labels",
        instead: "set restricted (and podSecurityVersion) instead",
        identity: false,
    })),
    ...Object.keys(MANAGED_BY_LABELS).map((match) => ({
        match,
        prefix: false,
        owner: "the labels marking the objects it manages",
        instead: "use a key of your own",
        identity: false,
    })),
    {
        match: dnsPrefix(SKIP_AWAIT_ANNOTATION),
        prefix: true,
        owner: "the Pulumi Kubernetes provider's annotations, which change how it creates and waits for objects",
        instead: "remove it",
        identity: false,
    },
    {
        match: SECRETS_VERSION_ANNOTATION,
        prefix: false,
        owner: "the rotation annotation, computed so the pods roll when a Secret the program manages changes",
        instead: "remove it",
        identity: false,
    },
    {
        match: COMPONENT_LABEL,
        prefix: false,
        owner: "the label naming each ServiceAccount's component",
        instead: "use a key of your own",
        identity: false,
    },
    {
        match: RETAIN_ON_DELETE_MARKER,
        prefix: false,
        owner: "the retention marker the policy pack reads, from environment",
        instead: "remove it (prod retains the namespace)",
        identity: false,
    },
    ...[
        ...new Map(backends.flatMap((b) => (b.identityMetadataKeys ?? []).map((k) => [dnsPrefix(k), b.kind] as const))),
    ].map(([match, kind]) => ({
        match,
        prefix: true,
        owner: `the ${kind} backend's workload identity`,
        instead: "configure the identity under backend",
        identity: true,
    })),
];

/** The owned entry covering `key`, if any. */
export function ownedMetadataKey(key: string): OwnedMetadataKey | undefined {
    return OWNED_METADATA_KEYS.find((o) => (o.prefix ? key.startsWith(o.match) : key === o.match));
}

/** The refusal message for a config `labels`/`annotations` entry naming an owned key. */
export function ownedKeyMessage(owned: OwnedMetadataKey): string {
    return `is set by this program (${owned.prefix ? `'${owned.match}*', ` : ""}${owned.owner}) and cannot be set from config; ${owned.instead}`;
}
