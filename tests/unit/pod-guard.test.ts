// The pod guard (chart/podGuard.ts) by property: generated pod-affecting values, one control at a
// time, reached through every config path, judged against an oracle written from the Pod Security
// Standards tables (tests/lib/podSecurityCases.ts), and exact messages naming the key.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { validateStackConfig } from "../../chart/validate";
import { finalChartValues, guardChartValues, judgePod } from "../../chart/podGuard";
import { podSpecsOf, type PodSpecView } from "../../chart/podSpecs";
import { baseValues, raw } from "../fixtures/config";
import { podCaseArb, type PodCase } from "../lib/podSecurityCases";

function verdict(c: PodCase) {
    return validateStackConfig(raw(c.values));
}

describe("pod guard: Pod Security Standards over the final chart values", () => {
    for (const level of ["restricted", "baseline"] as const) {
        it(`agrees with the PSS oracle at ${level} on generated values, per control and path, and names the key`, function () {
            // About 5 s alone; the gate runs test files in parallel on a shared machine.
            this.timeout(180_000);
            const seen = new Set<string>();
            fc.assert(
                fc.property(podCaseArb(level), (c) => {
                    seen.add(`${c.control} ${c.route} ${String(c.allowed)}`);
                    const r = verdict(c);
                    const detail = `${c.level} via ${c.route}: ${JSON.stringify(c.fragment)}`;
                    if (c.allowed) {
                        assert.ok(r.ok, `${detail} should pass: ${r.ok ? "" : JSON.stringify(r.problems)}`);
                    } else {
                        assert.ok(!r.ok, `${detail} should be refused`);
                        for (const p of r.problems) {
                            assert.ok(p.key.startsWith(c.key), `${detail}: problem names ${p.key}, not under ${c.key}`);
                            assert.match(p.message, /Pod Security Standard|the chart does not document/);
                        }
                    }
                }),
                { numRuns: 1000, seed: level === "restricted" ? 23 : 28 },
            );
            assert.ok(seen.size >= 60, `only ${seen.size} control/route/verdict combinations generated`);
        });
    }

    it("the compliant base config passes at both levels (the example and fixture stacks: golden.test.ts)", () => {
        for (const restricted of [true, false]) {
            const r = validateStackConfig(raw({ ...baseValues(), restricted }));
            assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
        }
    });
});

