// networkPolicy: the pure builder's exact objects per flavor, the key checks' exact messages, a property
// over generated configs, and the AgentNetworkPolicy component's children under the mock runtime.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import fc from "fast-check";
import { AgentNetworkPolicy, RemoteExecutionAgent } from "../../components";
import { validateStackConfig } from "../../chart/validate";
import { buildNetworkPolicies, networkPolicySchema, type NetworkPolicyObject } from "../../config/networkPolicy";
import { requireKnownWiring } from "../../config/wiring";
import type { AgentConfig, ResolvedAgentConfig } from "../../config/schema";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { baseValues, PROJECT, raw } from "../fixtures/config";
import { fixtureConfig } from "../lib/fixtureStacks";

const ROOT = path.join(__dirname, "..", "..");

/** The OpenShift fixture (prod, Vault at :8200, proxy at :3128, Git over HTTPS, OpenShift DNS), networkPolicy replaced when given. */
function openshift(networkPolicy: Record<string, unknown> | undefined): AgentConfig {
    return fixtureConfig("openshift", networkPolicy === undefined ? {} : { networkPolicy });
}

function build(cfg: AgentConfig): NetworkPolicyObject[] {
    return buildNetworkPolicies(requireKnownWiring(cfg));
}

const DEFAULT_DENY: NetworkPolicyObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    name: "astro-ocp-default-deny",
    role: "default-deny",
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
};
const K8S_DNS = {
    to: [
        {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
    ],
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ],
};
const API_SERVER = {
    ports: [
        { protocol: "TCP", port: 443 },
        { protocol: "TCP", port: 6443 },
    ],
};

/** The fixture's DNS: OpenShift's (openshift-dns, port 5353). */
const OCP_DNS = {
    to: [
        {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "openshift-dns" } },
            podSelector: { matchLabels: { "dns.operator.openshift.io/daemonset-dns": "default" } },
        },
    ],
    ports: [
        { protocol: "UDP", port: 5353 },
        { protocol: "TCP", port: 5353 },
    ],
};
const OCP_EGRESS: NetworkPolicyObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    name: "astro-ocp-egress",
    role: "egress",
    spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            OCP_DNS,
            {
                ports: [
                    { protocol: "TCP", port: 443 },
                    { protocol: "TCP", port: 3128 },
                    { protocol: "TCP", port: 8200 },
                ],
            },
            API_SERVER,
        ],
    },
};

