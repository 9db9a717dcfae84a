// The adoption plan (scripts/lib/adoption.ts): which declared objects are imported, with which URNs and
// parents, which get Helm's keep annotation, and how Helm's field ownership is handed over. Cases are
// generated (seeded) over random subsets of what the cluster and the state already hold.
import * as assert from "node:assert/strict";
import {
    handOverFields,
    planAdoption,
    resourceKey,
    type LiveObject,
    type ManagedField,
} from "../../scripts/lib/adoption";
import type { RecordedResource } from "../../scripts/lib/mockRun";
import { rng } from "../lib/seeded";

const ROOT = "astro-remote-agent:index:RemoteExecutionAgent";
const SAS = "astro-remote-agent:index:AgentServiceAccounts";
const REL = "astro-remote-agent:index:AgentRelease";
const SA = "kubernetes:core/v1:ServiceAccount";
const NS = "kubernetes:core/v1:Namespace";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const component = (type: string, name: string, parent?: [string, string]): RecordedResource => ({
    type,
    name,
    inputs: {},
    custom: false,
    ...(parent === undefined ? {} : { parentType: parent[0], parent: parent[1] }),
});

/** A program shaped like the real one: root component, namespace, ServiceAccounts, release. */
function program(saNames: string[]): RecordedResource[] {
    return [
        component(ROOT, "astro-agent"),
        component("astro-remote-agent:index:AgentNamespace", "astro-agent-namespace", [ROOT, "astro-agent"]),
        {
            type: NS,
            name: "astro-agent-namespace",
            parentType: "astro-remote-agent:index:AgentNamespace",
            parent: "astro-agent-namespace",
            custom: true,
            inputs: { metadata: { name: "astro" } },
        },
        component(SAS, "astro-agent-service-accounts", [ROOT, "astro-agent"]),
        ...saNames.map((n): RecordedResource => ({
            type: SA,
            name: `astro-agent-service-accounts-${n}`,
            parentType: SAS,
            parent: "astro-agent-service-accounts",
            custom: true,
            inputs: { metadata: { name: `p-${n}`, namespace: "astro" } },
        })),
        component(REL, "astro-agent-release", [ROOT, "astro-agent"]),
        {
            type: RELEASE,
            name: "astro-agent-release",
            parentType: REL,
            parent: "astro-agent-release",
            custom: true,
            inputs: { name: "astro-agent", namespace: "astro" },
        },
    ];
}

const live = (helmMade: boolean): LiveObject => ({
    uid: "u",
    resourceVersion: "1",
    annotations: helmMade ? { "meta.helm.sh/release-name": "astro-agent" } : {},
    managedFields: [],
});

