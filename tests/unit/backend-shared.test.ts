// The cloud-agnostic backend helpers (backends/shared; child scopes in components/backends/shared):
// prefix rules, seeding order and names, identity subjects, child scope and prod retention.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    backendScope,
    cloudBackendArgs,
    installationId,
    ownedAnnotationKeys,
    prefixesOverlap,
    prefixOverlapIssues,
    retainsDataStores,
    secretRecoveryDays,
    seedEntries,
    serviceAccountSubjects,
    stackSecretPrefix,
    xcomPathSchema,
} from "../../components/backends/shared";
import type { BackendContext } from "../../backends/types";

describe("shared backend helpers", () => {
    it("prefixes overlap when equal or nested on a separator boundary only", () => {
        assert.equal(prefixesOverlap("a", "a"), true);
        assert.equal(prefixesOverlap("a", "a/b"), true);
        assert.equal(prefixesOverlap("a/b", "a"), true);
        assert.equal(prefixesOverlap("a", "ab"), false);
        assert.equal(prefixesOverlap("a-b", "a", "-"), true);
    });

    it("reports each later prefix that overlaps an earlier one, naming both keys", () => {
        assert.deepEqual(
            prefixOverlapIssues(
                [
                    ["connectionsPrefix", "x"],
                    ["variablesPrefix", "y"],
                    ["configPrefix", "x/config"],
                ],
                (key) => ["backend", "sm", key],
                "sm",
            ),
            [
                {
                    path: ["backend", "sm", "configPrefix"],
                    message: "overlaps sm.connectionsPrefix ('x'); each kind needs its own prefix",
                },
            ],
        );
    });

    it("seeds in key order with slugged logical names and the store's secret names", () => {
        const entries = seedEntries("b", "conn", "p/connections", { z_id: "1", A_Id: "2" }, (p, k) => `${p}/${k}`);
        assert.deepEqual(
            entries.map((e) => [e.key, e.logicalName, e.secretName, e.value]),
            [
                ["A_Id", "b-conn-a-id", "p/connections/A_Id", "2"],
                ["z_id", "b-conn-z-id", "p/connections/z_id", "1"],
            ],
        );
    });

    it("subjects are the exact ServiceAccount token subjects, in context order", () => {
        assert.deepEqual(
            serviceAccountSubjects("ns", [
                { component: "worker:a", name: "p-worker-a" },
                { component: "triggerer", name: "p-triggerer" },
            ]),
            ["system:serviceaccount:ns:p-worker-a", "system:serviceaccount:ns:p-triggerer"],
        );
    });

    it("prod retains data stores and keeps a 30-day secret recovery window by default", () => {
        assert.equal(retainsDataStores("prod"), true);
        assert.equal(retainsDataStores("dev"), false);
        assert.equal(secretRecoveryDays(undefined, "prod"), 30);
        assert.equal(secretRecoveryDays(undefined, "dev"), 0);
        assert.equal(secretRecoveryDays(7, "prod"), 7);
    });

    it("scope: children get the parent and the provider only when one was created", () => {
        const parent = { urn: "p" } as unknown as pulumi.Resource;
        const provider = { urn: "prov" } as unknown as pulumi.ProviderResource;
        const withProvider = backendScope({ parent, name: "n", environment: "prod", provider, tags: { a: "b" } });
        assert.deepEqual(withProvider.child, { parent, provider });
        assert.deepEqual(withProvider.retained, { parent, provider, retainOnDelete: true });
        assert.deepEqual(withProvider.invoke, { parent, provider });
        assert.deepEqual(withProvider.tags, { a: "b" });
        assert.deepEqual(withProvider.retainedTags, { a: "b", "astro-agent-retain-on-delete": "true" });
        const inherited = backendScope({ parent, name: "n", environment: "dev", tags: { a: "b" } });
        assert.deepEqual(inherited.child, { parent });
        assert.deepEqual(inherited.retained, { parent, retainOnDelete: false });
        assert.deepEqual(inherited.retainedTags, { a: "b" });
    });

    it("default prefixes are per project and stack; installation ids are 8 stable hex digits", () => {
        assert.equal(stackSecretPrefix("connections", "p", "s"), "p/s/connections");
        assert.equal(stackSecretPrefix("variables", "p", "s", "-"), "p-s-variables");
        // sha256("p/s/c/ns") and sha256("p"), first 8 hex digits
        assert.equal(installationId(["p", "s", "c", "ns"]), "53f153ca");
        assert.equal(installationId(["p"]), "148de9c5");
        assert.notEqual(installationId(["p", "s", "c", "ns"]), installationId(["p", "s", "c", "ns2"]));
    });

    it("pass-through annotation keys are owned by the backend, each with its config key", () => {
        assert.deepEqual(ownedAnnotationKeys({ "a/b": "1", c: "2" }), [
            { name: "a/b", setBy: ["backend", "serviceAccountAnnotations", "a/b"] },
            { name: "c", setBy: ["backend", "serviceAccountAnnotations", "c"] },
        ]);
    });

    it("XCom URLs of stores a backend does not create: object storage schemes only", () => {
        for (const ok of ["s3://b/xcom", "gs://b/x", "abfs://conn@container/x", "file:///tmp/x"]) {
            assert.ok(xcomPathSchema.safeParse(ok).success, ok);
        }
        for (const bad of ["vault://secret/x", "b/xcom", "https://b/x"]) {
            assert.ok(!xcomPathSchema.safeParse(bad).success, bad);
        }
    });

    it("cloud backend args come from the context: exact namespace name, ServiceAccounts, prefix, environment", () => {
        const ctx = {
            name: "agent",
            namespaceName: "astro",
            serviceAccounts: [{ component: "triggerer", name: "t" }],
            resourceNamePrefix: "astro",
            environment: "prod",
        } as unknown as BackendContext;
        assert.deepEqual(cloudBackendArgs({ kind: "x" }, ctx), {
            config: { kind: "x" },
            namespace: "astro",
            serviceAccounts: [{ component: "triggerer", name: "t" }],
            resourceNamePrefix: "astro",
            environment: "prod",
        });
    });
});
