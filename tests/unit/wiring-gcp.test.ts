// Wiring keys of the GCP backend given as Outputs (tests/lib/wiring.ts runs the three cases of each):
// the cluster identity, the project, an existing bucket and key, and the namespace the principals name.
import { describeWiring } from "../lib/wiring";
import { AGENT_TOKEN, baseValues } from "../fixtures/config";

type Values = Record<string, unknown>;

function gcpArgs(backend: Values = {}): () => Values {
    return () => ({
        ...baseValues(),
        agentToken: AGENT_TOKEN,
        backend: {
            kind: "gcp",
            project: "data-project",
            location: "europe-west1",
            gkeCluster: { name: "prod-gke", location: "europe-west1" },
            ...backend,
        },
    });
}

const pool = { gkeCluster: undefined, workloadPool: "gke-project.svc.id.goog" };

describeWiring("GCP backend wiring keys (identity direct)", [
    { path: ["namespace"], args: gcpArgs(), invalid: "Not_A_Namespace" },
    { path: ["backend", "project"], args: gcpArgs(), invalid: "Data Project" },
    { path: ["backend", "projectNumber"], args: gcpArgs({ projectNumber: "123456789012" }), invalid: "12345x" },
    { path: ["backend", "gkeCluster", "name"], args: gcpArgs(), invalid: "Prod_GKE" },
    { path: ["backend", "gkeCluster", "location"], args: gcpArgs(), invalid: "Europe West1" },
    {
        path: ["backend", "gkeCluster", "project"],
        args: gcpArgs({ gkeCluster: { name: "prod-gke", location: "europe-west1", project: "gke-project" } }),
        invalid: "GKE_Project",
    },
    { path: ["backend", "workloadPool"], args: gcpArgs(pool), invalid: "gke-project.svc.id.google" },
    {
        path: ["backend", "xcom", "bucketName"],
        args: gcpArgs({ xcom: { bucketName: "team-xcom" } }),
        invalid: "Team_XCom",
    },
    {
        path: ["backend", "encryption", "keyName"],
        args: gcpArgs({
            encryption: {
                kind: "existingKey",
                keyName: "projects/kms-project/locations/europe-west1/keyRings/astro/cryptoKeys/xcom",
            },
        }),
        invalid: "projects/kms-project/keyRings/astro/cryptoKeys/xcom",
    },
]);

/** A Google service account, a created key and seeded secrets: every resource the project names. */
const full = {
    identity: "serviceAccount",
    encryption: { kind: "createKey" },
    secretManager: {
        connections: { warehouse: "postgres://airflow:pw@db:5432/warehouse" },
        replication: { kind: "userManaged", locations: ["europe-west1"] },
    },
};

describeWiring("GCP backend wiring keys (identity serviceAccount, created key, seeded secrets)", [
    { path: ["namespace"], args: gcpArgs(full), invalid: "Not_A_Namespace" },
    { path: ["backend", "project"], args: gcpArgs(full), invalid: "Data Project" },
    {
        path: ["backend", "workloadPool"],
        args: gcpArgs({ ...full, ...pool }),
        invalid: "gke-project.svc.id.google",
    },
]);

describeWiring("GCP backend wiring keys (stores in their own projects)", [
    {
        path: ["backend", "secretManager", "project"],
        args: gcpArgs({ secretManager: { project: "secrets-project", variables: { v: "wired-variable-value" } } }),
        invalid: "Secrets_Project",
    },
    {
        path: ["backend", "xcom", "project"],
        args: gcpArgs({ xcom: { project: "storage-project" }, taskLogs: { enabled: true } }),
        invalid: "Storage_Project",
    },
    {
        path: ["backend", "serviceAccountProject"],
        args: gcpArgs({ identity: "serviceAccount", serviceAccountProject: "identity-project" }),
        invalid: "Identity_Project",
    },
]);

describeWiring("GCP backend wiring keys (existing bucket)", [
    {
        path: ["backend", "xcom", "bucketName"],
        args: gcpArgs({ xcom: { bucketName: "team-xcom", existingBucket: true } }),
        invalid: "Team_XCom",
    },
]);
