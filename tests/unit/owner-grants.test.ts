// `backend.grants: none` on AWS, GCP and Vault (Azure: tests/unit/azure.test.ts): the identity is
// created, no grant is, the stack output ownerGrants is exactly what `grants: create` would have
// granted, and a store the program would create is refused with the key and the fix.
import * as assert from "node:assert/strict";
import { RemoteExecutionAgent } from "../../components";
import { validateStackConfig } from "../../chart/validate";
import { runUnderMocks, unwrapSecrets, MOCK_ACCOUNT_ID, type RecordedResource } from "../../scripts/lib/mockRun";
import { resolvedOutputs } from "../../scripts/lib/documentScript";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

function withBackend(backend: Values): Values {
    const v = baseValues();
    v.backend = backend;
    return v;
}

async function run(values: Values): Promise<{ resources: RecordedResource[]; outputs: Record<string, unknown> }> {
    const result = await runUnderMocks({
        project: PROJECT,
        stack: "test",
        config: {},
        program: () => ({
            ...new RemoteExecutionAgent("agent", values as ConstructorParameters<typeof RemoteExecutionAgent>[1])
                .backendOutputs,
        }),
    });
    return { resources: result.resources, outputs: await resolvedOutputs(result.outputs) };
}

function problems(values: Values): string[] {
    const result = validateStackConfig(raw(values));
    return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
}

/** The cloud resources (and the backend component) as sorted `[type, name]` pairs. */
const cloudChildren = (rs: RecordedResource[], pkg: string, component: string) =>
    rs
        .filter((r) => r.type.startsWith(`${pkg}:`) || r.type === `pulumi:providers:${pkg}` || r.type === component)
        .map((r) => [r.type, r.name])
        .sort();

const refusal = (key: string, what: string, instead: string) =>
    `backend.${key}: backend.grants: none leaves granting to the owner of existing stores, but ${what} is created by this program (which then owns it, so it grants on it): ${instead}, or set backend.grants: create`;

describe("backend.grants: none on AWS", () => {
    const owned: Values = {
        kind: "aws",
        region: "eu-west-1",
        eksClusterName: "prod-eks",
        grants: "none",
        xcom: { existingBucket: true, bucketName: "corp-xcom", prefix: "agents/prod" },
    };

    it("creates the role (trust only) and no inline policy; ownerGrants is the inline policy grants: create attaches", async () => {
        const none = await run(withBackend(owned));
        assert.deepEqual(cloudChildren(none.resources, "aws", "astro-remote-agent:index:AwsBackend"), [
            ["astro-remote-agent:index:AwsBackend", "agent-aws"],
            ["aws:iam/role:Role", "agent-aws-role"],
            ["pulumi:providers:aws", "agent-aws-provider"],
        ]);
        const doc = JSON.parse(String(none.outputs.ownerGrants)) as {
            roleArn: string;
            roleName: string;
            policyName: string;
            policy: { Statement: { Sid: string; Resource: unknown }[] };
        };
        assert.equal(doc.roleArn, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/astro-agent-62a37b39`);
        assert.equal(doc.roleName, "astro-agent-62a37b39");
        assert.equal(doc.policyName, "airflow-secrets-and-xcom");
        assert.equal(
            doc.policy.Statement.find((s) => s.Sid === "ReadWriteXComObjects")?.Resource,
            "arn:aws:s3:::corp-xcom/agents/prod/*",
        );
        const created = await run(withBackend({ ...owned, grants: "create" }));
        const inline = created.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
        assert.deepEqual(
            inline.map((p) => [p.inputs.name, JSON.parse(unwrapSecrets(p.inputs.policy) as string) as unknown]),
            [[doc.policyName, doc.policy]],
        );
        assert.equal(created.outputs.ownerGrants, undefined);
    });

    it("refuses every store the program would create, at once", () => {
        assert.deepEqual(
            problems(
                withBackend({
                    kind: "aws",
                    region: "eu-west-1",
                    eksClusterName: "prod-eks",
                    grants: "none",
                    secretsManager: { variables: { env_name: "x" } },
                    encryption: { kind: "createKey" },
                }),
            ),
            [
                refusal("xcom.existingBucket", "the XCom bucket", "set xcom.existingBucket: true with xcom.bucketName"),
                refusal(
                    "secretsManager.variables",
                    "each seeded secret (secretsManager.connections, secretsManager.variables)",
                    "have the owner create them under secretsManager.connectionsPrefix and variablesPrefix",
                ),
                refusal(
                    "encryption.kind",
                    "the KMS key",
                    "set encryption.kind: existingKey with encryption.keyArn (or awsManaged)",
                ),
            ],
        );
        assert.deepEqual(problems(withBackend(owned)), []);
    });
});
