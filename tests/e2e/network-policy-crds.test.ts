// The network policies of every flavor the API server can hold here, as the program builds them, against the real
// schemas: Kubernetes NetworkPolicy (built in) and Cilium's CiliumNetworkPolicy (its own CRD, from
// github.com/cilium/cilium, pinned and installed by scripts/toolchain.sh: ASTRO_CILIUM_CNP_CRD). Each object is a
// server-side dry-run create in a namespace of the local API server, so the CRD's OpenAPI schema judges it. A
// mutated object the schema forbids is refused, so the check is live. Calico's projectcalico.org/v3 API is served by
// Calico's own API server, not a CRD: it cannot be installed here (docs/network-policy.md).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { parseAllDocuments } from "yaml";
import { buildNetworkPolicies, type NetworkPolicyObject } from "../../config/networkPolicy";
import { requireKnownWiring } from "../../config/wiring";
import { e2eWorld } from "./harness";
import { fixtureConfig } from "../lib/fixtureStacks";

const NS = "netpol-crds";

type Obj = Record<string, unknown>;

/** The OpenShift fixture (prod, Vault, proxy, Git over HTTPS) with `networkPolicy` replaced. */
function policiesOf(networkPolicy: Obj): NetworkPolicyObject[] {
    return buildNetworkPolicies(
        requireKnownWiring(fixtureConfig("openshift", { networkPolicy: { enabled: true, ...networkPolicy } })),
    );
}

/** Options every flavor reads, and those only one reads (another flavor refuses them, naming the key). */
const SHARED: Obj = {
    apiServer: { cidrs: ["10.96.0.1/32"], ports: [443] },
    dns: { namespace: "kube-system", podLabels: { "k8s-app": "coredns" }, ports: [53, 5353] },
    extraEgress: [
        { port: 5432, cidrs: ["10.0.0.0/8"] },
        { port: 22, protocol: "TCP" },
        { port: 514, protocol: "UDP" },
    ],
    extraIngress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 8080 }] }],
};
const ONLY: Record<string, Obj> = {
    kubernetes: { egressCidrs: ["203.0.113.0/24", "2001:db8::/32"] },
    cilium: { fqdns: ["*.example.com", "api.example.org"] },
};
const CASES: { name: string; networkPolicy: (flavor: string) => Obj }[] = [
    { name: "defaults", networkPolicy: () => ({}) },
    { name: "every option", networkPolicy: (flavor) => ({ ...SHARED, ...ONLY[flavor] }) },
];

function collection(o: NetworkPolicyObject): string {
    const plural = o.kind === "CiliumNetworkPolicy" ? "ciliumnetworkpolicies" : "networkpolicies";
    return `/apis/${o.apiVersion}/namespaces/${NS}/${plural}`;
}

function manifest(o: NetworkPolicyObject): Obj {
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name, namespace: NS }, spec: o.spec };
}

describe("network policies against the API server's schemas (Kubernetes and Cilium's CRD)", function () {
    this.timeout(180_000);
    const world = e2eWorld("network policy CRDs e2e", { nodes: false });

    before(async () => {
        const crdFile = process.env.ASTRO_CILIUM_CNP_CRD ?? "";
        if (!fs.existsSync(crdFile)) {
            throw new Error(
                `Cilium's CRD is not installed (${crdFile || "ASTRO_CILIUM_CNP_CRD unset"}): run npm run toolchain`,
            );
        }
        const crd = parseAllDocuments(fs.readFileSync(crdFile, "utf8"))
            .map((d) => d.toJSON() as Obj | null)
            .find((d) => d?.kind === "CustomResourceDefinition");
        const created = await world.kube.request(
            "POST",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd,
        );
        assert.equal(created.status, 201, JSON.stringify(created.body).slice(0, 500));
        await world.kube.waitFor("the CiliumNetworkPolicy CRD to be established", async () => {
            const c = await world.kube.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ciliumnetworkpolicies.cilium.io",
            );
            return c?.status?.conditions?.some((x) => x.type === "Established" && x.status === "True") ?? false;
        });
        const ns = await world.kube.request("POST", "/api/v1/namespaces", { metadata: { name: NS } });
        assert.equal(ns.status, 201);
    });

    for (const flavor of ["kubernetes", "cilium"]) {
        for (const c of CASES) {
            it(`${flavor}, ${c.name}: the API server accepts every object the program builds`, async () => {
                const objects = policiesOf({ flavor, ...c.networkPolicy(flavor) });
                assert.ok(objects.some((o) => o.role === "egress"));
                if (flavor === "cilium") {
                    assert.ok(objects.some((o) => o.kind === "CiliumNetworkPolicy"));
                }
                for (const o of objects) {
                    await world.kube.request("DELETE", `${collection(o)}/${o.name}`); // a failed case's leftover
                    // A real create, not a dry run: the stored spec must be what was sent (no field pruned).
                    const r = await world.kube.request<{ spec?: unknown }>("POST", collection(o), manifest(o));
                    assert.equal(r.status, 201, `${o.kind} ${o.name}: ${JSON.stringify(r.body).slice(0, 800)}`);
                    assert.deepEqual(r.body.spec, o.spec, `${o.kind} ${o.name} stored as sent`);
                    const gone = await world.kube.request("DELETE", `${collection(o)}/${o.name}`);
                    assert.equal(gone.status, 200);
                }
            });
        }
    }

    it("the CRD's schema is live: a port protocol Cilium does not know is refused", async () => {
        const cnp = policiesOf({ flavor: "cilium" }).find((o) => o.kind === "CiliumNetworkPolicy");
        assert.ok(cnp);
        const spec = structuredClone(cnp.spec) as { egress: { toPorts?: { ports: { protocol: string }[] }[] }[] };
        const rule = spec.egress.find((e) => e.toPorts !== undefined);
        assert.ok(rule?.toPorts?.[0]?.ports[0]);
        rule.toPorts[0].ports[0].protocol = "BOGUS";
        const r = await world.kube.request<{ message?: string }>(
            "POST",
            `${collection(cnp)}?dryRun=All`,
            manifest({ ...cnp, spec }),
        );
        assert.equal(r.status, 422, JSON.stringify(r.body).slice(0, 500));
        assert.match(r.body.message ?? "", /protocol/);
    });
});
