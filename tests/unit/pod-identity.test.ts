// podIdentity: `assignedByCluster` (OpenShift restricted-v2, clusters that assign UIDs) leaves runAsUser,
// runAsGroup and fsGroup unset in every pod and container context the chart gets, keeps every other
// restricted control, and refuses a config that names a UID or group anywhere.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { validateStackConfig } from "../../chart/validate";
import { finalChartValues, guardChartValues } from "../../chart/podGuard";
import { podSpecsOf } from "../../chart/podSpecs";
import { baseValues, raw } from "../fixtures/config";

const ID_KEYS = ["runAsUser", "runAsGroup", "fsGroup"];
const MESSAGE =
    "is set, but podIdentity is 'assignedByCluster': the cluster assigns the UID and groups (OpenShift's restricted-v2 refuses a UID outside the namespace's range); remove it, or set podIdentity: fixed";
const SIDECAR = { enabled: true, image: "timberio/vector:0.45.0-debian", config: "sources: {}" };
const INIT = { name: "init", image: "busybox:1.36" };

/** Every path in a values tree whose last key is a UID or group field with a value (null removes a chart default). */
function idPaths(node: unknown, at: string[] = []): string[] {
    if (Array.isArray(node)) {
        return node.flatMap((v, i) => idPaths(v, [...at, String(i)]));
    }
    if (node !== null && typeof node === "object") {
        return Object.entries(node).flatMap(([k, v]) =>
            ID_KEYS.includes(k) ? (v === null ? [] : [[...at, k].join(".")]) : idPaths(v, [...at, k]),
        );
    }
    return [];
}

function withoutNulls(v: unknown): unknown {
    return v !== null && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null))
        : v;
}

function values(extra: Record<string, unknown>) {
    const r = validateStackConfig(raw({ ...baseValues(), ...extra }));
    assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
    return finalChartValues(r.config);
}

