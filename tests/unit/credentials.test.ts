// The credential detector by property: generated credentials of every rule family (random values,
// random key names, random surrounding text, nested JSON / YAML / base64) are found where they are
// planted; generated benign look-alikes are not; and no refusal or warning ever prints a planted
// secret or its userinfo, wherever in the config the schema accepts a string.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { chartCredentialProblems } from "../../chart/credentialScan";
import { agentObjectNames } from "../../chart/names";
import { validateStackConfig } from "../../chart/validate";
import { buildChartValues, type ResolvedBackend } from "../../chart/values";
import { findCredentials, redactCredentials, SECRETLINT_RULES, secretlintSpans } from "../../config/credentials";
import { formatPath, formatProblems, parseConfig } from "../../config/errors";
import { jsonKinds, schemaAt } from "../../config/introspect";
import { agentConfigSchema } from "../../config/schema";
import { withWiringStandIns } from "../../config/wiring";
import { baseValues, raw } from "../fixtures/config";

type Path = (string | number)[];
/** A generated credential: its text and the parts that must never be printed. */
interface Planted {
    family: string;
    text: string;
    cores: string[];
}

const SEED = 23;
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const chars = (alphabet: string, min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...alphabet.split("")), minLength: min, maxLength: max });
/**
 * What random bytes in base64 look like: Shannon entropy near the alphabet's (40 random characters of
 * 64 average about 4.8 bits each). Keeps the shrinker from turning a random key into "AAAA…".
 */
function isRandom(t: string): boolean {
    const counts = [...new Set(t)].map((c) => t.split(c).length - 1);
    return -counts.reduce((h, n) => h + (n / t.length) * Math.log2(n / t.length), 0) >= 4.4;
}

/** A random secret: letters and digits, at least one of each, starting with a letter. */
const secretWord = fc
    .tuple(
        chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 1),
        chars(ALNUM, 9, 22),
        chars("0123456789", 1, 2),
    )
    .map(([a, b, c]) => `${a}${b}${c}`)
    .filter((s) => /[a-z]/i.test(s.slice(1)) && !/^(.)\1+$/.test(s));
const word = chars("abcdefghijklmnopqrstuvwxyz", 3, 8);
const host = fc
    .tuple(word, fc.constantFrom("example.com", "corp.internal", "svc.cluster.local"))
    .map(([a, b]) => `${a}.${b}`);

/** Credential-like key names, judged by their words: a random qualifier, a credential word, a random style. */
const credentialKey = fc
    .tuple(
        fc.option(word, { nil: undefined }),
        fc.constantFrom(
            ["password"],
            ["passwd"],
            ["pwd"],
            ["token"],
            ["api", "key"],
            ["secret", "key"],
            ["access", "token"],
            ["client", "secret"],
            ["private", "key"],
            ["passphrase"],
            ["auth", "token"],
            ["signing", "key"],
            ["credentials"],
        ),
        fc.constantFrom("snake", "SCREAMING", "camel", "kebab"),
    )
    .map(([prefix, words, style]) => {
        const all = prefix === undefined ? [...words] : [prefix, ...words];
        switch (style) {
            case "snake":
                return all.join("_");
            case "SCREAMING":
                return all.join("_").toUpperCase();
            case "kebab":
                return all.join("-");
            default:
                return all.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join("");
        }
    });

