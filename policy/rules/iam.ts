// AWS IAM documents: the agent role's trust (exact subjects, pinned audience) and its permissions
// (no `*` resource, no `*` action). Azure federated credentials, GCP IAM members and the Vault role and
// policy have their rules in workloadIdentity.ts; the tables below hold both.
import type { ResourceRule, RulesByType } from "../lib/rules";
import { asList, asRecord, asString, jsonDocument } from "../lib/values";
import { WORKLOAD_IDENTITY_TRUST_RULES, WORKLOAD_PERMISSION_RULES } from "./workloadIdentity";

export const IAM_ROLE = "aws:iam/role:Role";
export const IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
export const IAM_POLICY = "aws:iam/policy:Policy";

interface Statement {
    label: string;
    effect: string | undefined;
    principal: unknown;
    actions: string[];
    resources: string[];
    notResource: boolean;
    notAction: boolean;
    condition: Record<string, unknown> | undefined;
}

/** The statements of an IAM document, each labelled by its Sid (or position) for messages. */
export function statements(doc: Record<string, unknown> | undefined): Statement[] {
    return asList(doc?.Statement).map((s, i) => {
        const st = asRecord(s) ?? {};
        const sid = asString(st.Sid);
        return {
            label: sid === undefined ? `#${i}` : `'${sid}'`,
            effect: asString(st.Effect),
            principal: st.Principal,
            actions: asList(st.Action).map(String),
            resources: asList(st.Resource).map(String),
            notResource: st.NotResource !== undefined,
            notAction: st.NotAction !== undefined,
            condition: asRecord(st.Condition),
        };
    });
}

/** Whether a principal is everyone: `*` or `{AWS: "*"}`. */
function isEveryone(principal: unknown): boolean {
    return principal === "*" || asList(asRecord(principal)?.AWS).includes("*");
}

/** Labels of Allow statements open to everyone without any condition. */
export function publicAllowStatements(doc: Record<string, unknown> | undefined): string[] {
    return statements(doc)
        .filter((s) => s.effect === "Allow" && isEveryone(s.principal) && s.condition === undefined)
        .map((s) => s.label);
}

const WILDCARD = /[*?]/;

/** The values of condition key `key` (by exact name or by suffix) under operator `op`. */
function conditionValues(condition: Record<string, unknown> | undefined, op: string, match: (key: string) => boolean) {
    const block = asRecord(condition?.[op]) ?? {};
    const key = Object.keys(block).find(match);
    return key === undefined ? undefined : { key, values: asList(block[key]).map(String) };
}

/** IRSA: `StringEquals` on `<issuer>:sub` with exact subjects and on `<issuer>:aud` with sts.amazonaws.com. */
function webIdentityProblems(s: Statement): string[] {
    const problems: string[] = [];
    const sub = conditionValues(s.condition, "StringEquals", (k) => k.endsWith(":sub"));
    if (sub === undefined) {
        const like = conditionValues(s.condition, "StringLike", (k) => k.endsWith(":sub"));
        problems.push(
            like === undefined
                ? `trust statement ${s.label} does not restrict the token subject; require StringEquals <issuer>:sub with the exact system:serviceaccount:<namespace>:<name> subjects`
                : `trust statement ${s.label} matches subjects with StringLike (${like.values.join(", ")}); use StringEquals with the exact ServiceAccount subjects`,
        );
    } else {
        for (const v of sub.values.filter((x) => WILDCARD.test(x))) {
            problems.push(`trust statement ${s.label} subject '${v}' is a wildcard; name each ServiceAccount exactly`);
        }
    }
    const aud = conditionValues(s.condition, "StringEquals", (k) => k.endsWith(":aud"));
    if (aud === undefined || aud.values.length === 0 || aud.values.some((v) => v !== "sts.amazonaws.com")) {
        problems.push(
            `trust statement ${s.label} does not pin the token audience; require StringEquals <issuer>:aud = sts.amazonaws.com`,
        );
    }
    return problems;
}

