// The validation gaps of issue 8: malformed configs that used to slip through. Each class is refused
// with the full key path, what is expected and an example, all problems at once, nothing registered.
import * as assert from "node:assert/strict";
import agentProgram from "../../index";
import { localBackend } from "../../components/backends/local";
import { ConfigValidationError } from "../../config/errors";
import { validateStackConfig } from "../../chart/validate";
import { parseValue, type RawStackConfig } from "../../config/load";
import { jsonKinds } from "../../config/introspect";
import { PROVIDER_NAMESPACES } from "../../config/namespaces";
import { parseQuantity } from "../../schema/quantity";
import { agentConfigShape, CONFIG_KEYS } from "../../config/schema";
import { programVolumeNames, type MountingComponent } from "../../config/volumes";
import { runUnderMocks, unwrapSecrets, type RecordedResource } from "../../scripts/lib/mockRun";
import { BASE_SECRET_KEYS, baseValues, configStrings, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

function problemsOf(values: Values, secretKeys = BASE_SECRET_KEYS, extra: Partial<RawStackConfig> = {}) {
    const result = validateStackConfig({ ...raw(values, secretKeys), ...extra });
    assert.equal(result.ok, false, "config should be refused");
    return result.problems;
}

function expectProblem(values: Values, key: string, message: RegExp) {
    const problems = problemsOf(values);
    const found = problems.find((p) => p.key === key && message.test(p.message));
    assert.ok(
        found,
        `expected a problem at ${key} matching ${String(message)}; got:\n${problems.map((p) => `  ${p.key}: ${p.message}`).join("\n")}`,
    );
    return found;
}

function expectValid(values: Values, secretKeys = BASE_SECRET_KEYS) {
    const result = validateStackConfig(raw(values, secretKeys));
    assert.ok(
        result.ok,
        `expected a valid config; got:\n${result.ok ? "" : result.problems.map((p) => `  ${p.key}: ${p.message}`).join("\n")}`,
    );
    return result.config;
}

/** Runs the real program on `values`; returns the thrown error and everything registered. */
async function runProgram(values: Values, providerConfig: Record<string, string> = {}) {
    const sink: RecordedResource[] = [];
    let error: unknown;
    try {
        await runUnderMocks({
            project: PROJECT,
            stack: "dev",
            config: configStrings(values),
            secretKeys: BASE_SECRET_KEYS,
            providerConfig,
            program: agentProgram,
            sink,
        });
    } catch (err) {
        error = err;
    }
    return { error, registered: sink.filter((r) => r.type !== "pulumi:pulumi:Stack") };
}

/** Asserts the program refused `values` with exactly `keys` (in any order) and registered nothing. */
async function expectRefusedByProgram(values: Values, keys: string[], providerConfig: Record<string, string> = {}) {
    const { error, registered } = await runProgram(values, providerConfig);
    assert.ok(error instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(error)}`);
    assert.deepEqual(error.problems.map((p) => p.key).sort(), [...keys].sort(), error.message);
    assert.match(error.message, new RegExp(`\\(${keys.length} problems?\\); nothing was created:`));
    assert.deepEqual(registered, [], "no resource may be registered");
    return error;
}

const worker = (extra: Values = {}): Values => ({ name: "default-worker", ...extra });
const EXPECTED_WITH_EXAMPLE = /expected .+, for example .+|must be .+, for example .+/;

describe("validation gaps: names and IDs", () => {
    const BAD: [string, string, RegExp][] = [
        ["whitespace only", "   ", /is blank/],
        ["an inner space", "ab cd", /contains a space at character 3/],
        [
            "a zero-width space",
            "ab\u200bcd",
            /invisible or control character U\+200B \(zero-width space\) at character 3/,
        ],
        ["a byte order mark", "\ufeffabcd", /U\+FEFF/],
        ["a control character", "ab\u0007cd", /invisible or control character U\+0007 at character 3/],
        ["a tab", "ab\tcd", /whitespace character U\+0009 \(tab\)/],
        ["a trailing space", "abcd ", /leading or trailing space/],
        ["nothing", "", /must not be empty/],
    ];
    const KEYS: [string, (v: Values, bad: string) => void][] = [
        ["astro.organizationId", (v, b) => ((v.astro as Values).organizationId = b)],
        ["astro.workspaceId", (v, b) => ((v.astro as Values).workspaceId = b)],
        ["astro.deploymentId", (v, b) => ((v.astro as Values).deploymentId = b)],
        ["astro.deploymentNamespace", (v, b) => ((v.astro as Values).deploymentNamespace = b)],
        ["workers[0].name", (v, b) => (v.workers = [worker({ name: b })])],
        ["dagBundles[0].name", (v, b) => ((v.dagBundles as Values[])[0] = { type: "local", name: b })],
        ["agentTokenSecretName", (v, b) => Object.assign(v, { agentToken: undefined, agentTokenSecretName: b })],
        [
            "imagePullSecretName",
            (v, b) => Object.assign(v, { imagePullCredentials: undefined, imagePullSecretName: b }),
        ],
        ["release.name", (v, b) => (v.release = { name: b })],
        ["resourceNamePrefix", (v, b) => (v.resourceNamePrefix = b)],
        ["openLineage.namespace", (v, b) => (v.openLineage = { namespace: b })],
        ["loggingSidecar.name", (v, b) => (v.loggingSidecar = { name: b })],
        [
            "dagBundles[0].gitConnId",
            (v, b) => ((v.dagBundles as Values[])[0] = { ...(v.dagBundles as Values[])[0], gitConnId: b }),
        ],
        ["proxy.noProxy[0]", (v, b) => (v.proxy = { noProxy: [b] })],
        [
            "backend.secretsManager.connectionsPrefix",
            (v, b) =>
                (v.backend = {
                    kind: "aws",
                    region: "eu-west-1",
                    eksClusterName: "eks",
                    secretsManager: { connectionsPrefix: b },
                }),
        ],
        [
            "backend.xcom.prefix",
            (v, b) => (v.backend = { kind: "aws", region: "eu-west-1", eksClusterName: "eks", xcom: { prefix: b } }),
        ],
    ];

    for (const [key, set] of KEYS) {
        it(`${key}: refuses blank values, spaces and invisible characters, saying what is expected`, () => {
            for (const [what, bad, reason] of BAD) {
                const changed = baseValues();
                set(changed, bad);
                const v = Object.fromEntries(Object.entries(changed).filter(([, x]) => x !== undefined));
                const p = expectProblem(v, key, reason);
                assert.match(p.message, EXPECTED_WITH_EXAMPLE, `${what} at ${key}: ${p.message}`);
            }
        });
    }

    it("reports a bad connection id as a record key, at its own path", () => {
        const v = baseValues();
        v.backend = { kind: "local", connections: { "git\u200bdefault": "x" } };
        const p = expectProblem(v, 'backend.connections["git\u200bdefault"]', /U\+200B/);
        assert.match(p.message, /for example 'git_default'/);
    });

    it("refuses an ID that would break the commonEnv and the OpenLineage query", () => {
        const v = baseValues();
        (v.astro as Values).deploymentId = "dep?x=1&y";
        expectProblem(v, "astro.deploymentId", /must be the Astro deployment ID .*letters, digits/);
    });

    it("every name problem of one config is reported at once, and the program registers nothing", async () => {
        const v = baseValues();
        (v.astro as Values).organizationId = " ";
        (v.astro as Values).workspaceId = "ws\u200b1";
        v.workers = [worker({ name: "big worker" })];
        v.release = { name: "rel\u0000" };
        const error = await expectRefusedByProgram(v, [
            "astro.organizationId",
            "astro.workspaceId",
            "workers[0].name",
            "release.name",
        ]);
        assert.match(error.message, /- workers\[0\]\.name: contains a space at character 4; expected a DNS-1123 label/);
    });
});

describe("validation gaps: quantities, resource names and bounds", () => {
    it("follows the Kubernetes quantity grammar", () => {
        const good: [string | number, number][] = [
            ["500m", 0.5],
            ["1Gi", 2 ** 30],
            ["0.5", 0.5],
            ["1e3", 1000],
            ["1E3", 1000],
            ["2", 2],
            ["1.", 1],
            [".5", 0.5],
            ["+1", 1],
            ["100Mi", 100 * 2 ** 20],
            ["1k", 1000],
            ["5u", 5e-6],
            ["1E", 1e18],
            ["0", 0],
            [0.25, 0.25],
        ];
        for (const [q, value] of good) {
            const parsed = parseQuantity(q);
            assert.ok(parsed.ok, `${String(q)} is a quantity`);
            assert.ok(Math.abs(parsed.value - value) <= value * 1e-12, `${String(q)} = ${value}`);
        }
        for (const q of ["lots", "1.2.3", "-1", "1e", "1 Gi", "1gi", "", "Ki", ".", "1e3.5", "0x10", "1Mb", -1, NaN]) {
            assert.equal(parseQuantity(q).ok, false, `${String(q)} is not a quantity`);
        }
    });

    it("refuses non-quantities at the full key path, with examples", () => {
        for (const bad of ["lots", "1.2.3", "-1", -1]) {
            const v = baseValues();
            v.workers = [worker({ resources: { requests: { cpu: bad } } })];
            const p = expectProblem(v, "workers[0].resources.requests.cpu", /quantity|negative/);
            assert.match(p.message, /for example '500m'/);
        }
        const v = baseValues();
        v.triggerer = { resources: { limits: { memory: "1 Gi" } } };
        expectProblem(v, "triggerer.resources.limits.memory", /is not a Kubernetes quantity/);
    });

    it("accepts real quantities and resource names", () => {
        const v = baseValues();
        v.workers = [
            worker({
                resources: {
                    requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "1e3", "hugepages-2Mi": "0.5" },
                    limits: { cpu: 2, memory: "2Gi", "nvidia.com/gpu": "1", "hugepages-2Mi": "0.5" },
                },
            }),
        ];
        expectValid(v);
    });

    it("names a typo'd resource with a suggestion, and refuses names Kubernetes refuses", () => {
        const cases: [string, RegExp][] = [
            ["cpuu", /'cpuu' is not a container resource; did you mean 'cpu'\?/],
            ["memroy", /did you mean 'memory'\?/],
            ["storage", /use cpu, memory, ephemeral-storage, hugepages-<size>/],
            ["hugepages-lots", /not a huge page size/],
            ["kubernetes.io/foo", /reserved kubernetes.io domain/],
            ["Example.com/gpu", /not a valid resource name/],
        ];
        for (const [name, message] of cases) {
            const v = baseValues();
            v.workers = [worker({ resources: { requests: { [name]: "1" } } })];
            expectProblem(
                v,
                `workers[0].resources.requests${/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `["${name}"]`}`,
                message,
            );
        }
    });

    it("refuses fractional extended resources and requests above limits", () => {
        const v = baseValues();
        v.workers = [
            worker({ resources: { requests: { "nvidia.com/gpu": "0.5", memory: "4Gi" }, limits: { memory: "2Gi" } } }),
        ];
        expectProblem(v, 'workers[0].resources.requests["nvidia.com/gpu"]', /whole number/);
        expectProblem(v, "workers[0].resources.requests.memory", /must not exceed limits\.memory \(2Gi\)/);
    });

    it("bounds counts and durations, naming the bound", () => {
        const cases: [(v: Values) => void, string, RegExp][] = [
            [(v) => (v.workers = [worker({ replicas: 5000 })]), "workers[0].replicas", /from 0 to 1000.*got 5000/],
            [(v) => (v.workers = [worker({ syncSlots: 0 })]), "workers[0].syncSlots", /from 1 to 1024/],
            [
                (v) => (v.workers = [worker({ terminationGracePeriodSeconds: 100000 })]),
                "workers[0].terminationGracePeriodSeconds",
                /whole number of seconds from 0 to 86400/,
            ],
            [
                (v) => (v.workers = [worker({ hpa: { maxReplicas: 5000 } })]),
                "workers[0].hpa.maxReplicas",
                /from 1 to 1000/,
            ],
            [(v) => (v.triggerer = { replicas: 101 }), "triggerer.replicas", /from 0 to 100\b/],
            [(v) => (v.triggerer = { asyncSlots: 1e6 }), "triggerer.asyncSlots", /from 1 to 10000/],
            [(v) => (v.release = { timeoutSeconds: 99999 }), "release.timeoutSeconds", /from 1 to 7200/],
            [(v) => (v.release = { maxHistory: 0 }), "release.maxHistory", /from 1 to 100\b/],
            [(v) => (v.xcom = { threshold: -5 }), "xcom.threshold", /from -1 to 1073741824/],
            [
                (v) =>
                    ((v.dagBundles as Values[])[0] = {
                        ...(v.dagBundles as Values[])[0],
                        refreshInterval: 0,
                    }),
                "dagBundles[0].refreshInterval",
                /from 1 to 86400/,
            ],
            [
                (v) => (v.workers = [worker({ replicas: 1.5 })]),
                "workers[0].replicas",
                /whole number .*got the number 1.5/,
            ],
        ];
        for (const [change, key, message] of cases) {
            const v = baseValues();
            change(v);
            const p = expectProblem(v, key, message);
            assert.match(p.message, /for example \d+/);
        }
    });

    it("the program refuses quantity, name and bound problems together and registers nothing", async () => {
        const v = baseValues();
        v.workers = [worker({ replicas: 5000, resources: { requests: { cpuu: "1", memory: "lots" } } })];
        await expectRefusedByProgram(v, [
            "workers[0].replicas",
            "workers[0].resources.requests.cpuu",
            "workers[0].resources.requests.memory",
        ]);
    });
});

describe("validation gaps: volume mounts", () => {
    it("refuses a mount of a volume the pod does not have, listing the ones it has", () => {
        const v = baseValues();
        v.workers = [
            worker({ volumes: [{ name: "scratch", emptyDir: {} }], volumeMounts: [{ name: "data", mountPath: "/d" }] }),
        ];
        expectProblem(
            v,
            "workers[0].volumeMounts[0].name",
            /'data' is not a volume of this pod; use one of 'tmp', 'task-logs', 'local-secrets', 'local-xcom', 'scratch' or add it to workers\[0\]\.volumes/,
        );
    });

    it("accepts the component's own volumes and the ones the program adds", () => {
        const v = baseValues();
        v.dagBundles = [
            { type: "local", name: "team_dags", path: "/opt/airflow/dags/team", persistentVolumeClaim: "dags-claim" },
        ];
        v.workers = [
            worker({
                volumes: [{ name: "scratch", emptyDir: {} }],
                volumeMounts: [
                    { name: "scratch", mountPath: "/scratch" },
                    { name: "tmp", mountPath: "/var/tmp" },
                    { name: "task-logs", mountPath: "/logs" },
                    { name: "local-secrets", mountPath: "/secrets" },
                    { name: "dags-team-dags", mountPath: "/more-dags" },
                ],
            }),
        ];
        expectValid(v);
    });

    it("knows which component gets which program volume", () => {
        // The dag processor has no task-logs volume; without restricted mode there is no tmp either.
        const v = baseValues();
        v.restricted = false;
        v.dagProcessor = { volumeMounts: [{ name: "task-logs", mountPath: "/logs" }] };
        v.triggerer = { volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] };
        const problems = problemsOf(v);
        assert.deepEqual(problems.map((p) => p.key).sort(), [
            "dagProcessor.volumeMounts[0].name",
            "triggerer.volumeMounts[0].name",
        ]);
        // The external backend adds no volumes.
        const e = baseValues();
        e.backend = { kind: "external", secretBackend: "a.b.C", xcomPath: "s3://b/x" };
        e.triggerer = { volumeMounts: [{ name: "local-xcom", mountPath: "/x" }] };
        expectProblem(
            e,
            "triggerer.volumeMounts[0].name",
            /'local-xcom' is not a volume of this pod; use one of 'tmp', 'task-logs' or/,
        );
    });

    it("the volumes the validator expects are exactly the ones the program renders", async () => {
        const variants: [string, (v: Values) => void][] = [
            ["restricted", () => undefined],
            ["not restricted, no sidecar", (v) => (v.restricted = false)],
            [
                "not restricted, logging sidecar, local bundle claim",
                (v) => {
                    v.restricted = false;
                    v.loggingSidecar = { enabled: true, image: "timberio/vector:0.45.0-debian" };
                    v.dagBundles = [
                        {
                            type: "local",
                            name: "team_dags",
                            path: "/opt/airflow/dags/team",
                            persistentVolumeClaim: "dags-claim",
                        },
                    ];
                },
            ],
        ];
        for (const [name, change] of variants) {
            const v = baseValues();
            change(v);
            v.workers = [worker({ volumes: [{ name: "scratch", emptyDir: {} }] })];
            const cfg = expectValid(v);
            const { resources } = await runUnderMocks({
                project: PROJECT,
                stack: "dev",
                config: configStrings(v),
                secretKeys: BASE_SECRET_KEYS,
                program: agentProgram,
            });
            const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
            const values = unwrapSecrets(release?.inputs.values) as Record<
                string,
                { volumes?: { name: string }[] } | { volumes?: { name: string }[] }[]
            >;
            const rendered: [MountingComponent, { volumes?: { name: string }[] } | undefined, string[]][] = [
                ["worker", (values.workers as { volumes?: { name: string }[] }[])[0], ["scratch"]],
                ["triggerer", values.triggerer as { volumes?: { name: string }[] }, []],
                ["dagProcessor", values.dagProcessor as { volumes?: { name: string }[] }, []],
            ];
            for (const [component, block, own] of rendered) {
                assert.deepEqual(
                    (block?.volumes ?? []).map((x) => x.name).sort(),
                    [...programVolumeNames(cfg, component, localBackend.volumeNames ?? []), ...own].sort(),
                    `${name}: ${component}`,
                );
            }
        }
    });

    it("the program refuses a bad mount and registers nothing", async () => {
        const v = baseValues();
        v.triggerer = { volumeMounts: [{ name: "nope", mountPath: "/nope" }] };
        await expectRefusedByProgram(v, ["triggerer.volumeMounts[0].name"]);
    });
});

describe("validation gaps: URLs", () => {
    const cases: [string, (v: Values, url: string) => void, string, RegExp][] = [
        [
            "proxy.corp:3128",
            (v, u) => (v.proxy = { httpProxy: u }),
            "proxy.httpProxy",
            /has no scheme: write 'http:\/\/proxy\.corp:3128'/,
        ],
        ["ftp://proxy.corp:21", (v, u) => (v.proxy = { httpsProxy: u }), "proxy.httpsProxy", /uses the scheme 'ftp'/],
        ["http://", (v, u) => (v.proxy = { httpProxy: u }), "proxy.httpProxy", /not a valid URL/],
        [
            "http://user:pw@proxy:3128",
            (v, u) => (v.proxy = { httpProxy: u }),
            "proxy.httpProxy",
            /must not contain credentials/,
        ],
        ["http://proxy:3128/path", (v, u) => (v.proxy = { httpProxy: u }), "proxy.httpProxy", /without a path/],
        ["http://proxy:99999", (v, u) => (v.proxy = { httpProxy: u }), "proxy.httpProxy", /not a valid URL/],
        [
            "http://bad_host!:80",
            (v, u) => (v.proxy = { httpProxy: u }),
            "proxy.httpProxy",
            /not a valid URL|invalid host/,
        ],
        [
            "http://o11y.astronomer.io",
            (v, u) => (v.openLineage = { url: u }),
            "openLineage.url",
            /uses the scheme 'http'/,
        ],
        ["https:o11y.astronomer.io", (v, u) => (v.openLineage = { url: u }), "openLineage.url", /no scheme:\/\//],
        [
            "oci://ghcr.io/astronomer/charts",
            (v, u) => (v.chart = { repo: u, version: "2.3.3" }),
            "chart.repo",
            /OCI registry, not a chart repository: set chart\.name/,
        ],
        ["helm.astronomer.io", (v, u) => (v.chart = { repo: u, version: "2.3.3" }), "chart.repo", /no scheme/],
        ["oci://", (v, u) => (v.chart = { name: u }), "chart.name", /not a valid URL|no host/],
        ["https://", (v, u) => (v.astroDeploymentAPIURL = u), "astroDeploymentAPIURL", /not a valid URL/],
        [
            "cabc.external.astronomer.run/d1",
            (v, u) => (v.astroDeploymentAPIURL = u),
            "astroDeploymentAPIURL",
            /no scheme/,
        ],
        [
            "https://x-access-token:ghp_abc@github.com/o/r.git",
            (v, u) => ((v.dagBundles as Values[])[0] = { ...(v.dagBundles as Values[])[0], repoUrl: u }),
            "dagBundles[0].repoUrl",
            /must not contain credentials/,
        ],
        [
            "github.com/o/r",
            (v, u) => ((v.dagBundles as Values[])[0] = { ...(v.dagBundles as Values[])[0], repoUrl: u }),
            "dagBundles[0].repoUrl",
            /no scheme/,
        ],
    ];
    for (const [url, set, key, message] of cases) {
        it(`refuses ${JSON.stringify(url)} at ${key}`, () => {
            const v = baseValues();
            set(v, url);
            const p = expectProblem(v, key, message);
            assert.match(p.message, key === "chart.name" ? /for example '/ : /for example '[a-z]+:\/\//);
            if (/pw|ghp_abc/.test(url)) {
                assert.doesNotMatch(p.message, /pw@|ghp_abc/, "never echoes credentials");
            }
        });
    }

    it("accepts real URLs in every form each key allows", () => {
        const v = baseValues();
        v.proxy = { httpProxy: "http://10.0.0.1:3128", httpsProxy: "https://[fd00::1]:3128/" };
        v.openLineage = { url: "https://lineage.example.com/api" };
        v.chart = { repo: "http://charts.internal:8080/stable", version: "2.3.3" };
        v.dagBundles = [
            { type: "git", name: "a", repoUrl: "git@github.com:example/dags.git", trackingRef: "main" },
            { type: "git", name: "b", repoUrl: "ssh://git@github.com/example/dags.git", trackingRef: "v1.2" },
            { type: "git", name: "c", repoUrl: "https://github.com/example/dags.git", trackingRef: "release/2026" },
        ];
        expectValid(v);
        const o = baseValues();
        o.chart = { name: "oci://ghcr.io/astronomer/charts/astro-remote-execution-agent", version: "2.3.3" };
        expectValid(o);
    });

    it("the program refuses bad URLs together and registers nothing", async () => {
        const v = baseValues();
        v.proxy = { httpProxy: "proxy.corp:3128", httpsProxy: "proxy.corp:3128" };
        v.astroDeploymentAPIURL = "http://cabc.external.astronomer.run/d1234567";
        await expectRefusedByProgram(v, ["proxy.httpProxy", "proxy.httpsProxy", "astroDeploymentAPIURL"]);
    });
});

describe("validation gaps: top-level scalars keep the type their key expects", () => {
    it("string keys keep the raw string, other keys get the JSON value", () => {
        assert.equal(parseValue("1.30", "podSecurityVersion"), "1.30");
        assert.equal(parseValue("007", "namespace"), "007");
        assert.equal(parseValue("true", "namespace"), "true");
        assert.equal(parseValue("123456", "agentToken"), "123456");
        assert.equal(parseValue("false", "restricted"), false);
        assert.equal(parseValue("maybe", "restricted"), "maybe");
        assert.deepEqual(parseValue('[{"name":"w"}]', "workers"), [{ name: "w" }]);
        assert.deepEqual(parseValue('{"kind":"local"}', "backend"), { kind: "local" });
    });

    it("holds for every top-level key: number- and boolean-looking strings stay strings where strings are expected", () => {
        let stringKeys = 0;
        for (const key of CONFIG_KEYS as (keyof typeof agentConfigShape)[]) {
            const kinds = jsonKinds(agentConfigShape[key]);
            for (const rawValue of ["1.30", "007", "1e3", "true", "null", "-0"]) {
                const parsed = parseValue(rawValue, key);
                if (kinds.has("string")) {
                    assert.equal(parsed, rawValue, `${key} keeps ${rawValue}`);
                } else {
                    assert.notEqual(typeof parsed, "undefined");
                }
            }
            stringKeys += kinds.has("string") ? 1 : 0;
        }
        assert.ok(stringKeys >= 10, `found ${stringKeys} string keys`);
    });

    it("a numeric-looking value of a string key is validated as the string it is", () => {
        const v = baseValues();
        v.resourceNamePrefix = "007";
        v.podSecurityVersion = "v1.30";
        assert.equal(expectValid(v).resourceNamePrefix, "007");
        const bad = baseValues();
        bad.podSecurityVersion = "1.30";
        const p = expectProblem(bad, "podSecurityVersion", /must be a Kubernetes minor version \(v1\.<minor>/);
        assert.doesNotMatch(p.message, /number/);
        const token = baseValues();
        token.agentToken = "123456";
        expectValid(token);
    });

    it("the program refuses a mistyped boolean, naming what is expected, and registers nothing", async () => {
        const v = baseValues();
        v.restricted = "yes";
        const error = await expectRefusedByProgram(v, ["restricted"]);
        assert.match(error.message, /- restricted: must be true or false, for example true \(got a string\)/);
    });
});

describe("validation gaps: keys under another project's namespace", () => {
    const foreignValues = {
        "astro_agent:namespace": "astro-agent",
        "astro-remote-agent:agentToken": "token-under-the-wrong-name",
        "astro_agent:notAKey": "x",
        "kubernetes:namespace": "default",
        "aws:region": "eu-west-1",
        "pulumi:tags": "{}",
    };

    it("reports each misplaced known key, and not the required-key problems they cause", () => {
        const v = baseValues();
        delete v.namespace;
        delete v.agentToken;
        const problems = problemsOf(v, ["imagePullCredentials"], { foreignValues });
        assert.deepEqual(problems, [
            {
                key: "astro_agent:namespace",
                message:
                    "ignored: this stack belongs to project 'astro-agent', so the program never reads this key; did you mean 'astro-agent:namespace'? (until then 'namespace' counts as unset)",
            },
            {
                key: "astro-remote-agent:agentToken",
                message:
                    "ignored: this stack belongs to project 'astro-agent', so the program never reads this key; did you mean 'astro-agent:agentToken'? (until then 'agentToken' counts as unset)",
            },
        ]);
    });

    it("keeps the problems the misplaced keys do not explain", () => {
        const v = baseValues();
        delete v.namespace;
        v.resourceNamePrefix = "Bad_Prefix";
        const problems = problemsOf(v, BASE_SECRET_KEYS, { foreignValues: { "astro_agent:namespace": "ns" } });
        assert.deepEqual(problems.map((p) => p.key).sort(), ["astro_agent:namespace", "resourceNamePrefix"]);
    });

    it("says so when the project sets the key as well", () => {
        const problems = problemsOf(baseValues(), BASE_SECRET_KEYS, {
            foreignValues: { "astro_agent:namespace": "x" },
        });
        assert.deepEqual(
            problems.map((p) => p.key),
            ["astro_agent:namespace"],
        );
        assert.match(problems[0]?.message ?? "", /reads 'astro-agent:namespace' \(set as well\); remove this key/);
    });

    it("leaves provider namespaces alone", () => {
        assert.ok(["kubernetes", "aws", "pulumi"].every((ns) => PROVIDER_NAMESPACES.includes(ns)));
        const result = validateStackConfig({
            ...raw(baseValues()),
            foreignValues: { "kubernetes:namespace": "default", "aws:region": "eu-west-1", "pulumi:tags": "{}" },
        });
        assert.equal(result.ok, true);
    });

    it("the program reads them from the engine's config, refuses, and registers nothing", async () => {
        const v = baseValues();
        delete v.namespace;
        await expectRefusedByProgram(v, ["astro_agent:namespace", "astro-remote-agent:agentToken"], foreignValues);
    });
});
