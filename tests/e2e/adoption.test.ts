// Adopting an agent installed the documented way (docs/adoption.md) on the real engine, a local API
// server and the real helm CLI: the namespace and the image pull Secret made with kubectl-equivalent
// calls, `helm install <release> <test chart> -n <ns> -f values.yaml` with a LITERAL agent token in the
// values, then `npm run import`, `npm run adopt` and `pulumi up`. Checks: the release keeps its name and
// its history (one new revision), the namespace, the kubectl-made Secret and the chart's ServiceAccounts
// keep their UIDs (the ServiceAccounts move from the chart to the program), the first `up` neither
// replaces nor deletes anything and hits no server-side-apply conflict, a second preview is empty, the
// token is only in secret config (stack file, `stack export`, the whole backend directory), and the
// stack's `destroy` (prod) leaves the namespace and the Secret the values only named.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as harness from "./harness";

const STACK = "e2e-adopt";
const NS = "astro-adopted";
/** `helm install astro-agent …`: the program's release name is the resource name prefix. */
const RELEASE = "astro-agent";
const PREFIX = "astro-agent";
const PULL_SECRET = "astro-image-pull";
/** The literal token of the values file (must end up in secret config only). */
const TOKEN = "adopt-e2e-literal-token-7c1f0d9a";

interface Meta {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}
interface Obj {
    metadata: Meta;
}

