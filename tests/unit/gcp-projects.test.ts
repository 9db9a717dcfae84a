// GCP across projects: per-store project keys (secretManager.project, xcom.project,
// serviceAccountProject; the workload pool is the cluster's project), each grant and custom role made in
// the project owning its resource, and the combinations that would fail at `up` refused.
import * as assert from "node:assert/strict";
import { RemoteExecutionAgent } from "../../components";
import { validateStackConfig } from "../../chart/validate";
import {
    MOCK_GCP_PROJECT_NUMBER,
    runUnderMocks,
    type MockRunResult,
    type RecordedResource,
} from "../../scripts/lib/mockRun";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
const N = MOCK_GCP_PROJECT_NUMBER;
const HOME = "data-project";
const SECRETS = "secrets-project";
const STORAGE = "storage-project";
const IDENTITY = "identity-project";
const GKE = "gke-host-project";
const NS = "astro-agent";
const SAS = ["astro-worker-default-worker", "astro-dag-processor", "astro-triggerer", "astro-sentinel"];
const projectsBackend: Values = {
    project: HOME,
    secretManager: { project: SECRETS, variables: { v: "gcp-projects-variable-5d6e7f80" } },
    xcom: { project: STORAGE },
    identity: "serviceAccount",
    serviceAccountProject: IDENTITY,
    gkeCluster: { name: "prod-gke", location: "europe-west1", project: GKE },
    taskLogs: { enabled: true },
};

function gcpValues(backend: Values = {}): Values {
    const v = baseValues();
    v.backend = {
        kind: "gcp",
        project: HOME,
        location: "europe-west1",
        gkeCluster: { name: "prod-gke", location: "europe-west1" },
        ...backend,
    };
    return v;
}

async function deploy(values: Values): Promise<Pick<MockRunResult, "resources" | "invokes">> {
    return runUnderMocks({
        project: PROJECT,
        stack: "test",
        config: {},
        program: () =>
            new RemoteExecutionAgent("agent", values as ConstructorParameters<typeof RemoteExecutionAgent>[1]),
    });
}

const byType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
function one(rs: RecordedResource[], type: string, name?: string): RecordedResource {
    const found = rs.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `exactly one ${type} ${name ?? ""} (found ${found.length})`);
    return found[0] as RecordedResource;
}
const lookups = (run: Pick<MockRunResult, "invokes">, token: string, key: string) =>
    [...new Set(run.invokes.filter((i) => i.token === token).map((i) => String(i.inputs[key])))].sort();

