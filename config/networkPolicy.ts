// The agent namespace's network policies: the `networkPolicy` config block, and the pure builder of
// the objects (Kubernetes NetworkPolicy, or a Cilium / Calico FQDN variant) from a resolved config.
// Default-deny for ingress and egress; egress only to DNS, the Kubernetes API server and the ports
// (and, for the FQDN flavors, the hosts) the config names. Pure: no resources.
import { isIP } from "node:net";
import { z } from "zod";
import { dnsLabel, labelsSchema, k8sObjectLike, strictObject } from "../schema/primitives";
import type { ResolvedAgentConfig } from "./schema";

export const NETWORK_POLICY_FLAVORS = ["kubernetes", "cilium", "calico"] as const;
export type NetworkPolicyFlavor = (typeof NETWORK_POLICY_FLAVORS)[number];

const CIDR_EXAMPLE = "203.0.113.0/24";

/** An IPv4 or IPv6 CIDR range (a bare address is refused: say /32 or /128). */
const cidr = z
    .string()
    .superRefine((v, ctx) => {
        const [addr, prefix, extra] = v.split("/");
        const family = isIP(addr ?? "");
        const bits = family === 6 ? 128 : 32;
        const ok =
            family !== 0 &&
            extra === undefined &&
            prefix !== undefined &&
            /^[0-9]{1,3}$/.test(prefix) &&
            Number(prefix) <= bits;
        if (!ok) {
            ctx.addIssue({
                code: "custom",
                message: `must be an IPv4 or IPv6 CIDR range such as ${CIDR_EXAMPLE} or 2001:db8::/32 (a single address: ${CIDR_EXAMPLE.replace("0/24", "10/32")})`,
            });
        }
    })
    .meta({ expected: "an IPv4 or IPv6 CIDR range", example: CIDR_EXAMPLE });

const port = z.int().min(1, "must be a port (1-65535)").max(65535, "must be a port (1-65535)");

/** A host name an FQDN policy may allow: a name, or `*.` and a name. */
const fqdn = z
    .string()
    .regex(
        /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/,
        "must be a lower-case DNS name such as api.example.com, or *.example.com",
    )
    .meta({ expected: "a DNS name or *.domain", example: "*.example.com" });

export const networkPolicySchema = strictObject({
    enabled: z
        .boolean()
        .optional()
        .describe(
            "Create the namespace's network policies; they select every pod in the namespace. Default: true in prod when `createNamespace` (an adopted namespace may hold other workloads), else false. Enforcement needs a CNI that implements NetworkPolicy (docs/network-policy.md).",
        ),
    flavor: z
        .enum(NETWORK_POLICY_FLAVORS, {
            error: `must be one of ${NETWORK_POLICY_FLAVORS.map((f) => `'${f}'`).join(", ")}`,
        })
        .default("kubernetes")
        .describe(
            "`kubernetes`: NetworkPolicy objects, egress by port and CIDR. `cilium`: egress as a CiliumNetworkPolicy with `toFQDNs` (the hosts the config names). `calico`: egress as a projectcalico.org/v3 NetworkPolicy with `domains` (Calico Enterprise or Calico Cloud only).",
        ),
    egressCidrs: z
        .array(cidr)
        .default([])
        .describe(
            "Where HTTPS and the ports the config names may go (`kubernetes` flavor). Empty: any address; list the Astro control plane's and your services' ranges to narrow it.",
        ),
    apiServer: strictObject({
        cidrs: z
            .array(cidr)
            .default([])
            .describe("The Kubernetes API server's endpoint addresses. Empty: any address on `ports`."),
        ports: z
            .array(port)
            .min(1, "must list at least one port")
            .default([443, 6443])
            .describe("The API server's endpoint ports (after the Service's translation: 443 managed, 6443 kubeadm)."),
    })
        .prefault({})
        .describe("The Kubernetes API server (Sentinel watches pods; workers may launch pods)."),
    dns: strictObject({
        namespace: dnsLabel(63, "kube-system").default("kube-system").describe("Namespace of the cluster DNS pods."),
        podLabels: labelsSchema.default({ "k8s-app": "kube-dns" }).describe("Labels of the cluster DNS pods."),
        ports: z
            .array(port)
            .min(1, "must list at least one port")
            .default([53])
            .describe("Ports the DNS pods listen on, UDP and TCP (OpenShift: 5353 in openshift-dns)."),
    })
        .prefault({})
        .describe("The cluster DNS the pods may query."),
    extraEgress: z
        .array(
            strictObject({
                port: port.describe("Destination port."),
                protocol: z.enum(["TCP", "UDP"]).default("TCP").describe("Protocol."),
                cidrs: z.array(cidr).default([]).describe("Destination ranges. Empty: any address."),
            }),
        )
        .default([])
        .describe("More egress (databases, SSH Git hosts behind a connection, …)."),
    fqdns: z
        .array(fqdn)
        .default([])
        .describe("More hosts the `cilium` / `calico` flavors allow on 443 (besides those the config names)."),
    extraIngress: z
        .array(
            k8sObjectLike("a NetworkPolicy ingress rule", {
                from: [{ namespaceSelector: {} }],
                ports: [{ port: 8080 }],
            }),
        )
        .default([])
        .describe(
            "Ingress rules (Kubernetes NetworkPolicyIngressRule) in a policy of their own. None by default: the chart exposes no Service, and kubelet probes are always allowed.",
        ),
})
    .prefault({})
    .describe(
        "Network policies of the agent namespace: default-deny, egress to DNS, the API server and what the config names.",
    );
