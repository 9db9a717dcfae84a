// Wiring keys of the Vault backend given as Outputs (tests/lib/wiring.ts runs the three cases of each):
// the Vault address, namespace and mounts, the cluster Vault reviews tokens of, the CA bundle's source,
// the XCom store and its access annotation, and the namespace the role binds.
import { describeWiring } from "../lib/wiring";
import { AGENT_TOKEN, baseValues } from "../fixtures/config";

type Values = Record<string, unknown>;

function vaultArgs(backend: Values = {}): () => Values {
    return () => ({
        ...baseValues(),
        agentToken: AGENT_TOKEN,
        backend: {
            kind: "vault",
            address: "https://vault.example.com:8200",
            xcomPath: "s3://xcom-bucket/xcom",
            ...backend,
        },
    });
}

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBcluster\n-----END CERTIFICATE-----";
const createMount = {
    kubernetesHost: "https://api.cluster.example.com:6443",
    kubernetesCaCert: PEM,
    issuer: "https://oidc.cluster.example.com",
};
const ROLE_ARN = "eks.amazonaws.com/role-arn";

describeWiring("Vault backend wiring keys", [
    { path: ["namespace"], args: vaultArgs(), invalid: "Not_A_Namespace" },
    { path: ["backend", "address"], args: vaultArgs(), invalid: "vault.example.com:8200" },
    {
        path: ["backend", "providerAddress"],
        args: vaultArgs({ providerAddress: "https://vault.internal:8200" }),
        invalid: "https://vault.internal:8200/v1",
    },
    { path: ["backend", "namespace"], args: vaultArgs({ namespace: "admin/team" }), invalid: "/admin" },
    {
        path: ["backend", "kv", "mount"],
        args: vaultArgs({ kv: { mount: "kv-team", connections: { warehouse: "postgres://airflow:pw@db:5432/dw" } } }),
        invalid: "kv team",
    },
    {
        path: ["backend", "auth", "mount"],
        args: vaultArgs({ auth: { mount: "kubernetes-team", createMount } }),
        invalid: "kubernetes/",
    },
    {
        path: ["backend", "auth", "createMount", "kubernetesHost"],
        args: vaultArgs({ auth: { createMount } }),
        invalid: "http://api.cluster.example.com:6443",
    },
    {
        path: ["backend", "auth", "createMount", "kubernetesCaCert"],
        args: vaultArgs({ auth: { createMount } }),
        invalid: "MIIBcluster",
    },
    {
        path: ["backend", "auth", "createMount", "issuer"],
        args: vaultArgs({ auth: { createMount } }),
        invalid: "https://oidc cluster",
    },
    {
        path: ["backend", "tls", "configMapName"],
        args: vaultArgs({ tls: { configMapName: "vault-ca" } }),
        invalid: "Vault_CA",
    },
    {
        path: ["backend", "tls", "secretName"],
        args: vaultArgs({ tls: { secretName: "vault-ca" } }),
        invalid: "Vault_CA",
    },
    { path: ["backend", "xcomPath"], args: vaultArgs(), invalid: "ftp://xcom-bucket/xcom" },
    {
        path: ["backend", "serviceAccountAnnotations", ROLE_ARN],
        args: vaultArgs({ serviceAccountAnnotations: { [ROLE_ARN]: "arn:aws:iam::123456789012:role/xcom" } }),
        invalid: { arn: "arn:aws:iam::123456789012:role/xcom" },
    },
]);