describe("pod guard: exact messages", () => {
    it("names the per-component extraValues path of a privileged init container in a restricted stack", () => {
        const r = validateStackConfig(
            raw({
                ...baseValues(),
                restricted: true,
                workers: [
                    {
                        name: "default",
                        queues: ["default"],
                        extraValues: {
                            initContainers: [
                                {
                                    name: "init",
                                    image: "busybox:1.36",
                                    securityContext: {
                                        privileged: true,
                                        allowPrivilegeEscalation: false,
                                        capabilities: { drop: ["ALL"] },
                                    },
                                },
                            ],
                        },
                    },
                ],
            }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.problems, [
            {
                key: "workers[0].extraValues.initContainers[0].securityContext.privileged",
                message:
                    "Pod Security Standard 'restricted' forbids privileged containers (init container 'init' of the workers[0] pod); remove privileged or set false",
            },
        ]);
    });

    it("names the typed volume key of a hostPath volume, and the level is baseline when not restricted", () => {
        const r = validateStackConfig(
            raw({
                ...baseValues(),
                restricted: false,
                triggerer: { volumes: [{ name: "host", hostPath: { path: "/var/run/docker.sock" } }] },
            }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.problems, [
            {
                key: "triggerer.volumes[0].hostPath",
                message:
                    "Pod Security Standard 'baseline' forbids hostPath volumes (volume 'host' of the triggerer pod); use a persistentVolumeClaim or another volume type",
            },
        ]);
    });

    it("refuses an undocumented hostNetwork key and says what the level forbids", () => {
        const r = validateStackConfig(raw({ ...baseValues(), restricted: true, extraValues: { hostNetwork: true } }));
        assert.ok(!r.ok);
        assert.deepEqual(r.problems, [
            {
                key: "extraValues.hostNetwork",
                message:
                    "Pod Security Standard 'restricted' forbids sharing the host's namespaces (hostNetwork: true); the chart does not document a top-level 'hostNetwork', and it would set a pod field Pod Security Standards judge (host namespaces); the guard cannot tell what the chart does with it, so it is refused: remove it",
            },
        ]);
    });

    it("a replaced pod context that drops seccomp and runAsNonRoot is reported once per field, at the replacing key", () => {
        const r = validateStackConfig(
            raw({
                ...baseValues(),
                restricted: true,
                extraValues: { triggerer: { podSecurityContext: { runAsUser: 1000 } } },
            }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(
            r.problems.map((p) => p.key),
            [
                "extraValues.triggerer.podSecurityContext.runAsNonRoot",
                "extraValues.triggerer.podSecurityContext.seccompProfile.type",
            ],
        );
        assert.match(r.problems[0]?.message ?? "", /not set for 'triggerer'/);
    });

    it("an SELinux spc_t type on a typed sidecar names the key and the allowed types", () => {
        const r = validateStackConfig(
            raw({
                ...baseValues(),
                restricted: false,
                loggingSidecar: {
                    enabled: true,
                    image: "timberio/vector:0.45.0-debian",
                    securityContext: { seLinuxOptions: { type: "spc_t" } },
                },
            }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.problems, [
            {
                key: "loggingSidecar.securityContext.seLinuxOptions.type",
                message:
                    "Pod Security Standard 'baseline' forbids SELinux type 'spc_t' on container 'vector-logging-sidecar' of the workers[0] pod (allowed: container_t, container_init_t, container_kvm_t, container_engine_t); use one of those or leave it unset",
            },
        ]);
    });
});

describe("pod guard: probes the chart merges with its defaults", () => {
    it("refuses an extraValues probe that would get the chart's default httpGet as a second handler", () => {
        const r = validateStackConfig(
            raw({ ...baseValues(), triggerer: { extraValues: { livenessProbe: { tcpSocket: { port: 39091 } } } } }),
        );
        assert.ok(!r.ok);
        assert.deepEqual(r.problems, [
            {
                key: "triggerer.extraValues.livenessProbe",
                message:
                    "the API server refuses a probe with more than one handler (container 'triggerer' of the triggerer pod would get httpGet and tcpSocket; the chart's default httpGet is merged into it); add httpGet: null to this probe",
            },
        ]);
    });

    it("a typed probe with another handler is sent with httpGet: null, so Helm drops the chart's default", () => {
        const r = validateStackConfig(
            raw({ ...baseValues(), dagProcessor: { livenessProbe: { tcpSocket: { port: 39091 } } } }),
        );
        assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
        const values = finalChartValues(r.config);
        assert.deepEqual((values.dagProcessor as Record<string, unknown>).livenessProbe, {
            tcpSocket: { port: 39091 },
            httpGet: null,
        });
    });
});

describe("pod guard: the chart's pods", () => {
    const values = (extra: Record<string, unknown>) => ({
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        workers: [{ name: "a" }],
        dagProcessor: {},
        triggerer: {},
        sentinel: { enabled: false },
        loggingSidecar: { enabled: false },
        ...extra,
    });

    it("an empty component context falls back to the global one (Helm default), a non-empty one replaces it", () => {
        assert.deepEqual(
            guardChartValues(values({ workers: [{ name: "a", podSecurityContext: {} }] }), "restricted"),
            [],
        );
        const replaced = guardChartValues(
            values({ workers: [{ name: "a", podSecurityContext: { fsGroup: 1 } }] }),
            "restricted",
        );
        assert.deepEqual(
            replaced.map((f) => f.at.join(".")),
            ["workers.0.podSecurityContext.runAsNonRoot", "workers.0.podSecurityContext.seccompProfile.type"],
        );
    });

    it("renders one pod per worker, the dag processor, the triggerer, and Sentinel only when enabled", () => {
        const names = (v: Record<string, unknown>) => podSpecsOf(v).map((p) => p.component);
        assert.deepEqual(names(values({ workers: [{ name: "a" }, { name: "b" }] })), [
            "workers[0]",
            "workers[1]",
            "dagProcessor",
            "triggerer",
        ]);
        assert.deepEqual(names(values({ sentinel: { enabled: true } })), [
            "workers[0]",
            "dagProcessor",
            "triggerer",
            "sentinel",
        ]);
    });

    it("judges AppArmor annotation values, and refuses one naming a container the pod lacks", () => {
        const pod = (value: string): PodSpecView => ({
            component: "workers[0]",
            at: ["workers", 0],
            securityContext: { value: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, at: ["p"] },
            securityContextAt: ["p"],
            containers: [
                {
                    name: "worker",
                    init: false,
                    securityContext: {
                        value: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                        at: ["c"],
                    },
                    securityContextAt: ["c"],
                    ports: undefined,
                    probes: [],
                    lifecycle: undefined,
                },
            ],
            volumes: [],
            annotations: {
                value: { "container.apparmor.security.beta.kubernetes.io/worker": value },
                at: ["annotations"],
            },
            undocumented: [],
        });
        for (const [value, ok] of [
            ["runtime/default", true],
            ["localhost/k8s-agent", true],
            ["", true],
            ["unconfined", false],
            ["other", false],
        ] as const) {
            assert.equal(judgePod(pod(value), "baseline").length === 0, ok, value);
        }
        const other = pod("runtime/default");
        other.annotations = {
            value: { "container.apparmor.security.beta.kubernetes.io/sentinel": "runtime/default" },
            at: ["annotations"],
        };
        assert.match(judgePod(other, "baseline")[0]?.message ?? "", /'sentinel' is not in the workers\[0\] pod/);
    });
});