export type NetworkPolicyConfig = z.output<typeof networkPolicySchema>;

/** One egress destination the config names: a host (when known), its port, and which key named it. */
export interface NamedDestination {
    host: string | undefined;
    port: number;
    key: string;
}

/** An object of the set: what the component creates. */
export interface NetworkPolicyObject {
    apiVersion: string;
    kind: string;
    /** Object name (`metadata.name`), also the suffix of the Pulumi child name. */
    name: string;
    /** The part after `<resourceNamePrefix>-`: `default-deny`, `egress`, `ingress`. */
    role: "default-deny" | "egress" | "ingress";
    spec: Record<string, unknown>;
}

type Cfg = Pick<
    ResolvedAgentConfig,
    | "environment"
    | "createNamespace"
    | "resourceNamePrefix"
    | "networkPolicy"
    | "astroDeploymentAPIURL"
    | "proxy"
    | "dagBundles"
    | "backend"
    | "openLineage"
>;

/**
 * Whether the set is created: `networkPolicy.enabled`, else in prod when the program creates the
 * namespace (an adopted namespace may hold other workloads, which the policies would select too).
 */
export function networkPolicyEnabled(cfg: Pick<Cfg, "environment" | "networkPolicy" | "createNamespace">): boolean {
    return cfg.networkPolicy.enabled ?? (cfg.environment === "prod" && cfg.createNamespace);
}

function urlEndpoint(url: string): { host: string; port: number } {
    const u = new URL(url);
    const defaults: Record<string, number> = { "https:": 443, "http:": 80, "ssh:": 22 };
    return {
        host: u.hostname.replace(/^\[|\]$/g, "").toLowerCase(),
        port: u.port === "" ? (defaults[u.protocol] ?? 443) : Number(u.port),
    };
}

/** A Git URL's endpoint: `https://…`, `ssh://…`, or scp-like `git@host:org/repo.git` (SSH, port 22). */
function gitEndpoint(url: string): { host: string; port: number } {
    if (!url.includes("://")) {
        const host = url.slice(url.indexOf("@") + 1, url.indexOf(":"));
        return { host: host.toLowerCase(), port: 22 };
    }
    return urlEndpoint(url);
}

/** Hosts of the cloud services a backend's pods call (on 443), for the FQDN flavors. */
function backendHosts(backend: Cfg["backend"]): string[] {
    switch (backend.kind) {
        case "aws":
            return [backend.region.startsWith("cn-") ? "*.amazonaws.com.cn" : "*.amazonaws.com"];
        case "gcp":
            return ["*.googleapis.com"];
        case "azure":
            return ["*.vault.azure.net", "*.blob.core.windows.net", "login.microsoftonline.com"];
        default:
            return [];
    }
}

/**
 * Link-local identity endpoints a backend's pods call, by address (no name to resolve): EKS Pod
 * Identity's agent, and GKE's metadata server (80 with Dataplane V2, 988 otherwise).
 */
function linkLocalEndpoints(backend: Cfg["backend"]): { cidr: string; port: number }[] {
    if (backend.kind === "aws" && backend.identity === "podIdentity") {
        return [{ cidr: "169.254.170.23/32", port: 80 }];
    }
    if (backend.kind === "gcp") {
        return [
            { cidr: "169.254.169.254/32", port: 80 },
            { cidr: "169.254.169.252/32", port: 988 },
        ];
    }
    return [];
}

