// Pod settings under Kubernetes' own names (issue 29, item 1): `podDefaults` inherited by every
// component and replaced whole by a component's own key; the keys the chart does not take refused with
// the reason and the alternative; automountServiceAccountToken on the program's ServiceAccounts, and
// refused where a pod needs the Kubernetes API token.
import * as assert from "node:assert/strict";
import { requireKnownWiring } from "../../config/wiring";
import { validateStackConfig } from "../../chart/validate";
import { agentObjectNames } from "../../chart/names";
import { buildChartValues, type ChartValues, type ResolvedBackend } from "../../chart/values";
import { RemoteExecutionAgent } from "../../components/remoteExecutionAgent";
import type { AgentConfig } from "../../config/schema";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { baseValues, PROJECT, raw } from "../fixtures/config";
import { rng } from "../lib/seeded";

type Values = Record<string, unknown>;

function result(change: (v: Values) => void) {
    const v = baseValues();
    change(v);
    return validateStackConfig(raw(v));
}

function configOf(change: (v: Values) => void): AgentConfig {
    const r = result(change);
    if (!r.ok) {
        throw new Error(r.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    }
    return r.config;
}

function problems(change: (v: Values) => void): { key: string; message: string }[] {
    const r = result(change);
    if (r.ok) {
        throw new Error("expected the config to be refused");
    }
    return r.problems.map((p) => ({ key: p.key, message: p.message }));
}

const backend: ResolvedBackend = {
    secretBackend: "airflow.secrets.local_filesystem.LocalFilesystemBackend",
    secretBackendKwargs: {},
    xcomBackend: "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend",
    xcomPath: "file:///tmp/xcom",
    commonEnv: [],
    serviceAccountAnnotations: {},
    podLabels: {},
    volumes: [],
    volumeMounts: [],
};

function build(cfg: AgentConfig): ChartValues {
    return buildChartValues(
        requireKnownWiring(cfg),
        agentObjectNames({ resourceNamePrefix: cfg.resourceNamePrefix, workers: cfg.workers, releaseName: undefined }),
        backend,
    );
}

const NOT_TAKEN_HEAD = (key: string) =>
    `the Remote Execution Agent chart takes no '${key}' for its pods (its values contract documents nodeSelector, affinity and tolerations only), so the value would be dropped; remove it. Instead, `;

describe("pod settings: podDefaults and per-component keys (issue 29 item 1)", () => {
    it("a root-level nodeSelector or tolerations points to podDefaults and the component keys", () => {
        assert.deepEqual(
            problems((v) => {
                v.nodeSelector = { pool: "agents" };
                v.tolerations = [];
            }),
            ["nodeSelector", "tolerations"].map((k) => ({
                key: k,
                message: `unknown key '${k}': not a top-level key; set podDefaults.${k} (every component inherits it) or a component's own ${k} (workers[].${k}, dagProcessor.${k}, triggerer.${k}, sentinel.${k})`,
            })),
        );
    });

    it("a pod setting on the logging sidecar says the sidecar follows the worker and triggerer pods", () => {
        assert.deepEqual(
            problems((v) => {
                v.loggingSidecar = { affinity: {} };
            }),
            [
                {
                    key: "loggingSidecar.affinity",
                    message:
                        "unknown key 'affinity': the logging sidecar is a container in the worker and triggerer pods, not a pod of its own; set podDefaults.affinity, workers[].affinity or triggerer.affinity",
                },
            ],
        );
    });

    it("envFrom in podDefaults says environment is per component, and why the chart would drop it", () => {
        assert.deepEqual(
            problems((v) => {
                v.podDefaults = { envFrom: [{ secretRef: { name: "db-credentials" } }] };
            }),
            [
                {
                    key: "podDefaults.envFrom",
                    message: `unknown key 'envFrom': environment is per component: ${NOT_TAKEN_HEAD("envFrom")}list the variables in the component's env with valueFrom, which the chart takes, for example env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}]`,
                },
            ],
        );
    });

    it("refuses the keys the chart does not take, with every shape problem at once, each at its full key", () => {
        const got = problems((v) => {
            v.podDefaults = {
                priorityClassName: "system-agents",
                topologySpreadConstraints: [
                    {
                        maxSkew: 0,
                        topologyKey: "bad key",
                        whenUnsatisfiable: "Sometimes",
                        labelSelector: {
                            matchExpressions: [
                                { key: "app", operator: "In" },
                                { key: "tier", operator: "Exists", values: ["x"] },
                            ],
                        },
                    },
                ],
            };
            v.triggerer = { envFrom: [{ secretRef: { name: "Db" }, configMapRef: { name: "cm" } }, { prefix: "1X" }] };
        });
        assert.deepEqual(got, [
            {
                key: "podDefaults.priorityClassName",
                message:
                    "starts with 'system-', a prefix Kubernetes reserves for its own classes; expected a PriorityClass name, for example 'agents-high'",
            },
            {
                key: "podDefaults.priorityClassName",
                message: `${NOT_TAKEN_HEAD("priorityClassName")}if your chart version takes it, pass it as the component's extraValues.priorityClassName (passed through unchecked), for example workers[0].extraValues: {priorityClassName: agents-high}`,
            },
            {
                key: "podDefaults.topologySpreadConstraints[0].maxSkew",
                message: "must be at least 1 (how uneven the spread may be), for example 1",
            },
            {
                key: "podDefaults.topologySpreadConstraints[0].topologyKey",
                message:
                    "contains a space at character 4; expected a Kubernetes label key ([prefix/]name, the name at most 63 letters, digits and '-_.'), for example 'app.kubernetes.io/component'",
            },
            {
                key: "podDefaults.topologySpreadConstraints[0].whenUnsatisfiable",
                message: "must be one of 'DoNotSchedule', 'ScheduleAnyway'",
            },
            {
                key: "podDefaults.topologySpreadConstraints[0].labelSelector.matchExpressions[0].values",
                message: "must list at least one value with operator 'In', for example values: [worker]",
            },
            {
                key: "podDefaults.topologySpreadConstraints[0].labelSelector.matchExpressions[1].values",
                message: "must be empty with operator 'Exists' (it matches on the key alone); remove values",
            },
            {
                key: "podDefaults.topologySpreadConstraints",
                message: `${NOT_TAKEN_HEAD("topologySpreadConstraints")}spread the pods with a podAntiAffinity term in 'affinity', which the chart takes, for example affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app.kubernetes.io/component: worker}}}}]}}`,
            },
            {
                key: "triggerer.envFrom[0].secretRef.name",
                message:
                    "must be a Kubernetes object name (DNS-1123 subdomain) of at most 253 characters (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit), for example 'db-credentials'",
            },
            {
                key: "triggerer.envFrom[0].secretRef",
                message:
                    "set exactly one of 'secretRef' and 'configMapRef', for example secretRef: {name: db-credentials}",
            },
            {
                key: "triggerer.envFrom[1].prefix",
                message:
                    "must be an environment variable name prefix (letters, digits and '_', not starting with a digit), for example 'APP_'",
            },
            {
                key: "triggerer.envFrom[1].secretRef",
                message:
                    "set exactly one of 'secretRef' and 'configMapRef', for example secretRef: {name: db-credentials}",
            },
            {
                key: "triggerer.envFrom",
                message: `${NOT_TAKEN_HEAD("envFrom")}list the variables in the component's env with valueFrom, which the chart takes, for example env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}]`,
            },
        ]);
    });

    it("a well-formed spread constraint or envFrom is still refused: the chart would drop it", () => {
        for (const [component, key, value] of [
            [
                "workers",
                "topologySpreadConstraints",
                [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", minDomains: 2 }],
            ],
            ["sentinel", "envFrom", [{ configMapRef: { name: "agent-settings", optional: true }, prefix: "APP_" }]],
            ["dagProcessor", "priorityClassName", "agents-high"],
        ] as const) {
            const got = problems((v) => {
                const target = { [key]: value };
                v[component] = component === "workers" ? [{ name: "w", ...target }] : target;
            });
            const at = component === "workers" ? `workers[0].${key}` : `${component}.${key}`;
            assert.deepEqual(
                got.map((p) => p.key),
                [at],
            );
            assert.ok(got[0]?.message.startsWith(NOT_TAKEN_HEAD(key)), got[0]?.message);
        }
    });

    it("minDomains needs whenUnsatisfiable DoNotSchedule (a Kubernetes rule)", () => {
        const got = problems((v) => {
            v.podDefaults = {
                topologySpreadConstraints: [
                    { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway", minDomains: 2 },
                ],
            };
        });
        assert.deepEqual(got[0], {
            key: "podDefaults.topologySpreadConstraints[0].minDomains",
            message: "is only allowed with whenUnsatisfiable: DoNotSchedule (a Kubernetes rule); remove it",
        });
    });

    it("every component inherits podDefaults; a component's own key replaces it whole (generated cases)", () => {
        const random = rng(2926);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
        const selectors = [undefined, { pool: "agents" }, { "kubernetes.io/os": "linux", zone: "a" }];
        const tolerationSets = [
            undefined,
            [],
            [{ key: "dedicated", operator: "Equal", value: "agents", effect: "NoSchedule" }],
            [
                { key: "spot", operator: "Exists", effect: "NoSchedule" },
                { key: "gpu", operator: "Exists" },
            ],
        ];
        const affinities = [
            undefined,
            { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
            { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
        ];
        const KEYS = ["nodeSelector", "tolerations", "affinity"] as const;
        const choices = { nodeSelector: selectors, tolerations: tolerationSets, affinity: affinities };
        const settings = () => {
            const out: Values = {};
            for (const k of KEYS) {
                const x = pick<unknown>(choices[k]);
                if (x !== undefined) {
                    out[k] = x;
                }
            }
            return out;
        };
        let inherited = 0;
        let replaced = 0;
        for (let n = 0; n < 60; n++) {
            const defaults = settings();
            const own = {
                workers: [settings(), settings()],
                dagProcessor: settings(),
                triggerer: settings(),
                sentinel: settings(),
            };
            const cfg = configOf((v) => {
                v.podDefaults = defaults;
                v.workers = own.workers.map((s, i) => ({ name: `w${i}`, ...s }));
                v.dagProcessor = own.dagProcessor;
                v.triggerer = own.triggerer;
                v.sentinel = own.sentinel;
            });
            const values = build(cfg);
            const rendered: [Values, Values][] = [
                ...own.workers.map((s, i): [Values, Values] => [s, (values.workers as Values[])[i] ?? {}]),
                [own.dagProcessor, values.dagProcessor as Values],
                [own.triggerer, values.triggerer as Values],
                [own.sentinel, values.sentinel as Values],
            ];
            for (const [mine, chart] of rendered) {
                for (const k of KEYS) {
                    const expected = k in mine ? mine[k] : defaults[k];
                    if (k in mine && k in defaults) {
                        replaced++;
                    } else if (!(k in mine) && k in defaults) {
                        inherited++;
                    }
                    assert.deepEqual(
                        chart[k],
                        expected,
                        `${k}: own ${JSON.stringify(mine[k])}, default ${JSON.stringify(defaults[k])}`,
                    );
                }
            }
        }
        // Both paths were exercised.
        assert.ok(inherited > 50 && replaced > 50, `inherited ${inherited}, replaced ${replaced}`);
    });
});

describe("automountServiceAccountToken (issue 29 item 1)", () => {
    async function serviceAccounts(change: (v: Values) => void): Promise<RecordedResource[]> {
        const cfg = configOf(change);
        const { resources } = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => new RemoteExecutionAgent("agent", cfg),
        });
        return resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
    }
    const automountOf = (sas: RecordedResource[]) =>
        Object.fromEntries(
            sas.map((r) => [(r.inputs.metadata as { name: string }).name, r.inputs.automountServiceAccountToken]),
        );

    it("is set on each component's ServiceAccount, inherited from podDefaults, and left out when unset", async () => {
        assert.deepEqual(
            automountOf(
                await serviceAccounts((v) => {
                    v.podDefaults = { automountServiceAccountToken: false };
                    v.workers = [{ name: "a" }, { name: "b", automountServiceAccountToken: true }];
                    v.sentinel = { automountServiceAccountToken: true };
                }),
            ),
            {
                "astro-worker-a": false,
                "astro-worker-b": true,
                "astro-dag-processor": false,
                "astro-triggerer": false,
                "astro-sentinel": true,
            },
        );
        assert.deepEqual(automountOf(await serviceAccounts(() => undefined)), {
            "astro-worker-default-worker": undefined,
            "astro-dag-processor": undefined,
            "astro-triggerer": undefined,
            "astro-sentinel": undefined,
        });
    });

    it("does not change the chart values (the chart has no pod-level key)", () => {
        const plain = build(configOf(() => undefined));
        const off = build(
            configOf((v) => {
                v.podDefaults = { automountServiceAccountToken: false };
                v.sentinel = { automountServiceAccountToken: true };
            }),
        );
        assert.deepEqual(off, plain);
    });

    it("is refused false where a pod needs the API token: Sentinel, KubernetesPodOperator workers, the Vault injector", () => {
        assert.deepEqual(
            problems((v) => {
                v.podDefaults = { automountServiceAccountToken: false };
                v.workers = [
                    { name: "kpo", canUseKubernetesPodOperator: true },
                    { name: "own", canUseKubernetesPodOperator: true, automountServiceAccountToken: false },
                    { name: "fine" },
                ];
                v.annotations = { "vault.hashicorp.com/agent-inject": "true" };
            }),
            [
                {
                    key: "podDefaults.automountServiceAccountToken",
                    message:
                        "is false, which sentinel inherits, but Sentinel lists and watches the agent pods through the Kubernetes API with its ServiceAccount token; set sentinel.automountServiceAccountToken: true (a policy that disables automount then needs an exemption for it)",
                },
                {
                    key: "podDefaults.automountServiceAccountToken",
                    message:
                        "is false, which workers[0] ('kpo') inherits, but canUseKubernetesPodOperator is true and the KubernetesPodOperator creates its pods through the Kubernetes API with the worker's ServiceAccount token; set workers[0].automountServiceAccountToken: true (a policy that disables automount then needs an exemption for it)",
                },
                {
                    key: "workers[1].automountServiceAccountToken",
                    message:
                        "is false, but canUseKubernetesPodOperator is true and the KubernetesPodOperator creates its pods through the Kubernetes API with the worker's ServiceAccount token; set workers[1].automountServiceAccountToken: true (a policy that disables automount then needs an exemption for it)",
                },
                {
                    key: 'annotations["vault.hashicorp.com/agent-service-account-token-volume-name"]',
                    message:
                        "is required when automountServiceAccountToken is false: the Vault Agent injector (annotations[\"vault.hashicorp.com/agent-inject\"]) logs in with the pod's ServiceAccount token, and no token is mounted; add a projected serviceAccountToken volume to the components' volumes and name it here, for example 'vault.hashicorp.com/agent-service-account-token-volume-name': vault-token",
                },
            ],
        );
    });

    it("accepts false everywhere with Sentinel disabled, or with Sentinel set back to true", () => {
        for (const sentinel of [{ enabled: false }, { automountServiceAccountToken: true }]) {
            const cfg = configOf((v) => {
                v.podDefaults = { automountServiceAccountToken: false };
                v.sentinel = sentinel;
            });
            assert.equal(cfg.podDefaults?.automountServiceAccountToken, false);
        }
    });
});