/** One generator per rule family. */
const families: fc.Arbitrary<Planted>[] = [
    // Userinfo in any URL, anywhere; the password may hold `/`.
    fc
        .tuple(
            fc.constantFrom("https", "http", "postgresql", "mysql", "redis", "amqp", "mongodb", "smtp", "ftp"),
            word,
            secretWord,
            chars("/_-~", 0, 2),
            host,
        )
        .map(([scheme, user, pass, extra, h]) => {
            const password = `${pass.slice(0, 4)}${extra}${pass.slice(4)}`;
            return {
                family: "url-userinfo",
                text: `${scheme}://${user}:${password}@${h}:5432/db`,
                cores: [password, `${user}:${password}`],
            };
        }),
    // key=value, -Dkey=value, --flag=value, --flag value, key: value, export KEY=value.
    fc
        .tuple(credentialKey, secretWord, fc.constantFrom("eq", "D", "flag-eq", "flag-space", "colon", "export"))
        .map(([key, value, form]) => {
            const text = {
                eq: `${key}=${value}`,
                D: `-D${key.replace(/-/g, ".")}=${value}`,
                "flag-eq": `--${key.replace(/_/g, "-")}=${value}`,
                "flag-space": `--${key.replace(/_/g, "-")} ${value}`,
                colon: `settings:\n  ${key}: ${value}\n`,
                export: `export ${key.replace(/-/g, "_").toUpperCase()}=${value}`,
            }[form];
            return { family: `assignment-${form}`, text, cores: [value] };
        }),
    // curl -u user:pass
    fc.tuple(word, secretWord, host).map(([user, pass, h]) => ({
        family: "curl-user",
        text: `curl -fsS -u ${user}:${pass} https://${h}/health`,
        cores: [pass],
    })),
    // Token formats.
    fc.tuple(fc.constantFrom("sk_live_", "rk_live_", "sk_test_"), chars(ALNUM, 24, 32)).map(([p, t]) => ({
        family: "stripe",
        text: `${p}${t}`,
        cores: [`${p}${t}`],
    })),
    chars(ALNUM, 24, 30).map((t) => ({ family: "vault", text: `hvs.${t}`, cores: [`hvs.${t}`] })),
    chars(ALNUM, 36, 36).map((t) => ({ family: "github", text: `ghp_${t}`, cores: [`ghp_${t}`] })),
    fc
        .tuple(
            chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8, 10),
            chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8, 10),
            chars(ALNUM, 24, 24),
        )
        .map(([t, b, k]) => ({
            family: "slack-webhook",
            text: `https://hooks.slack.com/services/T${t}/B${b}/${k}`,
            cores: [k],
        })),
    // A 40-character AWS secret key, a Fernet key: random tokens under any name.
    fc
        .uint8Array({ minLength: 30, maxLength: 30 })
        .map((b) => Buffer.from(b).toString("base64"))
        .filter((t) => /[a-z]/.test(t) && /[A-Z]/.test(t) && /[0-9]/.test(t) && isRandom(t))
        .map((t) => ({ family: "aws-secret", text: t, cores: [t] })),
    fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((b) => `${Buffer.from(b).toString("base64url")}=`)
        .filter(isRandom)
        .map((key) => ({ family: "fernet", text: key, cores: [key] })),
    // A Google service-account key, as JSON.
    chars(ALNUM, 40, 60).map((body) => {
        const pem = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
        return {
            family: "gcp-sa",
            text: JSON.stringify({ type: "service_account", private_key_id: "k1", private_key: pem }),
            cores: [body],
        };
    }),
    // Authorization headers.
    secretWord.map((t) => ({ family: "bearer", text: `Authorization: Bearer ${t}${t}`, cores: [`${t}${t}`] })),
];

const planted = fc.oneof(...families);

/** The credential wrapped: as is, inside random text, or encoded (JSON, YAML, base64 of JSON). */
const wrapped = fc
    .tuple(
        planted,
        fc.constantFrom("plain", "text", "json", "yaml", "base64"),
        fc.constantFrom("", "run ", "note: ", "value is ", "x; "),
        fc.constantFrom("", " now", " # done", ";", "\n"),
        word,
    )
    .map(([p, how, before, after, key]) => {
        const standalone = p.family === "aws-secret" || p.family === "fernet";
        switch (how) {
            case "text":
                return { ...p, text: standalone ? p.text : `${before}${p.text}${after}` };
            case "json":
                return { ...p, text: JSON.stringify({ [key]: { inner: p.text } }) };
            case "yaml":
                return { ...p, text: `${key}:\n  inner: ${JSON.stringify(p.text)}\n  other: 1\n` };
            case "base64":
                return { ...p, text: Buffer.from(JSON.stringify({ [key]: p.text })).toString("base64") };
            default:
                return p;
        }
    });