/** Every destination the config names, in config order (HTTPS to the Deployment's API first). */
export function namedDestinations(cfg: Cfg): NamedDestination[] {
    const out: NamedDestination[] = [];
    const add = (key: string, e: { host: string; port: number }) => out.push({ ...e, key });
    add("astroDeploymentAPIURL", urlEndpoint(cfg.astroDeploymentAPIURL));
    if (cfg.openLineage.enabled) {
        add("openLineage.url", urlEndpoint(cfg.openLineage.url));
    }
    for (const [k, url] of [
        ["proxy.httpProxy", cfg.proxy.httpProxy],
        ["proxy.httpsProxy", cfg.proxy.httpsProxy],
    ] as const) {
        if (url !== undefined) {
            add(k, urlEndpoint(url));
        }
    }
    cfg.dagBundles.forEach((b, i) => {
        if (b.type === "git" && b.repoUrl !== undefined) {
            add(`dagBundles[${i}].repoUrl`, gitEndpoint(b.repoUrl));
        }
    });
    if (cfg.backend.kind === "vault") {
        add("backend.address", urlEndpoint(cfg.backend.address));
    }
    for (const host of backendHosts(cfg.backend)) {
        out.push({ host, port: 443, key: "backend.kind" });
    }
    for (const host of cfg.networkPolicy.fqdns) {
        out.push({ host, port: 443, key: "networkPolicy.fqdns" });
    }
    return out;
}

/** Sorted unique ports of the destinations, 443 always included. */
function portsOf(dests: readonly NamedDestination[]): number[] {
    return [...new Set([443, ...dests.map((d) => d.port)])].sort((a, b) => a - b);
}

const tcp = (p: number) => ({ protocol: "TCP", port: p });
const ipBlocks = (cidrs: readonly string[]) => cidrs.map((c) => ({ ipBlock: { cidr: c } }));
/** A rule's `to`: the ranges, or (none given) no `to`, which is any destination. */
const toRanges = (cidrs: readonly string[]) => (cidrs.length === 0 ? {} : { to: ipBlocks(cidrs) });

/** The Kubernetes egress rules shared by every flavor's Kubernetes part: DNS. */
function dnsRule(np: NetworkPolicyConfig): Record<string, unknown> {
    return {
        to: [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": np.dns.namespace } },
                podSelector: { matchLabels: np.dns.podLabels },
            },
        ],
        ports: np.dns.ports.flatMap((p) => [
            { protocol: "UDP", port: p },
            { protocol: "TCP", port: p },
        ]),
    };
}

function kubernetesEgress(cfg: Cfg): Record<string, unknown>[] {
    const np = cfg.networkPolicy;
    return [
        dnsRule(np),
        { ...toRanges(np.egressCidrs), ports: portsOf(namedDestinations(cfg)).map(tcp) },
        { ...toRanges(np.apiServer.cidrs), ports: np.apiServer.ports.map(tcp) },
        ...linkLocalEndpoints(cfg.backend).map((e) => ({ to: ipBlocks([e.cidr]), ports: [tcp(e.port)] })),
        ...np.extraEgress.map((e) => ({ ...toRanges(e.cidrs), ports: [{ protocol: e.protocol, port: e.port }] })),
    ];
}

/** Hosts grouped by port, ports ascending, hosts in first-seen order (IP-address hosts left out). */
function hostsByPort(dests: readonly NamedDestination[]): { port: number; hosts: string[] }[] {
    const byPort = new Map<number, string[]>();
    for (const d of dests) {
        if (d.host === undefined || isIP(d.host) !== 0) {
            continue;
        }
        const list = byPort.get(d.port) ?? [];
        if (!list.includes(d.host)) {
            list.push(d.host);
        }
        byPort.set(d.port, list);
    }
    return [...byPort.entries()].sort(([a], [b]) => a - b).map(([p, hosts]) => ({ port: p, hosts }));
}

/** Destinations the config names by IP address (FQDN rules cannot hold them). */
function ipDestinations(dests: readonly NamedDestination[]): { cidr: string; port: number }[] {
    return dests
        .filter((d) => d.host !== undefined && isIP(d.host) !== 0)
        .map((d) => ({ cidr: `${d.host}/${isIP(d.host ?? "") === 6 ? 128 : 32}`, port: d.port }));
}

function ciliumEgress(cfg: Cfg): Record<string, unknown>[] {
    const np = cfg.networkPolicy;
    const dests = namedDestinations(cfg);
    const match = (h: string) => (h.startsWith("*.") ? { matchPattern: h } : { matchName: h });
    const cidrRule = (c: string, p: number, protocol = "TCP") => ({
        toCIDR: [c],
        toPorts: [{ ports: [{ port: String(p), protocol }] }],
    });
    return [
        {
            // The DNS proxy must see the lookups for toFQDNs to learn the addresses.
            toEndpoints: [
                {
                    matchLabels: {
                        "k8s:io.kubernetes.pod.namespace": np.dns.namespace,
                        ...Object.fromEntries(Object.entries(np.dns.podLabels).map(([k, v]) => [`k8s:${k}`, v])),
                    },
                },
            ],
            toPorts: [
                {
                    ports: np.dns.ports.map((p) => ({ port: String(p), protocol: "ANY" })),
                    rules: { dns: [{ matchPattern: "*" }] },
                },
            ],
        },
        ...hostsByPort(dests).map((g) => ({
            toFQDNs: g.hosts.map(match),
            toPorts: [{ ports: [{ port: String(g.port), protocol: "TCP" }] }],
        })),
        ...ipDestinations(dests).map((d) => cidrRule(d.cidr, d.port)),
        np.apiServer.cidrs.length === 0
            ? {
                  toEntities: ["kube-apiserver"],
                  toPorts: [{ ports: np.apiServer.ports.map((p) => ({ port: String(p), protocol: "TCP" })) }],
              }
            : {
                  toCIDR: np.apiServer.cidrs,
                  toPorts: [{ ports: np.apiServer.ports.map((p) => ({ port: String(p), protocol: "TCP" })) }],
              },
        ...linkLocalEndpoints(cfg.backend).map((e) => cidrRule(e.cidr, e.port)),
        ...np.extraEgress.map((e) =>
            e.cidrs.length === 0
                ? { toEntities: ["world"], toPorts: [{ ports: [{ port: String(e.port), protocol: e.protocol }] }] }
                : { toCIDR: e.cidrs, toPorts: [{ ports: [{ port: String(e.port), protocol: e.protocol }] }] },
        ),
    ];
}

