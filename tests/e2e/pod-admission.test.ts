// The pod guard agrees with the real PodSecurity admission, both ways. A generated corpus of configs
// (tests/lib/podSecurityCases.ts: every control, allowed and forbidden values, through typed keys,
// per-component and top-level extraValues and the chart's global/sidecar keys) is turned into final
// chart values; the chart templates (the stand-in chart) are rendered by Helm's own renderer inside the
// Kubernetes provider (the `kubernetes:helm:template` invoke, from one inline Pulumi program on the
// engine); every pod template goes to the local API server as a server-side dry-run Pod create in a
// namespace enforcing `restricted` or `baseline`. A config is admitted when the chart renders and every
// one of its pods is admitted; the guard must accept exactly the admitted configs.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { podSecurityProblems, finalChartValues } from "../../chart/podGuard";
import { validateRawConfig } from "../../config/load";
import type { AgentConfig } from "../../config/schema";
import { baseValues, raw } from "../fixtures/config";
import { agentObjectNames, serviceAccountRefs } from "../../chart/names";
import { componentServiceAccountAutomount } from "../../chart/values";
import { podCorpus, type Level, type PodCase } from "../lib/podSecurityCases";
import { e2eWorld, STAND_IN_CHART } from "./harness";
import type { Kube } from "./kube";
import { fixtureConfig } from "../lib/fixtureStacks";

const CORPUS_SIZE = 400;
const SEED = 2336;
const NS: Record<Level, string> = { restricted: "pss-restricted", baseline: "pss-baseline" };

type Obj = Record<string, unknown>;

interface Rendered {
    objects?: Obj[];
    error?: string;
}

/** Renders every values tree with Helm inside the Kubernetes provider, from one inline program run. */
async function renderAll(
    jobs: { values: Obj; namespace: string }[],
    env: Record<string, string>,
    stateDir: string,
): Promise<Rendered[]> {
    const out: Rendered[] = jobs.map(() => ({}));
    const program = async () => {
        await Promise.all(
            jobs.map(async (job, i) => {
                const jsonOpts = JSON.stringify({
                    path: STAND_IN_CHART,
                    values: job.values,
                    namespace: job.namespace,
                    release_name: "astro",
                });
                try {
                    const r = (await pulumi.runtime.invoke("kubernetes:helm:template", { jsonOpts })) as {
                        result: Obj[];
                    };
                    out[i] = { objects: r.result };
                } catch (err) {
                    out[i] = { error: String(err) };
                }
            }),
        );
        return {};
    };
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-pod-admission-"));
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "render", projectName: "pod-admission", program },
        {
            workDir,
            envVars: env,
            projectSettings: { name: "pod-admission", runtime: "nodejs", backend: { url: `file://${stateDir}` } },
        },
    );
    await stack.preview();
    return out;
}

async function ensureNamespace(kube: Kube, name: string, level: Level): Promise<void> {
    const labels = {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
    };
    const r = await kube.request("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels },
    });
    assert.ok(r.status < 300 || r.status === 409, JSON.stringify(r.body));
}

async function ensureServiceAccount(kube: Kube, ns: string, name: string, made: Set<string>): Promise<void> {
    if (made.has(`${ns}/${name}`)) {
        return;
    }
    const r = await kube.request("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name },
    });
    assert.ok(r.status < 300 || r.status === 409, JSON.stringify(r.body));
    made.add(`${ns}/${name}`);
}

/** The parsed config, whatever the whole-config checks would say (they are what is under test). */
function parsed(c: PodCase): AgentConfig {
    const r = validateRawConfig(raw(c.values), () => ({ problems: [], warnings: [] }));
    if (!r.ok) {
        throw new Error(`corpus case does not parse (${c.route}): ${JSON.stringify(r.problems)}`);
    }
    return r.config;
}

