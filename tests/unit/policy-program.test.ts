// The policy pack against the real program: the example stacks (and AWS variants no engine here can
// run) evaluated under mocks, every registered resource handed to every policy the way the engine
// would hand it (URN with the parent chain, plain inputs, `protect`; never `retainOnDelete`).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import agentProgram from "../../index";
import { hasRetentionMarker } from "../../components/retention";
import { policies } from "../../policy/policies";
import type { PolicyResource } from "../../policy/lib/rules";
import { DATA_STORES } from "../../policy/rules/dataStores";
import { runUnderMocks, type MockRunResult } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { asArgs, fromMockRun, resourceViolations, stackViolations } from "../lib/policyHarness";

const ROOT = path.join(__dirname, "..", "..");

/** Runs an example stack under mocks, with config keys overridden (values as stack config strings). */
async function evaluate(stack: string, overrides: Record<string, unknown> = {}): Promise<MockRunResult> {
    const opts = readStackFile(ROOT, stack);
    const config = { ...opts.config };
    for (const [k, v] of Object.entries(overrides)) {
        config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return runUnderMocks({ ...opts, config, program: agentProgram });
}

/** Every violation of every policy, as `policy: message`. */
async function violations(resources: PolicyResource[]): Promise<string[]> {
    const out: string[] = [];
    for (const policy of policies) {
        if ("validateStack" in policy) {
            for (const v of await stackViolations(policy, resources)) {
                out.push(`${policy.name}: ${v.message}`);
            }
            continue;
        }
        for (const r of resources) {
            for (const m of await resourceViolations(policy, asArgs(r))) {
                out.push(`${policy.name}: ${m}`);
            }
        }
    }
    return out;
}

/** The prod example's `backend` block. */
function prodBackend(): Record<string, unknown> {
    return JSON.parse(readStackFile(ROOT, "prod").config.backend ?? "{}") as Record<string, unknown>;
}

describe("policy pack × the real program (mock runs)", () => {
    it("Pulumi.prod.yaml (AWS: IRSA, created KMS key, S3 bucket) passes every policy", async () => {
        const result = await evaluate("prod");
        const resources = fromMockRun(result.resources);
        assert.ok(resources.some((r) => r.type === "aws:s3/bucket:Bucket"));
        assert.ok(resources.some((r) => r.type === "aws:iam/role:Role"));
        assert.deepEqual(await violations(resources), []);
    });

    it("the AWS backend with Pod Identity, task logs and extra prefixes passes every policy", async () => {
        const backend = {
            ...prodBackend(),
            identity: "podIdentity",
            extraS3Prefixes: [{ prefix: "datasets", access: "read" }],
        };
        const result = await evaluate("prod", { backend });
        const resources = fromMockRun(result.resources);
        assert.equal(
            resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation").length,
            5,
        );
        assert.deepEqual(await violations(resources), []);
    });

    for (const stack of ["azure", "gcp", "vault"]) {
        it(`Pulumi.${stack}.yaml passes every policy`, async () => {
            const result = await evaluate(stack);
            assert.deepEqual(await violations(fromMockRun(result.resources)), []);
        });
    }

    it("Pulumi.dev.yaml breaks only the policies dev's config switches off", async () => {
        const result = await evaluate("dev");
        const found = await violations(fromMockRun(result.resources, "dev"));
        const devConfig = JSON.parse(
            fs.readFileSync(path.join(ROOT, "policy", "config", "dev.json"), "utf8"),
        ) as Record<string, string>;
        assert.deepEqual(found, [
            "agent-namespace-restricted: namespace 'astro-agent-dev' must enforce, audit and warn the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is 'baseline' (set astro-agent:restricted: true)",
            "prod-data-stores-retained: namespace 'astro-agent-dev' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it astro-agent-retain-on-delete: \"true\") or protect",
            "prod-data-stores-retained: persistent volume claim 'astro-dev-xcom' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it astro-agent-retain-on-delete: \"true\") or protect",
            "accepted-prod-risks: the stack acknowledges the prod risk 'unrestrictedPods' (astro-agent:acceptRisks) at restricted",
        ]);
        for (const line of found) {
            // The acknowledged risk is reported, as advisory (dev's default level).
            const policy = line.split(":")[0] ?? "";
            assert.equal(
                devConfig[policy] ?? devConfig.all,
                policy === "accepted-prod-risks" ? "advisory" : "disabled",
                line,
            );
        }
    });

    it("weakening prod trips the rule that guards it: restricted: false", async () => {
        const result = await evaluate("prod", { restricted: "false", acceptRisks: '["unrestrictedPods"]' });
        assert.deepEqual(await violations(fromMockRun(result.resources)), [
            "agent-namespace-restricted: namespace 'astro-agent' must enforce, audit and warn the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is 'baseline' (set astro-agent:restricted: true)",
            // The program accepts it only when acknowledged, which the pack reports (advisory in prod).
            "accepted-prod-risks: the stack acknowledges the prod risk 'unrestrictedPods' (astro-agent:acceptRisks) at restricted",
        ]);
    });

    const STORES: Record<string, string[]> = {
        azure: [
            "azure-native:keyvault:Vault",
            "azure-native:resources:ResourceGroup",
            "azure-native:storage:StorageAccount",
            "kubernetes:core/v1:Namespace",
        ],
        gcp: ["gcp:kms/cryptoKey:CryptoKey", "gcp:storage/bucket:Bucket", "kubernetes:core/v1:Namespace"],
    };
    for (const [stack, types] of Object.entries(STORES)) {
        it(`${stack}: the retention marker is set exactly where the program sets retainOnDelete`, async () => {
            for (const env of ["prod", "dev"] as const) {
                const result = await evaluate(stack, { environment: env });
                const stores = result.resources.filter((r) => DATA_STORES.has(r.type) && r.readId === undefined);
                assert.deepEqual([...new Set(stores.map((r) => r.type))].sort(), types);
                for (const r of stores) {
                    const marked = hasRetentionMarker(DATA_STORES.get(r.type)?.markerEntries(r.inputs));
                    assert.equal(marked, r.retainOnDelete === true, `${env} ${r.type}`);
                    assert.equal(marked, env === "prod", `${env} ${r.type}`);
                }
                const found = (await violations(fromMockRun(result.resources))).filter((v) =>
                    v.startsWith("prod-data-stores-retained"),
                );
                assert.equal(found.length, env === "prod" ? 0 : stores.length, found.join("\n"));
            }
        });
    }

    it("the retention marker is set exactly where the program sets retainOnDelete (prod keeps, dev does not)", async () => {
        for (const env of ["prod", "dev"] as const) {
            const result = await evaluate("prod", { environment: env });
            const stores = result.resources.filter((r) => DATA_STORES.has(r.type) && r.readId === undefined);
            assert.deepEqual(stores.map((r) => r.type).sort(), [
                "aws:kms/key:Key",
                "aws:s3/bucket:Bucket",
                "kubernetes:core/v1:Namespace",
            ]);
            for (const r of stores) {
                const kind = DATA_STORES.get(r.type);
                assert.ok(kind);
                const marked = hasRetentionMarker(kind.markerEntries(r.inputs));
                assert.equal(marked, r.retainOnDelete === true, `${env} ${r.type}`);
                assert.equal(marked, env === "prod", `${env} ${r.type}`);
            }
            const found = await violations(fromMockRun(result.resources));
            assert.deepEqual(
                found.filter((v) => v.startsWith("prod-data-stores-retained")),
                env === "prod"
                    ? []
                    : [
                          "prod-data-stores-retained: namespace 'astro-agent' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it astro-agent-retain-on-delete: \"true\") or protect",
                          "prod-data-stores-retained: KMS key 'astro-agent-aws-key' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it astro-agent-retain-on-delete: \"true\") or protect",
                          "prod-data-stores-retained: S3 bucket 'astro-agent-aws-xcom' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it astro-agent-retain-on-delete: \"true\") or protect",
                      ],
            );
        }
    });
});