function calicoEgress(cfg: Cfg): Record<string, unknown>[] {
    const np = cfg.networkPolicy;
    const dests = namedDestinations(cfg);
    const labels = Object.entries(np.dns.podLabels)
        .map(([k, v]) => `${k} == '${v}'`)
        .join(" && ");
    const dnsDestination = {
        selector: labels === "" ? "all()" : labels,
        namespaceSelector: `kubernetes.io/metadata.name == '${np.dns.namespace}'`,
        ports: np.dns.ports,
    };
    const allow = (protocol: string, destination: Record<string, unknown>) => ({
        action: "Allow",
        protocol,
        destination,
    });
    return [
        allow("UDP", dnsDestination),
        allow("TCP", dnsDestination),
        ...hostsByPort(dests).map((g) => allow("TCP", { domains: g.hosts, ports: [g.port] })),
        ...ipDestinations(dests).map((d) => allow("TCP", { nets: [d.cidr], ports: [d.port] })),
        allow("TCP", {
            ...(np.apiServer.cidrs.length === 0 ? {} : { nets: np.apiServer.cidrs }),
            ports: np.apiServer.ports,
        }),
        ...linkLocalEndpoints(cfg.backend).map((e) => allow("TCP", { nets: [e.cidr], ports: [e.port] })),
        ...np.extraEgress.map((e) =>
            allow(e.protocol, { ...(e.cidrs.length === 0 ? {} : { nets: e.cidrs }), ports: [e.port] }),
        ),
    ];
}

/**
 * An ingress rule with `protocol: TCP` on each port that names none: the API server stores that default,
 * so the object it keeps is the one sent (nothing for a later diff to trip on).
 */
function withPortProtocols(rule: Record<string, unknown>): Record<string, unknown> {
    const ports = rule.ports;
    if (!Array.isArray(ports)) {
        return rule;
    }
    return {
        ...rule,
        ports: ports.map((p: unknown) =>
            p !== null && typeof p === "object" && !("protocol" in p) ? { protocol: "TCP", ...p } : p,
        ),
    };
}

/**
 * The network policy objects of a config, in creation order; empty when not enabled. Every policy
 * selects every pod of the namespace (agent components, Sentinel, and pods the workers launch).
 */
export function buildNetworkPolicies(cfg: Cfg): NetworkPolicyObject[] {
    if (!networkPolicyEnabled(cfg)) {
        return [];
    }
    const np = cfg.networkPolicy;
    const name = (role: NetworkPolicyObject["role"]) => `${cfg.resourceNamePrefix}-${role}`;
    const k8s = (role: NetworkPolicyObject["role"], spec: Record<string, unknown>): NetworkPolicyObject => ({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        name: name(role),
        role,
        spec: { podSelector: {}, ...spec },
    });
    const out: NetworkPolicyObject[] = [k8s("default-deny", { policyTypes: ["Ingress", "Egress"] })];
    if (np.flavor === "kubernetes") {
        out.push(k8s("egress", { policyTypes: ["Egress"], egress: kubernetesEgress(cfg) }));
    } else if (np.flavor === "cilium") {
        out.push({
            apiVersion: "cilium.io/v2",
            kind: "CiliumNetworkPolicy",
            name: name("egress"),
            role: "egress",
            spec: { endpointSelector: {}, egress: ciliumEgress(cfg) },
        });
    } else {
        out.push({
            apiVersion: "projectcalico.org/v3",
            kind: "NetworkPolicy",
            name: name("egress"),
            role: "egress",
            spec: { selector: "all()", types: ["Egress"], egress: calicoEgress(cfg) },
        });
    }
    if (np.extraIngress.length > 0) {
        out.push(k8s("ingress", { policyTypes: ["Ingress"], ingress: np.extraIngress.map(withPortProtocols) }));
    }
    return out;
}