describe("pod guard vs the real PodSecurity admission (dry-run Pod creates)", function () {
    this.timeout(300_000);
    const world = e2eWorld("pod admission e2e");

    it(`agrees on every case of a generated corpus (${CORPUS_SIZE} configs, both levels)`, async () => {
        const { kube, env, project } = world;
        for (const level of ["restricted", "baseline"] as const) {
            await ensureNamespace(kube, NS[level], level);
        }
        const cases = podCorpus(CORPUS_SIZE, SEED).map((c) => {
            const cfg = parsed(c);
            return { c, cfg, guard: podSecurityProblems(cfg), values: finalChartValues(cfg) };
        });
        const rendered = await renderAll(
            cases.map((k) => ({ values: k.values, namespace: NS[k.c.level] })),
            env,
            project.stateDir,
        );
        const made = new Set<string>();
        const disagreements: string[] = [];
        let pods = 0;
        let podsAdmitted = 0;
        let chartRefused = 0;
        let guardAccepts = 0;
        for (const [i, k] of cases.entries()) {
            const r = rendered[i] ?? {};
            const ns = NS[k.c.level];
            let admitted = r.objects !== undefined;
            const reasons: string[] = [];
            if (r.error !== undefined) {
                chartRefused++;
                reasons.push(`chart: ${r.error.slice(0, 300)}`);
            }
            for (const obj of r.objects ?? []) {
                if (obj.kind !== "Deployment") {
                    continue;
                }
                const template = (obj.spec as { template: { metadata?: Obj; spec: Obj } }).template;
                const sa = template.spec.serviceAccountName;
                if (typeof sa === "string") {
                    await ensureServiceAccount(kube, ns, sa, made);
                }
                const pod = {
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { generateName: "probe-", ...(template.metadata ?? {}) },
                    spec: template.spec,
                };
                const res = await kube.request("POST", `/api/v1/namespaces/${ns}/pods?dryRun=All`, pod);
                pods++;
                if (res.status < 300) {
                    podsAdmitted++;
                } else {
                    admitted = false;
                    reasons.push(`${String((obj.metadata as Obj).name)}: ${String((res.body as Obj).message)}`);
                }
            }
            const accepted = k.guard.length === 0;
            if (accepted) {
                guardAccepts++;
            }
            if (accepted !== admitted) {
                disagreements.push(
                    `${k.c.level} via ${k.c.route} ${JSON.stringify(k.c.fragment)}: guard ${accepted ? "accepts" : `refuses (${k.guard.map((p) => p.key).join(", ")})`}, API server ${admitted ? "admits" : `refuses: ${reasons.join(" | ")}`}`,
                );
            }
        }
        const agree = cases.length - disagreements.length;
        console.log(
            `      pod admission corpus: ${cases.length} configs (${cases.filter((k) => k.c.level === "restricted").length} restricted, ${cases.filter((k) => k.c.level === "baseline").length} baseline), ${new Set(cases.map((k) => k.c.control)).size} controls, ${new Set(cases.map((k) => k.c.route)).size} routes; ${pods} pod dry-runs (${podsAdmitted} admitted); chart refused ${chartRefused}; guard accepts ${guardAccepts}; agreement ${agree}/${cases.length} (${((100 * agree) / cases.length).toFixed(1)} %)`,
        );
        assert.deepEqual(disagreements, []);
        // Both verdicts occur, so agreement is not trivial.
        assert.ok(guardAccepts > 0 && guardAccepts < cases.length);
    });

    it("admits every pod of the OpenShift-style stack (podIdentity: assignedByCluster) in a restricted namespace", async () => {
        const { kube, env, project } = world;
        await ensureNamespace(kube, NS.restricted, "restricted");
        const config = fixtureConfig("openshift");
        const [rendered] = await renderAll(
            [{ values: finalChartValues(config), namespace: NS.restricted }],
            env,
            project.stateDir,
        );
        assert.equal(rendered?.error, undefined);
        const made = new Set<string>();
        const verdicts: string[] = [];
        for (const obj of rendered?.objects ?? []) {
            if (obj.kind !== "Deployment") {
                continue;
            }
            const name = String((obj.metadata as Obj).name);
            const template = (obj.spec as { template: { metadata?: Obj; spec: Obj } }).template;
            // Nothing names a UID or group: the cluster assigns them.
            assert.doesNotMatch(JSON.stringify(template.spec), /"(runAsUser|runAsGroup|fsGroup)":[0-9]/, name);
            const sa = template.spec.serviceAccountName;
            if (typeof sa === "string") {
                await ensureServiceAccount(kube, NS.restricted, sa, made);
            }
            const res = await kube.request("POST", `/api/v1/namespaces/${NS.restricted}/pods?dryRun=All`, {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { generateName: "ocp-", ...(template.metadata ?? {}) },
                spec: template.spec,
            });
            verdicts.push(`${name}: ${res.status < 300 ? "admitted" : String((res.body as Obj).message)}`);
        }
        assert.deepEqual(verdicts.sort(), [
            "astro-ocp-dag-processor: admitted",
            "astro-ocp-sentinel: admitted",
            "astro-ocp-triggerer: admitted",
            "astro-ocp-worker-default: admitted",
        ]);
    });

    it("automountServiceAccountToken: false on the program's ServiceAccounts: stored by the API server, pods admitted in a restricted namespace without a token mount", async () => {
        const { kube, env, project } = world;
        const ns = "pss-automount";
        await ensureNamespace(kube, ns, "restricted");
        const values = baseValues();
        values.podDefaults = { automountServiceAccountToken: false };
        // Sentinel watches pods through the API: the config must keep its token (validation refuses false).
        values.sentinel = { automountServiceAccountToken: true };
        const checked = validateRawConfig(raw(values), () => ({ problems: [], warnings: [] }));
        assert.ok(checked.ok, JSON.stringify(checked));
        const config = checked.config;
        assert.equal(config.restricted, true);
        // The ServiceAccounts as the program creates them (components/agentServiceAccounts.ts).
        const automount = componentServiceAccountAutomount(config);
        const names = agentObjectNames({
            resourceNamePrefix: config.resourceNamePrefix,
            workers: config.workers,
            releaseName: config.release.name,
        });
        const stored: Record<string, unknown> = {};
        for (const sa of serviceAccountRefs(names, config.sentinel.enabled)) {
            const r = await kube.request("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, {
                apiVersion: "v1",
                kind: "ServiceAccount",
                metadata: { name: sa.name },
                automountServiceAccountToken: automount[sa.component],
            });
            assert.ok(r.status < 300, JSON.stringify(r.body));
            stored[sa.name] = (r.body as Obj).automountServiceAccountToken;
        }
        assert.deepEqual(stored, {
            "astro-worker-default-worker": false,
            "astro-dag-processor": false,
            "astro-triggerer": false,
            "astro-sentinel": true,
        });
        const [rendered] = await renderAll(
            [{ values: finalChartValues(config), namespace: ns }],
            env,
            project.stateDir,
        );
        assert.equal(rendered?.error, undefined);
        const TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
        const verdicts: string[] = [];
        for (const obj of rendered?.objects ?? []) {
            if (obj.kind !== "Deployment") {
                continue;
            }
            const template = (obj.spec as { template: { metadata?: Obj; spec: Obj } }).template;
            const res = await kube.request("POST", `/api/v1/namespaces/${ns}/pods?dryRun=All`, {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { generateName: "automount-", ...(template.metadata ?? {}) },
                spec: template.spec,
            });
            const pod = res.body as { spec?: { containers?: { volumeMounts?: { mountPath: string }[] }[] } };
            const mounted = (pod.spec?.containers ?? []).some((c) =>
                (c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_PATH),
            );
            verdicts.push(
                `${String((obj.metadata as Obj).name)}: ${res.status < 300 ? "admitted" : String((res.body as Obj).message)}, ${mounted ? "token mounted" : "no token"}`,
            );
        }
        // Sentinel (automount true) shows the API server's ServiceAccount admission does mount tokens here.
        assert.deepEqual(verdicts.sort(), [
            "astro-dag-processor: admitted, no token",
            "astro-sentinel: admitted, token mounted",
            "astro-triggerer: admitted, no token",
            "astro-worker-default-worker: admitted, no token",
        ]);
    });
});