describe("podIdentity: assignedByCluster leaves UIDs and groups to the cluster", () => {
    const everything = {
        restricted: true,
        sentinel: { enabled: true, image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.2" },
        loggingSidecar: SIDECAR,
        workers: [{ name: "default", queues: ["default"], initContainers: [INIT], extraContainers: [INIT] }],
        triggerer: { podSecurityContext: { runAsNonRoot: true } },
    };

    it("fixed (the default) pins 50000 for the agent and 5000 for Sentinel", () => {
        const v = values(everything);
        assert.deepEqual(v.podSecurityContext, {
            seccompProfile: { type: "RuntimeDefault" },
            runAsUser: 50000,
            fsGroup: 50000,
            runAsNonRoot: true,
        });
        assert.deepEqual((v.sentinel as { podSecurityContext: unknown }).podSecurityContext, {
            seccompProfile: { type: "RuntimeDefault" },
            runAsUser: 5000,
            fsGroup: 5000,
            runAsNonRoot: true,
        });
    });

    it("no context of any pod or container names a UID or group, and every restricted control stays", () => {
        const v = values({ ...everything, podIdentity: "assignedByCluster" });
        assert.deepEqual(idPaths(v), []);
        // The chart's values file sets runAsUser/fsGroup 50000 globally and Helm merges maps: nulls remove them.
        assert.deepEqual(v.podSecurityContext, {
            seccompProfile: { type: "RuntimeDefault" },
            runAsNonRoot: true,
            runAsUser: null,
            fsGroup: null,
        });
        const pods = podSpecsOf(v);
        assert.deepEqual(
            pods.map((p) => p.component),
            ["workers[0]", "dagProcessor", "triggerer", "sentinel"],
        );
        for (const pod of pods) {
            assert.deepEqual(withoutNulls(pod.securityContext?.value), {
                seccompProfile: { type: "RuntimeDefault" },
                runAsNonRoot: true,
            });
            for (const c of pod.containers) {
                assert.deepEqual(
                    c.securityContext?.value,
                    {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        capabilities: { drop: ["ALL"] },
                    },
                    `${pod.component} ${c.name}`,
                );
            }
        }
        assert.equal(pods[0]?.containers.length, 4);
        assert.deepEqual(guardChartValues(v, "restricted"), []);
    });

    it("not restricted: the pods still ask for a non-root user, with no UID", () => {
        const v = values({ restricted: false, podIdentity: "assignedByCluster" });
        assert.deepEqual(v.podSecurityContext, { runAsNonRoot: true, runAsUser: null, fsGroup: null });
        assert.deepEqual((v.sentinel as { podSecurityContext: unknown }).podSecurityContext, { runAsNonRoot: true });
    });

    it("generated configs: assignedByCluster never renders a UID or group, fixed always does", () => {
        const context = fc.record(
            {
                runAsNonRoot: fc.constant(true),
                seccompProfile: fc.constant({ type: "RuntimeDefault" }),
                supplementalGroups: fc.array(fc.integer({ min: 1, max: 70000 }), { maxLength: 2 }),
            },
            { requiredKeys: [] },
        );
        const container = fc.record(
            { readOnlyRootFilesystem: fc.constant(true), allowPrivilegeEscalation: fc.constant(false) },
            { requiredKeys: [] },
        );
        const component = fc.record(
            {
                podSecurityContext: context,
                containerSecurityContext: container,
                initContainers: fc.constant([{ ...INIT, securityContext: { readOnlyRootFilesystem: true } }]),
            },
            { requiredKeys: [] },
        );
        fc.assert(
            fc.property(
                fc.boolean(),
                fc.boolean(),
                fc.boolean(),
                component,
                component,
                component,
                (restricted, sentinel, sidecar, worker, triggerer, dagProcessor) => {
                    const shared = {
                        restricted,
                        sentinel: { enabled: sentinel },
                        loggingSidecar: sidecar ? SIDECAR : { enabled: false },
                        workers: [{ name: "w", queues: ["default"], ...worker }],
                        triggerer,
                        dagProcessor,
                    };
                    assert.deepEqual(idPaths(values({ ...shared, podIdentity: "assignedByCluster" })), []);
                    const fixed = idPaths(values({ ...shared, podIdentity: "fixed" }));
                    assert.ok(fixed.includes("podSecurityContext.runAsUser"), fixed.join(", "));
                    assert.equal(fixed.includes("sentinel.podSecurityContext.runAsUser"), sentinel);
                },
            ),
            { seed: 2600, numRuns: 60 },
        );
    });
});

describe("podIdentity: exact messages", () => {
    it("refuses every UID or group a typed key sets, all at once, naming each key", () => {
        const r = validateStackConfig(
            raw({
                ...baseValues(),
                podIdentity: "assignedByCluster",
                workers: [
                    {
                        name: "default",
                        queues: ["default"],
                        podSecurityContext: { runAsUser: 1000680000 },
                        initContainers: [{ ...INIT, securityContext: { runAsGroup: 1000 } }],
                    },
                ],
                sentinel: { enabled: true, podSecurityContext: { fsGroup: 5000 } },
                dagProcessor: { containerSecurityContext: { runAsUser: 50000 } },
                loggingSidecar: { ...SIDECAR, securityContext: { runAsUser: 1000 } },
            }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.problems, [
            { key: "workers[0].podSecurityContext.runAsUser", message: MESSAGE },
            { key: "workers[0].initContainers[0].securityContext.runAsGroup", message: MESSAGE },
            { key: "dagProcessor.containerSecurityContext.runAsUser", message: MESSAGE },
            { key: "sentinel.podSecurityContext.fsGroup", message: MESSAGE },
            { key: "loggingSidecar.securityContext.runAsUser", message: MESSAGE },
        ]);
    });

    it("refuses a UID that extraValues would put in the final values, naming the extraValues key", () => {
        const r = validateStackConfig(
            raw({
                ...baseValues(),
                podIdentity: "assignedByCluster",
                triggerer: {
                    extraValues: {
                        containerSecurityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            capabilities: { drop: ["ALL"] },
                            runAsGroup: 7,
                        },
                    },
                },
                sentinel: {
                    enabled: true,
                    extraValues: {
                        initContainers: [
                            {
                                ...INIT,
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    capabilities: { drop: ["ALL"] },
                                    runAsUser: 1000,
                                },
                            },
                        ],
                    },
                },
            }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.problems, [
            { key: "triggerer.extraValues.containerSecurityContext.runAsGroup", message: MESSAGE },
            { key: "sentinel.extraValues.initContainers[0].securityContext.runAsUser", message: MESSAGE },
        ]);
    });

    it("refuses an unknown podIdentity naming the choices", () => {
        const r = validateStackConfig(raw({ ...baseValues(), podIdentity: "random" }));
        assert.ok(!r.ok);
        assert.deepEqual(
            r.problems.map((p) => [p.key, p.message]),
            [["podIdentity", "must be one of 'fixed', 'assignedByCluster'"]],
        );
    });
});
