// Several clusters from one stack: the `clusters` block (validation across clusters, merged backends,
// standby) and the AgentFleet wiring (one agent per cluster, each through its own provider).
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy } from "../../components";
import { AgentFleet, type AgentFleetArgs } from "../../components/agentFleet";
import { RemoteExecutionAgent } from "../../components/remoteExecutionAgent";
import * as fc from "fast-check";
import { apiServerKey, clusterMembers, mergeOverride } from "../../config/clusters";
import { SECRET_PLACEHOLDER } from "../../config/secureLocations";
import { validateStackConfig } from "../../chart/validate";
import type { ConfigResult } from "../../config/load";
import agentProgram from "../../index";
import {
    isSecretWrapper,
    MOCK_ACCOUNT_ID,
    runUnderMocks,
    unwrapSecrets,
    type RecordedResource,
} from "../../scripts/lib/mockRun";
import { baseValues, configStrings, PROJECT, raw, stackFileWithSecure } from "../fixtures/config";

type Values = Record<string, unknown>;

/** A kubeconfig for one API server (as `scripts/cluster.sh` writes them). */
function kubeconfig(server: string, context = "astro-local"): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: c\n  cluster:\n    server: ${server}`,
        "users:",
        "- name: u\n  user:\n    token: not-a-real-token",
        "contexts:",
        `- name: ${context}\n  context:\n    cluster: c\n    user: u`,
        `current-context: ${context}`,
    ].join("\n");
}
const KUBE_A = kubeconfig("https://127.0.0.1:6443");
const KUBE_B = kubeconfig("https://127.0.0.1:7443");

function fleetValues(clusters: unknown, change: (v: Values) => void = () => undefined): Values {
    const v = baseValues();
    v.workers = [{ name: "default-worker", replicas: 2 }, { name: "high-mem" }];
    v.clusters = clusters;
    change(v);
    return v;
}

function problemsOf(result: ConfigResult): { key: string; message: string }[] {
    return result.ok ? [] : result.problems;
}

/** The kubeconfigs of a fleet: set with `pulumi config set --secret --path clusters[i].kubeconfig`. */
function kubeconfigPaths(values: Values): (string | number)[][] {
    const clusters = Array.isArray(values.clusters) ? (values.clusters as Values[]) : [];
    return clusters.flatMap((c, i) => (c.kubeconfig === undefined ? [] : [["clusters", i, "kubeconfig"]]));
}

/** Validates as stack config; `clusters` is a secret key when it holds a kubeconfig (its exact secure leaves). */
function validate(values: Values): ConfigResult {
    const paths = kubeconfigPaths(values);
    const secretClusters = paths.length > 0 ? ["clusters"] : [];
    return validateStackConfig({
        ...raw(values, ["agentToken", "imagePullCredentials", ...secretClusters]),
        securePaths: new Map(paths.length > 0 ? [["clusters", paths]] : []),
    });
}

function assertProblem(values: Values, key: string, message: RegExp): void {
    const problems = problemsOf(validate(values));
    const at = problems.filter((p) => p.key === key);
    assert.equal(at.length, 1, `one problem at ${key}; got ${JSON.stringify(problems)}`);
    assert.match(at[0]?.message ?? "", message);
}

const byType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
function one(rs: RecordedResource[], type: string, name: string): RecordedResource {
    const found = rs.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `exactly one ${type} ${name} (found ${found.length})`);
    return found[0] as RecordedResource;
}

interface WorkerValues {
    name: string;
    replicas: number;
    hpa?: { enabled: boolean };
}
const workersOf = (release: RecordedResource) =>
    (unwrapSecrets(release.inputs.values) as { workers: WorkerValues[] }).workers;

describe("clusters: config", () => {
    it("a stack without clusters is the single-cluster stack it was (no clusters key after parsing)", () => {
        const result = validate(baseValues());
        assert.ok(result.ok);
        assert.equal(result.config.clusters, undefined);
    });

    it("accepts a fleet: kubeconfig, context, per-cluster namespace, workers and standby", () => {
        const result = validate(
            fleetValues([
                { name: "primary", kubeconfig: KUBE_A, workers: { "default-worker": { replicas: 5 } } },
                { name: "dr", context: "dr-eu", namespace: "astro-dr", standby: true },
            ]),
        );
        assert.ok(result.ok, JSON.stringify(problemsOf(result)));
        assert.deepEqual(
            result.config.clusters?.map((c) => [c.name, c.context, c.namespace, c.standby]),
            [
                ["primary", undefined, undefined, false],
                ["dr", "dr-eu", "astro-dr", true],
            ],
        );
    });

    it("refuses duplicate cluster names at the second entry's name", () => {
        assertProblem(
            fleetValues([
                { name: "primary", context: "a" },
                { name: "primary", context: "b" },
            ]),
            "clusters[1].name",
            /duplicates clusters\[0\]\.name 'primary'; cluster names must be unique, for example name: primary-2/,
        );
    });

    it("refuses two entries on the same context and namespace; another namespace is fine", () => {
        const same = fleetValues([
            { name: "a", context: "prod" },
            { name: "b", context: "prod" },
        ]);
        assertProblem(
            same,
            "clusters[1].context",
            /same cluster \(context 'prod'\) and namespace 'astro-agent' as clusters\[0\] \('a', at clusters\[0\]\.context\).*for example clusters\[1\]\.namespace: astro-agent-b/,
        );
        const apart = fleetValues([
            { name: "a", context: "prod" },
            { name: "b", context: "prod", namespace: "astro-b" },
        ]);
        assert.deepEqual(problemsOf(validate(apart)), []);
    });

    it("refuses two kubeconfigs reaching the same API server in one namespace (read from the kubeconfig)", () => {
        assertProblem(
            fleetValues([
                { name: "a", kubeconfig: KUBE_A },
                { name: "b", kubeconfig: kubeconfig("https://127.0.0.1:6443", "other-name") },
            ]),
            "clusters[1].kubeconfig",
            /same cluster \(API server https:\/\/127\.0\.0\.1:6443\) and namespace 'astro-agent'/,
        );
        assert.deepEqual(
            problemsOf(
                validate(
                    fleetValues([
                        { name: "a", kubeconfig: KUBE_A },
                        { name: "b", kubeconfig: KUBE_B },
                    ]),
                ),
            ),
            [],
        );
    });

    it("names a kubeconfig's API server without its userinfo or query (they may hold credentials)", () => {
        const server = "https://admin:Kub3Pa55word@10.1.2.3:6443/?token=Tok3nV4lue";
        const problems = problemsOf(
            validate(
                fleetValues([
                    { name: "a", kubeconfig: kubeconfig(server) },
                    { name: "b", kubeconfig: kubeconfig(server, "other-name") },
                    { name: "c", kubeconfig: kubeconfig("https://10.1.2.3:6443/", "third"), namespace: "astro-c" },
                ]),
            ),
        );
        const message = problems.find((p) => p.key === "clusters[1].kubeconfig")?.message ?? "";
        assert.match(message, /same cluster \(API server https:\/\/10\.1\.2\.3:6443\/\)/);
        for (const p of problems) {
            assert.doesNotMatch(`${p.key}: ${p.message}`, /admin|Kub3Pa55word|Tok3nV4lue/);
        }
    });

    it("compares API servers normalised: examples written out", () => {
        // Each group is one server written several ways; the groups are different servers.
        const groups = [
            [
                "https://localhost:6443",
                "https://127.0.0.1:6443/",
                "HTTPS://LOCALHOST:6443",
                "https://[::1]:6443",
                "https://[0:0:0:0:0:0:0:1]:6443//",
                "https://localhost.:6443",
                "127.0.0.1:6443",
            ],
            ["https://Api.Example.com", "https://api.example.com:443/", "https://api.example.com."],
            ["http://api.example.com:80", "HTTP://api.example.com/"],
            ["https://api.example.com:6443"],
            ["https://rancher.example.com/k8s/clusters/c-1", "https://rancher.example.com/k8s/clusters/c-1/"],
            ["https://rancher.example.com/k8s/clusters/c-2"],
            ["https://10.0.0.1:6443"],
        ];
        const keys = groups.map((g) => new Set(g.map(apiServerKey)));
        keys.forEach((k, i) => {
            assert.equal(k.size, 1, `one key for ${JSON.stringify(groups[i])}: ${JSON.stringify([...k])}`);
        });
        assert.equal(new Set(keys.map((k) => [...k][0])).size, groups.length, "the groups stay apart");
        assert.equal(apiServerKey("HTTPS://LOCALHOST:6443/"), "https://localhost:6443");
        assert.equal(apiServerKey("https://Api.Example.com:443/"), "https://api.example.com");
    });

    it("compares API servers normalised: generated variants of one address collide, other hosts and ports do not", () => {
        const dnsHost = fc
            .array(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/), { minLength: 1, maxLength: 3 })
            .map((labels) => [...labels, "example"].join("."));
        const ipv4 = fc
            .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 }))
            .filter(([a]) => a !== 127)
            .map((parts) => parts.join("."));
        const ipv6 = fc
            .array(fc.integer({ min: 1, max: 0xffff }), { minLength: 8, maxLength: 8 })
            .map((groups) => ({ full: groups.map((g) => g.toString(16)).join(":") }));
        // A server: its scheme, its host spellings (every one names this host), its port.
        const server = fc.record({
            scheme: fc.constantFrom("https", "http"),
            host: fc.oneof(
                dnsHost.map((h) => ({ id: h, spellings: [h, h.toUpperCase(), `${h}.`] })),
                ipv4.map((h) => ({ id: h, spellings: [h] })),
                ipv6.map((h) => ({
                    id: h.full,
                    spellings: [
                        `[${h.full}]`,
                        `[${h.full.toUpperCase()}]`,
                        `[${h.full.replace(/(^|:)0+(?=[0-9a-f])/g, "$1")}]`,
                    ],
                })),
                fc.constant({
                    id: "loopback",
                    spellings: ["localhost", "LocalHost", "127.0.0.1", "[::1]", "localhost."],
                }),
            ),
            port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        });
        type Server = typeof server extends fc.Arbitrary<infer T> ? T : never;
        const defaultPort = (s: Server) => (s.scheme === "https" ? 443 : 80);
        /** A way of writing the server: any spelling, scheme case, explicit default port, trailing slashes. */
        const variant = (s: Server) =>
            fc
                .record({
                    spelling: fc.constantFrom(...s.host.spellings),
                    upperScheme: fc.boolean(),
                    explicitPort: fc.boolean(),
                    slashes: fc.nat(2),
                    userinfo: fc.boolean(),
                })
                .map((v) => {
                    const port = s.port ?? (v.explicitPort ? defaultPort(s) : undefined);
                    const scheme = v.upperScheme ? s.scheme.toUpperCase() : s.scheme;
                    return `${scheme}://${v.userinfo ? "admin:pw@" : ""}${v.spelling}${port === undefined ? "" : `:${port}`}${"/".repeat(v.slashes)}`;
                });
        fc.assert(
            fc.property(
                server.chain((s) => fc.tuple(variant(s), variant(s))),
                ([a, b]) => apiServerKey(a) === apiServerKey(b),
            ),
            { numRuns: 500, seed: 25 },
        );
        const effectivePort = (s: Server) => s.port ?? defaultPort(s);
        let compared = 0;
        fc.assert(
            fc.property(
                server.chain((s) => fc.tuple(fc.constant(s), variant(s))),
                server.chain((s) => fc.tuple(fc.constant(s), variant(s))),
                ([s, a], [t, b]) => {
                    const same =
                        s.scheme === t.scheme && s.host.id === t.host.id && effectivePort(s) === effectivePort(t);
                    fc.pre(!same);
                    compared++;
                    return apiServerKey(a) !== apiServerKey(b);
                },
            ),
            { numRuns: 500, seed: 26 },
        );
        assert.ok(compared > 400, `only ${compared} different servers compared`);
    });

    it("refuses two kubeconfigs whose servers differ only in spelling, naming both keys and both addresses", () => {
        const problems = problemsOf(
            validate(
                fleetValues([
                    { name: "a", kubeconfig: kubeconfig("https://127.0.0.1:6443/") },
                    { name: "b", kubeconfig: kubeconfig("HTTPS://LOCALHOST:6443", "other-name") },
                    { name: "c", kubeconfig: kubeconfig("https://[::1]:6443", "third") },
                ]),
            ),
        );
        assert.deepEqual(
            problems.map((p) => p.key),
            ["clusters[1].kubeconfig", "clusters[2].kubeconfig"],
        );
        const [b, c] = problems.map((p) => p.message);
        assert.match(
            b ?? "",
            /same cluster \(API server HTTPS:\/\/LOCALHOST:6443, the same address as API server https:\/\/127\.0\.0\.1:6443\/ once .*\) and namespace 'astro-agent' as clusters\[0\] \('a', at clusters\[0\]\.kubeconfig\)/,
        );
        assert.match(c ?? "", /as clusters\[0\] \('a', at clusters\[0\]\.kubeconfig\)/);
        for (const p of problems) {
            assert.doesNotMatch(p.message, /not-a-real-token/);
        }
    });

    it("an offline render's placeholder for a secure kubeconfig is not checked (its content is unknown)", () => {
        const result = validate(
            fleetValues([
                { name: "a", kubeconfig: SECRET_PLACEHOLDER },
                { name: "b", kubeconfig: SECRET_PLACEHOLDER, standby: true },
            ]),
        );
        assert.deepEqual(problemsOf(result), []);
    });

    it("refuses two entries both on the default provider in one namespace", () => {
        assertProblem(
            fleetValues([{ name: "a" }, { name: "b", standby: true }]),
            "clusters[1].namespace",
            /same cluster \(the default provider\)/,
        );
    });

    it("refuses a kubeconfig that names no server, with how to set one", () => {
        assertProblem(
            fleetValues([{ name: "a", kubeconfig: "not: a kubeconfig" }]),
            "clusters[0].kubeconfig",
            /must be a kubeconfig whose current-context names a cluster with a server.*pulumi config set --secret --path 'clusters\[0\]\.kubeconfig'/,
        );
        assertProblem(
            fleetValues([
                { name: "a", kubeconfig: KUBE_A },
                { name: "b", kubeconfig: "not: a kubeconfig" },
            ]),
            "clusters[1].kubeconfig",
            /pulumi config set --secret --path 'clusters\[1\]\.kubeconfig'/,
        );
    });

    it("refuses a fleet of standby clusters only", () => {
        assertProblem(
            fleetValues([
                { name: "a", context: "a", standby: true },
                { name: "b", context: "b", standby: true },
            ]),
            "clusters",
            /only standby clusters.*for example clusters\[0\]\.standby: false/,
        );
    });

    it("refuses worker overrides naming no worker", () => {
        assertProblem(
            fleetValues([{ name: "a", context: "a", workers: { "low-mem": { replicas: 1 } } }]),
            'clusters[0].workers["low-mem"]',
            /'low-mem' is not a worker; use one of 'default-worker', 'high-mem' .*for example clusters\[0\]\.workers: \{default-worker: \{replicas: 2\}\}/,
        );
    });

    it("a worker override with a wrong value says what it expects, at its full key", () => {
        assertProblem(
            fleetValues([{ name: "a", context: "a", workers: { "default-worker": { replicas: -1 } } }]),
            'clusters[0].workers["default-worker"].replicas',
            /must be a whole number from 0 to 1000, for example 3/,
        );
    });

    it("refuses another backend kind in a cluster", () => {
        assertProblem(
            fleetValues([{ name: "a", context: "a", backend: { kind: "external" } }]),
            "clusters[0].backend.kind",
            /must be 'local' \(backend\.kind\) or unset/,
        );
    });

    describe("with the AWS backend", () => {
        const aws = (clusters: unknown) =>
            fleetValues(clusters, (v) => {
                v.backend = { kind: "aws", region: "eu-west-1" };
            });

        it("requires each cluster of a fleet to name its own identity issuer", () => {
            assertProblem(
                aws([
                    { name: "primary", context: "a", backend: { eksClusterName: "prod-eks" } },
                    { name: "dr", context: "b", standby: true, backend: { region: "us-west-2" } },
                ]),
                "clusters[1].backend",
                /names no identity issuer of its own: set one of backend\.eksClusterName, backend\.eksClusterArn, backend\.oidcProvider.*for example clusters\[1\]\.backend: \{"eksClusterName":"dr-cluster"\}/,
            );
        });

        it("validates each cluster's merged backend: its own keys at clusters[i].backend, shared ones naming the cluster", () => {
            assertProblem(
                aws([{ name: "a", context: "a", backend: { region: 7, eksClusterName: "x" } }]),
                "clusters[0].backend.region",
                /must be an AWS region such as eu-west-1, for example 'eu-west-1' \(got the number 7/,
            );
            assertProblem(
                aws([{ name: "a", context: "a", backend: { regoin: "us-west-2", eksClusterName: "x" } }]),
                "clusters[0].backend.regoin",
                /region/,
            );
            // The shared eksClusterArn is in eu-west-1; the cluster moves the backend to us-west-2.
            assertProblem(
                fleetValues([{ name: "dr", context: "a", backend: { region: "us-west-2" } }], (v) => {
                    v.backend = {
                        kind: "aws",
                        region: "eu-west-1",
                        eksClusterArn: `arn:aws:eks:eu-west-1:${MOCK_ACCOUNT_ID}:cluster/prod`,
                    };
                }),
                "backend.eksClusterArn",
                /^in cluster 'dr' \(clusters\[0\]\): names a cluster in eu-west-1; it must be in us-west-2/,
            );
        });

        it("a shared backend without an issuer is fine when every cluster names one", () => {
            const result = validate(
                aws([
                    { name: "primary", context: "a", backend: { eksClusterName: "prod-eks" } },
                    {
                        name: "dr",
                        context: "b",
                        standby: true,
                        backend: { region: "us-west-2", eksClusterName: "dr-eks" },
                    },
                ]),
            );
            assert.deepEqual(problemsOf(result), []);
        });

        it("without clusters the shared backend still needs its issuer (unchanged)", () => {
            const v = baseValues();
            v.backend = { kind: "aws", region: "eu-west-1" };
            assertProblem(v, "backend.eksClusterName", /set the EKS cluster name/);
        });
    });

    describe("merging", () => {
        it("deep-merges maps, replaces lists and scalars, and null removes a shared key", () => {
            assert.deepEqual(
                mergeOverride(
                    {
                        kind: "aws",
                        region: "eu-west-1",
                        xcom: { prefix: "xcom", versioning: true },
                        managedPolicyArns: ["a"],
                    },
                    { region: "us-west-2", xcom: { bucketName: "dr-xcom" }, managedPolicyArns: ["b"], kind: null },
                ),
                {
                    region: "us-west-2",
                    xcom: { prefix: "xcom", versioning: true, bucketName: "dr-xcom" },
                    managedPolicyArns: ["b"],
                },
            );
        });

        it("gives each cluster its namespace, backend and replicas; standby: workers at 0 and HPA off", () => {
            const result = validate(
                fleetValues(
                    [
                        { name: "primary", context: "a", workers: { "high-mem": { replicas: 4 } } },
                        { name: "dr", context: "b", namespace: "astro-dr", standby: true },
                    ],
                    (v) => {
                        v.chart = { version: "2.3.3" };
                        v.workers = [
                            { name: "default-worker", replicas: 2 },
                            { name: "high-mem", hpa: { minReplicas: 2, queueMetric: { targetValue: 20 } } },
                        ];
                    },
                ),
            );
            assert.ok(result.ok, JSON.stringify(problemsOf(result)));
            const members = clusterMembers(result.config);
            assert.deepEqual(
                members.map((m) => [
                    m.cluster.name,
                    m.config.namespace,
                    m.config.workers.map((w) => [w.name, w.replicas, w.hpa?.enabled]),
                    "clusters" in m.config,
                ]),
                [
                    [
                        "primary",
                        "astro-agent",
                        [
                            ["default-worker", 2, undefined],
                            ["high-mem", 4, true],
                        ],
                        false,
                    ],
                    [
                        "dr",
                        "astro-dr",
                        [
                            ["default-worker", 0, undefined],
                            ["high-mem", 0, false],
                        ],
                        false,
                    ],
                ],
            );
        });
    });
});

