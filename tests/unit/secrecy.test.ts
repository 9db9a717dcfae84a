// Secrets stay secret by property, not by a list of key names: every leaf of a config that uses
// every key is tried as a `secure:` value and as a credential-shaped string, and every value the
// program derives is tried as an extraValues override.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { findCredentials } from "../../config/credentials";
import { ConfigValidationError } from "../../config/errors";
import { formatPath } from "../../config/errors";
import { validateStackConfig } from "../../chart/validate";
import { secretLeafPaths, type RawStackConfig } from "../../config/load";
import { derivedChartPaths } from "../../chart/ownership";
import type { AgentConfig } from "../../config/schema";
import type { ConfigPath } from "../../config/secrecy";
import { assertNoCredentials } from "../../components/agentRelease";
import { warnOnXcomMove, XCOM_PATH_ENV, xcomMoveHook, xcomMoveWarning } from "../../components/xcomGuard";
import agentProgram from "../../index";
import { plaintextPaths, runUnderMocks, unwrapSecrets, type MockRunResult } from "../../scripts/lib/mockRun";
import { AGENT_IMAGE, baseValues, configStrings, PROJECT, stackFileWithSecure } from "../fixtures/config";
import { rng } from "../lib/seeded";

type Values = Record<string, unknown>;

/** A config that sets (nearly) every key, so each leaf kind is covered. */
function richValues(backend: "local" | "external" = "local"): Values {
    const v = baseValues();
    Object.assign(v, {
        commonEnv: [{ name: "TEAM", value: "data-platform" }],
        workers: [
            {
                name: "default-worker",
                queues: ["default"],
                env: [{ name: "WORKER_MODE", value: "fast" }],
                volumes: [{ name: "ca", configMap: { name: "corp-ca" } }],
                volumeMounts: [{ name: "ca", mountPath: "/etc/ssl/corp" }],
                nodeSelector: { pool: "agents" },
                tolerations: [{ key: "pool", operator: "Equal", value: "agents", effect: "NoSchedule" }],
                resources: { requests: { cpu: "500m", memory: "1Gi" } },
            },
        ],
        triggerer: { env: [{ name: "TRIGGER_MODE", value: "async" }] },
        dagProcessor: { env: [{ name: "PARSE_MODE", value: "strict" }] },
        sentinel: { env: [{ name: "SENTINEL_MODE", value: "watch" }] },
        loggingSidecar: {
            enabled: true,
            image: "timberio/vector:0.45.0-debian",
            config: "sources: {}",
            env: [{ name: "VECTOR_LOG", value: "info" }],
        },
        proxy: { httpProxy: "http://proxy.corp.example:3128", noProxy: ["10.0.0.0/8"] },
        labels: { team: "data" },
        annotations: { "example.com/owner": "data-platform" },
        extraValues: { priorityClassName: "agents", extraNote: { text: "hello" } },
        dagBundles: [
            {
                type: "git",
                name: "dags",
                repoUrl: "https://github.com/example/dags.git",
                trackingRef: "main",
                subdir: "dags",
            },
            { type: "local", name: "shared", path: "/opt/dags" },
        ],
    });
    if (backend === "external") {
        v.environment = "prod";
        v.backend = {
            kind: "external",
            secretBackend: "airflow.providers.hashicorp.secrets.vault.VaultBackend",
            secretBackendKwargs: { url: "https://vault.example.com", mount_point: "airflow", auth_type: "kubernetes" },
            xcomPath: "s3://bucket/xcom",
            env: [{ name: "VAULT_NAMESPACE", value: "data" }],
            serviceAccountAnnotations: { "example.com/role": "agent" },
        };
    } else {
        v.backend = { kind: "local", variables: { greeting: "hello-variable-value" } };
    }
    return v;
}

function getAt(root: unknown, path: readonly (string | number)[]): unknown {
    return path.reduce<unknown>(
        (node, p) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[p] : undefined),
        root,
    );
}

function setAt(root: Values, path: readonly (string | number)[], value: unknown): void {
    const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
    parent[path[path.length - 1] as string | number] = value;
}

