// The label and annotation keys the program owns (config/ownedMetadata.ts) are refused in `labels`,
// `annotations` and a component's ServiceAccount annotations, with exact messages; and the owned set
// is the one the program uses: every key it puts on an object of any example stack is in it, and
// every entry of it shows up on some object.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import agentProgram from "../../index";
import { validateStackConfig } from "../../chart/validate";
import { OWNED_METADATA_KEYS, ownedMetadataKey } from "../../config/ownedMetadata";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { baseValues, raw } from "../fixtures/config";

const ROOT = path.join(__dirname, "..", "..");

function problemsOf(change: (v: Record<string, unknown>) => void): string[] {
    const v = baseValues();
    change(v);
    const result = validateStackConfig(raw(v));
    return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
}

describe("labels and annotations the program owns", () => {
    it("are refused in labels and annotations, every one at once, naming the key", () => {
        assert.deepEqual(
            problemsOf((v) => {
                v.labels = {
                    team: "data",
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "app.kubernetes.io/managed-by": "helm",
                    "azure.workload.identity/use": "true",
                };
                v.annotations = {
                    "example.com/owner": "data",
                    "astronomer.io/managed-secrets-version": "0",
                    "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/admin",
                    "iam.gke.io/gcp-service-account": "x@p.iam.gserviceaccount.com",
                    "astro-agent-retain-on-delete": "true",
                };
            }),
            [
                `labels["pod-security.kubernetes.io/enforce"]: is set by this program ('pod-security.kubernetes.io/*', the namespace's Pod Security labels) and cannot be set from config; set restricted (and podSecurityVersion) instead`,
                `labels["app.kubernetes.io/managed-by"]: is set by this program (the labels marking the objects it manages) and cannot be set from config; use a key of your own`,
                `labels["azure.workload.identity/use"]: is set by this program ('azure.workload.identity/*', the azure backend's workload identity) and cannot be set from config; configure the identity under backend`,
                `annotations["astronomer.io/managed-secrets-version"]: is set by this program (the rotation annotation, computed so the pods roll when a Secret the program manages changes) and cannot be set from config; remove it`,
                `annotations["eks.amazonaws.com/role-arn"]: is set by this program ('eks.amazonaws.com/*', the aws backend's workload identity) and cannot be set from config; configure the identity under backend`,
                `annotations["iam.gke.io/gcp-service-account"]: is set by this program ('iam.gke.io/*', the gcp backend's workload identity) and cannot be set from config; configure the identity under backend`,
                `annotations["astro-agent-retain-on-delete"]: is set by this program (the retention marker the policy pack reads, from environment) and cannot be set from config; remove it (prod retains the namespace)`,
            ],
        );
    });

    it("a component's ServiceAccount may carry identity annotations, not the program's other keys", () => {
        assert.deepEqual(
            problemsOf((v) => {
                v.workers = [
                    {
                        name: "w",
                        serviceAccount: {
                            annotations: {
                                "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/w",
                                "astronomer.io/agent-component": "triggerer",
                            },
                        },
                    },
                ];
                v.triggerer = {
                    serviceAccount: { annotations: { "pod-security.kubernetes.io/warn": "privileged" } },
                };
            }),
            [
                `workers[0].serviceAccount.annotations["astronomer.io/agent-component"]: is set by this program (the label naming each ServiceAccount's component) and cannot be set from config; use a key of your own`,
                `triggerer.serviceAccount.annotations["pod-security.kubernetes.io/warn"]: is set by this program ('pod-security.kubernetes.io/*', the namespace's Pod Security labels) and cannot be set from config; set restricted (and podSecurityVersion) instead`,
            ],
        );
    });

    it("keys of your own, and owned names used as values, are accepted", () => {
        assert.deepEqual(
            problemsOf((v) => {
                v.labels = { "pod-security.example.com/enforce": "x", "app.kubernetes.io/name": "agent" };
                v.annotations = { "example.com/note": "pod-security.kubernetes.io/enforce" };
            }),
            [],
        );
    });

    it("is the set the program uses: each key it sets on any example stack's objects is owned, each owned entry is set", async function () {
        this.timeout(120_000);
        const stacks: { stack: string; change?: (c: Record<string, string>) => void }[] = [
            { stack: "dev" },
            { stack: "prod" },
            { stack: "azure" },
            { stack: "vault" },
            { stack: "gcp" },
            {
                stack: "gcp",
                // The gcp example uses `direct` identity, which annotates nothing.
                change: (c) => {
                    c.backend = JSON.stringify({ ...JSON.parse(c.backend ?? "{}"), identity: "serviceAccount" });
                },
            },
        ];
        const seen = new Set<string>();
        const notOwned: string[] = [];
        for (const { stack, change } of stacks) {
            const file = readStackFile(ROOT, stack);
            change?.(file.config);
            const users = new Set<string>();
            const { resources } = await runUnderMocks({ ...file, program: agentProgram });
            for (const key of ["labels", "annotations"]) {
                for (const k of Object.keys(JSON.parse(file.config[key] ?? "{}") as object)) {
                    users.add(k);
                }
            }
            const collect = (value: unknown, where: string): void => {
                if (Array.isArray(value)) {
                    value.forEach((v, i) => {
                        collect(v, `${where}[${i}]`);
                    });
                } else if (value !== null && typeof value === "object") {
                    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
                        if (
                            /^(labels|annotations|podLabels|podAnnotations)$/.test(k) &&
                            v !== null &&
                            typeof v === "object"
                        ) {
                            for (const key of Object.keys(v)) {
                                if (!users.has(key)) {
                                    seen.add(key);
                                    if (ownedMetadataKey(key) === undefined) {
                                        notOwned.push(`${stack} ${where}.${k}: ${key}`);
                                    }
                                }
                            }
                        }
                        collect(v, `${where}.${k}`);
                    }
                }
            };
            for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
                collect(r.inputs, `${r.type} ${r.name}`);
            }
        }
        assert.deepEqual(notOwned, [], "keys the program sets that config could override");
        for (const owned of OWNED_METADATA_KEYS) {
            assert.ok(
                [...seen].some((k) => (owned.prefix ? k.startsWith(owned.match) : k === owned.match)),
                `${owned.match} is owned but no example stack's object carries it`,
            );
        }
    });
});