/** Benign look-alikes, in the positions they belong to. */
const benign: fc.Arbitrary<{ key: string; value: string }> = fc.oneof(
    word.map((w) => ({ key: "agentTokenSecretName", value: `${w}-agent-token` })),
    word.map((w) => ({ key: "apiKeySecret", value: `${w}-openlineage` })),
    word.map((w) => ({ key: "tokenPath", value: `/var/run/secrets/${w}/token` })),
    word.map((w) => ({ key: "mountPath", value: `/etc/${w}/credentials` })),
    fc.tuple(word, chars("0123456789", 1, 2)).map(([w, n]) => ({
        key: "image",
        value: `registry.example.com/${w}/agent:${n}.2.${n}`,
    })),
    chars("0123456789abcdef", 64, 64).map((h) => ({ key: "image", value: `registry.example.com/a/b@sha256:${h}` })),
    chars("0123456789abcdef", 40, 40).map((h) => ({ key: "commit", value: h })),
    chars("0123456789abcdef", 64, 64).map((h) => ({ key: "checksum", value: h })),
    word.map((w) => ({ key: "password", value: `\${${w.toUpperCase()}_PASSWORD}` })),
    word.map((w) => ({ key: "token", value: `<your-${w}-token>` })),
    fc.tuple(word, host).map(([w, h]) => ({ key: "url", value: `https://${h}:8443/${w}@v2/items?page=2` })),
    fc.tuple(word, word).map(([c, b]) => ({ key: "xcomPath", value: `s3://${c}@${b}/xcom` })),
    fc.tuple(word, word).map(([a, b]) => ({ key: "queues", value: `${a},${b}` })),
    word.map((w) => ({
        key: "config",
        value: `sources:\n  ${w}:\n    type: file\n    include: [/var/log/${w}/*.log]\n`,
    })),
    word.map((w) => ({ key: "command", value: `python -m ${w} --log-level=info --workers 4` })),
);

describe("credentials: the maintained ruleset, synchronously", () => {
    it("runs every rule of the preset but the comment filter, and each reports synchronously", () => {
        assert.equal(SECRETLINT_RULES.length, 14);
        const samples: Record<string, string> = {
            "@secretlint/secretlint-rule-github": `ghp_${"a1B2c3D4e5".repeat(3)}Z9y8X7`,
            "@secretlint/secretlint-rule-privatekey": `-----BEGIN RSA PRIVATE KEY-----\n${"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw".repeat(4)}\n-----END RSA PRIVATE KEY-----`,
            "@secretlint/secretlint-rule-basicauth": "https://alice:W0nderland@logs.corp.com/in",
            "@secretlint/secretlint-rule-database-connection-string": "postgresql://alice:W0nderland@db.corp/x",
            "@secretlint/secretlint-rule-aws": "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKQ",
            "@secretlint/secretlint-rule-gcp": JSON.stringify({
                type: "service_account",
                private_key_id: "k",
                private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
            }),
        };
        for (const [id, text] of Object.entries(samples)) {
            const rule = SECRETLINT_RULES.find((r) => r.meta.id === id);
            assert.ok(rule !== undefined, id);
            assert.ok(secretlintSpans(text).length > 0, `${id} reports synchronously`);
        }
    });
});

