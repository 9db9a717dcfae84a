// The policies of the pack, as data: the pack entry (pack.ts) serves them, the unit tests call them
// directly (constructing a PolicyPack starts a gRPC server). Each policy is a table of rules by
// resource type (rules/), so a new cloud adds rules, not branches. Enforcement levels per
// environment come from policy config (config/prod.json, config/dev.json); the pack default is
// mandatory.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isAgentResource, rulePolicy } from "./lib/rules";
import { RETENTION_RULES } from "./rules/dataStores";
import { IDENTITY_TRUST_RULES, PERMISSION_RULES } from "./rules/iam";
import {
    AGENT_RELEASE_COMPONENT,
    adoptedNamespaceRestricted,
    K8S_NAMESPACE,
    namespaceRestricted,
} from "./rules/namespace";
import { missingCompanions, OBJECT_STORAGE_RULES } from "./rules/objectStorage";
import { acceptedRisksRecorded, chartOverHttps, imagesNotFloating } from "./rules/releaseSource";
import { chartAndImagesPinned, HELM_RELEASE, releasePodsPodSecurity, releaseValuesSecretFree } from "./rules/release";

export const releaseValuesSecretFreePolicy = rulePolicy(
    {
        name: "release-values-secret-free",
        description:
            "The agent's Helm values hold no secret material: no inline token, pull data or API key, nothing credential-shaped.",
        severity: "critical",
        remediationSteps:
            "Pass secrets as secret stack config (the program puts them into Kubernetes Secrets) or name existing Secrets (agentTokenSecretName, imagePullSecretName, openLineage.apiKeySecretName).",
    },
    new Map([[HELM_RELEASE, releaseValuesSecretFree]]),
);

export const agentNamespaceRestrictedPolicy = rulePolicy(
    {
        name: "agent-namespace-restricted",
        description: "The agent namespace enforces, audits and warns on the Pod Security Standard 'restricted'.",
        severity: "high",
        remediationSteps: "Set astro-agent:restricted: true.",
    },
    new Map([[K8S_NAMESPACE, namespaceRestricted]]),
);

export const adoptedNamespaceRestrictedPolicy = rulePolicy(
    {
        name: "adopted-namespace-restricted",
        description:
            "An adopted agent namespace (createNamespace: false), read at preview, enforces the Pod Security Standard 'restricted'.",
        severity: "high",
        remediationSteps:
            "Label the namespace pod-security.kubernetes.io/enforce=restricted, or set astro-agent:createNamespace: true.",
    },
    new Map([[AGENT_RELEASE_COMPONENT, adoptedNamespaceRestricted]]),
);

/** Levels the pod guard may be configured to judge at (policy config `level`; default baseline). */
const POD_SECURITY_LEVELS = ["restricted", "baseline"] as const;

export const releasePodsPodSecurityPolicy: ResourceValidationPolicy = {
    name: "release-pods-pod-security",
    description:
        "Every pod the agent chart builds from the release's values passes the Pod Security Standards (the program's pod guard, over the values Helm is given).",
    severity: "critical",
    remediationSteps:
        "Remove what the message names from the stack config (typed keys or extraValues); see docs/pod-security.md.",
    configSchema: {
        properties: { level: { type: "string", enum: [...POD_SECURITY_LEVELS] } },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== HELM_RELEASE || !isAgentResource(args.urn)) {
            return;
        }
        // Baseline unless the pack's config says restricted (config/prod.json: prod namespaces must be restricted).
        const level = args.getConfig<{ level?: (typeof POD_SECURITY_LEVELS)[number] }>().level ?? "baseline";
        for (const message of releasePodsPodSecurity(level)(args)) {
            reportViolation(message);
        }
    },
};

export const objectStoragePrivateEncryptedPolicy = rulePolicy(
    {
        name: "object-storage-private-encrypted",
        description: "The agent's object storage (XCom, task logs) is private and encrypted at rest.",
        severity: "high",
        remediationSteps:
            "Keep the backend's bucket hardening: public access blocked, ACLs disabled, default encryption, no public policy.",
    },
    OBJECT_STORAGE_RULES,
);