describe("adoption plan", () => {
    it("imports exactly what the cluster holds and the state lacks, under the program's URNs (generated cases)", () => {
        const next = rng(2701);
        for (let i = 0; i < 200; i++) {
            const saNames = ["worker-a", "dag-processor", "triggerer", "sentinel"].filter(() => next() < 0.8);
            const resources = program(saNames);
            const custom = resources.filter((r) => r.custom);
            const inCluster = new Map<string, LiveObject | undefined>();
            const helmMade = new Set<string>();
            for (const r of custom) {
                if (next() < 0.7) {
                    const made = r.type === SA && next() < 0.6;
                    inCluster.set(resourceKey(r), live(made));
                    if (made) {
                        helmMade.add(r.name);
                    }
                }
            }
            // Written out by hand (not by the code under test): the URN of each object.
            const urn = (r: RecordedResource) =>
                r.type === NS
                    ? `urn:pulumi:s::p::${ROOT}$astro-remote-agent:index:AgentNamespace$${NS}::${r.name}`
                    : r.type === SA
                      ? `urn:pulumi:s::p::${ROOT}$${SAS}$${SA}::${r.name}`
                      : `urn:pulumi:s::p::${ROOT}$${REL}$${RELEASE}::${r.name}`;
            const stateUrns = new Set(custom.filter(() => next() < 0.2).map(urn));
            const plan = planAdoption({
                resources,
                live: inCluster,
                stateUrns,
                project: "p",
                stack: "s",
                k8sVersion: "4.25.0",
            });
            const expectImported = custom.filter((r) => inCluster.has(resourceKey(r)) && !stateUrns.has(urn(r)));
            assert.deepEqual(plan.imports.map((o) => o.resource.name).sort(), expectImported.map((r) => r.name).sort());
            assert.deepEqual(
                plan.inState.map((o) => o.resource.name).sort(),
                custom
                    .filter((r) => stateUrns.has(urn(r)))
                    .map((r) => r.name)
                    .sort(),
            );
            assert.deepEqual(
                plan.keep.map((o) => o.resource.name).sort(),
                expectImported
                    .filter((r) => helmMade.has(r.name))
                    .map((r) => r.name)
                    .sort(),
            );
            if (expectImported.length === 0) {
                assert.equal(plan.importFile, undefined);
                continue;
            }
            const entries = plan.importFile?.resources ?? [];
            for (const r of expectImported) {
                const e = entries.find((x) => x.logicalName === r.name && x.type === r.type);
                assert.ok(e !== undefined, `${r.name} in the import file`);
                assert.equal(e.version, "4.25.0");
                assert.equal(
                    e.id,
                    r.type === NS
                        ? "astro"
                        : r.type === SA
                          ? `astro/${(r.inputs.metadata as { name: string }).name}`
                          : "astro/astro-agent",
                );
                // Its parent is an entry (or nameTable row) of its own component, whose parent is the root.
                assert.equal(e.parent, `${r.parentType ?? ""}::${r.parent ?? ""}`);
                const parent = entries.find((x) => x.name === e.parent);
                assert.ok(parent !== undefined, `parent of ${r.name}`);
                assert.equal(parent.component, true);
                assert.equal(parent.parent, `${ROOT}::astro-agent`);
            }
            assert.ok(
                entries.some(
                    (x) => x.name === `${ROOT}::astro-agent` && x.component === true && x.parent === undefined,
                ),
            );
            // Names are unique, as `pulumi import` requires of the keys it resolves parents by.
            assert.equal(new Set(entries.map((x) => x.name)).size, entries.length);
        }
    });

    it("puts components already in the state into the nameTable instead of re-importing them", () => {
        const resources = program(["triggerer"]);
        const sa = resources.find((r) => r.type === SA) as RecordedResource;
        const plan = planAdoption({
            resources,
            live: new Map([[resourceKey(sa), live(true)]]),
            stateUrns: new Set([`urn:pulumi:s::p::${ROOT}::astro-agent`]),
            project: "p",
            stack: "s",
            k8sVersion: "4.25.0",
        });
        assert.deepEqual(plan.importFile?.nameTable, {
            [`${ROOT}::astro-agent`]: `urn:pulumi:s::p::${ROOT}::astro-agent`,
        });
        assert.deepEqual(
            plan.importFile.resources.map((e) => e.logicalName),
            ["astro-agent-service-accounts", "astro-agent-service-accounts-triggerer"],
        );
    });

    it("refuses resources on an explicit provider (fleets) instead of importing them under the wrong one", () => {
        const resources = program(["triggerer"]).map((r) =>
            r.type === SA ? { ...r, provider: "urn:pulumi:s::p::pulumi:providers:kubernetes::c1::id" } : r,
        );
        const plan = planAdoption({
            resources,
            live: new Map(),
            stateUrns: new Set(),
            project: "p",
            stack: "s",
            k8sVersion: "4.25.0",
        });
        assert.equal(plan.refusals.length, 1);
        assert.match(plan.refusals[0] ?? "", /explicit provider/);
    });
});

describe("handing Helm's fields over", () => {
    const helm: ManagedField = {
        manager: "helm",
        operation: "Update",
        apiVersion: "v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:metadata": { "f:labels": { "f:app.kubernetes.io/managed-by": {} } } },
    };
    const adopt: ManagedField = {
        manager: "astro-agent-adopt",
        operation: "Update",
        apiVersion: "v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:metadata": { "f:annotations": { "f:helm.sh/resource-policy": {} } } },
    };
    const status: ManagedField = { ...helm, subresource: "status", fieldsV1: { "f:status": {} } };

    it("turns Helm's entry into the stack's apply entry and keeps everyone else's", () => {
        assert.deepEqual(handOverFields([helm, adopt, status], "pulumi-kubernetes-x"), [
            adopt,
            status,
            {
                manager: "pulumi-kubernetes-x",
                operation: "Apply",
                apiVersion: "v1",
                fieldsType: "FieldsV1",
                fieldsV1: { "f:metadata": { "f:labels": { "f:app.kubernetes.io/managed-by": {} } } },
            },
        ]);
    });

    it("merges with what the stack already applies", () => {
        const own: ManagedField = {
            manager: "pulumi-kubernetes-x",
            operation: "Apply",
            apiVersion: "v1",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:metadata": { "f:labels": { "f:team": {} } } },
        };
        assert.deepEqual(handOverFields([own, helm], "pulumi-kubernetes-x")?.[0]?.fieldsV1, {
            "f:metadata": { "f:labels": { "f:team": {}, "f:app.kubernetes.io/managed-by": {} } },
        });
    });

    it("changes nothing where Helm owns nothing", () => {
        assert.equal(handOverFields([adopt, status], "pulumi-kubernetes-x"), undefined);
    });
});
