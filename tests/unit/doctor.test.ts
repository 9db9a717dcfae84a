// The doctor's cause mapping, one recorded or API-shaped fixture per cause (tests/fixtures/doctor/).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    analyzeAgent,
    diagnose,
    expectationsFromValues,
    formatReport,
    imageRegistry,
    podSecurityViolations,
    releaseRevisions,
    type AgentExpectations,
    type AgentReport,
    type ClusterSnapshot,
    type Finding,
    type KubeEvent,
    type KubeReader,
    type Pod,
    type Secret,
    type ServiceAccount,
} from "../../doctor";
import { KubeClient } from "../../doctor/kube";
import {
    failureExplanation,
    kubeClientFor,
    programKubeClient,
    progressLine,
    rememberKubeConnection,
    releaseWaitHooks,
    targetOfReleaseInputs,
} from "../../doctor/releaseHooks";
import type { Deployment } from "../../doctor/types";
import { CAUSE_RULES } from "../../doctor/causes";
import { runUnderMocks } from "../../scripts/lib/mockRun";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceHook } from "@pulumi/pulumi";

const DIR = path.join(__dirname, "..", "fixtures", "doctor");

interface Base {
    chartValues: Record<string, unknown>;
    secrets: Secret[];
    serviceAccounts: ServiceAccount[];
    deployments: Deployment[];
    wrongRegistryPullSecret: Secret;
}
interface Scenario {
    pods?: Pod[];
    events?: KubeEvent[];
    logs?: Record<string, string>;
}

function read(name: string): unknown {
    return JSON.parse(fs.readFileSync(path.join(DIR, name), "utf8"));
}
const loadScenario = (name: string): Scenario => read(name) as Scenario;

const base = read("base.json") as Base;
/** Fake secret values in base.json, raw and as stored (base64). */
const SECRET_VALUES = ["PULL-SECRET-VALUE-must-not-leak", "TOKEN-VALUE-must-not-leak", "LINEAGE-VALUE-must-not-leak"];
const SECRET_FORMS = [
    ...SECRET_VALUES,
    ...SECRET_VALUES.map((v) => Buffer.from(v).toString("base64")),
    ...base.secrets.flatMap((s) => Object.values(s.data ?? {})),
    ...Object.values(base.wrongRegistryPullSecret.data ?? {}),
];

function expectations(): AgentExpectations {
    return expectationsFromValues(base.chartValues, { agent: "test", backendKind: "aws" });
}

function snapshot(extra: Partial<ClusterSnapshot> = {}, scenario?: string): ClusterSnapshot {
    const s: Scenario = scenario === undefined ? {} : loadScenario(scenario);
    return {
        namespaceExists: true,
        pods: s.pods ?? [],
        events: s.events ?? [],
        secrets: base.secrets,
        serviceAccounts: base.serviceAccounts,
        deployments: base.deployments,
        nodeCount: 3,
        logs: s.logs ?? {},
        ...extra,
    };
}

function allFindings(r: AgentReport): Finding[] {
    return [...r.findings, ...r.components.flatMap((c) => c.findings)];
}

/** The causes the fixture tests of this file produced (through {@link run}). */
const produced = new Set<string>();

/** Runs the mapping, checks secrecy of both outputs, returns the report. */
function run(
    snap: ClusterSnapshot,
    options: Parameters<typeof analyzeAgent>[2] = {},
    expect: AgentExpectations = expectations(),
): AgentReport {
    const report = analyzeAgent(expect, snap, { now: Date.parse("2026-11-30T03:00:00Z"), ...options });
    for (const f of allFindings(report)) {
        produced.add(f.cause);
    }
    const text = `${JSON.stringify(report)}\n${formatReport({ ok: report.ok, agents: [report] })}`;
    for (const secret of SECRET_FORMS) {
        assert.ok(!text.includes(secret), `a report contains a secret value (${secret.slice(0, 12)}…)`);
    }
    return report;
}

function only(report: AgentReport, cause: string): Finding {
    const found = allFindings(report);
    assert.deepEqual(
        found.map((f) => f.cause),
        [cause],
        JSON.stringify(found, null, 1),
    );
    assert.equal(report.ok, false);
    return found[0] as Finding;
}