const POD_IDENTITY_TAGS = [
    "aws:RequestTag/eks-cluster-arn",
    "aws:RequestTag/kubernetes-namespace",
    "aws:RequestTag/kubernetes-service-account",
    "aws:SourceAccount",
];

/** EKS Pod Identity: this account, this cluster, this namespace, exact ServiceAccounts. */
function podIdentityProblems(s: Statement): string[] {
    return POD_IDENTITY_TAGS.flatMap((tag) => {
        const c = conditionValues(s.condition, "StringEquals", (k) => k === tag);
        if (c === undefined || c.values.length === 0) {
            return [`trust statement ${s.label} does not pin ${tag} with StringEquals`];
        }
        return c.values
            .filter((v) => WILDCARD.test(v))
            .map((v) => `trust statement ${s.label} ${tag} '${v}' is a wildcard; name it exactly`);
    });
}

/** The role's trust policy: nobody at large, and workload identity only for exact subjects and audience. */
const roleTrust: ResourceRule = ({ props }) => {
    const doc = jsonDocument(props.assumeRolePolicy);
    if (doc === undefined) {
        return ["the trust policy (assumeRolePolicy) is not a JSON document"];
    }
    return statements(doc)
        .filter((s) => s.effect === "Allow")
        .flatMap((s) => {
            if (isEveryone(s.principal)) {
                return [`trust statement ${s.label} lets any AWS principal assume the role`];
            }
            const principal = asRecord(s.principal);
            if (principal?.Federated !== undefined && s.actions.includes("sts:AssumeRoleWithWebIdentity")) {
                return webIdentityProblems(s);
            }
            if (asList(principal?.Service).includes("pods.eks.amazonaws.com")) {
                return podIdentityProblems(s);
            }
            return [];
        });
};

/** Identity trust, by resource type (every cloud). */
export const IDENTITY_TRUST_RULES: RulesByType = new Map<string, ResourceRule>([
    [IAM_ROLE, roleTrust],
    ...WORKLOAD_IDENTITY_TRUST_RULES,
]);

/**
 * Whether an ARN (or `*`) names every resource of its kind: its resource part is only wildcards,
 * optionally after a resource type (`*`, `arn:aws:s3:::*`, `…:secret:*`, `…:key/*`).
 */
export function isWildcardResource(resource: string): boolean {
    const part = resource.startsWith("arn:") ? resource.split(":").slice(5).join(":") : resource;
    return /^([A-Za-z-]+[:/])?[*/]+$/.test(part) && part.includes("*");
}

/** Permissions: every Allow names its resources and actions. */
const permissions: ResourceRule = ({ props }) => {
    const doc = jsonDocument(props.policy);
    if (doc === undefined) {
        return ["the policy is not a JSON document"];
    }
    return statements(doc)
        .filter((s) => s.effect === "Allow")
        .flatMap((s) => {
            const problems: string[] = [];
            if (s.notResource) {
                problems.push(`statement ${s.label} uses NotResource (everything but a list); name the resources`);
            }
            for (const r of s.resources.filter(isWildcardResource)) {
                problems.push(
                    `statement ${s.label} grants ${s.actions.join(", ")} on '${r}' (every resource); name the resources`,
                );
            }
            if (s.notAction) {
                problems.push(`statement ${s.label} uses NotAction (everything but a list); name the actions`);
            }
            for (const a of s.actions.filter((x) => x === "*" || x.endsWith(":*"))) {
                problems.push(`statement ${s.label} grants the wildcard action '${a}'; name the actions`);
            }
            return problems;
        });
};

/** Agent permissions, by resource type (every cloud). */
export const PERMISSION_RULES: RulesByType = new Map<string, ResourceRule>([
    [IAM_ROLE_POLICY, permissions],
    [IAM_POLICY, permissions],
    ...WORKLOAD_PERMISSION_RULES,
]);
