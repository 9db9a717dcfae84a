// Wiring keys of the Azure backend given as Outputs (tests/lib/wiring.ts runs the three cases of each),
// and the names Azure keeps by (identity, vault, account, role assignment GUIDs) pinned as literals for
// plain and wired values alike: a change here would replace live identities and role assignments.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { RemoteExecutionAgent } from "../../components";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { describeWiring } from "../lib/wiring";
import { AGENT_TOKEN, baseValues, PROJECT } from "../fixtures/config";

type Values = Record<string, unknown>;
const ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/issuer-guid/";
const AKS = { name: "aks-prod", resourceGroupName: "rg-aks" };
const CMK = {
    keyVaultUri: "https://kv-keys.vault.azure.net/",
    keyName: "xcom-cmk",
    keyVersion: "0123456789abcdef0123456789abcdef",
    identityId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-keys/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-cmk",
};
const EXISTING_VAULT = {
    name: "kv-shared",
    existing: true,
    resourceGroupName: "rg-kv",
    connections: { my_conn: '{"conn_type":"http"}' },
    variables: { my_var: "x" },
};
const EXISTING_ACCOUNT = { accountName: "stshared", existingAccount: true, resourceGroupName: "rg-st" };

/** Component args selecting the Azure backend; `backend` replaces keys of the issuer-given default. */
function azureArgs(backend: Values = {}): () => Values {
    return () => ({
        ...baseValues(),
        agentToken: AGENT_TOKEN,
        backend: {
            kind: "azure",
            location: "westeurope",
            resourceGroup: { name: "rg-agent" },
            ...(backend.aks === undefined ? { oidcIssuerUrl: ISSUER } : {}),
            ...backend,
        },
    });
}

// One case per key, each in the config where the key reaches the most resources.
describeWiring("Azure backend wiring keys", [
    { path: ["namespace"], args: azureArgs({ aks: AKS }), invalid: "Not_A_Namespace" },
    ...(
        [
            [["backend", "subscriptionId"], "not-a-subscriptionId-guid"],
            [["backend", "tenantId"], "not-a-tenantId-guid"],
        ] as const
    ).map(([path, invalid]) => ({
        path: [...path],
        args: azureArgs({
            subscriptionId: "11111111-2222-3333-4444-555555555555",
            tenantId: "66666666-7777-8888-9999-000000000000",
        }),
        invalid,
    })),
    { path: ["backend", "resourceGroup", "name"], args: azureArgs(), invalid: "rg/with/slashes" },
    { path: ["backend", "oidcIssuerUrl"], args: azureArgs(), invalid: "http://issuer.example.com/plain-http/" },
    { path: ["backend", "aks", "name"], args: azureArgs({ aks: AKS }), invalid: "-aks-bad-" },
    { path: ["backend", "aks", "resourceGroupName"], args: azureArgs({ aks: AKS }), invalid: "rg.aks.bad." },
    { path: ["backend", "keyVault", "name"], args: azureArgs({ keyVault: EXISTING_VAULT }), invalid: "kv--bad" },
    {
        path: ["backend", "keyVault", "resourceGroupName"],
        args: azureArgs({ keyVault: EXISTING_VAULT }),
        invalid: "rg-kv/bad",
    },
    {
        path: ["backend", "storage", "accountName"],
        args: azureArgs({ storage: { accountName: "stmine" } }),
        invalid: "Not_An_Account",
    },
    {
        path: ["backend", "storage", "resourceGroupName"],
        args: azureArgs({ storage: EXISTING_ACCOUNT }),
        invalid: "rg-st/bad",
    },
    {
        path: ["backend", "storage", "containerName"],
        args: azureArgs({ storage: { containerName: "box" } }),
        invalid: "Bad_Container",
    },
    ...(
        [
            [["backend", "storage", "customerManagedKey", "keyVaultUri"], "http://kv-keys.vault.azure.net/"],
            [["backend", "storage", "customerManagedKey", "keyName"], "bad_key_name"],
            [["backend", "storage", "customerManagedKey", "keyVersion"], "not-hex-version"],
            [["backend", "storage", "customerManagedKey", "identityId"], "/not/an/identity/id"],
        ] as const
    ).map(([path, invalid]) => ({
        path: [...path],
        args: azureArgs({ storage: { customerManagedKey: CMK } }),
        invalid,
    })),
]);

async function deploy(args: Values): Promise<RecordedResource[]> {
    const { resources } = await runUnderMocks({
        project: PROJECT,
        stack: "test",
        config: {},
        program: () => {
            new RemoteExecutionAgent("agent", args as never);
        },
    });
    return resources;
}

/** One input of every resource of an azure-native type, by logical name. */
function field(rs: readonly RecordedResource[], type: string, key: string): Record<string, unknown> {
    return Object.fromEntries(rs.filter((r) => r.type === `azure-native:${type}`).map((r) => [r.name, r.inputs[key]]));
}

const o = <T>(v: T) => pulumi.output(v);

