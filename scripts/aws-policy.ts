// `npx tsx scripts/aws-policy.ts --stack NAME [--stack-file FILE] [--set backend.identity=podIdentity ...]`
// Runs the real program offline (Pulumi mock runtime, like `npm run render`) and prints, as one JSON
// document, every IAM document and AWS name it generates: each role's trust policy, inline policies and
// managed policy attachments, bucket policies, bucket default encryption and Object Lock, seeded secrets and
// the chart's Airflow settings; with `backend.grants: none`, the `ownerGrants` document. The Airflow
// permission proof (tests/airflow/test_aws_permissions.py) judges exactly these documents. Values the mock
// runtime computes (account 123456789012, key ARNs) are placeholders.
import { chartValues, documentScript, envMap, ofType, ownerGrantsOf, serviceAccountsOf } from "./lib/documentScript";
import { unwrapSecrets, type RecordedResource } from "./lib/mockRun";

const parseJson = (v: unknown): unknown => JSON.parse(unwrapSecrets(v) as string) as unknown;

/** The IAM-relevant picture of a mock run. */
export function awsDocuments(
    resources: readonly RecordedResource[],
    outputs: Record<string, unknown> = {},
): Record<string, unknown> {
    const of = (type: string) => ofType(resources, type);
    const roles = of("aws:iam/role:Role").map((role) => {
        const roleName = role.inputs.name;
        const mine = (r: RecordedResource) => r.inputs.role === roleName;
        return {
            logicalName: role.name,
            roleName,
            trustPolicy: parseJson(role.inputs.assumeRolePolicy),
            inlinePolicies: of("aws:iam/rolePolicy:RolePolicy")
                .filter(mine)
                .map((p) => ({ name: p.inputs.name, document: parseJson(p.inputs.policy) })),
            managedPolicyArns: of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter(mine)
                .map((a) => a.inputs.policyArn),
        };
    });
    const values = chartValues<{
        secretBackend: string;
        xcomBackend: string;
        commonEnv: { name: string; value?: string }[];
    }>(resources);
    return {
        serviceAccounts: serviceAccountsOf(resources),
        roles,
        podIdentityAssociations: of("aws:eks/podIdentityAssociation:PodIdentityAssociation").map((a) => a.inputs),
        buckets: of("aws:s3/bucket:Bucket").map((b) => ({ logicalName: b.name, bucket: b.inputs.bucket ?? b.name })),
        bucketPolicies: of("aws:s3/bucketPolicy:BucketPolicy").map((p) => ({
            bucket: p.inputs.bucket,
            document: parseJson(p.inputs.policy),
        })),
        bucketEncryption: of(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ).map((e) => ({ bucket: e.inputs.bucket, rules: unwrapSecrets(e.inputs.rules) })),
        bucketObjectLock: of("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").map((l) => ({
            bucket: l.inputs.bucket,
            rule: l.inputs.rule,
        })),
        kmsKeys: of("aws:kms/key:Key").map((k) => k.name),
        secrets: of("aws:secretsmanager/secret:Secret").map((s) => ({
            name: s.inputs.name,
            kmsKeyId: s.inputs.kmsKeyId,
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
    documentScript("aws-policy.ts", awsDocuments, (docs) =>
        (docs.roles as unknown[]).length === 0 ? "creates no IAM role (backend.kind is not aws)" : undefined,
    );
}