describe("networkPolicy: the objects per flavor", () => {
    it("kubernetes (prod default): default-deny, then egress to (OpenShift's) DNS, 443 + proxy + Vault ports, the API server", () => {
        assert.deepEqual(build(openshift(undefined)), [DEFAULT_DENY, OCP_EGRESS]);
    });

    it("kubernetes with CIDR allowlists, OpenShift DNS, extra egress and ingress", () => {
        const objects = build(
            openshift({
                egressCidrs: ["203.0.113.0/24", "2001:db8::/32"],
                apiServer: { cidrs: ["10.0.0.1/32"], ports: [6443] },
                dns: {
                    namespace: "openshift-dns",
                    podLabels: { "dns.operator.openshift.io/daemonset-dns": "default" },
                    ports: [5353],
                },
                extraEgress: [
                    { port: 5432, cidrs: ["10.20.0.0/16"] },
                    { port: 514, protocol: "UDP" },
                ],
                extraIngress: [
                    { from: [{ namespaceSelector: { matchLabels: { team: "monitoring" } } }], ports: [{ port: 8080 }] },
                ],
            }),
        );
        assert.deepEqual(
            objects.map((o) => o.name),
            ["astro-ocp-default-deny", "astro-ocp-egress", "astro-ocp-ingress"],
        );
        assert.deepEqual(objects[1]?.spec.egress, [
            {
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "openshift-dns" } },
                        podSelector: { matchLabels: { "dns.operator.openshift.io/daemonset-dns": "default" } },
                    },
                ],
                ports: [
                    { protocol: "UDP", port: 5353 },
                    { protocol: "TCP", port: 5353 },
                ],
            },
            {
                to: [{ ipBlock: { cidr: "203.0.113.0/24" } }, { ipBlock: { cidr: "2001:db8::/32" } }],
                ports: [
                    { protocol: "TCP", port: 443 },
                    { protocol: "TCP", port: 3128 },
                    { protocol: "TCP", port: 8200 },
                ],
            },
            { to: [{ ipBlock: { cidr: "10.0.0.1/32" } }], ports: [{ protocol: "TCP", port: 6443 }] },
            { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] },
            { ports: [{ protocol: "UDP", port: 514 }] },
        ]);
        assert.deepEqual(objects[2], {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            name: "astro-ocp-ingress",
            role: "ingress",
            spec: {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [
                    // The API server's default protocol, written out so the stored object is the one sent.
                    {
                        from: [{ namespaceSelector: { matchLabels: { team: "monitoring" } } }],
                        ports: [{ protocol: "TCP", port: 8080 }],
                    },
                ],
            },
        });
    });

    it("cilium: the Kubernetes default-deny and a CiliumNetworkPolicy with toFQDNs per port", () => {
        assert.deepEqual(build(openshift({ flavor: "cilium", fqdns: ["*.example.org"] })), [
            DEFAULT_DENY,
            {
                apiVersion: "cilium.io/v2",
                kind: "CiliumNetworkPolicy",
                name: "astro-ocp-egress",
                role: "egress",
                spec: {
                    endpointSelector: {},
                    egress: [
                        {
                            toEndpoints: [
                                {
                                    matchLabels: {
                                        "k8s:io.kubernetes.pod.namespace": "kube-system",
                                        "k8s:k8s-app": "kube-dns",
                                    },
                                },
                            ],
                            toPorts: [
                                { ports: [{ port: "53", protocol: "ANY" }], rules: { dns: [{ matchPattern: "*" }] } },
                            ],
                        },
                        {
                            toFQDNs: [
                                { matchName: "cm2x9a7kd000301l0exampleab.external.astronomer.run" },
                                { matchName: "git.example.com" },
                                { matchPattern: "*.example.org" },
                            ],
                            toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
                        },
                        {
                            toFQDNs: [{ matchName: "proxy.example.com" }],
                            toPorts: [{ ports: [{ port: "3128", protocol: "TCP" }] }],
                        },
                        {
                            toFQDNs: [{ matchName: "vault.example.com" }],
                            toPorts: [{ ports: [{ port: "8200", protocol: "TCP" }] }],
                        },
                        {
                            toEntities: ["kube-apiserver"],
                            toPorts: [
                                {
                                    ports: [
                                        { port: "443", protocol: "TCP" },
                                        { port: "6443", protocol: "TCP" },
                                    ],
                                },
                            ],
                        },
                    ],
                },
            },
        ]);
    });

    it("calico: the Kubernetes default-deny and a projectcalico.org/v3 NetworkPolicy with domains", () => {
        const dns = {
            selector: "k8s-app == 'kube-dns'",
            namespaceSelector: "kubernetes.io/metadata.name == 'kube-system'",
            ports: [53],
        };
        assert.deepEqual(build(openshift({ flavor: "calico" }))[1], {
            apiVersion: "projectcalico.org/v3",
            kind: "NetworkPolicy",
            name: "astro-ocp-egress",
            role: "egress",
            spec: {
                selector: "all()",
                types: ["Egress"],
                egress: [
                    { action: "Allow", protocol: "UDP", destination: dns },
                    { action: "Allow", protocol: "TCP", destination: dns },
                    {
                        action: "Allow",
                        protocol: "TCP",
                        destination: {
                            domains: ["cm2x9a7kd000301l0exampleab.external.astronomer.run", "git.example.com"],
                            ports: [443],
                        },
                    },
                    {
                        action: "Allow",
                        protocol: "TCP",
                        destination: { domains: ["proxy.example.com"], ports: [3128] },
                    },
                    {
                        action: "Allow",
                        protocol: "TCP",
                        destination: { domains: ["vault.example.com"], ports: [8200] },
                    },
                    { action: "Allow", protocol: "TCP", destination: { ports: [443, 6443] } },
                ],
            },
        });
    });

    it("on in prod, off in dev, unless enabled says otherwise", () => {
        assert.equal(build(openshift({ enabled: false })).length, 0);
        const dev = (np: Record<string, unknown> | undefined) => {
            const r = validateStackConfig(raw({ ...baseValues(), ...(np === undefined ? {} : { networkPolicy: np }) }));
            assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
            return build(r.config).map((o) => o.name);
        };
        assert.deepEqual(dev(undefined), []);
        assert.deepEqual(dev({ enabled: true }), ["astro-default-deny", "astro-egress"]);
        // An adopted namespace may hold other workloads: only when asked.
        const adopted = (np: Record<string, unknown> | undefined) => {
            const file = readStackFile(ROOT, "prod");
            const values: Record<string, string> = { ...file.config, createNamespace: "false" };
            if (np !== undefined) {
                values.networkPolicy = JSON.stringify(np);
            }
            const r = validateStackConfig({ project: file.project, stack: file.stack, values, secretKeys: new Set() });
            assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
            return build(r.config).map((o) => o.name);
        };
        assert.deepEqual(adopted(undefined), []);
        assert.deepEqual(adopted({ enabled: true }), ["astro-prod-default-deny", "astro-prod-egress"]);
    });

    it("backends: cloud service hosts for the FQDN flavors, link-local identity endpoints by address", () => {
        const base = {
            environment: "prod" as const,
            createNamespace: true,
            resourceNamePrefix: "astro",
            astroDeploymentAPIURL: "https://c1.external.astronomer.run/d1",
            proxy: { noProxy: [] },
            dagBundles: [
                {
                    type: "git" as const,
                    name: "a",
                    repoUrl: "git@github.com:org/dags.git",
                    trackingRef: "main",
                    private: false,
                },
                {
                    type: "git" as const,
                    name: "b",
                    repoUrl: "ssh://git@10.1.2.3:2222/org/dags.git",
                    trackingRef: "main",
                    private: false,
                },
            ],
            openLineage: { enabled: true, url: "https://o11y.astronomer.io" },
        };
        const gcp = { kind: "gcp" } as unknown as ResolvedAgentConfig["backend"];
        const k = buildNetworkPolicies({ ...base, backend: gcp, networkPolicy: networkPolicySchema.parse({}) });
        assert.deepEqual(k[1]?.spec.egress, [
            K8S_DNS,
            {
                ports: [
                    { protocol: "TCP", port: 22 },
                    { protocol: "TCP", port: 443 },
                    { protocol: "TCP", port: 2222 },
                ],
            },
            API_SERVER,
            { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
            { to: [{ ipBlock: { cidr: "169.254.169.252/32" } }], ports: [{ protocol: "TCP", port: 988 }] },
        ]);
        const aws = {
            kind: "aws",
            region: "cn-north-1",
            identity: "podIdentity",
        } as unknown as ResolvedAgentConfig["backend"];
        const c = buildNetworkPolicies({
            ...base,
            backend: aws,
            networkPolicy: networkPolicySchema.parse({ flavor: "cilium" }),
        });
        assert.deepEqual((c[1]?.spec.egress as unknown[]).slice(1), [
            {
                toFQDNs: [{ matchName: "github.com" }],
                toPorts: [{ ports: [{ port: "22", protocol: "TCP" }] }],
            },
            {
                toFQDNs: [
                    { matchName: "c1.external.astronomer.run" },
                    { matchName: "o11y.astronomer.io" },
                    { matchPattern: "*.amazonaws.com.cn" },
                ],
                toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
            },
            { toCIDR: ["10.1.2.3/32"], toPorts: [{ ports: [{ port: "2222", protocol: "TCP" }] }] },
            {
                toEntities: ["kube-apiserver"],
                toPorts: [
                    {
                        ports: [
                            { port: "443", protocol: "TCP" },
                            { port: "6443", protocol: "TCP" },
                        ],
                    },
                ],
            },
            { toCIDR: ["169.254.170.23/32"], toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }] },
        ]);
        const azure = { kind: "azure" } as unknown as ResolvedAgentConfig["backend"];
        const a = buildNetworkPolicies({
            ...base,
            dagBundles: [],
            openLineage: { enabled: false, url: "https://o11y.astronomer.io" },
            backend: azure,
            networkPolicy: networkPolicySchema.parse({ flavor: "calico" }),
        });
        assert.deepEqual((a[1]?.spec.egress as unknown[])[2], {
            action: "Allow",
            protocol: "TCP",
            destination: {
                domains: [
                    "c1.external.astronomer.run",
                    "*.vault.azure.net",
                    "*.blob.core.windows.net",
                    "login.microsoftonline.com",
                ],
                ports: [443],
            },
        });
    });

    it("generated configs: every port the config names is allowed, DNS first, default-deny always", () => {
        const host = fc.constantFrom("git.example.com", "proxy.corp.example", "vault.internal.example", "10.9.8.7");
        fc.assert(
            fc.property(
                fc.option(fc.record({ host, port: fc.integer({ min: 1, max: 65535 }) }), { nil: undefined }),
                fc.array(fc.record({ host, port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) }), {
                    minLength: 1,
                    maxLength: 3,
                }),
                fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 3 }),
                fc.constantFrom("kubernetes", "cilium", "calico"),
                (proxy, repos, extra, flavor) => {
                    const bundles = repos.map((r, i) => ({
                        type: "git" as const,
                        name: `b${i}`,
                        repoUrl: `https://${r.host}${r.port === undefined ? "" : `:${r.port}`}/org/dags.git`,
                        trackingRef: "main",
                        private: false,
                    }));
                    const objects = buildNetworkPolicies({
                        environment: "prod",
                        createNamespace: true,
                        resourceNamePrefix: "p",
                        astroDeploymentAPIURL: "https://c1.external.astronomer.run/d1",
                        proxy: {
                            noProxy: [],
                            ...(proxy === undefined ? {} : { httpsProxy: `http://${proxy.host}:${proxy.port}` }),
                        },
                        dagBundles: bundles,
                        backend: { kind: "local" } as unknown as ResolvedAgentConfig["backend"],
                        openLineage: { enabled: false, url: "https://o11y.astronomer.io" },
                        networkPolicy: networkPolicySchema.parse({
                            flavor,
                            extraEgress: extra.map((port) => ({ port })),
                        }),
                    });
                    assert.deepEqual(objects[0]?.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
                    const expected = new Set([
                        443,
                        ...(proxy === undefined ? [] : [proxy.port]),
                        ...repos.map((r) => r.port ?? 443),
                        ...extra,
                    ]);
                    const json = JSON.stringify(objects[1]?.spec);
                    for (const p of expected) {
                        const needle =
                            flavor === "kubernetes" ? `"port":${p}}` : flavor === "cilium" ? `"port":"${p}"` : `${p}`;
                        assert.ok(json.includes(needle), `port ${p} missing in ${json}`);
                    }
                    const egress = objects[1]?.spec.egress as Record<string, unknown>[];
                    assert.ok(JSON.stringify(egress[0]).includes("kube-dns"));
                    if (flavor !== "kubernetes") {
                        for (const r of repos.filter((x) => !/^[0-9.]+$/.test(x.host))) {
                            assert.ok(json.includes(`"${r.host}"`), `${r.host} missing`);
                        }
                    }
                },
            ),
            { seed: 2605, numRuns: 80 },
        );
    });
});