describe("doctor: expectations from chart values", () => {
    it("names every component, its Deployment, ServiceAccount, config path and image", () => {
        const e = expectations();
        assert.deepEqual(
            e.components.map((c) => [c.key, c.configPath, c.deployment, c.serviceAccount, c.container, c.ownImage]),
            [
                ["worker:default", "workers[0]", "astro-worker-default", "astro-worker-default", "worker", false],
                ["dagProcessor", "dagProcessor", "astro-dag-processor", "astro-dag-processor", "dag-processor", false],
                ["triggerer", "triggerer", "astro-triggerer", "astro-triggerer", "triggerer", false],
                ["sentinel", "sentinel", "astro-sentinel", "astro-sentinel", "sentinel", true],
            ],
        );
        assert.deepEqual(
            e.secrets.map((s) => [s.name, s.dataKey, s.type]),
            [
                ["astro-agent-token", "token", undefined],
                ["astro-image-pull", ".dockerconfigjson", "kubernetes.io/dockerconfigjson"],
                ["astro-openlineage-api-key", "api-key", undefined],
            ],
        );
        assert.deepEqual(e.serviceAccountAnnotations, {
            "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/astro-agent",
        });
        assert.equal(e.restricted, true);
    });

    it("an agentTokenFile expects no token Secret; a missing prefix is refused", () => {
        const rest = Object.fromEntries(Object.entries(base.chartValues).filter(([k]) => k !== "agentTokenSecretName"));
        const e = expectationsFromValues({ ...rest, agentTokenFile: "/var/run/token" });
        assert.deepEqual(
            e.secrets.map((s) => s.name),
            ["astro-image-pull", "astro-openlineage-api-key"],
        );
        assert.throws(() => expectationsFromValues({ namespace: "x" }), /resourceNamePrefix/);
    });
});