export const objectStorageHardeningPresentPolicy: StackValidationPolicy = {
    name: "object-storage-hardening-present",
    description:
        "Every bucket the agent creates comes with the resources that make it private and encrypted (S3: public access block, default encryption, ownership controls).",
    severity: "high",
    remediationSteps: "Create the bucket through the backend, which adds its hardening resources.",
    validateStack: (args, reportViolation) => {
        for (const store of args.resources.filter((r) => isAgentResource(r.urn))) {
            for (const message of missingCompanions(store, args.resources)) {
                reportViolation(message, store.urn);
            }
        }
    },
};

export const identityTrustExactPolicy = rulePolicy(
    {
        name: "identity-trust-exact",
        description:
            "The agent identity is trusted only by the agent's exact ServiceAccounts: no wildcard subjects, audience (or cluster) pinned.",
        severity: "critical",
        remediationSteps: "Let the backend write the trust policy from the agent's ServiceAccounts.",
    },
    IDENTITY_TRUST_RULES,
);

export const agentPoliciesNoWildcardPolicy = rulePolicy(
    {
        name: "agent-policies-no-wildcard",
        description: "The agent's permissions name their resources and actions: no '*' resource, no '*' action.",
        severity: "high",
        remediationSteps: "Grant on the agent's bucket prefixes, secret prefixes and key only.",
    },
    PERMISSION_RULES,
);

export const prodDataStoresRetainedPolicy = rulePolicy(
    {
        name: "prod-data-stores-retained",
        description:
            "Prod data stores (buckets, keys, the agent namespace) survive `pulumi destroy` and keep their data.",
        severity: "high",
        remediationSteps: "Deploy with astro-agent:environment: prod, which retains them, or protect them.",
    },
    RETENTION_RULES,
);

export const chartAndImagesPinnedPolicy = rulePolicy(
    {
        name: "chart-and-images-pinned",
        description: "The agent chart version is exact and every image is pinned (no 'latest', no missing tag).",
        severity: "medium",
        remediationSteps: "Set astro-agent:chart.version and pin image tags or digests.",
    },
    new Map([[HELM_RELEASE, chartAndImagesPinned]]),
);

export const imagesNotFloatingPolicy = rulePolicy(
    {
        name: "images-not-floating",
        description:
            "No agent image floats: each has a digest or a tag naming a full major.minor.patch version (not 'main', 'stable', '3', '3.1').",
        severity: "medium",
        remediationSteps: "Pin every image key to a full version tag or a digest.",
    },
    new Map([[HELM_RELEASE, imagesNotFloating]]),
);

export const chartOverHttpsPolicy = rulePolicy(
    {
        name: "chart-over-https",
        description: "The agent chart is not fetched over plain http://.",
        severity: "high",
        remediationSteps: "Use an https:// chart repository, an oci:// chart or a local chart path.",
    },
    new Map([[HELM_RELEASE, chartOverHttps]]),
);

export const acceptedProdRisksPolicy = rulePolicy(
    {
        name: "accepted-prod-risks",
        description:
            "Prod weakenings the stack acknowledged in astro-agent:acceptRisks (recorded in the release description): advisory, so reviewers see them.",
        severity: "low",
        remediationSteps: "Remove the weakening and its acceptRisks entry when the reason for it is gone.",
    },
    new Map([[HELM_RELEASE, acceptedRisksRecorded]]),
);

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    releaseValuesSecretFreePolicy,
    agentNamespaceRestrictedPolicy,
    adoptedNamespaceRestrictedPolicy,
    releasePodsPodSecurityPolicy,
    objectStoragePrivateEncryptedPolicy,
    objectStorageHardeningPresentPolicy,
    identityTrustExactPolicy,
    agentPoliciesNoWildcardPolicy,
    prodDataStoresRetainedPolicy,
    chartAndImagesPinnedPolicy,
    imagesNotFloatingPolicy,
    chartOverHttpsPolicy,
    acceptedProdRisksPolicy,
];