describe("networkPolicy: exact messages", () => {
    it("refuses keys the flavor does not read, and bad ranges, all at once", () => {
        const problems = (np: Record<string, unknown>) => {
            const r = validateStackConfig(raw({ ...baseValues(), networkPolicy: np }));
            assert.ok(!r.ok);
            return r.problems;
        };
        assert.deepEqual(problems({ flavor: "cilium", egressCidrs: ["203.0.113.0/24"] }), [
            {
                key: "networkPolicy.egressCidrs",
                message:
                    "is only read by flavor 'kubernetes'; flavor 'cilium' allows the hosts the config names by name: list more in networkPolicy.fqdns (e.g. ['*.example.com']) and remove egressCidrs, or set flavor: kubernetes",
            },
        ]);
        assert.deepEqual(problems({ fqdns: ["api.example.com"] }), [
            {
                key: "networkPolicy.fqdns",
                message:
                    "is only read by flavors 'cilium' and 'calico' (a Kubernetes NetworkPolicy cannot name hosts): set flavor: cilium or calico, or list the hosts' ranges in networkPolicy.egressCidrs (e.g. ['203.0.113.0/24']) instead",
            },
        ]);
        const cidr =
            "must be an IPv4 or IPv6 CIDR range such as 203.0.113.0/24 or 2001:db8::/32 (a single address: 203.0.113.10/32)";
        assert.deepEqual(
            problems({
                egressCidrs: ["10.0.0.0/33", "10.0.0.1"],
                extraEgress: [{ port: 70000 }],
                flavor: "weave",
            }).map((p) => [p.key, p.message]),
            [
                ["networkPolicy.flavor", "must be one of 'kubernetes', 'cilium', 'calico'"],
                ["networkPolicy.egressCidrs[0]", cidr],
                ["networkPolicy.egressCidrs[1]", cidr],
                ["networkPolicy.extraEgress[0].port", "must be a port (1-65535)"],
            ],
        );
    });
});