describe("AgentFleet: one agent per cluster, each through its own provider", () => {
    let rs: RecordedResource[];
    let outputs: Record<string, unknown>;
    let storedOutputs: Record<string, unknown>;

    before(async () => {
        const values = fleetValues([
            { name: "primary", kubeconfig: KUBE_A, workers: { "default-worker": { replicas: 3 } } },
            { name: "dr", context: "dr-eu", namespace: "astro-dr", standby: true },
        ]);
        ({
            resources: rs,
            outputs,
            storedOutputs,
        } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: configStrings(values),
            ...stackFileWithSecure(
                values,
                [["agentToken"], ["imagePullCredentials", "password"], ...kubeconfigPaths(values)],
                "test",
            ),
            program: agentProgram,
        }));
    });

    it("creates the fleet, one provider per cluster and one agent per cluster, all children of the fleet", () => {
        assert.deepEqual(
            rs
                .filter((r) => r.parent === "astro-agent" || r.name === "astro-agent")
                .map((r) => [r.type, r.name, r.parent])
                .sort(),
            [
                ["astro-remote-agent:index:AgentFleet", "astro-agent", undefined],
                ["astro-remote-agent:index:RemoteExecutionAgent", "astro-agent-dr", "astro-agent"],
                ["astro-remote-agent:index:RemoteExecutionAgent", "astro-agent-primary", "astro-agent"],
                ["pulumi:providers:kubernetes", "astro-agent-dr-kubernetes", "astro-agent"],
                ["pulumi:providers:kubernetes", "astro-agent-primary-kubernetes", "astro-agent"],
            ].sort(),
        );
    });

    it("gives each provider exactly its cluster's kubeconfig (as a secret) or context, and in-place Secret updates", () => {
        const primary = one(rs, "pulumi:providers:kubernetes", "astro-agent-primary-kubernetes").inputs;
        assert.deepEqual(
            Object.keys(primary).sort(),
            ["enableSecretMutable", "kubeconfig", "version"].filter((k) => k in primary).sort(),
        );
        assert.equal(primary.enableSecretMutable, "true");
        assert.ok(isSecretWrapper(primary.kubeconfig), "the kubeconfig is a secret input");
        assert.equal(unwrapSecrets(primary.kubeconfig), KUBE_A);
        const dr = one(rs, "pulumi:providers:kubernetes", "astro-agent-dr-kubernetes").inputs;
        assert.equal(dr.context, "dr-eu");
        assert.equal(dr.kubeconfig, undefined);
    });

    it("deploys every Kubernetes object of a cluster's agent through that cluster's provider", () => {
        const k8sObjects = rs.filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(k8sObjects.length >= 10, `${k8sObjects.length} Kubernetes objects`);
        for (const r of k8sObjects) {
            const cluster = r.name.startsWith("astro-agent-primary-") ? "primary" : "dr";
            assert.ok(r.name.startsWith(`astro-agent-${cluster}-`), r.name);
            assert.match(r.provider ?? "", new RegExp(`::astro-agent-${cluster}-kubernetes::`), `${r.type} ${r.name}`);
        }
        assert.deepEqual(
            byType(rs, "kubernetes:helm.sh/v3:Release")
                .map((r) => [r.name, r.parent, unwrapSecrets(r.inputs.namespace)])
                .sort(),
            [
                ["astro-agent-dr-release", "astro-agent-dr-release", "astro-dr"],
                ["astro-agent-primary-release", "astro-agent-primary-release", "astro-agent"],
            ].map(([n, , ns]) => [n, one(rs, "kubernetes:helm.sh/v3:Release", n as string).parent, ns]),
        );
        assert.deepEqual(
            byType(rs, "kubernetes:core/v1:Namespace")
                .map((r) => [r.name, (r.inputs.metadata as { name: string }).name])
                .sort(),
            [
                ["astro-agent-dr-namespace", "astro-dr"],
                ["astro-agent-primary-namespace", "astro-agent"],
            ],
        );
    });

    it("renders the primary's replica override and the standby's workers at zero", () => {
        const primary = workersOf(one(rs, "kubernetes:helm.sh/v3:Release", "astro-agent-primary-release"));
        const dr = workersOf(one(rs, "kubernetes:helm.sh/v3:Release", "astro-agent-dr-release"));
        assert.deepEqual(
            primary.map((w) => [w.name, w.replicas]),
            [
                ["default-worker", 3],
                ["high-mem", 1],
            ],
        );
        assert.deepEqual(
            dr.map((w) => [w.name, w.replicas]),
            [
                ["default-worker", 0],
                ["high-mem", 0],
            ],
        );
    });

    it("exports per-cluster outputs, and no kubeconfig in them", async () => {
        assert.deepEqual(Object.keys(outputs).sort(), ["clusters", "nextSteps"]);
        const clusters = await new Promise<
            Record<string, { namespace: string; releaseName: string; standby: boolean }>
        >((resolve) => {
            pulumi.output(outputs.clusters as Record<string, unknown>).apply((c) => {
                resolve(c);
            });
        });
        assert.deepEqual(
            Object.fromEntries(Object.entries(clusters).map(([k, c]) => [k, [c.namespace, c.releaseName, c.standby]])),
            { primary: ["astro-agent", "astro", false], dr: ["astro-dr", "astro", true] },
        );
        const stored = JSON.stringify(storedOutputs);
        assert.match(stored, /astro-dr/, "the engine stored the per-cluster outputs");
        assert.ok(!stored.includes("not-a-real-token") && !stored.includes("127.0.0.1"), "no kubeconfig in outputs");
    });
});