describe("GCP across projects", () => {
    let run: Pick<MockRunResult, "resources" | "invokes">;
    before(async () => (run = await deploy(gcpValues(projectsBackend))));

    it("creates each store in its own project: secrets, bucket, Google service account", () => {
        const rs = run.resources;
        assert.deepEqual(
            byType(rs, "gcp:secretmanager/secret:Secret").map((s) => s.inputs.project),
            [SECRETS],
        );
        assert.equal(one(rs, "gcp:storage/bucket:Bucket").inputs.project, STORAGE);
        assert.equal(one(rs, "gcp:serviceaccount/account:Account").inputs.project, IDENTITY);
        const values = one(rs, "kubernetes:helm.sh/v3:Release").inputs.values as {
            secretBackendKwargs?: Record<string, unknown>;
            commonEnv: { name: string; value: string }[];
        };
        const kwargs = values.commonEnv.find((e) => e.name === "AIRFLOW__SECRETS__BACKEND_KWARGS");
        assert.equal((JSON.parse(kwargs?.value ?? "{}") as { project_id?: string }).project_id, SECRETS);
    });

    it("makes each grant in the project owning its resource; the custom roles live in the bucket's project", () => {
        const rs = run.resources;
        const roles = byType(rs, "gcp:projects/iAMCustomRole:IAMCustomRole");
        assert.deepEqual(roles.map((r) => [r.name, r.inputs.project]).sort(), [
            ["agent-gcp-task-logs-role", STORAGE],
            ["agent-gcp-xcom-role", STORAGE],
        ]);
        const secretsGrant = one(rs, "gcp:projects/iAMMember:IAMMember");
        assert.equal(secretsGrant.inputs.project, SECRETS);
        assert.equal(secretsGrant.inputs.role, "roles/secretmanager.secretAccessor");
        const bucketRoles = byType(rs, "gcp:storage/bucketIAMMember:BucketIAMMember").map((m) => m.inputs.role);
        assert.deepEqual(
            bucketRoles.map((r) => String(r).replace(/_[0-9a-f]{8}$/, "_<hex>")),
            [`projects/${STORAGE}/roles/astroAgentXcom_<hex>`, `projects/${STORAGE}/roles/astroAgentLogs_<hex>`],
        );
    });

    it("binds the Kubernetes ServiceAccounts of the cluster's pool (its project, not the home project's)", () => {
        const members = byType(run.resources, "gcp:serviceaccount/iAMMember:IAMMember").map((m) => m.inputs.member);
        assert.deepEqual(
            members,
            SAS.map((sa) => `serviceAccount:${GKE}.svc.id.goog[${NS}/${sa}]`),
        );
        assert.deepEqual(lookups(run, "gcp:container/getCluster:getCluster", "project"), [GKE]);
    });

    it("looks up the numbers and service agents of the projects that own the resources", () => {
        // The secrets' project number goes into the accessor condition; the home project's (`projectNumber`
        // unset) and the pool's (principal identifiers) are looked up as before.
        assert.deepEqual(lookups(run, "gcp:organizations/getProject:getProject", "projectId"), [HOME, GKE, SECRETS]);
        const condition = one(run.resources, "gcp:projects/iAMMember:IAMMember").inputs.condition as {
            expression: string;
        };
        assert.match(condition.expression, new RegExp(`^resource\\.name\\.startsWith\\("projects/${N}/secrets/`));
    });

    it("a customer key is used by the service agents of the bucket's and the secrets' projects", async () => {
        const keyed = await deploy(
            gcpValues({
                ...projectsBackend,
                encryption: { kind: "createKey" },
                secretManager: {
                    project: SECRETS,
                    variables: { v: "gcp-projects-variable-5d6e7f80" },
                    replication: { kind: "userManaged", locations: ["europe-west1"] },
                },
            }),
        );
        assert.deepEqual(lookups(keyed, "gcp:storage/getProjectServiceAccount:getProjectServiceAccount", "project"), [
            STORAGE,
        ]);
        assert.equal(one(keyed.resources, "gcp:projects/serviceIdentity:ServiceIdentity").inputs.project, SECRETS);
        // The key ring stays in the home project (cross-project CMEK: the grants above make it usable).
        assert.equal(one(keyed.resources, "gcp:kms/keyRing:KeyRing").inputs.project, HOME);
    });

    it("without per-store keys every store stays in `project` (as before)", async () => {
        const plain = await deploy(gcpValues({ identity: "serviceAccount", taskLogs: { enabled: true } }));
        assert.equal(one(plain.resources, "gcp:storage/bucket:Bucket").inputs.project, HOME);
        assert.equal(one(plain.resources, "gcp:serviceaccount/account:Account").inputs.project, HOME);
        assert.deepEqual(
            byType(plain.resources, "gcp:projects/iAMCustomRole:IAMCustomRole").map((r) => r.inputs.project),
            [HOME, HOME],
        );
        assert.equal(one(plain.resources, "gcp:projects/iAMMember:IAMMember").inputs.project, HOME);
    });

    const refusals: { name: string; backend: Values; problems: [string, string][] }[] = [
        {
            name: "a Google service account project with identity direct",
            backend: { serviceAccountProject: IDENTITY },
            problems: [
                [
                    "backend.serviceAccountProject",
                    "is only used with identity 'serviceAccount' (identity 'direct' creates no Google service account); remove it, or set identity: serviceAccount",
                ],
            ],
        },
        {
            name: "an existing bucket of unknown project in a stack spanning projects",
            backend: {
                secretManager: { project: SECRETS },
                gkeCluster: { name: "prod-gke", location: "europe-west1", project: GKE },
                xcom: { existingBucket: true, bucketName: "team-xcom" },
            },
            problems: [
                [
                    "backend.xcom.project",
                    "is required with xcom.existingBucket when the stack spans projects (backend.secretManager.project, backend.gkeCluster.project set): the custom roles bound on the bucket are created in this project and a custom role can only be bound in its own project; name the bucket's project, e.g. xcom: {project: my-storage-project}",
                ],
            ],
        },
        {
            name: "a malformed store project id",
            backend: { xcom: { project: "Storage_Project" } },
            problems: [
                [
                    "backend.xcom.project",
                    "must be a Google Cloud project id (6-30 lower-case letters, digits and '-', starting with a letter), for example 'my-storage-project'",
                ],
            ],
        },
    ];
    for (const c of refusals) {
        it(`refuses ${c.name}, with the exact message`, () => {
            const result = validateStackConfig(raw(gcpValues(c.backend)));
            assert.equal(result.ok, false);
            assert.deepEqual(
                result.problems.map((p) => [p.key, p.message]),
                c.problems,
            );
        });
    }

    it("accepts an existing bucket across projects once its project is named, and the same project spelt out", () => {
        for (const backend of [
            {
                secretManager: { project: SECRETS },
                xcom: { existingBucket: true, bucketName: "team-xcom", project: STORAGE },
            },
            { secretManager: { project: HOME }, xcom: { existingBucket: true, bucketName: "team-xcom" } },
        ]) {
            const result = validateStackConfig(raw(gcpValues(backend)));
            assert.deepEqual(result.ok ? [] : result.problems, []);
        }
    });
});
