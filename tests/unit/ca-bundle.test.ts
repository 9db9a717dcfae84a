// `caBundle`: one ConfigMap or Secret key mounted read-only into every pod (workers, dag processor,
// triggerer, Sentinel, and the logging sidecar's container), with REQUESTS_CA_BUNDLE, SSL_CERT_FILE and
// GIT_SSL_CAINFO pointing at the file; hand-written copies of those names refused; Vault's `verify` follows.
import * as assert from "node:assert/strict";
import { agentObjectNames } from "../../chart/names";
import { validateStackConfig } from "../../chart/validate";
import { buildChartValues, type ChartValues, type ResolvedBackend } from "../../chart/values";
import { RemoteExecutionAgent } from "../../components";
import type { AgentConfig } from "../../config/schema";
import { requireKnownWiring } from "../../config/wiring";
import { runUnderMocks, unwrapSecrets } from "../../scripts/lib/mockRun";
import { BASE_SECRET_KEYS, baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
type Problem = { key: string; message: string };

function result(change: (v: Values) => void) {
    const v = baseValues();
    change(v);
    return validateStackConfig(
        raw(
            v,
            BASE_SECRET_KEYS.filter((k) => k in v),
        ),
    );
}
const problems = (change: (v: Values) => void): Problem[] => {
    const r = result(change);
    return r.ok ? [] : r.problems;
};
function configOf(change: (v: Values) => void): AgentConfig {
    const r = result(change);
    if (!r.ok) {
        throw new Error(r.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    }
    return r.config;
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
        agentObjectNames({
            resourceNamePrefix: cfg.resourceNamePrefix,
            workers: cfg.workers,
            releaseName: cfg.release.name,
        }),
        backend,
    );
}

const FILE = "/etc/corp-ca/bundle.pem";
const ENV = [
    { name: "REQUESTS_CA_BUNDLE", value: FILE },
    { name: "SSL_CERT_FILE", value: FILE },
    { name: "GIT_SSL_CAINFO", value: FILE },
];
const VOLUME = {
    name: "ca-bundle",
    configMap: { name: "corp-ca", items: [{ key: "bundle.pem", path: "bundle.pem" }] },
};
const MOUNT = { name: "ca-bundle", mountPath: "/etc/corp-ca", readOnly: true };
const SIDECAR = { enabled: true, image: "timberio/vector:0.45.0-debian", config: "sources: {}" };

const withBundle = (v: Values) => {
    v.caBundle = { configMapName: "corp-ca", key: "bundle.pem", mountPath: "/etc/corp-ca" };
    v.loggingSidecar = SIDECAR;
};

type Pod = { volumes: Values[]; volumeMounts: Values[]; env?: Values[] };

describe("caBundle", () => {
    it("mounts the bundle read-only in every pod and container and points the three variables at it", () => {
        const v = build(configOf(withBundle));
        const commonEnv = v.commonEnv as Values[];
        assert.deepEqual(
            commonEnv.filter((e) => ENV.some((x) => x.name === e.name)),
            ENV,
        );
        for (const key of ["dagProcessor", "triggerer", "sentinel"] as const) {
            const pod = v[key] as Pod;
            assert.deepEqual(
                pod.volumes.filter((x) => x.name === "ca-bundle"),
                [VOLUME],
                key,
            );
            assert.deepEqual(
                pod.volumeMounts.filter((x) => x.name === "ca-bundle"),
                [MOUNT],
                key,
            );
        }
        const worker = (v.workers as Pod[])[0] as Pod;
        assert.deepEqual(
            worker.volumes.filter((x) => x.name === "ca-bundle"),
            [VOLUME],
        );
        assert.deepEqual(
            worker.volumeMounts.filter((x) => x.name === "ca-bundle"),
            [MOUNT],
        );
        // Sentinel and the sidecar do not get commonEnv: the variables are theirs too.
        assert.deepEqual(
            ((v.sentinel as Pod).env ?? []).filter((e) => ENV.some((x) => x.name === e.name)),
            ENV,
        );
        const sidecar = v.loggingSidecar as Pod;
        assert.deepEqual(sidecar.env, ENV);
        assert.deepEqual(
            sidecar.volumeMounts.filter((x) => x.name === "ca-bundle"),
            [MOUNT],
        );
    });

    it("a Secret: the default key and mount path", () => {
        const v = build(configOf((c) => (c.caBundle = { secretName: "corp-ca" })));
        const file = "/etc/astro-agent/ca/ca.crt";
        assert.deepEqual(
            (v.sentinel as Pod).volumes.filter((x) => x.name === "ca-bundle"),
            [{ name: "ca-bundle", secret: { secretName: "corp-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } }],
        );
        assert.equal((v.commonEnv as Values[]).find((e) => e.name === "SSL_CERT_FILE")?.value, file);
    });

    it("without caBundle nothing changes: no volume, no variable", () => {
        const text = JSON.stringify(build(configOf(() => undefined)));
        for (const s of ["ca-bundle", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "GIT_SSL_CAINFO"]) {
            assert.ok(!text.includes(s), s);
        }
    });

    it("passes the restricted pod guard (read-only ConfigMap/Secret volume, no hostPath)", () => {
        assert.deepEqual(
            problems((v) => {
                withBundle(v);
                v.restricted = true;
            }),
            [],
        );
    });

    it("refuses hand-written copies of the variables in every env list, naming each entry", () => {
        const msg = (name: string) =>
            `'${name}' is set by caBundle (to ${FILE}) in every component, Sentinel and the logging sidecar; remove this entry`;
        assert.deepEqual(
            problems((v) => {
                withBundle(v);
                v.commonEnv = [{ name: "REQUESTS_CA_BUNDLE", value: FILE }];
                v.workers = [{ name: "default-worker", env: [{ name: "GIT_SSL_CAINFO", value: FILE }] }];
                v.sentinel = { env: [{ name: "SSL_CERT_FILE", value: FILE }] };
                v.loggingSidecar = { ...SIDECAR, env: [{ name: "SSL_CERT_FILE", value: FILE }] };
            }),
            [
                { key: "commonEnv[0].name", message: msg("REQUESTS_CA_BUNDLE") },
                { key: "workers[0].env[0].name", message: msg("GIT_SSL_CAINFO") },
                { key: "sentinel.env[0].name", message: msg("SSL_CERT_FILE") },
                { key: "loggingSidecar.env[0].name", message: msg("SSL_CERT_FILE") },
            ],
        );
        // Without caBundle the same entries are the user's own.
        assert.deepEqual(
            problems((v) => {
                v.commonEnv = [{ name: "REQUESTS_CA_BUNDLE", value: FILE }];
            }),
            [],
        );
    });

    it("refuses a reference that is neither or both, a mount over the image's folders, and the reserved volume name", () => {
        assert.deepEqual(
            problems((v) => {
                v.caBundle = { configMapName: "a", secretName: "b", mountPath: "/etc" };
                v.dagProcessor = { volumes: [{ name: "ca-bundle", emptyDir: {} }] };
            }),
            [
                {
                    key: "caBundle.secretName",
                    message:
                        "set exactly one of configMapName or secretName, e.g. caBundle: {configMapName: corporate-ca, key: ca.crt}",
                },
                {
                    key: "caBundle.mountPath",
                    message:
                        "would hide the image's own files under it; use a folder of its own such as /etc/astro-agent/ca",
                },
            ],
        );
        assert.deepEqual(
            problems((v) => {
                v.caBundle = {};
            }),
            [
                {
                    key: "caBundle",
                    message:
                        "set exactly one of configMapName or secretName, e.g. caBundle: {configMapName: corporate-ca, key: ca.crt}",
                },
            ],
        );
        assert.deepEqual(
            problems((v) => {
                v.caBundle = { configMapName: "a" };
                v.dagProcessor = { volumes: [{ name: "ca-bundle", emptyDir: {} }] };
            }),
            [
                {
                    key: "dagProcessor.volumes[0].name",
                    message: "'ca-bundle' is created for caBundle; rename this volume",
                },
            ],
        );
    });

    it("Vault: verify is the bundle's file, unless backend.tls names Vault's own CA", async () => {
        const kwargsOf = async (tls: Values | undefined) => {
            const v = baseValues();
            v.caBundle = { configMapName: "corp-ca", key: "bundle.pem", mountPath: "/etc/corp-ca" };
            v.backend = {
                kind: "vault",
                address: "https://vault.example.com:8200",
                xcomPath: "s3://xcom-bucket/xcom",
                ...(tls === undefined ? {} : { tls }),
            };
            const { resources } = await runUnderMocks({
                project: PROJECT,
                stack: "test",
                config: {},
                program: () =>
                    new RemoteExecutionAgent("agent", v as ConstructorParameters<typeof RemoteExecutionAgent>[1]),
            });
            const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
            const values = unwrapSecrets(release?.inputs.values) as { commonEnv: { name: string; value?: string }[] };
            const kwargs = values.commonEnv.find((e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS")?.value;
            return JSON.parse(kwargs ?? "{}") as Values;
        };
        assert.equal((await kwargsOf(undefined)).verify, FILE);
        assert.equal((await kwargsOf({ configMapName: "vault-ca" })).verify, "/usr/local/airflow/vault-ca/ca.crt");
    });
});