describe("credentials: by property", () => {
    it("finds generated credentials of every family, in random positions, text and encodings", () => {
        fc.assert(
            fc.property(wrapped, fc.array(word, { minLength: 1, maxLength: 4 }), (p, path) => {
                // `{a: {b: {c: text}}}` for the path a.b.c
                const tree = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), p.text);
                const found = findCredentials(tree);
                assert.equal(found.length, 1, `${p.family}: ${JSON.stringify(tree)}`);
                assert.deepEqual(found[0]?.path, path);
                for (const core of p.cores) {
                    assert.ok(!found.some((f) => f.kind.includes(core)), "a kind never quotes the value");
                    assert.ok(!redactCredentials(p.text).includes(core), `${p.family}: redacted`);
                }
            }),
            { seed: SEED, numRuns: 600 },
        );
    });

    it("finds credentials in argument lists and env or header entries by their name", () => {
        fc.assert(
            fc.property(credentialKey, secretWord, word, (key, value, other) => {
                const flag = `--${key.replace(/_/g, "-")}`;
                assert.deepEqual(
                    findCredentials({ args: [`--${other}`, flag, value] }).map((f) => f.path),
                    [["args", 2]],
                );
                assert.deepEqual(
                    findCredentials({ env: [{ name: key.replace(/-/g, "_").toUpperCase(), value }] }).map(
                        (f) => f.path,
                    ),
                    [["env", 0, "value"]],
                );
                assert.deepEqual(
                    findCredentials({ httpHeaders: [{ name: `X-${key}`, value }] }).map((f) => f.path),
                    [["httpHeaders", 0, "value"]],
                );
            }),
            { seed: SEED, numRuns: 200 },
        );
    });

    it("leaves generated benign look-alikes alone (references, paths, tags, digests, placeholders)", () => {
        fc.assert(
            fc.property(benign, word, (b, parent) => {
                assert.deepEqual(findCredentials({ [parent]: { [b.key]: b.value } }), [], JSON.stringify(b));
            }),
            { seed: SEED, numRuns: 400 },
        );
    });
});

/** A config with a value at (nearly) every string-accepting kind of key. */
function richValues(): Record<string, unknown> {
    return {
        ...baseValues(),
        environment: "prod",
        backend: {
            kind: "external",
            secretBackend: "airflow.providers.hashicorp.secrets.vault.VaultBackend",
            secretBackendKwargs: { url: "https://vault.example.com", mount_point: "airflow", auth_type: "kubernetes" },
            xcomPath: "s3://bucket/xcom",
        },
        commonEnv: [{ name: "TEAM", value: "data-platform" }],
        workers: [
            {
                name: "default-worker",
                queues: ["default"],
                env: [{ name: "WORKER_MODE", value: "fast" }],
                initContainers: [{ name: "init", image: "busybox:1.36.1", command: ["sh", "-c", "echo ready"] }],
                livenessProbe: {
                    httpGet: { path: "/health", port: 8080, httpHeaders: [{ name: "X-Probe", value: "agent" }] },
                },
                extraValues: { extraNote: { note: "hello" } },
            },
        ],
        triggerer: { env: [{ name: "TRIGGER_MODE", value: "async" }] },
        loggingSidecar: {
            enabled: true,
            image: "timberio/vector:0.45.0-debian",
            config: "sources: {}",
            env: [{ name: "VECTOR_LOG", value: "info" }],
        },
        labels: { team: "data" },
        annotations: { "example.com/owner": "data-platform" },
        extraValues: { priorityClassName: "agents", extraNote: { text: "hello" } },
    };
}

/** Every string leaf of the values whose key the schema accepts a string at. */
function stringPositions(values: unknown, path: Path = []): Path[] {
    if (Array.isArray(values)) {
        return values.flatMap((v, i) => stringPositions(v, [...path, i]));
    }
    if (values !== null && typeof values === "object") {
        return Object.entries(values).flatMap(([k, v]) => stringPositions(v, [...path, k]));
    }
    if (typeof values !== "string") {
        return [];
    }
    // Inside free-form objects (extraValues, container specs) the schema has no child: any JSON goes.
    const schema = schemaAt(agentConfigSchema, path, values);
    return schema === undefined || jsonKinds(schema).has("string") ? [path] : [];
}

function setAt(root: unknown, path: Path, value: unknown): void {
    let node = root as Record<string | number, unknown>;
    path.slice(0, -1).forEach((p) => {
        node = node[p] as Record<string | number, unknown>;
    });
    node[path[path.length - 1] as string | number] = value;
}

