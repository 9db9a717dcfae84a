// `npx tsx scripts/gcp-policy.ts --stack NAME [--stack-file FILE] [--set backend.identity=serviceAccount ...]`
// Runs the real program offline (Pulumi mock runtime, like `npm run render`) and prints, as one JSON
// document, every IAM grant it would create (role, resource, members, condition), the custom roles, the
// Google service account, the bucket and its hardening, the seeded secrets and the chart's Airflow
// settings; with `backend.grants: none`, the `ownerGrants` document. The Airflow permission proof
// (tests/airflow/test_gcp_permissions.py) judges exactly these.
// Values the mock runtime computes (project number 987654321098, the workload pool) are placeholders.
import { chartValues, documentScript, envMap, ofType, ownerGrantsOf, serviceAccountsOf } from "./lib/documentScript";
import { MOCK_GCP_PROJECT_NUMBER, unwrapSecrets, type RecordedResource } from "./lib/mockRun";

interface Grant {
    resource: { kind: "project" | "bucket" | "serviceAccount"; name: string };
    role: string;
    members: string[];
    condition?: { title: string; description: string; expression: string };
}

/** The grants as the IAM member resources declare them, members of one (resource, role, condition) merged. */
export function grantsOf(resources: readonly RecordedResource[]): Grant[] {
    const grants: Grant[] = [];
    const add = (resource: Grant["resource"], r: RecordedResource) => {
        const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
        const condition = inputs.condition as Grant["condition"] | undefined;
        const role = String(inputs.role);
        const existing = grants.find(
            (g) =>
                g.resource.kind === resource.kind &&
                g.resource.name === resource.name &&
                g.role === role &&
                JSON.stringify(g.condition) === JSON.stringify(condition),
        );
        if (existing !== undefined) {
            existing.members.push(String(inputs.member));
        } else {
            grants.push({ resource, role, members: [String(inputs.member)], ...(condition ? { condition } : {}) });
        }
    };
    for (const r of resources) {
        if (r.type === "gcp:serviceaccount/iAMMember:IAMMember") {
            // serviceAccountId is the account's resource name: projects/<p>/serviceAccounts/<email>
            const id = String(r.inputs.serviceAccountId);
            add({ kind: "serviceAccount", name: id.split("/serviceAccounts/")[1] ?? id }, r);
        } else if (r.type === "gcp:projects/iAMMember:IAMMember") {
            add({ kind: "project", name: String(r.inputs.project) }, r);
        } else if (r.type === "gcp:storage/bucketIAMMember:BucketIAMMember") {
            add({ kind: "bucket", name: String(r.inputs.bucket) }, r);
        }
    }
    return grants;
}

/** The GCP-relevant picture of a mock run. */
export function gcpDocuments(
    resources: readonly RecordedResource[],
    outputs: Record<string, unknown> = {},
): Record<string, unknown> {
    const of = (type: string) => ofType(resources, type);
    const values = chartValues<{
        secretBackend: string;
        xcomBackend: string;
        commonEnv: { name: string; value?: string }[];
    }>(resources);
    return {
        projectNumber: MOCK_GCP_PROJECT_NUMBER,
        serviceAccounts: serviceAccountsOf(resources, true),
        grants: grantsOf(resources),
        customRoles: of("gcp:projects/iAMCustomRole:IAMCustomRole").map((r) => ({
            name: `projects/${String(r.inputs.project)}/roles/${String(r.inputs.roleId)}`,
            permissions: r.inputs.permissions,
            stage: r.inputs.stage,
        })),
        googleServiceAccounts: of("gcp:serviceaccount/account:Account").map((a) => ({
            accountId: a.inputs.accountId,
            email: `${String(a.inputs.accountId)}@${String(a.inputs.project)}.iam.gserviceaccount.com`,
        })),
        buckets: of("gcp:storage/bucket:Bucket").map((b) => ({
            logicalName: b.name,
            ...(unwrapSecrets(b.inputs) as object),
            retainOnDelete: b.retainOnDelete ?? false,
        })),
        keyGrants: of("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map((k) => ({
            cryptoKeyId: k.inputs.cryptoKeyId,
            role: k.inputs.role,
            member: k.inputs.member,
        })),
        secrets: of("gcp:secretmanager/secret:Secret").map((s) => ({
            secretId: s.inputs.secretId,
            replication: s.inputs.replication,
        })),
        chart: {
            secretBackend: values.secretBackend,
            xcomBackend: values.xcomBackend,
            commonEnv: envMap(values.commonEnv),
        },
        ...ownerGrantsOf(outputs),
    };
}

if (require.main === module) {
    documentScript("gcp-policy.ts", gcpDocuments, (docs) =>
        (docs.grants as unknown[]).length === 0 && docs.ownerGrants === undefined
            ? "creates no GCP grant (backend.kind is not gcp)"
            : undefined,
    );
}
