// The cloud-agnostic backend helpers (components/backends/shared): prefix rules, seeding order and
// names, identity subjects, child scope and prod retention.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    backendScope,
    prefixesOverlap,
    prefixOverlapIssues,
    retainsDataStores,
    secretRecoveryDays,
    seedEntries,
    serviceAccountSubjects,
} from "../../components/backends/shared";

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
});