describe("doctor: cause mapping", () => {
    it("a healthy agent has no findings", () => {
        const r = run(snapshot());
        assert.deepEqual(allFindings(r), []);
        assert.equal(r.ok, true);
        assert.deepEqual(
            r.components.map((c) => c.ready),
            ["1/1", "1/1", "1/1", "1/1"],
        );
    });

    it("ImagePullBackOff with 401 → imagePullCredentials / imagePullSecretName; the Secret has the registry", () => {
        const f = only(run(snapshot({}, "image-pull-auth.json")), "image-pull-auth");
        assert.equal(f.component, "worker:default");
        assert.deepEqual(f.configKeys, ["imagePullCredentials", "imagePullSecretName", "imagePullFromNodes"]);
        assert.match(f.summary, /has an entry for images\.astronomer\.cloud, so the credentials are refused/);
        assert.deepEqual(f.objects, ["pod/astro-worker-default-5d4f89bd9f-x7k2p"]);
    });

    it("ImagePullBackOff with a pull Secret for another registry → both the pod and the Secret say so", () => {
        const secrets = [base.secrets[0] as Secret, base.wrongRegistryPullSecret, base.secrets[2] as Secret];
        const r = run(snapshot({ secrets }, "image-pull-auth.json"));
        assert.deepEqual(
            allFindings(r).map((f) => [f.component, f.cause]),
            [
                ["agent", "pull-secret-registry"],
                ["worker:default", "image-pull-auth"],
            ],
        );
        const [secret, pod] = allFindings(r) as [Finding, Finding];
        assert.deepEqual(secret.configKeys, ["imagePullCredentials.registry", "imagePullSecretName"]);
        assert.match(secret.summary, /credentials for registry\.example\.com, not for images\.astronomer\.cloud/);
        assert.match(pod.summary, /has no entry for images\.astronomer\.cloud \(it has registry\.example\.com\)/);
    });

    it("a pull Secret with no registry entries (imagePullFromNodes) is not a wrong registry; a refusal names the node's credentials", () => {
        const fromNodes: Secret = {
            ...base.wrongRegistryPullSecret,
            data: { ".dockerconfigjson": Buffer.from('{"auths":{}}').toString("base64") },
        };
        const secrets = [base.secrets[0] as Secret, fromNodes, base.secrets[2] as Secret];
        assert.deepEqual(allFindings(run(snapshot({ secrets }))), []);
        const f = only(run(snapshot({ secrets }, "image-pull-auth.json")), "image-pull-auth");
        assert.deepEqual(f.configKeys, ["imagePullCredentials", "imagePullSecretName", "imagePullFromNodes"]);
        assert.match(
            f.summary,
            /has no registry entries \(imagePullFromNodes\), so the node's own credentials were refused: the node role needs pull access to images\.astronomer\.cloud$/,
        );
    });

    it("ErrImagePull 'not found' → the image key", () => {
        const f = only(run(snapshot({}, "image-not-found.json")), "image-not-found");
        assert.deepEqual(f.configKeys, ["image"]);
    });

    it("ImagePullBackOff neither refused nor not found (registry unreachable) → image, pull credentials, proxy", () => {
        const f = only(run(snapshot({}, "image-pull-unreachable.json")), "image-pull");
        assert.deepEqual(f.configKeys, ["image", "imagePullCredentials", "imagePullSecretName", "proxy"]);
        assert.match(f.summary, /^container worker cannot pull images\.astronomer\.cloud\/.*: Back-off pulling image /);
        assert.match(
            f.summary,
            /" Failed to pull image "images\.astronomer\.cloud\/.*…$/,
            "the event text, cut at 300 characters",
        );
        assert.deepEqual(f.objects, ["pod/astro-worker-default-5d4f89bd9f-t2w6d"]);
    });

    it("recorded: FailedCreate from a quota and no pod → pod-rejected, the component's resources", () => {
        const f = only(run(snapshot({}, "recorded-pod-rejected-quota.json")), "pod-rejected");
        assert.equal(f.component, "worker:default");
        assert.deepEqual(f.configKeys, ["workers[0].resources"]);
        assert.match(
            f.summary,
            /^the API server refuses its pods: Error creating: pods "astro-worker-default-7d9f867b66-[a-z0-9]{5}" is forbidden: exceeded quota: astro-rec-quota, requested: limits\.memory=4Gi/,
        );
        assert.deepEqual(f.objects, ["replicaset/astro-worker-default-7d9f867b66"]);
    });

    it("recorded (kwok-simulated status): a container in CrashLoopBackOff, exit code 1 → crash, naming the component", () => {
        const r = run(snapshot({}, "recorded-kwok-crashloop.json"));
        const f = only(r, "crash");
        assert.equal(f.component, "worker:default");
        assert.match(f.summary, /^container worker keeps exiting \(Error, exit code 1, 5 restarts\)$/);
        assert.deepEqual(
            r.components[0]?.pods[0]?.containers.map((c) => c.state),
            ["waiting: CrashLoopBackOff"],
        );
    });

    it("a crash whose log says the token was rejected → agentToken / agentTokenSecretName", () => {
        const r = run(snapshot({}, "crash-token-rejected.json"));
        const f = only(r, "agent-token-rejected");
        assert.deepEqual(f.configKeys, ["agentToken", "agentTokenSecretName"]);
        assert.match(f.summary, /5 restarts/);
        const pod = r.components[0]?.pods[0];
        assert.ok(pod);
        assert.equal(pod.restarts, 5);
        assert.deepEqual(
            pod.containers.map((c) => c.state),
            ["waiting: CrashLoopBackOff"],
        );
        assert.ok(!JSON.stringify(r).includes("heartbeat failed"), "log lines are not copied into the report");
    });

    it("a crash with 403 in the log → the Astro IDs and API URL", () => {
        const f = only(run(snapshot({}, "crash-forbidden.json")), "agent-forbidden");
        assert.deepEqual(f.configKeys, [
            "astro.organizationId",
            "astro.workspaceId",
            "astro.deploymentId",
            "astro.deploymentNamespace",
            "astroDeploymentAPIURL",
        ]);
    });

    it("any other crash → the log command, exit code and restarts", () => {
        const f = only(run(snapshot({}, "crash-other.json")), "crash");
        assert.match(f.summary, /Error, exit code 2, 5 restarts/);
        assert.match(f.fix, /kubectl logs -n astro-rec astro-worker-default-5d4f89bd9f-c4r5h -c worker --previous/);
    });

    it("OOMKilled → the component's memory limit", () => {
        const f = only(run(snapshot({}, "oom-killed.json")), "oom-killed");
        assert.deepEqual(f.configKeys, ["workers[0].resources.limits.memory", "workers[0].resources.requests.memory"]);
    });

    // The real scheduler counts the tainted "workers" node as "untolerated taint(s)" in every message, so
    // tolerations is always named, last.
    for (const [file, keys] of [
        ["recorded-unschedulable-resources.json", ["workers[0].resources.requests.memory", "workers[0].tolerations"]],
        [
            "recorded-unschedulable-taint.json",
            ["workers[0].nodeSelector", "workers[0].affinity", "workers[0].tolerations"],
        ],
        [
            "recorded-unschedulable-selector.json",
            ["workers[0].nodeSelector", "workers[0].affinity", "workers[0].tolerations"],
        ],
    ] as const) {
        it(`recorded: Pending, Unschedulable (${file}) → ${keys.join(", ")}`, () => {
            const f = only(run(snapshot({}, file)), "unschedulable");
            assert.deepEqual(f.configKeys, keys);
            assert.match(f.summary, /^pod cannot be scheduled: 0\/\d nodes are available/);
        });
    }

    it("recorded: Pending with no node at all → not-scheduled per component and no-nodes", () => {
        const r = run(snapshot({ nodeCount: 0 }, "recorded-pending-pod.json"));
        assert.deepEqual(
            allFindings(r).map((f) => [f.component, f.cause]),
            [
                ["agent", "no-nodes"],
                ["dagProcessor", "not-scheduled"],
            ],
        );
        assert.deepEqual(r.components[1]?.findings[0]?.configKeys, [
            "dagProcessor.nodeSelector",
            "dagProcessor.tolerations",
            "dagProcessor.resources",
        ]);
    });

    it("recorded: a fresh Pending pod on a cluster with nodes is not a problem yet; after the grace period it is", () => {
        const pending = snapshot({}, "recorded-pending-pod.json");
        const created = Date.parse(pending.pods[0]?.metadata.creationTimestamp ?? "");
        assert.equal(run(pending, { now: created + 10_000 }).ok, true);
        const f = only(run(pending, { now: created + 120_000 }), "not-scheduled");
        assert.match(f.summary, /Pending for 120s/);
    });

    it("recorded: FailedCreate PodSecurity → restricted and the fields and containers that violate it", () => {
        const f = only(run(snapshot({}, "recorded-podsecurity-events.json")), "pod-security");
        assert.equal(f.component, "worker:default");
        assert.deepEqual(f.configKeys, [
            "restricted",
            "workers[0].containerSecurityContext",
            "workers[0].podSecurityContext",
            "loggingSidecar.securityContext",
        ]);
        assert.match(f.summary, /PodSecurity "restricted:v1\.30" rejects the pods/);
        assert.match(
            f.summary,
            /allowPrivilegeEscalation != false: must set securityContext\.allowPrivilegeEscalation=false \(worker\)/,
        );
        assert.match(
            f.summary,
            /runAsNonRoot != true: must set securityContext\.runAsNonRoot=true \(worker, vector-logging-sidecar\)/,
        );
    });

    it("recorded: FailedCreate for a missing ServiceAccount → service-account-missing", () => {
        const serviceAccounts = base.serviceAccounts.filter((s) => s.metadata.name !== "astro-triggerer");
        const f = only(
            run(snapshot({ serviceAccounts }, "recorded-missing-sa-events.json")),
            "service-account-missing",
        );
        assert.equal(f.component, "triggerer");
        assert.deepEqual(f.configKeys, ["triggerer.serviceAccount"]);
    });

    it("identity annotation missing or different → the backend's identity key", () => {
        const serviceAccounts = base.serviceAccounts.map((s) =>
            s.metadata.name === "astro-sentinel"
                ? { metadata: { ...s.metadata, annotations: {} } }
                : s.metadata.name === "astro-triggerer"
                  ? {
                        metadata: {
                            ...s.metadata,
                            annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/other" },
                        },
                    }
                  : s,
        );
        const r = run(snapshot({ serviceAccounts }), {
            identityKeys: { "eks.amazonaws.com/role-arn": "backend.identity" },
        });
        const found = allFindings(r);
        assert.deepEqual(
            found.map((f) => [f.component, f.cause, f.configKeys]),
            [
                ["triggerer", "identity-annotation", ["backend.identity"]],
                ["sentinel", "identity-annotation", ["backend.identity"]],
            ],
        );
        assert.match(found[0]?.summary ?? "", /is arn:aws:iam::123456789012:role\/other, the backend expects/);
        assert.match(found[1]?.summary ?? "", /lacks identity annotation eks\.amazonaws\.com\/role-arn/);
        // Without the backend's key map, the key is named from the backend kind.
        assert.deepEqual(allFindings(run(snapshot({ serviceAccounts })))[0]?.configKeys, ["backend (aws identity)"]);
    });

    it("Secrets the chart expects: missing, wrong type, missing key", () => {
        const [token, pull, lineage] = base.secrets as [Secret, Secret, Secret];
        const r = run(
            snapshot({
                secrets: [
                    { ...pull, type: "Opaque" },
                    { ...lineage, data: { apikey: lineage.data?.["api-key"] ?? "" } },
                ],
            }),
        );
        assert.deepEqual(
            allFindings(r).map((f) => [f.cause, f.objects[0], f.configKeys]),
            [
                ["secret-missing", "secret/astro-agent-token", ["agentToken", "agentTokenSecretName"]],
                ["secret-wrong-type", "secret/astro-image-pull", ["imagePullCredentials", "imagePullSecretName"]],
                [
                    "secret-key-missing",
                    "secret/astro-openlineage-api-key",
                    ["openLineage.apiKey", "openLineage.apiKeySecretName"],
                ],
            ],
        );
        assert.ok(token.data?.token !== undefined);
    });

    it("CreateContainerConfigError naming the token Secret → agentToken / agentTokenSecretName", () => {
        const f = only(run(snapshot({}, "create-config-error.json")), "container-config");
        assert.deepEqual(f.configKeys, ["agentToken", "agentTokenSecretName"]);
    });

    it("running but failing readiness → the probes", () => {
        const f = only(run(snapshot({}, "not-ready.json")), "not-ready");
        assert.deepEqual(f.configKeys, ["workers[0].readinessProbe", "workers[0].livenessProbe"]);
    });

    it("a missing Deployment and a missing namespace", () => {
        const deployments = base.deployments.filter((d) => d.metadata.name !== "astro-sentinel");
        const f = only(run(snapshot({ deployments })), "deployment-missing");
        assert.equal(f.component, "sentinel");
        const g = only(run(snapshot({ namespaceExists: false })), "namespace-missing");
        assert.deepEqual(g.configKeys, ["namespace", "createNamespace"]);
    });

    it("objects only: Pending pods are not looked at; missing objects still are", () => {
        const pending = snapshot({ nodeCount: 0 }, "recorded-pending-pod.json");
        assert.equal(run(pending, { objectsOnly: true }).ok, true);
        const serviceAccounts = base.serviceAccounts.filter((s) => s.metadata.name !== "astro-dag-processor");
        only(run({ ...pending, serviceAccounts }, { objectsOnly: true }), "service-account-missing");
    });

    it("the text report names each component, the cause, the fix and the config keys", () => {
        const r = run(snapshot({ nodeCount: 0 }, "recorded-pending-pod.json"));
        const text = formatReport({ ok: r.ok, agents: [r] });
        assert.match(text, /^agent test \(namespace astro-rec\): NOT HEALTHY, 2 problems$/m);
        assert.match(text, /^ {2}dagProcessor \(dagProcessor; Deployment astro-dag-processor\): 1\/1 ready$/m);
        assert.match(text, /^ {4}ERROR not-scheduled: pod is Pending: the cluster has no nodes to run it$/m);
        assert.match(
            text,
            /^ {10}config: dagProcessor\.nodeSelector, dagProcessor\.tolerations, dagProcessor\.resources$/m,
        );
    });
});

