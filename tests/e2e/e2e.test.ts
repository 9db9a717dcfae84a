// End to end: the real Pulumi engine (built offline by scripts/toolchain.sh) deploys the real program
// to a real kube-apiserver (scripts/cluster.sh), with the stand-in chart. Everything is read back
// from the API server and from the raw state files.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { Stack } from "@pulumi/pulumi/automation";
import {
    type E2eWorld,
    e2eWorld,
    POD_READY_DELAY_MS,
    openStack,
    prodLikeStack,
    readExample,
    readTree,
    ROOT,
    secure,
    type StackDoc,
    STAND_IN_CHART,
    withConfig,
    writeStackFile,
} from "./harness";
import { Kube } from "./kube";

interface K8sObject {
    metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    type?: string;
    data?: Record<string, string>;
    spec?: Record<string, unknown>;
    reason?: string;
    message?: string;
}
interface PodSpec {
    serviceAccountName?: string;
    securityContext?: Record<string, unknown>;
    containers: {
        name: string;
        securityContext?: Record<string, unknown>;
        volumeMounts?: { name: string; mountPath: string }[];
        env?: { name: string; value?: string; valueFrom?: unknown }[];
    }[];
    volumes?: { name: string }[];
}
interface Deployment extends K8sObject {
    metadata: K8sObject["metadata"] & { generation?: number };
    status?: { readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
    spec: {
        replicas?: number;
        template: {
            metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
            spec: PodSpec;
        };
    };
}

const DEV_SECRETS = [
    "dev-agent-token-not-a-real-token",
    "dev-astro-api-token-not-a-real-token",
    "hello from the local secrets backend",
];
const nonce = crypto.randomBytes(4).toString("hex");
/** A `secure:` value under commonEnv: it must end up only in the env Secret. */
const ENV_SECRET = `e2e-env-secret-${nonce}`;
/** The rotated agent token. */
const ROTATED_TOKEN = `e2e-rotated-agent-token-${nonce}`;
const RESTRICTED_SECRETS = {
    token: `e2e-agent-token-${nonce}`,
    pull: `e2e-astro-api-token-${nonce}`,
    lineage: `e2e-openlineage-key-${nonce}`,
};

describe("end to end: real engine, real API server", function () {
    this.timeout(300_000);
    // kwok marks pods Ready 3 s after they are bound, so "ready when up returned" tells a wait from none.
    const world = e2eWorld("e2e", { podReadyDelayMs: POD_READY_DELAY_MS });
    let kube: Kube;
    let project: E2eWorld["project"];
    let env: Record<string, string>;
    before(() => ({ kube, project, env } = world));

    const ns = (name: string) => `/api/v1/namespaces/${name}`;
    const deployments = (namespace: string) =>
        kube.list<Deployment>(`/apis/apps/v1/namespaces/${namespace}/deployments`);

    async function assertGone(namespace: string): Promise<void> {
        await kube.waitFor(
            `namespace ${namespace} to be deleted`,
            async () => (await kube.get(ns(namespace))) === undefined,
            90,
        );
    }

    /** Every Helm release Secret of a namespace, decoded (base64, base64, gzip) to the release JSON. */
    async function helmReleases(namespace: string): Promise<string> {
        const secrets = await kube.list<K8sObject>(`${ns(namespace)}/secrets`);
        return secrets
            .filter((s) => s.type === "helm.sh/release.v1")
            .map((s) => {
                const helm = Buffer.from(s.data?.release ?? "", "base64").toString();
                return zlib.gunzipSync(Buffer.from(helm, "base64")).toString();
            })
            .join("\n");
    }

    function assertNoPlaintext(stack: Stack, secrets: string[], label: string) {
        return async () => {
            const exported = JSON.stringify(await stack.exportStack());
            const raw = readTree(project.stateDir);
            const outputs = JSON.stringify(await stack.outputs());
            for (const s of secrets) {
                assert.ok(!exported.includes(s), `${label}: exported state contains a secret`);
                assert.ok(!raw.includes(s), `${label}: a raw state file contains a secret`);
                assert.ok(!outputs.includes(s), `${label}: stack outputs contain a secret`);
            }
            // The state does hold them, encrypted: secret markers are present.
            assert.match(exported, /"4dabf18193072939515e22adb298388d"/);
        };
    }

    describe("dev stack (local backend, baseline namespace)", () => {
        const NS = "astro-e2e-dev";
        let doc: StackDoc;
        let stack: Stack;

        before(async () => {
            doc = withConfig(readExample("dev"), {
                namespace: NS,
                // No release.skipAwait: `up` waits for every Deployment to be ready, as it does for users (the
                // local cluster's scheduler and simulated nodes make the pods Running and Ready).
                chart: { path: STAND_IN_CHART },
                commonEnv: [
                    { name: "E2E_PLAIN", value: "visible" },
                    { name: "E2E_SECRET_ENV", value: secure(ENV_SECRET) },
                ],
            });
            stack = await openStack(project.dir, "e2e-dev", doc, env);
        });

        it("previews the plan without touching the cluster", async () => {
            const result = await stack.preview();
            // Stack, RemoteExecutionAgent, AgentNamespace + Namespace, LocalBackend + Secret + claim,
            // AgentCredentials + token, pull and env Secrets, AgentServiceAccounts + 4, AgentRelease + Release.
            assert.deepEqual(result.changeSummary, { create: 18 });
            assert.equal(await kube.get(ns(NS)), undefined);
        });

        it("up creates the namespace, Secrets, ServiceAccounts, release and Deployments", async () => {
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            // `up` returned only once Helm saw every Deployment ready: read right after, each one's ready
            // replicas already match the spec (with release.skipAwait they are still 0 here).
            for (const d of await deployments(NS)) {
                assert.equal(
                    d.status?.readyReplicas,
                    d.spec.replicas ?? 1,
                    `${d.metadata.name}: ready when up returned`,
                );
            }

            const labels = (await kube.get<K8sObject>(ns(NS)))?.metadata.labels ?? {};
            assert.equal(labels["pod-security.kubernetes.io/enforce"], "baseline");
            assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
            assert.equal(labels["pod-security.kubernetes.io/enforce-version"], "v1.30");

            const secrets = await kube.list<K8sObject>(`${ns(NS)}/secrets`);
            const byNameMap = new Map(secrets.map((s) => [s.metadata.name, s]));
            const byName = (name: string) => byNameMap.get(name);
            assert.equal(byName("astro-dev-agent-token")?.type, "Opaque");
            assert.deepEqual(Object.keys(byName("astro-dev-agent-token")?.data ?? {}), ["token"]);
            assert.equal(
                Buffer.from(byName("astro-dev-agent-token")?.data?.token ?? "", "base64").toString(),
                "dev-agent-token-not-a-real-token",
            );
            assert.equal(byName("astro-dev-image-pull")?.type, "kubernetes.io/dockerconfigjson");
            assert.deepEqual(Object.keys(byName("astro-dev-image-pull")?.data ?? {}), [".dockerconfigjson"]);
            assert.deepEqual(Object.keys(byName("astro-dev-local-secrets")?.data ?? {}).sort(), [
                "connections.json",
                "variables.json",
            ]);
            assert.ok(byName("sh.helm.release.v1.astro-dev.v1"), "Helm wrote its release Secret");

            const sas = (await kube.list<K8sObject>(`${ns(NS)}/serviceaccounts`)).map((s) => s.metadata.name).sort();
            for (const sa of [
                "astro-dev-worker-default-worker",
                "astro-dev-dag-processor",
                "astro-dev-triggerer",
                "astro-dev-sentinel",
            ]) {
                assert.ok(sas.includes(sa), `ServiceAccount ${sa}`);
            }

            const depsMap = new Map((await deployments(NS)).map((d) => [d.metadata.name, d.spec.template.spec]));
            const deps = (name: string) => depsMap.get(name);
            assert.deepEqual([...depsMap.keys()].sort(), [
                "astro-dev-dag-processor",
                "astro-dev-sentinel",
                "astro-dev-triggerer",
                "astro-dev-worker-default-worker",
            ]);
            assert.equal(
                deps("astro-dev-worker-default-worker")?.serviceAccountName,
                "astro-dev-worker-default-worker",
            );
            assert.equal(deps("astro-dev-dag-processor")?.serviceAccountName, "astro-dev-dag-processor");
            assert.equal(deps("astro-dev-triggerer")?.serviceAccountName, "astro-dev-triggerer");
            assert.equal(deps("astro-dev-sentinel")?.serviceAccountName, "astro-dev-sentinel");
            const worker = deps("astro-dev-worker-default-worker");
            assert.ok(worker);
            assert.deepEqual(worker.securityContext, { runAsUser: 50000, fsGroup: 50000, runAsNonRoot: true });
            const mounts = worker.containers
                .find((c) => c.name !== "vector-logging-sidecar")
                ?.volumeMounts?.map((m) => m.mountPath);
            assert.deepEqual(mounts?.filter((m) => m.startsWith("/usr/local/airflow")).sort(), [
                "/usr/local/airflow/secrets",
                "/usr/local/airflow/xcom",
            ]);
        });

        it("one Kubernetes provider, the default one every resource uses (the provider warm-up adds none)", async () => {
            const state = (await stack.exportStack()) as {
                deployment: { resources: { urn: string; type: string; id?: string; provider?: string }[] };
            };
            const providers = state.deployment.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed SDK's version
            const { version } = require("@pulumi/kubernetes/package.json") as { version: string };
            assert.deepEqual(
                providers.map((r) => r.urn.split("::").pop()),
                [`default_${version.replace(/\./g, "_")}`],
            );
            const provider = providers[0];
            assert.ok(provider);
            const k8sResources = state.deployment.resources.filter((r) => r.type.startsWith("kubernetes:"));
            assert.ok(k8sResources.length > 10);
            for (const r of k8sResources) {
                assert.equal(r.provider, `${provider.urn}::${provider.id ?? ""}`, r.urn);
            }
        });

        it("a second preview reports no changes", async () => {
            await stack.preview({ expectNoChanges: true });
        });

        it("moving the XCom store warns in preview (a hook on the release compares deployed and new paths)", async () => {
            const backend = doc.config["astro-agent:backend"] as Record<string, unknown>;
            writeStackFile(
                project.dir,
                "e2e-dev",
                withConfig(doc, {
                    backend: { ...backend, xcom: { size: "1Gi", mountPath: "/usr/local/airflow/xcom2" } },
                }),
            );
            let out = "";
            const preview = await stack.preview({ onOutput: (s) => (out += s) });
            assert.equal(preview.changeSummary.update, 1);
            assert.match(
                out,
                /XCom store moves from file:\/\/\/usr\/local\/airflow\/xcom to file:\/\/\/usr\/local\/airflow\/xcom2/,
            );
            writeStackFile(project.dir, "e2e-dev", doc);
            let quiet = "";
            await stack.preview({ expectNoChanges: true, onOutput: (s) => (quiet += s) });
            assert.doesNotMatch(quiet, /XCom store moves/);
        });

        it("keeps every secret out of the state files and the outputs", async () => {
            await assertNoPlaintext(stack, [...DEV_SECRETS, ENV_SECRET], "dev")();
        });

        it("a secure: commonEnv value lives only in the env Secret, referenced by secretKeyRef", async () => {
            const envSecret = await kube.get<K8sObject>(`${ns(NS)}/secrets/astro-dev-env`);
            assert.equal(
                Buffer.from(envSecret?.data?.["commonEnv.E2E_SECRET_ENV"] ?? "", "base64").toString(),
                ENV_SECRET,
            );
            const worker = (await deployments(NS)).find((d) => d.metadata.name === "astro-dev-worker-default-worker");
            const env = worker?.spec.template.spec.containers[0]?.env ?? [];
            assert.deepEqual(
                env.find((e) => e.name === "E2E_SECRET_ENV"),
                {
                    name: "E2E_SECRET_ENV",
                    valueFrom: { secretKeyRef: { name: "astro-dev-env", key: "commonEnv.E2E_SECRET_ENV" } },
                },
            );
            assert.equal(env.find((e) => e.name === "E2E_PLAIN")?.value, "visible");
            const releases = await helmReleases(NS);
            assert.ok(releases.includes("E2E_SECRET_ENV"), "the release was read");
            assert.ok(!releases.includes(ENV_SECRET), "Helm's release Secret holds the secret env value");
            assert.ok(!JSON.stringify(await stack.outputs()).includes(ENV_SECRET));
        });

        it("rotating the agent token rolls the agent pods (annotation from the stack file's ciphertexts)", async () => {
            const annotation = async () =>
                Object.fromEntries(
                    (await deployments(NS)).map((d) => [
                        d.metadata.name,
                        d.spec.template.metadata?.annotations?.["astronomer.io/managed-secrets-version"],
                    ]),
                );
            const before = await annotation();
            for (const v of Object.values(before)) {
                assert.match(v ?? "", /^[0-9a-f]{16}$/);
            }
            doc = withConfig(doc, { agentToken: secure(ROTATED_TOKEN) });
            writeStackFile(project.dir, "e2e-dev", doc);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            const token = await kube.get<K8sObject>(`${ns(NS)}/secrets/astro-dev-agent-token`);
            assert.equal(Buffer.from(token?.data?.token ?? "", "base64").toString(), ROTATED_TOKEN);
            const after = await annotation();
            for (const [name, v] of Object.entries(after)) {
                assert.notEqual(v, before[name], `${name}: pod template changed, so its pods roll`);
            }
            assert.ok(!JSON.stringify(after).includes(ROTATED_TOKEN));
            await stack.preview({ expectNoChanges: true });
            await assertNoPlaintext(stack, [ROTATED_TOKEN], "rotated")();
        });

        it("adding a worker queue updates the release in place, with no replacement", async () => {
            writeStackFile(
                project.dir,
                "e2e-dev",
                withConfig(doc, {
                    workers: [
                        {
                            name: "default-worker",
                            queues: ["default", "reports"],
                            replicas: 1,
                            resources: {
                                requests: { cpu: "500m", memory: "1Gi" },
                                limits: { cpu: "1", memory: "2Gi" },
                            },
                        },
                    ],
                }),
            );
            const preview = await stack.preview({ diff: true });
            assert.equal(preview.changeSummary.update, 1);
            for (const op of ["create", "delete", "replace", "create-replacement", "delete-replaced"] as const) {
                assert.equal(preview.changeSummary[op] ?? 0, 0, `no ${op}`);
            }
            const up = await stack.up();
            assert.deepEqual(up.summary.resourceChanges?.update, 1);
            const worker = (await deployments(NS)).find((d) => d.metadata.name === "astro-dev-worker-default-worker");
            const queues = worker?.spec.template.spec.containers[0]?.env?.find(
                (e) => e.name === "ASTRO_AGENT_QUEUES",
            )?.value;
            assert.equal(queues, "default,reports");
            assert.ok(
                await kube.get(`${ns(NS)}/secrets/sh.helm.release.v1.astro-dev.v2`),
                "release upgraded to revision 2",
            );
            await stack.preview({ expectNoChanges: true });
        });

        it("renaming the release replaces it without name collisions", async () => {
            doc = withConfig(doc, { release: { skipAwait: true, name: "astro-dev-renamed" } });
            writeStackFile(project.dir, "e2e-dev", doc);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
            assert.equal((await stack.outputs()).releaseName?.value, "astro-dev-renamed");
            const helm = (await kube.list<K8sObject>(`${ns(NS)}/secrets`))
                .filter((x) => x.type === "helm.sh/release.v1")
                .map((x) => x.metadata.name);
            assert.deepEqual(helm, ["sh.helm.release.v1.astro-dev-renamed.v1"]);
            assert.equal((await deployments(NS)).length, 4, "the chart's objects exist once, under the new release");
            await stack.preview({ expectNoChanges: true });
        });

        it("destroy leaves nothing behind", async () => {
            await stack.destroy();
            await assertGone(NS);
            const state = (await stack.exportStack()) as { deployment: { resources?: unknown[] } };
            assert.equal(state.deployment.resources?.length ?? 0, 0);
        });
    });

    describe("restricted prod-like stack", () => {
        const NS = "astro-e2e-prod";
        let stack: Stack;

        before(async () => {
            const doc = prodLikeStack(NS, "astro-prod", RESTRICTED_SECRETS);
            stack = await openStack(project.dir, "e2e-prod", doc, env);
            const up = await stack.up();
            assert.equal(up.summary.result, "succeeded");
        });

        it("up waited for every Deployment; the high-memory workers run on the pool they select and tolerate", async () => {
            const deps = await deployments(NS);
            for (const d of deps) {
                assert.equal(
                    d.status?.readyReplicas,
                    d.spec.replicas ?? 1,
                    `${d.metadata.name}: ready when up returned`,
                );
            }
            // Pulumi.prod.yaml: high-memory selects and tolerates workload=memory-optimized; the real scheduler
            // puts its pods on the one node of that pool, and no other agent pod there (the pool is tainted).
            const pods = await kube.list<K8sObject & { spec: { nodeName?: string } }>(`${ns(NS)}/pods`);
            const nodeOf = (prefix: string) => [
                ...new Set(pods.filter((p) => p.metadata.name.startsWith(prefix)).map((p) => p.spec.nodeName)),
            ];
            assert.deepEqual(nodeOf("astro-prod-worker-high-memory-"), ["kwok-memory-a"]);
            const elsewhere = pods.filter((p) => !p.metadata.name.startsWith("astro-prod-worker-high-memory-"));
            assert.ok(elsewhere.length >= 4);
            assert.ok(
                elsewhere.every((p) => p.spec.nodeName !== undefined && p.spec.nodeName !== "kwok-memory-a"),
                JSON.stringify(elsewhere.map((p) => [p.metadata.name, p.spec.nodeName])),
            );
        });

        it("labels the namespace restricted and creates the Secrets", async () => {
            const namespace = await kube.get<K8sObject>(ns(NS));
            for (const mode of ["enforce", "audit", "warn"]) {
                assert.equal(namespace?.metadata.labels?.[`pod-security.kubernetes.io/${mode}`], "restricted");
            }
            const names = (await kube.list<K8sObject>(`${ns(NS)}/secrets`)).map((s) => s.metadata.name);
            for (const s of [
                "astro-prod-agent-token",
                "astro-prod-image-pull",
                "astro-prod-openlineage-api-key",
                "sh.helm.release.v1.astro-prod.v1",
            ]) {
                assert.ok(names.includes(s), s);
            }
        });

        it("creates the namespace's network policies (prod default) and the API server accepts them as planned", async () => {
            const policies = await kube.list<K8sObject & { spec: unknown }>(
                `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`,
            );
            assert.deepEqual(
                policies.map((p) => [p.metadata.name, p.spec]),
                [
                    ["astro-prod-default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }],
                    [
                        "astro-prod-egress",
                        {
                            podSelector: {},
                            policyTypes: ["Egress"],
                            egress: [
                                {
                                    to: [
                                        {
                                            namespaceSelector: {
                                                matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                                            },
                                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                        },
                                    ],
                                    ports: [
                                        { protocol: "UDP", port: 53 },
                                        { protocol: "TCP", port: 53 },
                                    ],
                                },
                                // HTTPS: the Deployment's API, OpenLineage, the Git host (Pulumi.prod.yaml names no other port).
                                { ports: [{ protocol: "TCP", port: 443 }] },
                                {
                                    ports: [
                                        { protocol: "TCP", port: 443 },
                                        { protocol: "TCP", port: 6443 },
                                    ],
                                },
                            ],
                        },
                    ],
                ],
            );
        });

        it("annotates every ServiceAccount for the backend's identity", async () => {
            const sas = (await kube.list<K8sObject>(`${ns(NS)}/serviceaccounts`)).filter((s) =>
                s.metadata.name.startsWith("astro-prod-"),
            );
            assert.equal(sas.length, 5);
            for (const sa of sas) {
                assert.equal(
                    sa.metadata.annotations?.["eks.amazonaws.com/role-arn"],
                    "arn:aws:iam::123456789012:role/astro-prod-agent",
                );
            }
        });

        it("runs every workload with the restricted security contexts and writable mounts", async () => {
            const deps = await deployments(NS);
            assert.equal(deps.length, 5);
            for (const d of deps) {
                const spec = d.spec.template.spec;
                // Sentinel runs as its own user (UID/GID 5000, chart 2.0.0 values), the agent as 50000.
                const uid = d.metadata.name.endsWith("-sentinel") ? 5000 : 50000;
                assert.deepEqual(spec.securityContext, {
                    seccompProfile: { type: "RuntimeDefault" },
                    runAsUser: uid,
                    fsGroup: uid,
                    runAsNonRoot: true,
                });
                for (const c of spec.containers) {
                    assert.deepEqual(c.securityContext, {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        capabilities: { drop: ["ALL"] },
                    });
                    assert.ok(
                        c.volumeMounts?.some((m) => m.mountPath === "/tmp"),
                        `${d.metadata.name}: /tmp is writable`,
                    );
                }
            }
        });

        it("passes PodSecurity `restricted`: pods are admitted and a dry-run pod draws no warning", async () => {
            const deps = await deployments(NS);
            await kube.waitFor(
                "a pod per Deployment (kube-controller-manager creates them; PodSecurity admits or rejects)",
                async () => {
                    const pods = await kube.list<K8sObject>(`${ns(NS)}/pods`);
                    return deps.every((d) => pods.some((p) => p.metadata.name.startsWith(`${d.metadata.name}-`)));
                },
                90,
            );
            const failures = (await kube.list<K8sObject>(`${ns(NS)}/events`)).filter(
                (e) => e.reason === "FailedCreate",
            );
            assert.deepEqual(
                failures.map((e) => e.message),
                [],
            );
            for (const d of deps) {
                const pod = {
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { name: `dry-run-${d.metadata.name}`.slice(0, 63) },
                    spec: d.spec.template.spec,
                };
                const r = await kube.request("POST", `${ns(NS)}/pods?dryRun=All`, pod);
                assert.equal(r.status, 201, `${d.metadata.name}: ${JSON.stringify(r.body)}`);
                assert.deepEqual(r.warnings, [], d.metadata.name);
            }
        });

        it("a second preview reports no changes", async () => {
            await stack.preview({ expectNoChanges: true });
        });

        it("keeps every secret out of the state files and the outputs", async () => {
            await assertNoPlaintext(stack, Object.values(RESTRICTED_SECRETS), "restricted")();
        });

        it("destroy keeps the prod namespace (and Secrets others put there), removing what Pulumi made", async () => {
            const foreign = {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: "synced-by-someone-else" },
                stringData: { token: "x" },
            };
            assert.equal((await kube.request("POST", `${ns(NS)}/secrets`, foreign)).status, 201);
            await stack.destroy();
            const state = (await stack.exportStack()) as { deployment: { resources?: unknown[] } };
            assert.equal(state.deployment.resources?.length ?? 0, 0);
            assert.ok(await kube.get(ns(NS)), "prod namespace retained");
            const left = (await kube.list<K8sObject>(`${ns(NS)}/secrets`)).map((x) => x.metadata.name);
            assert.ok(left.includes("synced-by-someone-else"));
            assert.ok(!left.includes("astro-prod-agent-token"), "Secrets Pulumi made are deleted");
            assert.equal((await deployments(NS)).length, 0, "the release is uninstalled");
            await kube.request("DELETE", ns(NS));
            await assertGone(NS);
        });
    });

    describe("bad config", () => {
        for (const [what, mutate] of [
            [
                "a value that does not decrypt",
                (d: StackDoc): StackDoc =>
                    withConfig(d, {
                        agentToken: { secure: "v1:AAAAAAAAAAAAAAAA:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0LXZhbHVl" },
                    }),
            ],
            ["an empty value", (d: StackDoc): StackDoc => withConfig(d, { agentToken: { secure: "" } })],
            ["a missing encryptionsalt", (d: StackDoc): StackDoc => ({ config: d.config })],
        ] as const) {
            it(`secure values: ${what} fails preview (non-zero) and render names the key; nothing is created`, async () => {
                const NS = "astro-e2e-garbage";
                const name = `e2e-garbage-${what.replace(/[^a-z]+/g, "-")}`.slice(0, 40);
                const doc = mutate(withConfig(readExample("dev"), { namespace: NS }));
                const stack = await openStack(project.dir, name, doc, env);
                // The CLI refuses before the program runs; its own message does not name the key.
                await assert.rejects(
                    stack.preview(),
                    /validating stack config: (cipher: message authentication failed|bad value)|decrypt|salt|passphrase/i,
                );
                // The offline render (run in PR checks) names the key and why.
                const render = spawnSync(
                    "npx",
                    [
                        "tsx",
                        "scripts/render.ts",
                        "--stack",
                        name,
                        "--stack-file",
                        path.join(project.dir, `Pulumi.${name}.yaml`),
                    ],
                    { cwd: ROOT, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" } },
                );
                assert.equal(render.status, 1, render.stdout);
                assert.match(render.stderr, /agentToken|encryptionsalt/);
                assert.equal(render.stdout, "");
                assert.equal(await kube.get(ns(NS)), undefined);
            });
        }

        it("fails preview with the validation message and creates nothing", async () => {
            const NS = "astro-e2e-bad";
            const doc = withConfig(readExample("dev"), {
                namespace: NS,
                workers: [{ name: "a" }, { name: "a" }],
                dagBundles: [{ type: "git", name: "dags", repoUrl: "https://github.com/x/y.git" }],
            });
            const stack = await openStack(project.dir, "e2e-bad", doc, env);
            await assert.rejects(stack.preview(), (err: Error) => {
                assert.match(
                    err.message,
                    /Invalid stack config for project 'astro-agent', stack 'e2e-bad' \(2 problems\); nothing was created/,
                );
                assert.match(err.message, /workers\[1\]\.name: duplicates workers\[0\]\.name 'a'/);
                assert.match(err.message, /dagBundles\[0\]\.trackingRef: is required/);
                return true;
            });
            await assert.rejects(stack.up(), /nothing was created/);
            const state = (await stack.exportStack()) as { deployment: { resources?: { type: string }[] } };
            assert.deepEqual(
                (state.deployment.resources ?? []).map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack"),
                [],
            );
            assert.equal(await kube.get(ns(NS)), undefined);
        });
    });
});