// Recorded from the program before wiring keys took Outputs (project astro-agent, stack test).
describe("Azure names and role assignment GUIDs are pinned, plain or wired", () => {
    const ARM = "/subscriptions/00000000-0000-0000-0000-00000000a5b1";
    const plainAks = azureArgs({ aks: AKS })();
    const wiredAks = azureArgs({
        aks: { name: o("aks-prod"), resourceGroupName: o("rg-aks") },
        resourceGroup: { name: o("rg-agent") },
    })();
    wiredAks.namespace = o("astro-agent");
    for (const [how, args] of [
        ["plain", plainAks],
        ["wired", wiredAks],
    ] as const) {
        it(`${how}: the AKS-looked-up installation's identity, vault, account and grants`, async () => {
            const rs = await deploy(args);
            assert.deepEqual(field(rs, "managedidentity:UserAssignedIdentity", "resourceName"), {
                "agent-azure-identity": "astro-agent-e639c04f",
            });
            assert.deepEqual(field(rs, "keyvault:Vault", "vaultName"), { "agent-azure-key-vault": "astro-20a64d74" });
            assert.deepEqual(field(rs, "storage:StorageAccount", "accountName"), {
                "agent-azure-xcom": "astroxcom0d44f640",
            });
            assert.deepEqual(field(rs, "authorization:RoleAssignment", "roleAssignmentName"), {
                "agent-azure-secrets-access": "8c1f1582-e64f-5b7e-a23e-cd42eeec4a83",
                "agent-azure-xcom-access": "0c491835-9749-5f13-aa6f-4f9bef293c07",
            });
            assert.deepEqual(field(rs, "authorization:RoleAssignment", "scope"), {
                "agent-azure-secrets-access": `${ARM}/resourceGroups/rg-agent/providers/Microsoft.KeyVault/vaults/astro-20a64d74`,
                "agent-azure-xcom-access": `${ARM}/resourceGroups/rg-agent/providers/Microsoft.Storage/storageAccounts/astroxcom0d44f640/blobServices/default/containers/xcom`,
            });
            assert.equal(
                field(rs, "managedidentity:FederatedIdentityCredential", "subject")["agent-azure-federation-sentinel"],
                "system:serviceaccount:astro-agent:astro-sentinel",
            );
        });
    }

    const plainExisting = azureArgs({
        keyVault: EXISTING_VAULT,
        storage: { ...EXISTING_ACCOUNT, containerName: "xcc" },
        identityName: "my-id",
    })();
    const wiredExisting = azureArgs({
        oidcIssuerUrl: o(ISSUER),
        keyVault: { ...EXISTING_VAULT, name: o("kv-shared"), resourceGroupName: o("rg-kv") },
        storage: {
            ...EXISTING_ACCOUNT,
            accountName: o("stshared"),
            resourceGroupName: o("rg-st"),
            containerName: o("xcc"),
        },
        identityName: "my-id",
    })();
    for (const [how, args] of [
        ["plain", plainExisting],
        ["wired", wiredExisting],
    ] as const) {
        it(`${how}: per-secret and container grants on an existing vault and account`, async () => {
            const rs = await deploy(args);
            assert.deepEqual(field(rs, "authorization:RoleAssignment", "roleAssignmentName"), {
                "agent-azure-secret-access-airflow-connections-my-conn": "5689222f-87dc-5b68-9207-414cbcfc2bed",
                "agent-azure-secret-access-airflow-variables-my-var": "cd9b674e-581a-5f45-8375-127c95b178af",
                "agent-azure-xcom-access": "ffac8bb3-4140-5ef2-a53a-0675449232b1",
            });
            assert.equal(
                field(rs, "authorization:RoleAssignment", "scope")["agent-azure-xcom-access"],
                `${ARM}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/stshared/blobServices/default/containers/xcc`,
            );
        });
    }

    // An access-policy vault and task logs: the vault, its group and the container given as Outputs reach
    // the access policy, the task-log lifecycle rule and the log container setting exactly as plain ones.
    const policyVault = { name: "kv-policy-aks", existing: true, resourceGroupName: "rg-kv" };
    const plainPolicy = azureArgs({
        keyVault: { ...policyVault, permissionModel: "accessPolicy" },
        storage: { containerName: "box" },
        taskLogs: { enabled: true, prefix: "task-logs" },
    })();
    const wiredPolicy = azureArgs({
        keyVault: {
            ...policyVault,
            name: o("kv-policy-aks"),
            resourceGroupName: o("rg-kv"),
            permissionModel: "accessPolicy",
        },
        storage: { containerName: o("box") },
        taskLogs: { enabled: true, prefix: "task-logs" },
    })();
    for (const [how, args] of [
        ["plain", plainPolicy],
        ["wired", wiredPolicy],
    ] as const) {
        it(`${how}: the access policy on an existing vault, the task-log rule and container`, async () => {
            const rs = await deploy(args);
            assert.deepEqual(field(rs, "keyvault:AccessPolicy", "vaultName"), {
                "agent-azure-secrets-access-policy": "kv-policy-aks",
            });
            assert.deepEqual(field(rs, "keyvault:AccessPolicy", "resourceGroupName"), {
                "agent-azure-secrets-access-policy": "rg-kv",
            });
            assert.deepEqual(Object.keys(field(rs, "authorization:RoleAssignment", "scope")), [
                "agent-azure-xcom-access",
            ]);
            const rules = (field(rs, "storage:ManagementPolicy", "policy")["agent-azure-xcom"] as { rules: unknown[] })
                .rules as { name: string; definition: { filters: { prefixMatch: string[] } } }[];
            assert.deepEqual(
                rules.map((r) => [r.name, r.definition.filters.prefixMatch]),
                [
                    ["expire-xcom", ["box/xcom/"]],
                    ["expire-task-logs", ["box/task-logs/"]],
                ],
            );
            const release = rs.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
            const env = (release?.inputs.values as { commonEnv: { name: string; value: string }[] }).commonEnv;
            assert.deepEqual(
                env.filter((e) => e.name.includes("REMOTE")).map((e) => [e.name, e.value]),
                [
                    ["AIRFLOW__LOGGING__REMOTE_LOGGING", "True"],
                    ["AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", "wasb://task-logs"],
                    ["AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID", "azure_xcom"],
                    ["AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER", "box"],
                ],
            );
        });
    }
});
