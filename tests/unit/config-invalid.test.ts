// Bad stack configs: each is refused before anything is registered, with a message naming the full
// config key and what to do.
import * as assert from "node:assert/strict";
import agentProgram from "../../index";
import { validateStackConfig } from "../../chart/validate";
import { ConfigValidationError } from "../../config/errors";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { BASE_SECRET_KEYS, baseValues, configStrings, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
interface Case {
    name: string;
    change: (v: Values) => void;
    key: string;
    message: RegExp;
    secretKeys?: string[];
}

const MIRRORED_IMAGE =
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1";
const worker = (extra: Values = {}) => ({ name: "default-worker", ...extra });
const gitBundle = (extra: Values = {}) => ({
    type: "git",
    name: "dags",
    repoUrl: "https://github.com/example/dags.git",
    trackingRef: "main",
    ...extra,
});

const cases: Case[] = [
    {
        name: "no agent token source",
        change: (v) => delete v.agentToken,
        key: "agentToken",
        message: /no agent token: set exactly one of agentToken .*agentTokenSecretName or agentTokenFile/,
    },
    {
        name: "two agent token sources",
        change: (v) => (v.agentTokenSecretName = "existing-token"),
        key: "agentToken",
        message: /exactly one of agentToken, agentTokenSecretName and agentTokenFile/,
    },
    {
        name: "three agent token sources",
        change: (v) => Object.assign(v, { agentTokenSecretName: "t", agentTokenFile: "/var/run/token" }),
        key: "agentToken",
        message: /exactly one of/,
    },
    {
        name: "no image pull source",
        change: (v) => delete v.imagePullCredentials,
        key: "imagePullSecretName",
        message: /no image pull source: set imagePullCredentials.password .* or imagePullSecretName/,
    },
    {
        name: "two image pull sources",
        change: (v) => (v.imagePullSecretName = "pull"),
        key: "imagePullSecretName",
        message: /^set exactly one of imagePullCredentials, imagePullSecretName and imagePullFromNodes$/,
    },
    {
        name: "node credentials and pull credentials",
        change: (v) => Object.assign(v, { imagePullFromNodes: true, image: MIRRORED_IMAGE }),
        key: "imagePullSecretName",
        message: /^set exactly one of imagePullCredentials, imagePullSecretName and imagePullFromNodes$/,
    },
    {
        name: "node credentials for Astronomer's registry",
        change: (v) => {
            delete v.imagePullCredentials;
            v.imagePullFromNodes = true;
        },
        key: "image",
        message:
            /^comes from images\.astronomer\.cloud, which needs the Astro API token, not node credentials: with imagePullFromNodes, mirror the agent image to a registry the nodes can pull from and set it there \(for example 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/baseimages\/astro-remote-execution-agent:<tag>; the Sentinel image is then taken from the same mirror\), or set imagePullCredentials instead of imagePullFromNodes$/,
    },
    {
        name: "node credentials with Sentinel pinned to Astronomer's registry",
        change: (v) => {
            delete v.imagePullCredentials;
            Object.assign(v, {
                imagePullFromNodes: true,
                image: MIRRORED_IMAGE,
                sentinel: { image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.1.2" },
            });
        },
        key: "sentinel.image",
        message:
            /^comes from images\.astronomer\.cloud, .*mirror the Sentinel image to a registry the nodes can pull from/,
    },
    {
        name: "pull credentials without password",
        change: (v) => (v.imagePullCredentials = { username: "cli" }),
        key: "imagePullCredentials.password",
        message: /is required/,
        secretKeys: ["agentToken"],
    },
    {
        name: "empty resourceNamePrefix",
        change: (v) => (v.resourceNamePrefix = ""),
        key: "resourceNamePrefix",
        message: /must not be empty/,
    },
    {
        name: "resourceNamePrefix not DNS-safe",
        change: (v) => (v.resourceNamePrefix = "Astro_Agent"),
        key: "resourceNamePrefix",
        message: /DNS-1123 label/,
    },
    {
        name: "resourceNamePrefix too long",
        change: (v) => (v.resourceNamePrefix = "a".repeat(31)),
        key: "resourceNamePrefix",
        message: /at most 30 characters/,
    },
    {
        name: "namespace not DNS-safe",
        change: (v) => (v.namespace = "astro.agent"),
        key: "namespace",
        message: /DNS-1123 label/,
    },
    {
        name: "duplicate worker names",
        change: (v) => (v.workers = [worker(), worker()]),
        key: "workers[1].name",
        message: /duplicates workers\[0\].name 'default-worker'/,
    },
    {
        name: "worker name not DNS-safe",
        change: (v) => (v.workers = [worker({ name: "High_Mem" })]),
        key: "workers[0].name",
        message: /DNS-1123 label/,
    },
    {
        name: "worker name too long for the HPA object",
        change: (v) => (v.workers = [worker({ name: "w".repeat(50) })]),
        key: "workers[0].name",
        message: /limit 63/,
    },
    {
        name: "HPA min above max",
        change: (v) =>
            (v.workers = [
                worker(),
                worker({
                    name: "big",
                    resources: { requests: { cpu: "1" } },
                    hpa: { minReplicas: 5, maxReplicas: 2, metrics: [{ type: "Resource", resource: { name: "cpu" } }] },
                }),
            ]),
        key: "workers[1].hpa.maxReplicas",
        message: /must be at least hpa.minReplicas \(5\)/,
    },
    {
        name: "HPA on cpu without a cpu request",
        change: (v) =>
            (v.workers = [
                worker({
                    hpa: {
                        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }],
                    },
                }),
            ]),
        key: "workers[0].resources.requests.cpu",
        message: /required because workers\[0\].hpa.metrics\[0\] scales on cpu/,
    },
    {
        name: "HPA without metrics",
        change: (v) => (v.workers = [worker({ hpa: { enabled: true } })]),
        key: "workers[0].hpa.metrics",
        message: /at least one metric/,
    },
    {
        name: "misspelled worker key",
        change: (v) => (v.workers = [worker({ replics: 2 })]),
        key: "workers[0].replics",
        message: /did you mean 'replicas'\?/,
    },
    {
        name: "misspelled top-level key",
        change: (v) => (v.worker = [worker()]),
        key: "worker",
        message: /did you mean 'workers'\?/,
    },
    {
        name: "misspelled nested key",
        change: (v) => (v.triggerer = { asyncSlot: 10 }),
        key: "triggerer.asyncSlot",
        message: /did you mean 'asyncSlots'\?/,
    },
    {
        name: "git bundle without repoUrl",
        change: (v) => (v.dagBundles = [{ type: "git", name: "dags", trackingRef: "main" }]),
        key: "dagBundles[0].repoUrl",
        message: /is required: the Git repository URL .*unless gitConnId/,
    },
    {
        name: "git bundle without trackingRef",
        change: (v) => (v.dagBundles = [{ type: "git", name: "dags", repoUrl: "https://github.com/x/y.git" }]),
        key: "dagBundles[0].trackingRef",
        message: /is required \(the branch, tag or commit to track/,
    },
    {
        name: "private git bundle without connection",
        change: (v) => (v.dagBundles = [gitBundle({ private: true })]),
        key: "dagBundles[0].gitConnId",
        message: /is required for a private repository/,
    },
    {
        name: "git connection the local backend does not serve",
        change: (v) => (v.dagBundles = [gitBundle({ private: true, gitConnId: "git_repo" })]),
        key: "dagBundles[0].gitConnId",
        message:
            /connection 'git_repo' is not defined; set it with pulumi config set --secret --path 'backend.connections.git_repo'/,
    },
    {
        name: "bundle type unknown",
        change: (v) => (v.dagBundles = [{ type: "s3", name: "dags" }]),
        key: "dagBundles[0].type",
        message: /must be 'git' or 'local'/,
    },
    {
        name: "duplicate bundle names",
        change: (v) => (v.dagBundles = [gitBundle(), gitBundle()]),
        key: "dagBundles[1].name",
        message: /duplicates dagBundles\[0\].name 'dags'/,
    },
    {
        name: "no DAG bundles",
        change: (v) => (v.dagBundles = []),
        key: "dagBundles",
        message: /at least one DAG bundle/,
    },
    {
        name: "local bundle relative path",
        change: (v) => (v.dagBundles = [{ type: "local", name: "local", path: "dags" }]),
        key: "dagBundles[0].path",
        message: /absolute path/,
    },
    {
        name: "backend kind unknown",
        change: (v) => (v.backend = { kind: "s3" }),
        key: "backend.kind",
        message: /must be one of 'local', 'external', 'aws', 'azure', 'gcp', 'vault'/,
    },
    {
        name: "local backend in prod",
        change: (v) => (v.environment = "prod"),
        key: "backend.kind",
        message: /'local' is for development only/,
    },
    {
        name: "external backend with a bad class path",
        change: (v) => (v.backend = { kind: "external", secretBackend: "not a class", xcomPath: "s3://b/x" }),
        key: "backend.secretBackend",
        message: /dotted Python class path/,
    },
    {
        name: "external backend with an unsupported XCom scheme",
        change: (v) =>
            (v.backend = {
                kind: "external",
                secretBackend: "airflow.secrets.local_filesystem.LocalFilesystemBackend",
                xcomPath: "ftp://bucket/xcom",
            }),
        key: "backend.xcomPath",
        message: /must use one of the schemes s3, s3a, gs, gcs, abfs, abfss, file/,
    },
    {
        name: "external backend kwargs carrying a credential in plain text (dev)",
        change: (v) =>
            (v.backend = {
                kind: "external",
                secretBackend: "airflow.providers.hashicorp.secrets.vault.VaultBackend",
                secretBackendKwargs: { url: "https://vault:8200", token: "s.abc" },
                xcomPath: "s3://bucket/xcom",
            }),
        key: "backend.secretBackendKwargs.token",
        message:
            /^holds a credential under the key 'token', .*'pulumi config set --secret --path backend\.secretBackendKwargs\.token …'.*refused in plain text in dev too/,
    },
    {
        name: "image without tag",
        change: (v) => (v.image = "images.astronomer.cloud/baseimages/astro-remote-execution-agent"),
        key: "image",
        message: /must pin a tag or digest/,
    },
    {
        name: "image latest",
        change: (v) => (v.image = "registry.example.com/agent:latest"),
        key: "image",
        message: /must not use the floating tag 'latest'/,
    },
    {
        name: "floating Astronomer tag in prod",
        change: (v) =>
            Object.assign(v, {
                environment: "prod",
                image: "images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5",
                sentinel: { image: "images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.1" },
                backend: { kind: "external", secretBackend: "a.b.C", xcomPath: "s3://b/x" },
            }),
        key: "image",
        message:
            /^uses the floating tag '3\.2-5' \(no digest, no full major\.minor\.patch version\); refused in prod \(risk 'floatingImageTag'\): .* or acknowledge the risk with acceptRisks: \[floatingImageTag\]$/,
    },
    {
        name: "sentinel image not derivable",
        change: (v) => (v.image = "registry.example.com/agent:2026.1"),
        key: "sentinel.image",
        message: /agent version cannot be read from `image`/,
    },
    {
        name: "logging sidecar without image",
        change: (v) => (v.loggingSidecar = { enabled: true }),
        key: "loggingSidecar.image",
        message: /is required when the logging sidecar is enabled/,
    },
    {
        name: "OpenLineage enabled without key",
        change: (v) => (v.openLineage = { enabled: true }),
        key: "openLineage.apiKey",
        message: /set exactly one of openLineage.apiKey/,
    },
    {
        name: "astro IDs missing one",
        change: (v) => (v.astro = { organizationId: "o", workspaceId: "w", deploymentId: "d" }),
        key: "astro.deploymentNamespace",
        message: /is required \(the Astro deployment namespace from the Astro UI values file/,
    },
    {
        name: "API URL not https",
        change: (v) => (v.astroDeploymentAPIURL = "http://cabc.external.astronomer.run/d1234567"),
        key: "astroDeploymentAPIURL",
        message: /uses the scheme 'http'; expected .*, starting with https:\/\//,
    },
    {
        name: "commonEnv overriding a generated variable",
        change: (v) => (v.commonEnv = [{ name: "ASTRO_DEPLOYMENT_ID", value: "x" }]),
        key: "commonEnv[0].name",
        message: /'ASTRO_DEPLOYMENT_ID' is generated by this program; set 'astro.deploymentId' instead/,
    },
    {
        name: "commonEnv duplicate",
        change: (v) =>
            (v.commonEnv = [
                { name: "FOO", value: "1" },
                { name: "FOO", value: "2" },
            ]),
        key: "commonEnv[1].name",
        message: /duplicates commonEnv\[0\].name 'FOO'/,
    },
    {
        name: "env var with both value and valueFrom",
        change: (v) => (v.commonEnv = [{ name: "FOO", value: "1", valueFrom: { secretKeyRef: {} } }]),
        key: "commonEnv[0].value",
        message: /exactly one of 'value' and 'valueFrom'/,
    },
    {
        name: "restricted volume name clash",
        change: (v) => (v.triggerer = { volumes: [{ name: "tmp", emptyDir: {} }] }),
        key: "triggerer.volumes[0].name",
        message: /'tmp' is created by restricted mode/,
    },
    {
        name: "extraValues smuggling an inline token",
        change: (v) => (v.extraValues = { agentToken: "plain" }),
        key: "extraValues.agentToken",
        message: /would put secret material into Helm values/,
    },
    {
        name: "atomic with skipAwait",
        change: (v) => (v.release = { atomic: true, skipAwait: true }),
        key: "release.skipAwait",
        message: /cannot be true with release.atomic/,
    },
    {
        name: "chart path and repo together",
        change: (v) => (v.chart = { path: "./chart", repo: "https://charts.example.com" }),
        key: "chart.path",
        message: /either chart.path .* or chart.repo, not both/,
    },
    {
        name: "custom repo without version",
        change: (v) => (v.chart = { repo: "https://charts.example.com" }),
        key: "chart.version",
        message: /is required with a custom chart.repo/,
    },
    {
        name: "plain-text token in prod",
        change: (v) =>
            Object.assign(v, {
                environment: "prod",
                backend: { kind: "external", secretBackend: "a.b.C", xcomPath: "s3://b/x" },
            }),
        secretKeys: ["imagePullCredentials"],
        key: "agentToken",
        message: /holds a secret in plain text .*\(refused when environment is 'prod'\)/,
    },
    {
        name: "wrong type for replicas",
        change: (v) => (v.workers = [worker({ replicas: "two" })]),
        key: "workers[0].replicas",
        message: /must be a whole number from 0 to 1000, for example 1 \(got a string\)/,
    },
    {
        name: "environment unknown",
        change: (v) => (v.environment = "staging"),
        key: "environment",
        message: /must be 'dev' or 'prod'/,
    },
    {
        name: "label value too long",
        change: (v) => (v.labels = { team: "x".repeat(64) }),
        key: "labels.team",
        message: /valid label value/,
    },
];

describe("invalid stack config", () => {
    it(`covers at least 30 distinct bad configs (${cases.length})`, () => {
        assert.ok(cases.length >= 30);
        assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
    });

    for (const c of cases) {
        it(`${c.name} → ${c.key}`, () => {
            const values = baseValues();
            c.change(values);
            const result = validateStackConfig(raw(values, c.secretKeys ?? BASE_SECRET_KEYS));
            assert.equal(result.ok, false, "config should be refused");
            const match = result.problems.find((p) => p.key === c.key && c.message.test(p.message));
            assert.ok(
                match,
                `expected a problem at ${c.key} matching ${String(c.message)}; got:\n${result.problems
                    .map((p) => `  ${p.key}: ${p.message}`)
                    .join("\n")}`,
            );
        });
    }

    it("reports every problem at once, across unrelated keys", () => {
        const values = baseValues();
        delete values.agentToken;
        values.workers = [worker({ replics: 1 })];
        values.backend = { kind: "openstack" };
        values.namespace = "Bad Namespace";
        const result = validateStackConfig(raw(values));
        assert.equal(result.ok, false);
        assert.deepEqual(result.problems.map((p) => p.key).sort(), [
            "agentToken",
            "backend.kind",
            "namespace",
            "workers[0].replics",
        ]);
    });

    it("never echoes a secret value in a message", () => {
        const values = baseValues();
        values.agentTokenSecretName = "also-set";
        const result = validateStackConfig(raw(values));
        assert.equal(result.ok, false);
        const text = JSON.stringify(result);
        assert.ok(!text.includes(String(baseValues().agentToken)));
    });

    it("fails the program before any resource is registered", async () => {
        const values = baseValues();
        values.workers = [worker(), worker()];
        let error: unknown;
        const sink: RecordedResource[] = [];
        try {
            await runUnderMocks({
                project: PROJECT,
                stack: "dev",
                config: configStrings(values),
                secretKeys: BASE_SECRET_KEYS,
                program: agentProgram,
                sink,
            });
        } catch (err) {
            error = err;
        }
        assert.ok(error instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(error)}`);
        assert.match(
            error.message,
            /^Invalid stack config for project 'astro-agent', stack 'dev' \(1 problem\); nothing was created:/,
        );
        assert.match(error.message, /\n {2}- workers\[1\]\.name: duplicates workers\[0\]\.name 'default-worker'/);
        assert.equal(error.problems.length, 1);
        // Only the stack itself was registered: no component, no Kubernetes object.
        assert.deepEqual(
            sink.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
            [],
        );
    });
});