describe("doctor: helpers", () => {
    it("imageRegistry", () => {
        assert.equal(imageRegistry("images.astronomer.cloud/baseimages/a:1"), "images.astronomer.cloud");
        assert.equal(imageRegistry("timberio/vector:0.45.0"), "docker.io");
        assert.equal(imageRegistry("busybox"), "docker.io");
        assert.equal(imageRegistry("localhost:5000/a"), "localhost:5000");
    });

    it("podSecurityViolations splits the recorded message into checks", () => {
        const [event] = loadScenario("recorded-podsecurity-events.json").events ?? [];
        assert.deepEqual(
            podSecurityViolations(event?.message ?? "").map((v) => v.check),
            [
                "allowPrivilegeEscalation != false",
                "unrestricted capabilities",
                "runAsNonRoot != true",
                "seccompProfile",
            ],
        );
    });
});

describe("doctor: a Helm release an interrupted up left behind", () => {
    const stuck = read("recorded-release-pending-install.json") as {
        releaseName: string;
        releaseSecrets: Parameters<typeof releaseRevisions>[0];
    };
    const revisions = releaseRevisions(stuck.releaseSecrets, stuck.releaseName);
    const expect = (releaseInState?: boolean) =>
        expectationsFromValues(base.chartValues, {
            agent: "dev",
            backendKind: "aws",
            releaseName: stuck.releaseName,
            recoverCommand: "npm run recover -- --stack dev",
            ...(releaseInState === undefined ? {} : { releaseInState }),
        });

    it("recorded pending-install (pods Pending as well) → release-stuck first, with status, revision and the command", () => {
        const r = run(snapshot({ releaseRevisions: revisions }, "recorded-pending-pod.json"), {}, expect());
        const first = allFindings(r)[0] as Finding;
        assert.equal(first.cause, "release-stuck");
        assert.equal(
            first.summary,
            'Helm release astro-dev is stuck in pending-install at revision 1 (an install or upgrade was cut off: a killed `pulumi up` or an API server outage); every `up` fails with "cannot re-use a name that is still in use" until it is recovered',
        );
        assert.equal(
            first.fix,
            "run `npm run recover -- --stack dev` (add --dry-run to see what it does first), then `pulumi up` (docs/recovery.md)",
        );
        assert.deepEqual(first.objects, ["secret/sh.helm.release.v1.astro-dev.v1"]);
        const text = formatReport({ ok: r.ok, agents: [r] }).split("\n");
        assert.match(text[1] ?? "", /^ {2}ERROR release-stuck: Helm release astro-dev is stuck in pending-install/);
    });

    it("a deployed release the state does not hold → release-not-in-state; held, or not known → nothing", () => {
        const deployed = revisions.map((x) => ({ ...x, status: "deployed" }));
        const missing = run(snapshot({ releaseRevisions: deployed }), {}, expect(false));
        assert.deepEqual(
            allFindings(missing).map((f) => f.cause),
            ["release-not-in-state"],
        );
        assert.match((allFindings(missing)[0] as Finding).fix, /^run `npm run recover -- --stack dev` \(it imports/);
        for (const inState of [true, undefined]) {
            assert.deepEqual(allFindings(run(snapshot({ releaseRevisions: deployed }), {}, expect(inState))), []);
        }
    });

    it("diagnose() reads the release's Secrets by Helm's labels, metadata only", async () => {
        const asked: string[] = [];
        const client: KubeReader = {
            get<T>(p: string, opts?: { metadataOnly?: boolean }): Promise<T | undefined> {
                if (p.includes("/secrets?")) {
                    asked.push(`${p} metadataOnly=${String(opts?.metadataOnly)}`);
                    return Promise.resolve({ items: stuck.releaseSecrets } as T);
                }
                return Promise.resolve(p === "/api/v1/namespaces/astro-rec" ? ({ metadata: {} } as T) : undefined);
            },
        };
        const report = await diagnose(
            { agent: "dev", chartValues: base.chartValues, releaseName: "astro-dev" },
            { client, objectsOnly: true },
        );
        assert.deepEqual(asked, [
            "/api/v1/namespaces/astro-rec/secrets?labelSelector=owner%3Dhelm%2Cname%3Dastro-dev metadataOnly=true",
        ]);
        const first = report.agents[0]?.findings[0] as Finding;
        assert.equal(first.cause, "release-stuck");
        assert.match(first.fix, /npm run recover -- --stack dev/);
    });
});

describe("doctor: diagnose() over a fleet", () => {
    it("reads each agent's namespace through the client (Secrets by name only) and reports each", async () => {
        const requested: string[] = [];
        const objects: Record<string, unknown> = {
            "/api/v1/namespaces/astro-rec": { metadata: { name: "astro-rec" } },
            "/api/v1/namespaces/astro-rec/pods": { items: loadScenario("recorded-pending-pod.json").pods },
            "/api/v1/namespaces/astro-rec/events": { items: [] },
            "/api/v1/namespaces/astro-rec/serviceaccounts": { items: base.serviceAccounts },
            "/apis/apps/v1/namespaces/astro-rec/deployments": { items: base.deployments },
            "/api/v1/nodes?limit=1": { items: [] },
            ...Object.fromEntries(
                base.secrets.map((s) => [`/api/v1/namespaces/astro-rec/secrets/${s.metadata.name}`, s]),
            ),
        };
        const client: KubeReader = {
            get<T>(p: string): Promise<T | undefined> {
                requested.push(p);
                return Promise.resolve(objects[p] as T | undefined);
            },
        };
        const report = await diagnose(
            [
                { agent: "eu", chartValues: base.chartValues },
                { agent: "us", chartValues: { ...base.chartValues, namespace: "astro-us" } },
            ],
            { client },
        );
        assert.equal(report.ok, false);
        assert.deepEqual(
            report.agents.map((a) => [a.agent, a.namespace, allFindings(a).map((f) => `${f.component}:${f.cause}`)]),
            [
                ["eu", "astro-rec", ["agent:no-nodes", "dagProcessor:not-scheduled"]],
                ["us", "astro-us", ["agent:namespace-missing"]],
            ],
        );
        assert.ok(!requested.some((p) => /\/secrets$/.test(p)), "never lists Secrets");
    });
});

describe("doctor: the release wait hooks", () => {
    const inputs = { name: "astro", namespace: "astro-rec", values: base.chartValues, skipAwait: false };

    function fakeClient(requested: string[]): KubeReader {
        return {
            get<T>(p: string): Promise<T | undefined> {
                requested.push(p);
                return Promise.resolve(undefined);
            },
        };
    }

    it("reads the doctor target from the Release inputs, and nothing from inputs that are not plain", () => {
        assert.deepEqual(targetOfReleaseInputs(inputs), {
            agent: "astro",
            chartValues: base.chartValues,
            namespace: "astro-rec",
            releaseName: "astro",
        });
        assert.equal(targetOfReleaseInputs({ ...inputs, values: "[unknown]" }), undefined);
        assert.equal(targetOfReleaseInputs({ ...inputs, namespace: undefined }), undefined);
        assert.equal(targetOfReleaseInputs(undefined), undefined);
    });

    it("a progress line gives each component's ready count and first cause", () => {
        const r = run(snapshot({ nodeCount: 0 }, "recorded-pending-pod.json"));
        assert.equal(
            progressLine({ ok: r.ok, agents: [r] }, 40.4),
            "waiting for the agent (40s): worker:default 1/1, dagProcessor 1/1 (not-scheduled), triggerer 1/1, sentinel 1/1",
        );
        assert.match(
            failureExplanation({ ok: r.ok, agents: [r] }, "prod"),
            /`npm run doctor -- --stack prod` prints it again[^\n]*\nagent test \(namespace astro-rec\): NOT HEALTHY/,
        );
    });

    it("on a failed create the error hook examines the agent's namespace and never asks to retry", async () => {
        const requested: string[] = [];
        const hooks = releaseWaitHooks("astro-agent-release", () => undefined, { client: () => fakeClient(requested) });
        const [explain] = hooks.onError;
        assert.ok(explain);
        assert.equal(explain.name, "astro-agent-release-explain");
        const args = { urn: "u", id: "", name: "n", type: "t", newInputs: inputs, errors: ["timed out"] };
        assert.equal(await explain.callback({ ...args, failedOperation: "create" }), false);
        assert.deepEqual(requested, ["/api/v1/namespaces/astro-rec"]);
        assert.equal(await explain.callback({ ...args, failedOperation: "delete" }), false);
        assert.equal(requested.length, 1, "a failed delete is not examined");
    });

    it("the progress poller starts only when Helm waits, and stops when the release is done", async () => {
        const requested: string[] = [];
        const hooks = releaseWaitHooks("r", () => undefined, {
            progressSeconds: 0.02,
            client: () => fakeClient(requested),
        });
        const count = () => requested.length;
        const [start] = hooks.beforeCreate;
        const [done] = hooks.afterCreate;
        assert.ok(start instanceof ResourceHook && done instanceof ResourceHook);
        const args = { urn: "u", id: "", name: "n", type: "t" };
        await start.callback({ ...args, newInputs: { ...inputs, skipAwait: true } });
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(count(), 0, "skipAwait: no poller");
        await start.callback({ ...args, newInputs: inputs });
        await new Promise((r) => setTimeout(r, 100));
        assert.notEqual(count(), 0, "the poller reads the namespace");
        await done.callback({ ...args, newInputs: inputs });
        const after = count();
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(count(), after, "stopped");
    });

    it("a look under way when the release is done reads nothing more and logs nothing", async () => {
        const requested: string[] = [];
        const logged: string[] = [];
        const slow: KubeReader = {
            get<T>(p: string): Promise<T | undefined> {
                requested.push(p);
                return new Promise((resolve) =>
                    setTimeout(() => {
                        resolve(undefined);
                    }, 30),
                );
            },
        };
        const hooks = releaseWaitHooks("r", () => undefined, { progressSeconds: 0.01, client: () => slow });
        const [start] = hooks.beforeCreate;
        const [done] = hooks.afterCreate;
        assert.ok(start instanceof ResourceHook && done instanceof ResourceHook);
        const info = pulumi.log.info;
        pulumi.log.info = (msg: string) => {
            logged.push(msg);
            return Promise.resolve();
        };
        try {
            const args = { urn: "u", id: "", name: "n", type: "t", newInputs: inputs };
            await start.callback(args);
            while (requested.length === 0) {
                await new Promise((r) => setTimeout(r, 2));
            }
            await done.callback(args); // the first request of the first look is still waiting
            const after = requested.length;
            await new Promise((r) => setTimeout(r, 150));
            assert.equal(requested.length, after, `read after the release was done: ${requested.join(", ")}`);
            assert.deepEqual(logged, []);
        } finally {
            pulumi.log.info = info;
        }
    });

    it("a release through a provider the program cannot read back polls nothing and says to run the doctor", async () => {
        const hooks = releaseWaitHooks("r", () => undefined, { client: null, progressSeconds: 0.02 });
        const [start] = hooks.beforeCreate;
        const [explain] = hooks.onError;
        assert.ok(start instanceof ResourceHook && explain);
        const args = { urn: "u", id: "", name: "n", type: "t", newInputs: inputs };
        await start.callback(args);
        assert.equal(await explain.callback({ ...args, errors: ["timed out"], failedOperation: "create" }), false);
    });

    it("hooks reach the release's own cluster: the stack's for the default provider, a fleet cluster's, none for one passed in", async () => {
        await runUnderMocks({
            project: "p",
            stack: "s",
            config: {},
            program: () => {
                assert.equal(kubeClientFor(undefined), programKubeClient);
                const kubeconfig = [
                    "apiVersion: v1",
                    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
                    "users: [{name: u, user: {token: t}}]",
                    "contexts: [{name: east, context: {cluster: c, user: u}}]",
                    "current-context: east",
                ].join("\n");
                const fleet = new k8s.Provider("fleet-east", { kubeconfig });
                rememberKubeConnection(fleet, { kubeconfig: pulumi.secret(kubeconfig), context: "east" });
                const opaque = new k8s.Provider("passed-in", {});
                assert.equal(kubeClientFor(opaque), undefined);
                const client = kubeClientFor(fleet);
                assert.ok(client);
                return new Promise<void>((resolve) => setTimeout(resolve, 10)).then(() => {
                    assert.ok(client() instanceof KubeClient);
                });
            },
        });
    });
});

// Last in this file: it reads what the fixture tests above produced.
describe("doctor: the table of causes", () => {
    const ids = CAUSE_RULES.map((r) => r.id);

    it("has one row per cause: no id twice", () => {
        assert.deepEqual(
            ids.filter((id, i) => ids.indexOf(id) !== i),
            [],
        );
    });

    it("its rows are the causes docs/doctor.md lists", () => {
        const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "doctor.md"), "utf8");
        const table = /\n## Causes\n[\s\S]*?\n(\| cause [\s\S]*?)\n\n/.exec(doc)?.[1];
        assert.ok(table, "docs/doctor.md has the table of causes");
        const documented = table
            .split("\n")
            .slice(2)
            .flatMap((line) => [...(line.split("|")[1] ?? "").matchAll(/`([a-z-]+)`/g)].map((m) => m[1]));
        assert.deepEqual([...documented].sort(), [...ids].sort());
    });

    it("every row is produced by at least one fixture test above", () => {
        assert.ok(produced.size > 0, "run with the whole file: the fixture tests above fill `produced`");
        assert.deepEqual(
            ids.filter((id) => !produced.has(id)),
            [],
        );
    });
});