/** A backend contribution of the program's own names only. */
const STAND_IN_BACKEND: ResolvedBackend = {
    secretBackend: "x.Backend",
    secretBackendKwargs: {},
    xcomBackend: "x.XCom",
    xcomPath: "file:///x",
    commonEnv: [],
    serviceAccountAnnotations: {},
    podLabels: {},
    volumes: [],
    volumeMounts: [],
};

/** The keys of {@link richValues} the schema takes as secrets. */
const SECRET_SETTINGS = ["agentToken", "imagePullCredentials.password"];
const SECRET_KEYS = ["agentToken", "imagePullCredentials"];

/** A kubeconfig for one API server. */
function kubeconfig(server: string, name: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${name}`,
        `clusters: [{name: ${name}, cluster: {server: "${server}"}}]`,
        `contexts: [{name: ${name}, context: {cluster: ${name}, user: u}}]`,
        "users: [{name: u, user: {}}]",
    ].join("\n");
}

describe("credentials: no message prints a planted secret", () => {
    const base = richValues();
    const positions = stringPositions(base);

    it("starts from a config valid in prod and dev", () => {
        for (const environment of ["prod", "dev"]) {
            const r = validateStackConfig(raw({ ...base, environment }, SECRET_KEYS, environment));
            assert.ok(r.ok, JSON.stringify(r));
        }
    });

    it("enumerates the string positions from the schema", () => {
        assert.ok(positions.length >= 25, `${positions.length} positions`);
    });

    it("every refusal and warning, in prod and dev, for a credential planted in any string position", () => {
        fc.assert(
            fc.property(
                planted,
                fc.constantFrom(...positions),
                fc.constantFrom("prod", "dev"),
                fc.constantFrom("", "x ", "key: "),
                (p, position, environment, before) => {
                    const values = structuredClone(base);
                    values.environment = environment;
                    setAt(values, position, `${before}${p.text}`);
                    const result = validateStackConfig(raw(values, SECRET_KEYS, environment));
                    const lines = [
                        ...(result.ok ? [] : [formatProblems(result.problems, "problems:")]),
                        ...(result.ok ? [] : result.problems.map((q) => `${q.key} ${q.message}`)),
                        ...result.warnings,
                    ];
                    for (const line of lines) {
                        for (const core of p.cores) {
                            assert.ok(!line.includes(core), `${p.family} at ${JSON.stringify(position)}: ${line}`);
                        }
                    }
                    // Secret settings take secrets; anywhere else prod refuses, naming the key (or the entry holding it).
                    const key = formatPath(position);
                    if (environment === "prod" && !SECRET_SETTINGS.includes(key)) {
                        const named = result.ok ? [] : result.problems.filter((q) => key.startsWith(q.key));
                        assert.ok(
                            named.length > 0,
                            `${p.family} at ${key}: ${result.ok ? "accepted" : JSON.stringify(result.problems.map((q) => q.key))}`,
                        );
                    }
                },
            ),
            { seed: SEED, numRuns: 300 },
        );
    });

    it("a kubeconfig's server URL: its userinfo and query are never printed", () => {
        fc.assert(
            fc.property(
                word,
                secretWord,
                secretWord,
                host,
                fc.constantFrom("prod", "dev"),
                (user, pass, token, h, env) => {
                    const server = `https://${user}:${pass}@${h}:6443/?token=${token}`;
                    const values: Record<string, unknown> = {
                        ...baseValues(),
                        environment: env,
                        clusters: [
                            { name: "a", kubeconfig: kubeconfig(server, "a") },
                            { name: "b", kubeconfig: kubeconfig(server, "b") },
                        ],
                    };
                    const result = validateStackConfig(
                        raw(values, ["agentToken", "imagePullCredentials", "clusters"], env),
                    );
                    if (result.ok) {
                        assert.fail("two clusters on one API server and namespace are refused");
                    }
                    const text = formatProblems(result.problems, "problems:");
                    assert.match(text, new RegExp(`API server https://${h.replace(/\./g, "\\.")}:6443/`));
                    for (const secret of [pass, `${user}:`, token]) {
                        assert.ok(!text.includes(secret), text);
                    }
                },
            ),
            { seed: SEED, numRuns: 60 },
        );
    });
});