describe("AgentFleet as a component", () => {
    const args = (clusters: unknown): AgentFleetArgs => fleetValues(clusters) as AgentFleetArgs;

    it("uses a provider passed in clusterProviders for that cluster", async () => {
        const { resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => {
                const mine = new k8s.Provider("my-eu-cluster", { context: "eu" });
                return new AgentFleet("fleet", args([{ name: "eu" }, { name: "us", context: "us", standby: true }]), {
                    clusterProviders: { eu: mine },
                });
            },
        });
        assert.deepEqual(
            byType(resources, "pulumi:providers:kubernetes")
                .map((r) => [r.name, r.parent ?? null])
                .sort(),
            [
                ["fleet-us-kubernetes", "fleet"],
                ["my-eu-cluster", null],
            ],
        );
        assert.match(
            one(resources, "kubernetes:helm.sh/v3:Release", "fleet-eu-release").provider ?? "",
            /::my-eu-cluster::/,
        );
        assert.match(
            one(resources, "kubernetes:helm.sh/v3:Release", "fleet-us-release").provider ?? "",
            /::fleet-us-kubernetes::/,
        );
    });

    it("refuses a passed provider for a cluster that also sets a context, and unknown cluster names", async () => {
        const withProviders = (clusterProviders: Record<string, string>) =>
            runUnderMocks({
                project: PROJECT,
                stack: "test",
                config: {},
                program: () =>
                    new AgentFleet("fleet", args([{ name: "eu", context: "eu" }]), {
                        clusterProviders: Object.fromEntries(
                            Object.entries(clusterProviders).map(([k, name]) => [k, new k8s.Provider(name, {})]),
                        ),
                    }),
            });
        await assert.rejects(
            withProviders({ eu: "p" }),
            /cluster 'eu': a provider was passed in clusterProviders and the entry also sets context; use one of them/,
        );
        await assert.rejects(withProviders({ us: "p" }), /clusterProviders names no cluster: 'us'; use one of 'eu'/);
    });

    it("validates before registering anything, and RemoteExecutionAgent refuses a clusters block", async () => {
        const sink: RecordedResource[] = [];
        await assert.rejects(
            runUnderMocks({
                project: PROJECT,
                stack: "test",
                config: {},
                sink,
                program: () =>
                    new AgentFleet(
                        "fleet",
                        args([
                            { name: "a", context: "a" },
                            { name: "a", context: "b" },
                        ]),
                    ),
            }),
            /clusters\[1\]\.name: duplicates clusters\[0\]\.name 'a'/,
        );
        assert.deepEqual(
            sink.filter((r) => r.type !== "pulumi:pulumi:Stack"),
            [],
        );
        assert.throws(
            () => new RemoteExecutionAgent("agent", args([{ name: "a", context: "a" }])),
            /clusters is set; deploy a fleet with AgentFleet/,
        );
    });
});