describe("AgentNetworkPolicy (mock runtime)", () => {
    it("creates a NetworkPolicy or a custom resource per object, named from the component", async () => {
        const { resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () =>
                new AgentNetworkPolicy("np", {
                    namespace: "astro",
                    labels: { team: "data" },
                    policies: build(openshift({ flavor: "cilium" })),
                }),
        });
        assert.deepEqual(
            resources.map((r) => [r.type, r.name, r.parent]),
            [
                ["astro-remote-agent:index:AgentNetworkPolicy", "np", undefined],
                ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "np-default-deny", "np"],
                ["kubernetes:cilium.io/v2:CiliumNetworkPolicy", "np-egress", "np"],
            ],
        );
        assert.deepEqual(resources[1]?.inputs, {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "astro-ocp-default-deny", namespace: "astro", labels: { team: "data" } },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        });
        assert.deepEqual(resources[2]?.inputs.metadata, {
            name: "astro-ocp-egress",
            namespace: "astro",
            labels: { team: "data" },
        });
        assert.equal(resources[2].inputs.apiVersion, "cilium.io/v2");
        assert.equal((resources[2].inputs.spec as { egress: unknown[] }).egress.length, 5);
    });

    it("RemoteExecutionAgent creates the set in prod under the agent, in the agent namespace", async () => {
        const cfg = openshift(undefined);
        const { resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => new RemoteExecutionAgent("agent", cfg),
        });
        const rows = resources
            .filter((r) => r.name.startsWith("agent-network-policy"))
            .map((r) => [r.type, r.name, r.parent]);
        assert.deepEqual(rows, [
            ["astro-remote-agent:index:AgentNetworkPolicy", "agent-network-policy", "agent"],
            [
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                "agent-network-policy-default-deny",
                "agent-network-policy",
            ],
            ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "agent-network-policy-egress", "agent-network-policy"],
        ]);
        const egress = resources.find((r) => r.name === "agent-network-policy-egress");
        assert.deepEqual(egress?.inputs.metadata, {
            name: "astro-ocp-egress",
            namespace: "astro-agent",
            labels: {
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/part-of": "astro-remote-agent",
            },
        });
        assert.deepEqual(egress.inputs.spec, OCP_EGRESS.spec);
    });
});
