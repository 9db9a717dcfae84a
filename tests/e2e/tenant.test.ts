// Tenant namespaces on a real API server: a `pulumi up` of a restricted stack with `namespaceQuota`,
// `namespaceLimits` and `caBundle` creates the ResourceQuota and LimitRange (accepted as sent), and every
// agent pod is still admitted (PodSecurity `restricted`, LimitRanger, ResourceQuota: kube-apiserver's
// default admission plugins) although the quota is exactly what the pods take. Controls show the plugins
// are live: a pod without requests, and one above the LimitRange's max, are refused in that namespace.
import * as assert from "node:assert/strict";
import type { Stack } from "@pulumi/pulumi/automation";
import * as harness from "./harness";
import type { Kube } from "./kube";

const NS = "astro-e2e-tenant";
const STACK = "e2e-tenant";
const SMALL = { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
/** Five pods (two workers, dag processor, triggerer, Sentinel) of SMALL each: the quota is exactly that. */
const HARD = {
    "requests.cpu": "1250m",
    "requests.memory": "1280Mi",
    "limits.cpu": "2500m",
    "limits.memory": "2560Mi",
    pods: "5",
};
const LIMITS = {
    min: { cpu: "100m" },
    max: { cpu: "1", memory: "1Gi" },
    defaultRequest: { cpu: "100m", memory: "64Mi" },
};

interface Container {
    name: string;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Pod {
    metadata: { name: string };
    spec: { containers: Container[]; initContainers?: Container[] };
    status?: { phase?: string };
}
interface Quota {
    spec: { hard: Record<string, string> };
    status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

describe("end to end: tenant namespace quota and limits", function () {
    this.timeout(300_000);
    const world = harness.e2eWorld("tenant e2e");
    let kube: Kube;
    let stack: Stack;

    before(async () => {
        kube = world.kube;
        const doc = harness.withConfig(harness.readExample("dev"), {
            namespace: NS,
            chart: { path: harness.STAND_IN_CHART },
            restricted: true,
            acceptRisks: undefined,
            workers: [{ name: "default-worker", queues: ["default"], replicas: 2, resources: SMALL }],
            triggerer: { replicas: 1, resources: SMALL },
            dagProcessor: { resources: SMALL },
            sentinel: { resources: SMALL },
            namespaceQuota: { hard: HARD },
            namespaceLimits: LIMITS,
            caBundle: { configMapName: "corporate-ca" },
        });
        stack = await harness.openStack(world.project.dir, STACK, doc, world.env);
        const up = await stack.up();
        assert.equal(up.summary.result, "succeeded");
    });

    it("the ResourceQuota and LimitRange are stored as sent, in a namespace enforcing restricted", async () => {
        const ns = await kube.get<{ metadata: { labels: Record<string, string> } }>(`/api/v1/namespaces/${NS}`);
        assert.equal(ns?.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const quota = await kube.get<Quota>(`/api/v1/namespaces/${NS}/resourcequotas/astro-agent-quota`);
        assert.deepEqual(quota?.spec.hard, HARD);
        const lr = await kube.get<{ spec: { limits: Record<string, unknown>[] } }>(
            `/api/v1/namespaces/${NS}/limitranges/astro-agent-limits`,
        );
        // The API server defaults `default` to `max` and keeps the rest as sent.
        assert.deepEqual(lr?.spec.limits, [{ type: "Container", ...LIMITS, default: LIMITS.max }]);
    });

    it("every agent pod is admitted, carries requests and limits and the read-only CA mount; the quota is used to the full", async () => {
        await kube.waitFor(
            "five agent pods and the quota's usage",
            async () => {
                const q = await kube.get<Quota>(`/api/v1/namespaces/${NS}/resourcequotas/astro-agent-quota`);
                return q?.status?.used?.pods === "5";
            },
            90,
        );
        const pods = await kube.list<Pod>(`/api/v1/namespaces/${NS}/pods`);
        assert.equal(pods.length, 5, pods.map((p) => p.metadata.name).join(", "));
        for (const p of pods) {
            for (const c of [...p.spec.containers, ...(p.spec.initContainers ?? [])]) {
                const where = `${p.metadata.name}/${c.name}`;
                assert.ok(c.resources?.requests?.cpu !== undefined && c.resources.requests.memory !== undefined, where);
                assert.ok(c.resources.limits?.cpu !== undefined && c.resources.limits.memory !== undefined, where);
            }
            const main = p.spec.containers[0] as Container;
            assert.deepEqual(
                main.volumeMounts?.filter((m) => m.name === "ca-bundle"),
                [{ name: "ca-bundle", mountPath: "/etc/astro-agent/ca", readOnly: true }],
                p.metadata.name,
            );
        }
        const quota = await kube.get<Quota>(`/api/v1/namespaces/${NS}/resourcequotas/astro-agent-quota`);
        assert.deepEqual(quota?.status?.used, {
            "limits.cpu": "2500m",
            "limits.memory": "2560Mi",
            pods: "5",
            "requests.cpu": "1250m",
            "requests.memory": "1280Mi",
        });
    });

    it("controls: the namespace refuses a pod past the quota, and one above the LimitRange's max", async () => {
        const pod = (name: string, resources: Record<string, unknown>) => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name },
            spec: {
                securityContext: { runAsNonRoot: true, runAsUser: 50000, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        name: "c",
                        image: "registry.example.com/tools/busybox:1.36.1",
                        resources,
                        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                    },
                ],
            },
        });
        const extra = await kube.request("POST", `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod("extra", {}));
        assert.equal(extra.status, 403, JSON.stringify(extra.body));
        assert.match(String((extra.body as { message?: string }).message), /exceeded quota: astro-agent-quota/);
        const big = await kube.request(
            "POST",
            `/api/v1/namespaces/${NS}/pods?dryRun=All`,
            pod("big", { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "2", memory: "64Mi" } }),
        );
        assert.equal(big.status, 403, JSON.stringify(big.body));
        assert.match(String((big.body as { message?: string }).message), /maximum cpu usage per Container is 1/);
    });
});
