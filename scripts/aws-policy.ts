// `npx tsx scripts/aws-policy.ts --stack NAME [--stack-file FILE] [--set backend.identity=podIdentity ...]`
// Runs the real program offline (Pulumi mock runtime, like `npm run render`) and prints, as one JSON
// document, every IAM document and AWS name it generates: each role's trust policy, inline policies and
// managed policy attachments, bucket policies, bucket default encryption, seeded secrets and the chart's
// Airflow settings. The Airflow permission proof (tests/airflow/test_aws_permissions.py) judges exactly
// these documents. Values the mock runtime computes (account 123456789012, key ARNs) are placeholders.
import * as path from "node:path";
import { parseArgs } from "node:util";
import agentProgram from "../index";
import { runUnderMocks, unwrapSecrets, type RecordedResource } from "./lib/mockRun";
import { readStackFile, type StackFileConfig } from "./lib/stackFile";

const parseJson = (v: unknown): unknown => JSON.parse(unwrapSecrets(v) as string) as unknown;

/** `--set a.b.c=<JSON or string>`: sets a nested key of a structured config value. */
export function applySet(config: StackFileConfig, assignment: string): void {
    const eq = assignment.indexOf("=");
    if (eq < 1) {
        throw new Error(`--set needs key.path=value, got '${assignment}'`);
    }
    const [top, ...rest] = assignment.slice(0, eq).split(".");
    const raw = assignment.slice(eq + 1);
    let value: unknown;
    try {
        value = JSON.parse(raw);
    } catch {
        value = raw;
    }
    if (top === undefined || top === "") {
        throw new Error(`--set needs a key: '${assignment}'`);
    }
    if (rest.length === 0) {
        config.config[top] = typeof value === "string" ? value : JSON.stringify(value);
        return;
    }
    const root = JSON.parse(config.config[top] ?? "{}") as Record<string, unknown>;
    let node = root;
    for (const k of rest.slice(0, -1)) {
        node[k] ??= {};
        node = node[k] as Record<string, unknown>;
    }
    node[rest[rest.length - 1] as string] = value;
    config.config[top] = JSON.stringify(root);
}

/** The IAM-relevant picture of a mock run. */
export function awsDocuments(resources: readonly RecordedResource[]): Record<string, unknown> {
    const of = (type: string) => resources.filter((r) => r.type === type);
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
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    const values = (release?.inputs.values ?? {}) as {
        secretBackend?: string;
        xcomBackend?: string;
        commonEnv?: { name: string; value?: string }[];
    };
    const serviceAccounts = of("kubernetes:core/v1:ServiceAccount").map(
        (sa) => sa.inputs.metadata as { name: string; namespace: string },
    );
    return {
        serviceAccounts: serviceAccounts.map((m) => ({ name: m.name, namespace: m.namespace })),
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
        kmsKeys: of("aws:kms/key:Key").map((k) => k.name),
        secrets: of("aws:secretsmanager/secret:Secret").map((s) => ({
            name: s.inputs.name,
            kmsKeyId: s.inputs.kmsKeyId,
        })),
        chart: {
            secretBackend: values.secretBackend,
            xcomBackend: values.xcomBackend,
            commonEnv: Object.fromEntries((values.commonEnv ?? []).map((e) => [e.name, e.value])),
        },
    };
}

async function main(): Promise<number> {
    const { values: args } = parseArgs({
        options: {
            stack: { type: "string" },
            "stack-file": { type: "string" },
            set: { type: "string", multiple: true },
        },
        allowPositionals: false,
    });
    if (args.stack === undefined) {
        process.stderr.write("usage: npx tsx scripts/aws-policy.ts --stack NAME [--stack-file FILE] [--set k.p=v]\n");
        return 2;
    }
    const stackFile = readStackFile(path.join(__dirname, ".."), args.stack, args["stack-file"]);
    for (const assignment of args.set ?? []) {
        applySet(stackFile, assignment);
    }
    const result = await runUnderMocks({ ...stackFile, program: agentProgram });
    const docs = awsDocuments(result.resources);
    if ((docs.roles as unknown[]).length === 0) {
        process.stderr.write(`stack '${args.stack}' creates no IAM role (backend.kind is not aws)\n`);
        return 1;
    }
    process.stdout.write(`${JSON.stringify({ stack: args.stack, ...docs }, null, 2)}\n`);
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