/** Every scalar leaf of a values tree. */
function leaves(v: unknown, path: ConfigPath = []): ConfigPath[] {
    if (Array.isArray(v)) {
        return v.flatMap((x, i) => leaves(x, [...path, i]));
    }
    if (v !== null && typeof v === "object") {
        return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
    }
    return [path];
}

/** Raw config with exact `secure:` leaves: the designated secrets of the config plus `extra`. */
function rawWithSecure(
    values: Values,
    extra: ConfigPath[],
    environment: "dev" | "prod",
    designated: ConfigPath[],
): RawStackConfig {
    const v = structuredClone(values);
    v.environment = environment;
    const securePaths = new Map<string, ConfigPath[]>();
    for (const p of [...designated, ...extra]) {
        const key = String(p[0]);
        securePaths.set(key, [...(securePaths.get(key) ?? []), p]);
    }
    return {
        project: PROJECT,
        stack: environment,
        values: Object.fromEntries(
            Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)]),
        ),
        secretKeys: new Set(securePaths.keys()),
        securePaths,
    };
}

/** Paths of the values the schema itself takes as secrets (agent token, pull password, seeded values…). */
function designatedSecretPaths(values: Values): ConfigPath[] {
    const r = validateStackConfig({
        project: PROJECT,
        stack: "dev",
        values: configStrings({ ...values, environment: "dev" }),
        secretKeys: new Set(),
    });
    assert.ok(r.ok, `rich config must be valid: ${JSON.stringify(!r.ok && r.problems)}`);
    return secretLeafPaths(r.config);
}

/** The designated secrets of a config as exact secure locations by key (as the stack file would prove them). */
function designatedSecurePaths(values: Values): Map<string, ConfigPath[]> {
    const byKey = new Map<string, ConfigPath[]>();
    for (const p of designatedSecretPaths(values)) {
        byKey.set(String(p[0]), [...(byKey.get(String(p[0])) ?? []), p]);
    }
    return byKey;
}

function problemsText(r: ReturnType<typeof validateStackConfig>): string {
    return r.ok ? "(accepted)" : r.problems.map((p) => `  ${p.key}: ${p.message}`).join("\n");
}

const CREDENTIAL_SAMPLES = [
    "postgres://airflow:hunter2-pass@db.internal:5432/airflow",
    "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/example/private.git",
    '{"conn_type": "postgres", "host": "db", "password": "hunter2-pass"}',
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    "AKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLXZhbHVl",
];