describe("AgentFleet with the AWS backend: least privilege per cluster", () => {
    const ISSUER = (id: string) => `https://oidc.eks.example.com/id/${id}`;
    const OIDC_ARN = (id: string) => `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/oidc.eks.example.com/id/${id}`;
    let rs: RecordedResource[];

    before(async () => {
        const values = fleetValues(
            [
                {
                    name: "primary",
                    context: "eu",
                    backend: { oidcProvider: { arn: OIDC_ARN("EU"), issuerUrl: ISSUER("EU") } },
                },
                {
                    name: "dr",
                    context: "us",
                    standby: true,
                    backend: {
                        region: "us-west-2",
                        oidcProvider: { arn: OIDC_ARN("US"), issuerUrl: ISSUER("US") },
                        xcom: { bucketName: "astro-dr-xcom" },
                    },
                },
            ],
            (v) => {
                v.backend = { kind: "aws", region: "eu-west-1" };
            },
        );
        ({ resources: rs } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => new AgentFleet("fleet", values as AgentFleetArgs),
        }));
    });

    it("one role per cluster, each trusting exactly its own cluster's issuer and ServiceAccounts", () => {
        const sas = [
            "astro-worker-default-worker",
            "astro-worker-high-mem",
            "astro-dag-processor",
            "astro-triggerer",
            "astro-sentinel",
        ];
        const roles = byType(rs, "aws:iam/role:Role");
        assert.deepEqual(roles.map((r) => r.name).sort(), ["fleet-dr-aws-role", "fleet-primary-aws-role"].sort());
        for (const [cluster, id] of [
            ["primary", "EU"],
            ["dr", "US"],
        ] as const) {
            const role = one(rs, "aws:iam/role:Role", `fleet-${cluster}-aws-role`);
            assert.deepEqual(
                JSON.parse(unwrapSecrets(role.inputs.assumeRolePolicy) as string),
                irsaTrustPolicy(OIDC_ARN(id), ISSUER(id), "astro-agent", sas),
            );
        }
    });

    it("each cluster's AWS resources are in its own region, through its own provider", () => {
        assert.deepEqual(
            byType(rs, "pulumi:providers:aws")
                .map((r) => [r.name, r.inputs.region])
                .sort(),
            [
                ["fleet-dr-aws-provider", "us-west-2"],
                ["fleet-primary-aws-provider", "eu-west-1"],
            ],
        );
        for (const r of rs.filter((x) => x.type.startsWith("aws:"))) {
            const cluster = r.name.startsWith("fleet-dr-") ? "dr" : "primary";
            assert.match(r.provider ?? "", new RegExp(`::fleet-${cluster}-aws-provider::`), `${r.type} ${r.name}`);
        }
        assert.equal(one(rs, "aws:s3/bucket:Bucket", "fleet-dr-aws-xcom").inputs.bucket, "astro-dr-xcom");
    });
});

