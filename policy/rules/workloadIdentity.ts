// Azure, GCP and Vault identity: who may act as the agent (exact Kubernetes subjects, pinned audience)
// and what it may touch (grants scoped below a whole subscription, project, bucket or KV mount). The
// AWS IAM documents have their own rules in iam.ts; the policies merge both tables by resource type.
import type { ResourceRule } from "../lib/rules";
import { asList, asRecord, asString } from "../lib/values";

export const AZURE_FEDERATED_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
export const AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
export const AZURE_KEY_VAULT_ACCESS_POLICY = "azure-native:keyvault:AccessPolicy";
export const GCP_SERVICE_ACCOUNT_IAM_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember";
export const GCP_PROJECT_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember";
export const GCP_BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
export const GCP_CRYPTO_KEY_IAM_MEMBER = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
export const VAULT_K8S_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
export const VAULT_POLICY = "vault:index/policy:Policy";

/** The only audience Microsoft Entra accepts for workload identity federation. */
export const AZURE_AUDIENCE = "api://AzureADTokenExchange";
const WILDCARD = /[*?]/;
const K8S_SUBJECT = /^system:serviceaccount:[^:]+:[^:]+$/;

/** A federated credential trusts one ServiceAccount of one issuer, for Entra's audience only. */
const federatedCredential: ResourceRule = ({ props }) => {
    const problems: string[] = [];
    const subject = asString(props.subject) ?? "";
    if (!K8S_SUBJECT.test(subject) || WILDCARD.test(subject)) {
        problems.push(
            `federated credential subject '${subject}' must name one ServiceAccount exactly (system:serviceaccount:<namespace>:<name>)`,
        );
    }
    const audiences = asList(props.audiences).map(String);
    if (audiences.length !== 1 || audiences[0] !== AZURE_AUDIENCE) {
        problems.push(
            `federated credential audiences are [${audiences.join(", ")}]; pin them to exactly ['${AZURE_AUDIENCE}']`,
        );
    }
    const issuer = asString(props.issuer) ?? "";
    if (!/^https:\/\/[^*?\s]+$/.test(issuer)) {
        problems.push(`federated credential issuer '${issuer}' must be the cluster's exact https OIDC issuer URL`);
    }
    return problems;
};

/**
 * GCP members that stand for more than one workload: everyone, every Google account, a whole
 * principal set (e.g. every ServiceAccount of a namespace or pool), or anything with a wildcard.
 */
export function broadMember(member: string): string | undefined {
    if (member === "allUsers" || member === "allAuthenticatedUsers") {
        return "everyone";
    }
    if (member.startsWith("principalSet://")) {
        return "a whole set of identities";
    }
    return WILDCARD.test(member) ? "a wildcard" : undefined;
}

function memberProblems(props: Record<string, unknown>, what: string): string[] {
    const member = asString(props.member) ?? "";
    const broad = broadMember(member);
    return broad === undefined ? [] : [`${what} member '${member}' is ${broad}; grant to exact principals`];
}

/** `roles/iam.workloadIdentityUser` goes to one Kubernetes ServiceAccount: `serviceAccount:<pool>[<ns>/<name>]`. */
const serviceAccountMember: ResourceRule = ({ props }) => {
    const member = asString(props.member) ?? "";
    const problems = memberProblems(props, "service account IAM");
    if (
        problems.length === 0 &&
        asString(props.role) === "roles/iam.workloadIdentityUser" &&
        !/^serviceAccount:[^[\]]+\.svc\.id\.goog\[[^/\]]+\/[^/\]]+\]$/.test(member)
    ) {
        problems.push(
            `workload identity member '${member}' must name one Kubernetes ServiceAccount (serviceAccount:<project>.svc.id.goog[<namespace>/<name>])`,
        );
    }
    return problems;
};

const iamMember =
    (what: string): ResourceRule =>
    ({ props }) =>
        memberProblems(props, what);

/** Azure scopes that cover everything below them: the tenant root, a management group, a subscription, a resource group. */
export function broadAzureScope(scope: string): string | undefined {
    const s = scope.replace(/\/+$/, "").toLowerCase();
    if (s === "" || s === "/") {
        return "the tenant root";
    }
    if (/^\/providers\/microsoft\.management\/managementgroups\/[^/]+$/.test(s)) {
        return "a whole management group";
    }
    if (/^\/subscriptions\/[^/]+$/.test(s)) {
        return "a whole subscription";
    }
    if (/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/.test(s)) {
        return "a whole resource group";
    }
    return WILDCARD.test(s) ? "a wildcard" : undefined;
}

const roleAssignment: ResourceRule = ({ props }) => {
    const scope = asString(props.scope) ?? "";
    const broad = broadAzureScope(scope);
    return broad === undefined
        ? []
        : [
              `role assignment scope '${scope}' is ${broad}; scope it to the key vault (or secret) and the blob container`,
          ];
};