describe("secrecy by property", () => {
    for (const backend of ["local", "external"] as const) {
        describe(`${backend} backend config`, () => {
            const values = richValues(backend);
            const allLeaves = leaves(values).filter((p) => p[0] !== "environment");
            const designatedPaths = designatedSecretPaths(values);
            const designated = designatedPaths.map((p) => formatPath(p));

            it("covers many leaves", () => {
                assert.ok(allLeaves.length >= 40, `only ${allLeaves.length} leaves`);
            });

            // The local backend is refused in prod whatever else the config says.
            for (const environment of backend === "local" ? (["dev"] as const) : (["prod", "dev"] as const)) {
                it(`${environment}: a secure: value at ANY leaf is refused naming that leaf, or becomes a secret`, () => {
                    const outcomes = { refused: 0, secret: 0 };
                    for (const leaf of allLeaves) {
                        if (designated.includes(formatPath(leaf))) {
                            continue;
                        }
                        const r = validateStackConfig(rawWithSecure(values, [leaf], environment, designatedPaths));
                        if (r.ok) {
                            assert.ok(
                                pulumi.Output.isInstance(getAt(r.config, leaf)),
                                `${formatPath(leaf)} was accepted but is not a secret`,
                            );
                            outcomes.secret++;
                        } else {
                            const named = r.problems.some((p) => p.key === formatPath(leaf));
                            assert.ok(
                                named || r.problems.every((p) => p.key.startsWith(formatPath(leaf))),
                                `${formatPath(leaf)}: refused, but not naming it:\n${problemsText(r)}`,
                            );
                            outcomes.refused++;
                        }
                    }
                    // Both outcomes happen: env values become secrets, the rest is refused.
                    assert.ok(outcomes.secret >= 6 && outcomes.refused >= 20, JSON.stringify(outcomes));
                });

                it(`${environment}: a credential-shaped string at ANY leaf never stays plain`, () => {
                    for (const leaf of allLeaves) {
                        if (designated.includes(formatPath(leaf))) {
                            continue;
                        }
                        for (const sample of CREDENTIAL_SAMPLES) {
                            const v = structuredClone(values);
                            setAt(v, leaf, sample);
                            const r = validateStackConfig(rawWithSecure(v, [], environment, designatedPaths));
                            if (r.ok) {
                                assert.equal(environment, "dev", `${formatPath(leaf)} accepted ${sample} in prod`);
                                assert.ok(
                                    pulumi.Output.isInstance(getAt(r.config, leaf)),
                                    `${formatPath(leaf)}: ${sample} accepted in plain text`,
                                );
                                assert.ok(r.warnings.some((w) => w.startsWith(formatPath(leaf))));
                            } else {
                                assert.ok(
                                    r.problems.some((p) => p.key === formatPath(leaf)),
                                    `${formatPath(leaf)} = ${sample}: not refused at that key:\n${problemsText(r)}`,
                                );
                                assert.ok(!JSON.stringify(r.problems).includes("hunter2"), "message echoes a secret");
                            }
                        }
                    }
                });
            }
        });
    }

    it("a secret key whose secure leaves are not proven (no stack file) is secret as a whole: refused where a plain value is required", () => {
        const values = richValues();
        const base: RawStackConfig = {
            project: PROJECT,
            stack: "dev",
            values: configStrings(values),
            secretKeys: new Set(["agentToken", "imagePullCredentials", "backend", "commonEnv", "annotations"]),
        };
        const r = validateStackConfig(base);
        assert.ok(!r.ok);
        // agentToken and imagePullCredentials ({ password }) hold only secret settings; each other key is
        // refused once, listing the settings that cannot hold a secret (env names included).
        assert.deepEqual(r.problems.map((p) => p.key).sort(), ["annotations", "backend", "commonEnv"]);
        const common = r.problems.find((p) => p.key === "commonEnv")?.message ?? "";
        assert.match(common, /cannot be proven from the stack file/);
        assert.match(common, /these settings cannot hold a secret: commonEnv\[0\]\.name(, |;)/);
        assert.doesNotMatch(common, /commonEnv\[0\]\.value/, "an env value can hold a secret");
        // The same keys with their secure leaves proven: accepted, the env value a secret.
        const exact = validateStackConfig({
            ...base,
            secretKeys: new Set(["agentToken", "commonEnv"]),
            securePaths: new Map([["commonEnv", [["commonEnv", 0, "value"]]]]),
        });
        assert.ok(exact.ok, problemsText(exact));
        assert.ok(pulumi.Output.isInstance(getAt(exact.config, ["commonEnv", 0, "value"])));
    });

    it("a secret setting holding plain text next to a secure leaf of the same key is caught", () => {
        const values = richValues("external");
        values.environment = "prod";
        const r = validateStackConfig({
            project: PROJECT,
            stack: "prod",
            values: configStrings(values),
            secretKeys: new Set(["imagePullCredentials"]),
            securePaths: new Map([["imagePullCredentials", [["imagePullCredentials", "username"]]]]),
        });
        assert.ok(!r.ok);
        assert.ok(r.problems.some((p) => p.key === "imagePullCredentials.password"));
    });

    it("extraValues: overriding ANY value the program derives is refused, naming the owning config key", () => {
        const values = richValues();
        const parsed = validateStackConfig({
            project: PROJECT,
            stack: "dev",
            values: configStrings(values),
            secretKeys: new Set(["agentToken", "imagePullCredentials", "backend"]),
            securePaths: designatedSecurePaths(values),
        });
        assert.ok(parsed.ok);
        const derived = derivedChartPaths(parsed.config);
        // An extra value can address a list only as a whole.
        const targets = [
            ...new Map(
                derived.map((d) => {
                    const i = d.findIndex((p) => typeof p === "number");
                    const t = i < 0 ? d : d.slice(0, i);
                    return [formatPath(t), t];
                }),
            ).values(),
        ];
        assert.ok(targets.length >= 30, `only ${targets.length} derived paths`);
        for (const target of targets) {
            const v = structuredClone(values);
            const extra: Values = {};
            let node = extra;
            target.forEach((p, i) => {
                if (i === target.length - 1) {
                    node[p as string] = "override";
                } else {
                    node = node[p as string] = {} as Values;
                }
            });
            v.extraValues = extra;
            const r = validateStackConfig({
                project: PROJECT,
                stack: "dev",
                values: configStrings(v),
                secretKeys: new Set(["agentToken", "imagePullCredentials", "backend"]),
                securePaths: designatedSecurePaths(values),
            });
            const key = formatPath(["extraValues", ...target]);
            assert.ok(
                !r.ok && r.problems.some((p) => p.key === key && /derives from '/.test(p.message)),
                `${key} was not refused:\n${problemsText(r)}`,
            );
        }
    });

    it("extraValues may add chart values the program does not set", () => {
        const values = richValues();
        values.extraValues = { priorityClassName: "agents", podDisruptionBudget: { enabled: true, minAvailable: 1 } };
        const r = validateStackConfig({
            project: PROJECT,
            stack: "dev",
            values: configStrings(values),
            secretKeys: new Set(["agentToken", "imagePullCredentials", "backend"]),
            securePaths: designatedSecurePaths(values),
        });
        assert.ok(r.ok, problemsText(r));
    });
});

describe("credential detector", () => {
    const cases: [unknown, boolean][] = [
        ["postgres://user:pw@host/db", true],
        ["https://x-access-token@github.com/o/r.git", true],
        ["https://github.com/o/r.git", false],
        ["git@github.com:o/r.git", false],
        ["ssh://git@github.com/o/r.git", false],
        ["s3://aws_default@bucket/xcom", false],
        ["abfs://azure_xcom@container/xcom", false],
        ['{"login": "bot", "password": "pw"}', true],
        ['{"login": "bot", "password": ""}', false],
        [{ AccountKey: "abc" }, true],
        ["DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy;", true],
        ["https://acct.blob.core.windows.net/c?sv=2024&sig=abcdefghijklmnopqrstuv", true],
        [{ nested: { CLIENT_SECRET: "s3cr3t" } }, true],
        [{ nested: { clientSecretName: "my-secret" } }, false],
        [{ agentTokenSecretName: "astro-token" }, false],
        [{ apiKeySecret: "astro-openlineage" }, false],
        [{ name: "DB_PASSWORD", value: "pw" }, true],
        [{ name: "DB_PASSWORD_FILE", value: "/run/secrets/pw" }, false],
        [{ token: "<set-me>" }, false],
        ["Bearer abcdefghijklmnopqrstuvwxyz", true],
    ];
    for (const [value, found] of cases) {
        it(`${JSON.stringify(value)} → ${found ? "credential" : "clean"}`, () => {
            assert.equal(findCredentials(value).length > 0, found);
        });
    }

    it("the release guard refuses values holding a credential anywhere", () => {
        assert.throws(() => {
            assertNoCredentials({ workers: [{ env: [{ name: "X", value: "mysql://u:p@h/d" }] }] });
        }, /values\.workers\.0\.env\.0\.value \(a password in URL userinfo\)/);
        assert.doesNotThrow(() => {
            assertNoCredentials({ image: AGENT_IMAGE, commonEnv: [{ name: "A", value: "b" }] });
        });
    });
});

describe("secret env values end up only in the env Secret", () => {
    const SECRET = {
        common: "common-secret-value-3f9a",
        worker: "worker-secret-value-8c1d",
        triggerer: "triggerer-secret-value-2b7e",
        sentinel: "sentinel-secret-value-6d4f",
        kwargs: "kwargs-secret-value-9a0b",
        backendEnv: "backend-env-secret-value-1e5c",
    };
    let result: MockRunResult;
    before(async () => {
        const v = richValues("external");
        v.environment = "dev";
        v.commonEnv = [
            { name: "TEAM", value: "data-platform" },
            { name: "DB_URL", value: SECRET.common },
        ];
        (v.workers as Values[])[0]!.env = [{ name: "WORKER_TOKEN", value: SECRET.worker }];
        v.triggerer = { env: [{ name: "TRIGGER_KEY", value: SECRET.triggerer }] };
        v.sentinel = { env: [{ name: "SENTINEL_KEY", value: SECRET.sentinel }] };
        const b = v.backend as Values;
        b.secretBackendKwargs = { ...(b.secretBackendKwargs as Values), role_hint: SECRET.kwargs };
        b.env = [{ name: "VAULT_EXTRA", value: SECRET.backendEnv }];
        // Each value set with `pulumi config set --secret --path`, as the stack file records it.
        const { file, secretKeys } = stackFileWithSecure(v, [
            ["agentToken"],
            ["imagePullCredentials", "password"],
            ["commonEnv", 1, "value"],
            ["workers", 0, "env", 0, "value"],
            ["triggerer", "env", 0, "value"],
            ["sentinel", "env", 0, "value"],
            ["backend", "secretBackendKwargs", "role_hint"],
            ["backend", "env", 0, "value"],
        ]);
        result = await runUnderMocks({
            project: PROJECT,
            stack: "dev",
            config: configStrings(v),
            secretKeys,
            file,
            program: agentProgram,
        });
    });

    it("puts every secret env value (and the secret kwargs) into the Secret astro-env, as secrets", () => {
        const env = result.resources.find((r) => r.name === "astro-agent-credentials-env");
        assert.ok(env, "env Secret created");
        assert.equal((env.inputs.metadata as Values).name, "astro-env");
        const data = JSON.stringify(env.inputs.stringData);
        for (const s of Object.values(SECRET)) {
            assert.ok(data.includes(s), `${s} in the env Secret`);
        }
        for (const r of result.resources) {
            for (const s of Object.values(SECRET)) {
                assert.deepEqual(plaintextPaths(r.inputs, s), [], `${s} in plain text in ${r.type} ${r.name}`);
            }
        }
    });

    it("renders secretKeyRef references in the chart values, never the values", () => {
        const release = result.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
        assert.ok(release);
        const values = release.inputs.values as Values;
        const text = JSON.stringify(values);
        for (const s of Object.values(SECRET)) {
            assert.ok(!text.includes(s));
        }
        const commonEnv = values.commonEnv as Values[];
        assert.deepEqual(
            commonEnv.find((e) => e.name === "DB_URL"),
            { name: "DB_URL", valueFrom: { secretKeyRef: { name: "astro-env", key: "commonEnv.DB_URL" } } },
        );
        assert.deepEqual(
            commonEnv.find((e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS"),
            {
                name: "AIRFLOW__SECRETS__BACKEND_KWARGS",
                valueFrom: { secretKeyRef: { name: "astro-env", key: "backend.secretBackendKwargs" } },
            },
        );
        const worker = (values.workers as Values[])[0]!;
        assert.deepEqual(worker.env, [
            {
                name: "WORKER_TOKEN",
                valueFrom: { secretKeyRef: { name: "astro-env", key: "workers.default-worker.env.WORKER_TOKEN" } },
            },
        ]);
        assert.ok(JSON.stringify(values.sentinel).includes("sentinel.env.SENTINEL_KEY"));
        const stored = JSON.stringify(result.storedOutputs);
        for (const s of Object.values(SECRET)) {
            assert.ok(!stored.includes(s), `${s} in stack outputs`);
        }
    });

    it("waits for the env Secret and rolls pods when a managed Secret changes", () => {
        const release = result.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
        const annotations = (release?.inputs.values as { annotations: Record<string, string> }).annotations;
        assert.match(annotations["astronomer.io/managed-secrets-version"] ?? "", /^[0-9a-f]{16}$/);
        assert.equal(release?.deleteBeforeReplace, true, "a renamed release must not collide with the old one");
        assert.deepEqual(
            [...result.hooks].sort(),
            [
                "astro-agent-release-explain",
                "astro-agent-release-wait-done",
                "astro-agent-release-wait-progress",
                "astro-agent-release-wait-progress-update",
                "astro-agent-release-xcom-move",
            ],
            "the XCom-move hook and the release-wait hooks (progress, explanation on failure) are registered",
        );
    });
});

describe("namespace retention", () => {
    async function namespaceOf(values: Values): Promise<MockRunResult["resources"][number] | undefined> {
        const r = await runUnderMocks({
            project: PROJECT,
            stack: String(values.environment),
            config: configStrings(values),
            secretKeys: ["agentToken", "imagePullCredentials"],
            program: agentProgram,
        });
        return r.resources.find((x) => x.type === "kubernetes:core/v1:Namespace");
    }

    it("prod: the created namespace survives destroy (it may hold Secrets others made)", async () => {
        const v = richValues("external");
        v.environment = "prod";
        delete v.agentToken;
        delete v.imagePullCredentials;
        v.agentTokenSecretName = "astro-token";
        v.imagePullSecretName = "astro-pull";
        v.loggingSidecar = { enabled: false };
        const ns = await namespaceOf(v);
        assert.ok(ns);
        assert.equal(ns.retainOnDelete, true);
        assert.equal(ns.readId, undefined);
    });

    it("dev: the created namespace is deleted with the stack", async () => {
        const ns = await namespaceOf(baseValues());
        assert.equal(ns?.retainOnDelete, false);
    });

    it("an adopted namespace is only read, never managed", async () => {
        const v = baseValues();
        v.createNamespace = false;
        const ns = await namespaceOf(v);
        assert.equal(ns?.readId, "astro-agent");
    });
});

describe("component args", () => {
    it("env values may be secret Outputs (the type allows it)", () => {
        const value: AgentConfig["commonEnv"][number]["value"] = pulumi.secret("x");
        assert.ok(pulumi.Output.isInstance(value));
    });
});

describe("data-loss warnings", () => {
    it("warns when the XCom store moves (previous stack output differs)", () => {
        assert.equal(xcomMoveWarning(undefined, "s3://b/xcom"), undefined, "first deployment");
        assert.equal(xcomMoveWarning("s3://b/xcom", "s3://b/xcom"), undefined);
        assert.match(
            xcomMoveWarning("s3://b/xcom", "s3://b/xcom2") ?? "",
            /moves from s3:\/\/b\/xcom to s3:\/\/b\/xcom2.*unreadable/,
        );
    });

    it("the release's beforeUpdate hook warns when the deployed XCom path differs from the new one", () => {
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        pulumi.log.warn = (msg: string) => {
            warnings.push(msg);
            return Promise.resolve();
        };
        const inputs = (path: string) => ({
            values: {
                commonEnv: [
                    { name: "A", value: "b" },
                    { name: XCOM_PATH_ENV, value: path },
                ],
            },
        });
        try {
            const base = { urn: "urn", id: "id", name: "r", type: "kubernetes:helm.sh/v3:Release" };
            warnOnXcomMove({ ...base, oldInputs: inputs("s3://b/xcom"), newInputs: inputs("s3://b/xcom") });
            assert.equal(warnings.length, 0, warnings.join("\n"));
            warnOnXcomMove({ ...base, oldInputs: inputs("s3://b/xcom"), newInputs: inputs("s3://c/xcom") });
            assert.equal(warnings.length, 1);
            assert.match(warnings[0] ?? "", /moves from s3:\/\/b\/xcom to s3:\/\/c\/xcom/);
        } finally {
            pulumi.log.warn = original;
        }
    });

    it("the hook is bound to the agent's Helm release, in preview too", () => {
        const hook = xcomMoveHook("astro-agent-release");
        assert.equal(hook.name, "astro-agent-release-xcom-move");
        assert.equal(hook.opts?.onDryRun, true);
    });

    it("warns when the bucket lifecycle expires XComs before xcom.retentionDays", () => {
        const v = richValues("external");
        v.backend = {
            kind: "aws",
            region: "eu-west-1",
            eksClusterName: "c",
            xcom: { expirationDays: 3 },
        };
        const r = validateStackConfig({
            project: PROJECT,
            stack: "prod",
            values: configStrings(v),
            secretKeys: new Set(["agentToken", "imagePullCredentials"]),
        });
        assert.ok(r.ok, problemsText(r));
        assert.ok(
            r.warnings.some((w) =>
                /^backend\.xcom\.expirationDays: 3 days is shorter than xcom\.retentionDays \(7\)/.test(w),
            ),
        );
    });
});

describe("refusals stop the program before anything is registered", () => {
    const cases: { name: string; change: (v: Values) => void; secretKeys: string[]; key: string }[] = [
        {
            name: "a secure: value in annotations",
            change: (v) => (v.annotations = { "example.com/owner": "team" }),
            secretKeys: ["agentToken", "imagePullCredentials", "annotations"],
            key: "annotations",
        },
        {
            name: "a credential in a Git repoUrl (prod)",
            change: (v) =>
                (v.dagBundles = [
                    {
                        type: "git",
                        name: "dags",
                        repoUrl: "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r.git",
                        trackingRef: "main",
                    },
                ]),
            secretKeys: ["agentToken", "imagePullCredentials"],
            key: "dagBundles[0].repoUrl",
        },
        {
            name: "an AIRFLOW_CONN_ URI with a password (prod)",
            change: (v) => (v.commonEnv = [{ name: "AIRFLOW_CONN_DB", value: "postgres://u:hunter2@db/x" }]),
            secretKeys: ["agentToken", "imagePullCredentials"],
            key: "commonEnv[0].value",
        },
        {
            name: "extraValues overriding the secrets backend",
            change: (v) => (v.extraValues = { secretBackend: "my.Backend" }),
            secretKeys: ["agentToken", "imagePullCredentials"],
            key: "extraValues.secretBackend",
        },
    ];
    for (const c of cases) {
        it(`${c.name} → ${c.key}, nothing registered`, async () => {
            const v = richValues("external");
            v.environment = "prod";
            c.change(v);
            const sink: MockRunResult["resources"] = [];
            let error: unknown;
            try {
                await runUnderMocks({
                    project: PROJECT,
                    stack: "prod",
                    config: configStrings(v),
                    secretKeys: c.secretKeys,
                    program: agentProgram,
                    sink,
                });
            } catch (err) {
                error = err;
            }
            assert.ok(error instanceof ConfigValidationError, String(error));
            assert.ok(
                error.problems.some((p) => p.key === c.key),
                error.problems.map((p) => p.key).join(", "),
            );
            assert.ok(!error.message.includes("hunter2"), "the message echoes a secret");
            assert.deepEqual(
                sink.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
                [],
            );
        });
    }
});

describe("credentials in external backend kwargs", () => {
    /** Credential kwargs of real secrets backends: Azure service principal, Vault AppRole/token, AWS keys. */
    const CREDENTIAL_KEYS = ["client_secret", "secret_id", "token", "password", "aws_secret_access_key"];
    const NEUTRAL_KEYS = ["config", "auth", "options", "connection"];
    const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    /** A kwargs object with one credential at a generated depth (0–2 neutral mappings above it). */
    function generated(seed: number): { kwargs: Values; path: string[]; value: string } {
        const r = rng(seed);
        const above = Array.from({ length: Math.floor(r() * 3) }, () => pick(r, NEUTRAL_KEYS));
        const path = [...new Set(above), pick(r, CREDENTIAL_KEYS)];
        const value = `kw-${seed}-${Math.floor(r() * 1e9).toString(36)}-Secr3t`;
        const kwargs: Values = { vault_url: "https://kv-astro.vault.azure.net", tenant_id: "t-1", client_id: "c-1" };
        let node = kwargs;
        for (const k of path.slice(0, -1)) {
            node = (node[k] ??= { region: "eu" }) as Values;
        }
        node[path[path.length - 1] as string] = value;
        return { kwargs, path, value };
    }
    const external = (kwargs: Values, environment: "dev" | "prod"): Values => ({
        ...baseValues(),
        environment,
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend",
            secretBackendKwargs: kwargs,
            xcomPath: "abfs://xcom@astroxcom.dfs.core.windows.net/xcom",
        },
    });
    const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i);
    const designated = designatedSecretPaths(baseValues());

    it("a secure: credential kwarg at any depth is accepted in prod and dev, and only that leaf is a secret", () => {
        const depths = new Set<number>();
        for (const seed of SEEDS) {
            const { kwargs, path } = generated(seed);
            depths.add(path.length);
            const leaf = ["backend", "secretBackendKwargs", ...path];
            for (const environment of ["prod", "dev"] as const) {
                const values = external(kwargs, environment);
                const r = validateStackConfig(rawWithSecure(values, [leaf], environment, designated));
                assert.ok(r.ok, `${formatPath(leaf)} (${environment}):\n${problemsText(r)}`);
                assert.ok(pulumi.Output.isInstance(getAt(r.config, leaf)), `${formatPath(leaf)} is a secret`);
                assert.equal(getAt(r.config, ["backend", "secretBackendKwargs", "vault_url"]), kwargs.vault_url);
            }
        }
        assert.deepEqual([...depths].sort(), [1, 2, 3], "the generator covers nested kwargs");
    });

    it("the same credential in plain text is refused in prod and in dev, naming the full key and the command", () => {
        for (const seed of SEEDS) {
            const { kwargs, path, value } = generated(seed);
            const key = formatPath(["backend", "secretBackendKwargs", ...path]);
            const last = path[path.length - 1] ?? "";
            for (const environment of ["prod", "dev"] as const) {
                const values = external(kwargs, environment);
                const r = validateStackConfig(rawWithSecure(values, [], environment, designated));
                assert.ok(!r.ok, `${key} accepted in plain text (${environment})`);
                assert.deepEqual(
                    r.problems.map((p) => [p.key, p.message]),
                    [
                        [
                            key,
                            `holds a credential under the key '${last}', which would reach the Helm values, Helm's release Secret, Pulumi state and the chartValues output in plain text; set it as secret config with 'pulumi config set --secret --path ${key} …' (then the whole kwargs JSON goes into a Kubernetes Secret and AIRFLOW__SECRETS__BACKEND_KWARGS reads it with valueFrom; refused in plain text in dev too), or authenticate the secrets backend with workload identity`,
                        ],
                    ],
                );
                assert.ok(!JSON.stringify(r.problems).includes(value), "message echoes the secret");
            }
        }
    });

    describe("prod: a secure client_secret and a nested secure secret_id reach only the env Secret", () => {
        const CLIENT_SECRET = "azure-sp-secret-value-4d1f";
        const SECRET_ID = "approle-secret-id-value-8c2e";
        const kwargs = {
            vault_url: "https://kv-astro.vault.azure.net",
            tenant_id: "t-1",
            client_id: "c-1",
            client_secret: CLIENT_SECRET,
            config: { approle: { secret_id: SECRET_ID, role_id: "role-1" } },
        };
        let result: MockRunResult;
        before(async () => {
            const v = external(kwargs, "prod");
            const { file, secretKeys } = stackFileWithSecure(
                v,
                [
                    ["agentToken"],
                    ["imagePullCredentials", "password"],
                    ["backend", "secretBackendKwargs", "client_secret"],
                    ["backend", "secretBackendKwargs", "config", "approle", "secret_id"],
                ],
                "prod",
            );
            result = await runUnderMocks({
                project: PROJECT,
                stack: "prod",
                config: configStrings(v),
                secretKeys,
                file,
                program: agentProgram,
            });
        });

        it("the Secret astro-env holds the whole kwargs JSON under backend.secretBackendKwargs, as a secret", () => {
            const env = result.resources.find((r) => r.name === "astro-agent-credentials-env");
            assert.ok(env, "env Secret created");
            const data = unwrapSecrets(env.inputs.stringData) as Record<string, unknown>;
            assert.deepEqual(Object.keys(data), ["backend.secretBackendKwargs"]);
            assert.deepEqual(JSON.parse(unwrapSecrets(data["backend.secretBackendKwargs"]) as string), kwargs);
        });

        it("the chart reads AIRFLOW__SECRETS__BACKEND_KWARGS with valueFrom; no resource or output holds a secret in plain text", () => {
            const release = result.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
            assert.ok(release);
            const commonEnv = (release.inputs.values as Values).commonEnv as Values[];
            assert.deepEqual(
                commonEnv.find((e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS"),
                {
                    name: "AIRFLOW__SECRETS__BACKEND_KWARGS",
                    valueFrom: { secretKeyRef: { name: "astro-env", key: "backend.secretBackendKwargs" } },
                },
            );
            for (const s of [CLIENT_SECRET, SECRET_ID]) {
                for (const r of result.resources) {
                    assert.deepEqual(plaintextPaths(r.inputs, s), [], `${s} in plain text in ${r.type} ${r.name}`);
                }
                assert.ok(!JSON.stringify(result.storedOutputs).includes(s), `${s} in stack outputs`);
            }
        });
    });
});