describe("AWS fleet: Secrets Manager replica regions for the standby region", () => {
    const CONN = '{"conn_type":"http","host":"example.com"}';
    const OIDC = (id: string) => ({
        arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/oidc.eks.example.com/id/${id}`,
        issuerUrl: `https://oidc.eks.example.com/id/${id}`,
    });
    const values = (dr: Values, shared: Values = {}) =>
        fleetValues(
            [
                { name: "primary", context: "eu", backend: { oidcProvider: OIDC("EU") } },
                {
                    name: "dr",
                    context: "us",
                    standby: true,
                    backend: { region: "us-west-2", oidcProvider: OIDC("US"), ...dr },
                },
            ],
            (v) => {
                v.backend = {
                    kind: "aws",
                    region: "eu-west-1",
                    secretsManager: { connectionsPrefix: "re/connections", connections: { my_api: CONN } },
                    ...shared,
                };
            },
        );
    const replicated = {
        secretsManager: {
            connectionsPrefix: "re/connections",
            connections: { my_api: CONN },
            replicaRegions: ["us-west-2"],
        },
    };

    it("the primary seeds and replicates to the standby's region; the standby seeds nothing", async () => {
        const v = values({ secretsManager: { connections: null, replicaRegions: null } }, replicated);
        assert.deepEqual(problemsOf(validate(v)), []);
        const { resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => new AgentFleet("fleet", v as AgentFleetArgs),
        });
        const secrets = byType(resources, "aws:secretsmanager/secret:Secret");
        assert.deepEqual(
            secrets.map((r) => [r.name, r.inputs.name, r.inputs.replicas]),
            [["fleet-primary-aws-conn-my-api", "re/connections/my_api", [{ region: "us-west-2" }]]],
        );
        // The standby's role reads the same names in its own region (where the replicas are).
        const drPolicy = JSON.stringify(
            unwrapSecrets(one(resources, "aws:iam/rolePolicy:RolePolicy", "fleet-dr-aws-access").inputs.policy),
        );
        assert.match(drPolicy, /arn:aws:secretsmanager:us-west-2:123456789012:secret:re\/connections\/\*/);
        assert.doesNotMatch(drPolicy, /eu-west-1/);
    });

    it("refuses a standby that seeds the names the primary replicates into its region", () => {
        assertProblem(
            values({}, replicated),
            "backend.secretsManager.replicaRegions[0]",
            /^in cluster 'dr' \(clusters\[1\]\): is backend.region \(us-west-2\), where the secrets already are/,
        );
        const v = values({ secretsManager: { replicaRegions: null } }, replicated);
        assertProblem(
            v,
            "backend.secretsManager.connections",
            /^in cluster 'dr' \(clusters\[1\]\): seeds 're\/connections\/my_api' in us-west-2, where cluster 'primary' already replicates it: a Secrets Manager name exists once per region/,
        );
    });

    it("refuses two clusters seeding the same names in one region", () => {
        assertProblem(
            values({ region: "eu-west-1" }),
            "backend.secretsManager.connections",
            /^in cluster 'dr' \(clusters\[1\]\): seeds 're\/connections\/my_api' in eu-west-1, where cluster 'primary' already seeds it/,
        );
    });

    it("refuses replica regions with a customer-managed key (a KMS key lives in one region)", () => {
        const v = baseValues();
        v.backend = {
            kind: "aws",
            region: "eu-west-1",
            eksClusterName: "prod",
            encryption: { kind: "createKey" },
            secretsManager: { replicaRegions: ["us-west-2"] },
        };
        assertProblem(v, "backend.secretsManager.replicaRegions", /cannot be used with encryption.kind 'createKey'/);
    });
});
