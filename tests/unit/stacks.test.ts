// The example stack files evaluate under mocks the way `pulumi up` would evaluate them.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import agentProgram from "../../index";
import { runUnderMocks, type MockRunResult } from "../../scripts/lib/mockRun";
import { decryptValue, keyFromSalt } from "../../scripts/lib/passphrase";
import { readStackFile, SECRET_PLACEHOLDER } from "../../scripts/lib/stackFile";

const ROOT = path.join(__dirname, "..", "..");

async function evaluate(stack: string): Promise<MockRunResult> {
    return runUnderMocks({ ...readStackFile(ROOT, stack), program: agentProgram });
}

function releaseValues(result: MockRunResult): Record<string, unknown> {
    const release = result.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.ok(release, "a Helm release is registered");
    return release.inputs.values as Record<string, unknown>;
}

function envNames(values: Record<string, unknown>): string[] {
    return (values.commonEnv as { name: string }[]).map((e) => e.name);
}

const ASTRO_IDS = ["ASTRO_ORGANIZATION_ID", "ASTRO_WORKSPACE_ID", "ASTRO_DEPLOYMENT_ID", "ASTRO_DEPLOYMENT_NAMESPACE"];

describe("example stacks", () => {
    describe("Pulumi.dev.yaml", () => {
        let result: MockRunResult;
        before(async () => (result = await evaluate("dev")));

        it("creates the namespace, credentials, local backend, four ServiceAccounts and the release", () => {
            const counts: Record<string, number> = {};
            for (const r of result.resources.filter((x) => x.custom)) {
                counts[r.type] = (counts[r.type] ?? 0) + 1;
            }
            assert.deepEqual(counts, {
                "kubernetes:core/v1:Namespace": 1,
                "kubernetes:core/v1:Secret": 3,
                "kubernetes:core/v1:PersistentVolumeClaim": 1,
                "kubernetes:core/v1:ServiceAccount": 4,
                "kubernetes:helm.sh/v3:Release": 1,
            });
        });

        it("renders values with the Secret names, the four Astro IDs, openLineage and the local backend", () => {
            const v = releaseValues(result);
            assert.equal(v.agentTokenSecretName, "astro-dev-agent-token");
            assert.equal(v.imagePullSecretName, "astro-dev-image-pull");
            assert.deepEqual(envNames(v).slice(0, 4), ASTRO_IDS);
            assert.equal((v.openLineage as { enabled: boolean }).enabled, false);
            assert.equal(v.secretBackend, "airflow.secrets.local_filesystem.LocalFilesystemBackend");
            assert.ok(!JSON.stringify(v).includes(SECRET_PLACEHOLDER));
        });

        it("carries real passphrase-encrypted placeholders, so the example deploys as is", () => {
            const doc = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
                encryptionsalt: string;
                config: Record<string, unknown>;
            };
            const key = keyFromSalt("", doc.encryptionsalt);
            const token = (doc.config["astro-agent:agentToken"] as { secure: string }).secure;
            assert.equal(decryptValue(key, token), "dev-agent-token-not-a-real-token");
        });
    });

    describe("Pulumi.prod.yaml", () => {
        let result: MockRunResult;
        before(async () => (result = await evaluate("prod")));

        it("creates a restricted namespace and no Secrets (they pre-exist)", () => {
            const ns = result.resources.find((r) => r.type === "kubernetes:core/v1:Namespace");
            assert.equal(
                (ns?.inputs.metadata as { labels: Record<string, string> }).labels[
                    "pod-security.kubernetes.io/enforce"
                ],
                "restricted",
            );
            assert.equal(result.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").length, 0);
        });

        it("renders restricted security contexts and writable mounts, HPA workers, openLineage and the IDs", () => {
            const v = releaseValues(result);
            assert.deepEqual(v.containerSecurityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            });
            assert.equal(
                (v.podSecurityContext as { seccompProfile: { type: string } }).seccompProfile.type,
                "RuntimeDefault",
            );
            const workers = v.workers as {
                name: string;
                hpa: { enabled: boolean };
                volumeMounts: { mountPath: string }[];
            }[];
            assert.deepEqual(
                workers.map((w) => [w.name, w.hpa.enabled]),
                [
                    ["default", true],
                    ["high-memory", true],
                ],
            );
            for (const c of [...workers, v.triggerer as { volumeMounts: { mountPath: string }[] }]) {
                assert.deepEqual(
                    c.volumeMounts.map((m) => m.mountPath),
                    ["/tmp", "/usr/local/airflow/logs"],
                );
            }
            assert.deepEqual((v.openLineage as { apiKeySecret: string }).apiKeySecret, "astro-openlineage");
            assert.deepEqual(envNames(v).slice(0, 4), ASTRO_IDS);
            assert.equal(v.agentTokenSecretName, "astro-agent-token");
            assert.equal(v.imagePullSecretName, "astro-image-pull");
        });

        it("annotates every ServiceAccount for IRSA", () => {
            const sas = result.resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
            assert.equal(sas.length, 5);
            for (const sa of sas) {
                assert.deepEqual((sa.inputs.metadata as { annotations: unknown }).annotations, {
                    "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/astro-prod-agent-05b3589f",
                });
            }
        });

        it("pins the chart version and image tags", () => {
            const release = result.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
            assert.equal(release?.inputs.version, "2.3.3");
            const v = releaseValues(result);
            assert.match(v.image as string, /:3\.2-5-python-3\.14-astro-agent-1\.7\.1$/);
            assert.match((v.sentinel as { image: string }).image, /:1\.7\.2$/);
        });
    });
});