describe("end to end: adopting a helm-installed agent", function () {
    this.timeout(600_000);
    const world = harness.e2eWorld("adoption e2e");
    let helmBin = "";
    let helmHome = "";
    const timings: string[] = [];

    before(function () {
        if ((world as Partial<harness.E2eWorld>).project === undefined) {
            this.skip();
        }
        helmBin = process.env.ASTRO_HELM ?? "";
        if (helmBin === "" || !fs.existsSync(helmBin)) {
            const why = "helm is not built: run scripts/toolchain.sh install helm";
            if (process.env.CI === "true") {
                throw new Error(`adoption e2e: ${why}`);
            }
            console.warn(`skipping adoption e2e: ${why}`);
            this.skip();
        }
        helmHome = fs.mkdtempSync(path.join(os.tmpdir(), "astro-e2e-helm-"));
    });
    after(() => {
        if (helmHome !== "") {
            fs.rmSync(helmHome, { recursive: true, force: true });
        }
        console.log(`    adoption e2e timings: ${timings.join("; ")}`);
    });

    const env = () => ({ ...process.env, ...world.env });
    const cli = (args: string[]) =>
        spawnSync("pulumi", [...args, "--non-interactive"], {
            cwd: world.project.dir,
            encoding: "utf8",
            env: env(),
            maxBuffer: 64 * 1024 * 1024,
        });
    const helm = (args: string[]) =>
        spawnSync(helmBin, [...args, "--kubeconfig", world.cluster.kubeconfig], {
            encoding: "utf8",
            env: {
                ...process.env,
                HELM_CACHE_HOME: path.join(helmHome, "cache"),
                HELM_CONFIG_HOME: path.join(helmHome, "config"),
                HELM_DATA_HOME: path.join(helmHome, "data"),
            },
        });
    const create = async (apiPath: string, body: unknown) => {
        const r = await world.kube.request("POST", apiPath, body);
        assert.ok(r.status < 300, `POST ${apiPath}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    const uidOf = async (apiPath: string) => (await world.kube.get<Obj>(apiPath))?.metadata.uid;
    const releaseRevisions = async () =>
        (
            await world.kube.list<Obj>(
                `/api/v1/namespaces/${NS}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${RELEASE}`)}`,
            )
        )
            .map((s) => `${s.metadata.labels?.version ?? "?"}:${s.metadata.labels?.status ?? "?"}`)
            .sort();

    /** The values file a team installed with (the Astro UI's shape), the token pasted in. */
    const VALUES = `resourceNamePrefix: ${PREFIX}
namespace: ${NS}
createNamespace: false
astroDeploymentAPIURL: https://clmh57jtm000008lb58fe2wmv.external.astronomer.run/d2wmv001
image: images.astronomer.cloud/baseimages/astro-remote-execution-agent:3.2-5-python-3.14-astro-agent-1.7.1
agentToken: ${TOKEN}
imagePullSecretName: ${PULL_SECRET}
secretBackend: airflow.secrets.local_filesystem.LocalFilesystemBackend
xcomBackend: airflow.providers.common.io.xcom.backend.XComObjectStorageBackend
dagBundleConfigList: '[{"name": "public-dags", "classpath": "airflow.providers.git.bundles.git.GitDagBundle", "kwargs": {"repo_url": "https://github.com/your-org/public-dags", "tracking_ref": "main", "subdir": "dags"}}]'
commonEnv:
  - name: ASTRO_ORGANIZATION_ID
    value: clmh4n3gd000108l8cbzqapnp
  - name: ASTRO_WORKSPACE_ID
    value: clmh4o5rv000208l8hs9zcqbw
  - name: ASTRO_DEPLOYMENT_ID
    value: clmh57jtm000008lb58fe2wmv
  - name: ASTRO_DEPLOYMENT_NAMESPACE
    value: cosmic-ray-1234
  - name: AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH
    value: s3://aws_default@acme-xcom/xcom
  - name: AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_THRESHOLD
    value: "0"
workers:
  - name: default-worker
    queues: default
sentinel:
  enabled: true
  image: images.astronomer.cloud/baseimages/astro-remote-execution-sentinel:1.7.1
openLineage:
  enabled: false
`;

    it("brings the release, its namespace, Secrets and ServiceAccounts under the stack without recreating them", async () => {
        const valuesFile = path.join(helmHome, "values.yaml");
        fs.writeFileSync(valuesFile, VALUES);

        // As the seeds do it: kubectl create namespace / secret docker-registry, then helm install -f.
        await create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
        await create(`/api/v1/namespaces/${NS}/secrets`, {
            apiVersion: "v1",
            kind: "Secret",
            type: "kubernetes.io/dockerconfigjson",
            metadata: { name: PULL_SECRET },
            stringData: { ".dockerconfigjson": JSON.stringify({ auths: {} }) },
        });
        const install = helm(["install", RELEASE, harness.STAND_IN_CHART, "-n", NS, "-f", valuesFile]);
        assert.equal(install.status, 0, install.stdout + install.stderr);

        const saPath = (name: string) => `/api/v1/namespaces/${NS}/serviceaccounts/${name}`;
        const serviceAccounts = (await world.kube.list<Obj>(`/api/v1/namespaces/${NS}/serviceaccounts`))
            .map((s) => s.metadata.name)
            .filter((n) => n.startsWith(`${PREFIX}-`))
            .sort();
        assert.deepEqual(serviceAccounts, [
            `${PREFIX}-dag-processor`,
            `${PREFIX}-sentinel`,
            `${PREFIX}-triggerer`,
            `${PREFIX}-worker-default-worker`,
        ]);
        const tracked: Record<string, string> = {
            [`Namespace ${NS}`]: `/api/v1/namespaces/${NS}`,
            [`Secret ${PULL_SECRET}`]: `/api/v1/namespaces/${NS}/secrets/${PULL_SECRET}`,
            ...Object.fromEntries(serviceAccounts.map((n) => [`ServiceAccount ${n}`, saPath(n)])),
        };
        const uids: Record<string, string | undefined> = {};
        for (const [what, p] of Object.entries(tracked)) {
            uids[what] = await uidOf(p);
            assert.ok(uids[what] !== undefined, `${what} exists after helm install`);
        }
        assert.deepEqual(await releaseRevisions(), ["1:deployed"]);
        const deployments = {
            "worker default-worker": `${PREFIX}-worker-default-worker`,
            dagProcessor: `${PREFIX}-dag-processor`,
            triggerer: `${PREFIX}-triggerer`,
            sentinel: `${PREFIX}-sentinel`,
        };
        const templates = async () => {
            const out: Record<string, string> = {};
            for (const [component, name] of Object.entries(deployments)) {
                const d = await world.kube.get<{ spec: { template: unknown } }>(
                    `/apis/apps/v1/namespaces/${NS}/deployments/${name}`,
                );
                assert.ok(d !== undefined, `Deployment ${name} exists`);
                out[component] = JSON.stringify(d.spec.template);
            }
            return out;
        };
        const templatesBefore = await templates();

        // The stack from the values (part 1 of the flow): literal secrets into secret config.
        const imported = spawnSync(
            "npx",
            [
                "tsx",
                path.join(harness.ROOT, "scripts", "import.ts"),
                "--values",
                valuesFile,
                "--stack",
                STACK,
                "--namespace",
                NS,
            ],
            { cwd: world.project.dir, encoding: "utf8", env: env() },
        );
        assert.equal(imported.status, 0, imported.stdout + imported.stderr);
        assert.ok(!(imported.stdout + imported.stderr).includes(TOKEN), "the importer never prints the token");

        // Offline, the stand-in chart instead of Astronomer's repository (as every e2e stack does).
        const chart = cli(["config", "set", "--path", "chart.path", harness.STAND_IN_CHART, "--stack", STACK]);
        assert.equal(chart.status, 0, chart.stderr);

        // Adoption: the adopt command, then the first up.
        const t0 = Date.now();
        const adopt = spawnSync("npx", ["tsx", "scripts/adopt.ts", "--stack", STACK, "--cwd", world.project.dir], {
            cwd: harness.ROOT,
            encoding: "utf8",
            env: env(),
        });
        assert.equal(adopt.status, 0, adopt.stdout + adopt.stderr);
        for (const n of serviceAccounts) {
            assert.match(adopt.stdout, new RegExp(`annotate ServiceAccount ${NS}/${n} helm.sh/resource-policy=keep`));
        }
        const tImport = Date.now();
        timings.push(`adopt (import) ${((tImport - t0) / 1000).toFixed(1)}s`);

        // What the first up does: updates and creates only; nothing imported is replaced or deleted.
        const preview = cli(["preview", "--json", "--stack", STACK]);
        assert.equal(preview.status, 0, preview.stdout + preview.stderr);
        const steps = (JSON.parse(preview.stdout) as { steps?: { op: string; urn: string }[] }).steps ?? [];
        const destructive = steps.filter((s) => !["same", "update", "create", "read"].includes(s.op));
        assert.deepEqual(destructive, [], "the first up replaces or deletes nothing");
        const created = steps.filter((s) => s.op === "create").map((s) => s.urn.split("::").pop());
        assert.deepEqual(
            created.sort(),
            // New: the program's own token Secret (the values had a literal token) and the components
            // holding no imported object (the namespace is adopted by name: a read); the rest was imported.
            ["astro-agent-credentials", "astro-agent-credentials-agent-token", "astro-agent-namespace"],
            adopt.stdout,
        );

        const t1 = Date.now();
        const up = cli(["up", "--yes", "--skip-preview", "--stack", STACK]);
        assert.equal(up.status, 0, up.stdout + up.stderr);
        timings.push(`first up ${((Date.now() - t1) / 1000).toFixed(1)}s`);
        timings.push(`adoption (import + first up) ${((Date.now() - t0) / 1000).toFixed(1)}s`);

        // Same objects (UIDs), one new revision on top of the kept history.
        for (const [what, p] of Object.entries(tracked)) {
            assert.equal(await uidOf(p), uids[what], `${what} keeps its UID`);
        }
        assert.deepEqual(await releaseRevisions(), ["1:superseded", "2:deployed"]);
        // Pods restart exactly where the importer's diff said: a component's pod template changed iff it
        // is on the "Pods restarted by the first up" line.
        const announced = /^Pods restarted by the first up: (.*)$/m.exec(imported.stdout)?.[1];
        assert.ok(announced !== undefined, imported.stdout);
        const restarted = announced.startsWith("none") ? [] : announced.split(", ");
        const templatesAfter = await templates();
        for (const component of Object.keys(deployments)) {
            assert.equal(
                templatesAfter[component] !== templatesBefore[component],
                restarted.includes(component),
                `${component}: pod template ${templatesAfter[component] === templatesBefore[component] ? "unchanged" : "changed"}, the diff announced: ${announced}`,
            );
        }
        // The ServiceAccounts are the program's now (its labels, not Helm's).
        for (const n of serviceAccounts) {
            const labels = (await world.kube.get<Obj>(saPath(n)))?.metadata.labels ?? {};
            assert.equal(labels["app.kubernetes.io/managed-by"], "pulumi", `${n} labels`);
        }
        const again = cli(["preview", "--expect-no-changes", "--stack", STACK]);
        assert.equal(again.status, 0, again.stdout + again.stderr);

        // The literal token: in secret config only (encrypted in the stack file, a secret in the state).
        assert.ok(!fs.readFileSync(path.join(world.project.dir, `Pulumi.${STACK}.yaml`), "utf8").includes(TOKEN));
        const exported = cli(["stack", "export", "--stack", STACK]);
        assert.equal(exported.status, 0, exported.stderr);
        assert.ok(!exported.stdout.includes(TOKEN), "the token is not in the state");
        assert.ok(!harness.readTree(world.project.stateDir).includes(TOKEN), "nor anywhere in the backend");
        const token = cli(["config", "get", "agentToken", "--stack", STACK]);
        assert.equal(token.stdout.trim(), TOKEN);

        // prod's destroy keeps the namespace, and never touches the Secret the values only named.
        const destroy = cli(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
        assert.equal(destroy.status, 0, destroy.stdout + destroy.stderr);
        assert.equal(await uidOf(tracked[`Namespace ${NS}`] as string), uids[`Namespace ${NS}`]);
        assert.equal(await uidOf(tracked[`Secret ${PULL_SECRET}`] as string), uids[`Secret ${PULL_SECRET}`]);
    });
});