describe("credentials: the chart-boundary scan names the config key", () => {
    const base = richValues();
    const positions = stringPositions(base).filter((p) => !SECRET_SETTINGS.includes(formatPath(p)));

    it("every credential that reaches the final chart values is reported under the key it was set at", () => {
        let reached = 0;
        fc.assert(
            fc.property(planted, fc.constantFrom(...positions), (p, position) => {
                const values = structuredClone(base);
                setAt(values, position, p.text);
                const parsed = parseConfig(agentConfigSchema, values);
                if (!parsed.success) {
                    return; // refused by the schema: nothing reaches the chart
                }
                const cfg = parsed.data;
                const chart = buildChartValues(
                    withWiringStandIns(cfg),
                    agentObjectNames({
                        resourceNamePrefix: cfg.resourceNamePrefix,
                        workers: cfg.workers,
                        releaseName: cfg.release.name,
                    }),
                    STAND_IN_BACKEND,
                );
                const reaches = JSON.stringify(chart).includes(JSON.stringify(p.text).slice(1, -1));
                const problems = chartCredentialProblems(cfg, new Set());
                if (reaches) {
                    reached++;
                    const key = formatPath(position);
                    assert.ok(
                        problems.some((q) => q.key === key),
                        `${p.family} at ${key}: ${JSON.stringify(problems.map((q) => q.key))}`,
                    );
                }
                for (const q of problems) {
                    for (const core of p.cores) {
                        assert.ok(!`${q.key} ${q.message}`.includes(core), `${p.family}: ${q.key}`);
                    }
                }
            }),
            { seed: SEED, numRuns: 300 },
        );
        assert.ok(reached >= 100, `${reached} planted credentials reached the chart values`);
    });

    it("a config without credentials gives no finding", () => {
        const parsed = parseConfig(agentConfigSchema, base);
        assert.ok(parsed.success);
        assert.deepEqual(chartCredentialProblems(parsed.data, new Set()), []);
    });
});

describe("credentials: a refusal says how to pass the value as a Secret", () => {
    const cases: { position: Path; value: string; fix: RegExp }[] = [
        {
            position: ["workers", 0, "initContainers", 0, "command", 2],
            value: "curl -u bob:S3cretPass9 https://x.example.com",
            fix: /--secret --path <component>\.env\[n\]\.value .*\$\(NAME\) in the command or args/,
        },
        {
            position: ["workers", 0, "livenessProbe", "httpGet", "httpHeaders", 0, "value"],
            value: "hvs.CAESIJlWh7Lr3b4GqYx0kZ9aT2cE",
            fix: /probe headers cannot read a Secret/,
        },
        {
            position: ["loggingSidecar", "config"],
            value: "sinks:\n  out:\n    auth:\n      password: Sup3rS3cret9\n",
            fix: /Vector: \$\{NAME\}.*loggingSidecar\.env\[n\]\.value with 'pulumi config set --secret --path'/,
        },
        {
            position: ["extraValues", "extraNote", "text"],
            value: "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            fix: /a Stripe key\); pass it as a Secret: .*valueFrom\.secretKeyRef/,
        },
    ];
    for (const c of cases) {
        it(formatPath(c.position), () => {
            const values = richValues();
            setAt(values, c.position, c.value);
            const result = validateStackConfig(raw(values, SECRET_KEYS, "prod"));
            const at = result.ok ? [] : result.problems.filter((p) => p.key === formatPath(c.position));
            assert.equal(at.length, 1, JSON.stringify(result.ok ? [] : result.problems.map((p) => p.key)));
            assert.match(at[0]?.message ?? "", c.fix);
        });
    }
});