/** A Key Vault access policy of the agent reads secret values only: `get` on secrets, nothing on keys, certificates or storage. */
const keyVaultAccessPolicy: ResourceRule = ({ props }) => {
    const permissions = asRecord(asRecord(props.policy)?.permissions) ?? {};
    const problems: string[] = [];
    const secrets = asList(permissions.secrets).map((p) => String(p).toLowerCase());
    const extra = [...new Set(secrets)].filter((p) => p !== "get");
    if (extra.length > 0 || !secrets.includes("get")) {
        problems.push(
            `key vault access policy grants secrets [${secrets.join(", ")}]; grant exactly ['get'] (the secrets backend reads each secret by name)`,
        );
    }
    for (const kind of ["keys", "certificates", "storage"] as const) {
        const granted = asList(permissions[kind]).map(String);
        if (granted.length > 0) {
            problems.push(`key vault access policy grants ${kind} [${granted.join(", ")}]; grant none`);
        }
    }
    return problems;
};

/** A GCP grant above a single resource must carry a condition that narrows it (secret or object prefixes). */
const conditioned =
    (what: string, narrows: string): ResourceRule =>
    ({ props }) => {
        const expression = asString(asRecord(props.condition)?.expression) ?? "";
        return expression.trim() === ""
            ? [`${what} grants ${asString(props.role) ?? "a role"} without a condition; limit it to ${narrows}`]
            : [];
    };

/** The Vault Kubernetes auth role binds exact ServiceAccount names in exact namespaces, for one audience. */
const vaultRole: ResourceRule = ({ props }) => {
    const problems: string[] = [];
    for (const [key, what] of [
        ["boundServiceAccountNames", "ServiceAccount names"],
        ["boundServiceAccountNamespaces", "namespaces"],
    ] as const) {
        const values = asList(props[key]).map(String);
        if (values.length === 0) {
            problems.push(`Vault role binds no ${what} (${key}); name them exactly`);
        }
        for (const v of values.filter((x) => WILDCARD.test(x))) {
            problems.push(`Vault role ${key} '${v}' is a wildcard; name the ${what} exactly`);
        }
    }
    if ((asString(props.audience) ?? "").trim() === "") {
        problems.push("Vault role has no audience; pin the token audience (backend.auth.audience)");
    }
    return problems;
};

/** The `path "…"` stanzas of a Vault policy (HCL). */
export function vaultPolicyPaths(hcl: string): string[] {
    return [...hcl.matchAll(/^\s*path\s+"([^"]*)"/gm)].map((m) => m[1] ?? "");
}

/** Whether a Vault policy path covers a whole mount (or everything): only wildcards after `<mount>/[data|metadata]/`. */
export function isWildcardVaultPath(path: string): boolean {
    const parts = path.split("/");
    const rest = parts.length <= 1 ? parts : parts.slice(/^(data|metadata)$/.test(parts[1] ?? "") ? 2 : 1);
    return rest.join("/").replace(/[*+/]/g, "") === "";
}

const vaultPolicy: ResourceRule = ({ props }) =>
    vaultPolicyPaths(asString(props.policy) ?? "")
        .filter(isWildcardVaultPath)
        .map((p) => `Vault policy path '${p}' covers every secret of its mount; name the agent's paths`);

/** Identity trust for Azure, GCP and Vault, by resource type. */
export const WORKLOAD_IDENTITY_TRUST_RULES: ReadonlyMap<string, ResourceRule> = new Map<string, ResourceRule>([
    [AZURE_FEDERATED_CREDENTIAL, federatedCredential],
    [GCP_SERVICE_ACCOUNT_IAM_MEMBER, serviceAccountMember],
    [GCP_PROJECT_IAM_MEMBER, iamMember("project IAM")],
    [GCP_BUCKET_IAM_MEMBER, iamMember("bucket IAM")],
    [GCP_CRYPTO_KEY_IAM_MEMBER, iamMember("crypto key IAM")],
    [VAULT_K8S_ROLE, vaultRole],
]);

/** Permission scope for Azure, GCP and Vault, by resource type. */
export const WORKLOAD_PERMISSION_RULES: ReadonlyMap<string, ResourceRule> = new Map<string, ResourceRule>([
    [AZURE_ROLE_ASSIGNMENT, roleAssignment],
    [AZURE_KEY_VAULT_ACCESS_POLICY, keyVaultAccessPolicy],
    [GCP_PROJECT_IAM_MEMBER, conditioned("project IAM member", "the agent's secret prefixes")],
    [GCP_BUCKET_IAM_MEMBER, conditioned("bucket IAM member", "the agent's object prefix")],
    [VAULT_POLICY, vaultPolicy],
]);
