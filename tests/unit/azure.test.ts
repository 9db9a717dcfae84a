// The Azure backend: exact role definition ids and scopes, federated credentials, Key Vault and storage
// hardening, prod retention, seeded secrets, workload-identity wiring and Azure-specific validation.
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as pulumi from "@pulumi/pulumi";
import { BUILTIN_ROLES, RemoteExecutionAgent, ROLE_PERMISSIONS } from "../../components";
import { azureInstallationKey } from "../../components/backends/azure";
import { keyVaultSecretName, vaultPermissionModelError } from "../../backends/azure/schema";
import { defaultVaultName } from "../../components/backends/azure/secretsStore";
import { defaultStorageAccountName, xcomConnection } from "../../components/backends/azure/xcomStore";
import { validateStackConfig } from "../../chart/validate";
import {
    MOCK_AZURE_SUBSCRIPTION_ID as SUB,
    MOCK_AZURE_TENANT_ID as TENANT,
    plaintextPaths,
    runUnderMocks,
    unwrapSecrets,
    type RecordedResource,
} from "../../scripts/lib/mockRun";
import { azureDocuments } from "../../scripts/azure-documents";
import { resolvedOutputs } from "../../scripts/lib/documentScript";
import { readStackFile } from "../../scripts/lib/stackFile";
import agentProgram from "../../index";
import { RETAIN_ON_DELETE_MARKER } from "../../components/retention";
import { baseValues, PROJECT, raw } from "../fixtures/config";

type Values = Record<string, unknown>;
const ROOT = path.join(__dirname, "..", "..");
const RG = "rg-agent";
const ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/issuer-guid/";
const SAS = ["astro-worker-default-worker", "astro-dag-processor", "astro-triggerer", "astro-sentinel"];
const SLUGS = ["worker-default-worker", "dag-processor", "triggerer", "sentinel"];
const CONN_SECRET = '{"conn_type":"git","login":"bot","password":"azure-seeded-pat-1f2e3d4c"}';
const VAR_SECRET = "azure-seeded-variable-9a8b7c6d";
const ARM = `/subscriptions/${SUB}/resourceGroups/${RG}/providers`;
const INSTALLATION = [PROJECT, "test", ISSUER, "astro-agent"];
// Default names of the test stack, pinned (each ends in 8 hex of sha256 of the installation joined with
// "/", plus "/key-vault" or "/storage-account"): a change renames, so replaces, the deployed identity,
// vault and storage account.
const IDENTITY = "astro-agent-93a83889";
const VAULT = "astro-c3d4395f";
const ACCOUNT = "astroxcom4aeb13e2";
const VAULT_ID = `${ARM}/Microsoft.KeyVault/vaults/${VAULT}`;
const CONTAINER_ID = `${ARM}/Microsoft.Storage/storageAccounts/${ACCOUNT}/blobServices/default/containers/xcom`;
/** What the mock runtime answers as a managed identity's principal id (scripts/lib/mockRun.ts). */
function mockPrincipalId(resourceName: string): string {
    const h = createHash("sha256").update(`principal/${resourceName}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
const roleDef = (guid: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

function azureValues(backend: Values = {}, change: (v: Values) => void = () => undefined): Values {
    const v = baseValues();
    v.backend = {
        kind: "azure",
        location: "westeurope",
        resourceGroup: { name: RG },
        oidcIssuerUrl: ISSUER,
        ...backend,
    };
    change(v);
    return v;
}

async function deploy(values: Values, opts: { withProvider?: boolean; stack?: string } = {}) {
    const { resources } = await runUnderMocks({
        project: PROJECT,
        stack: opts.stack ?? "test",
        config: {},
        program: () =>
            new RemoteExecutionAgent("agent", values as ConstructorParameters<typeof RemoteExecutionAgent>[1], {
                providers: opts.withProvider ? [new AzureProvider("explicit-azure", { location: "westeurope" })] : [],
            }),
    });
    return resources;
}

const byType = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
function one(rs: RecordedResource[], type: string, name?: string): RecordedResource {
    const found = rs.filter((r) => r.type === type && (name === undefined || r.name === name));
    assert.equal(found.length, 1, `exactly one ${type} ${name ?? ""} (found ${found.length})`);
    return found[0] as RecordedResource;
}
const releaseValues = (rs: RecordedResource[]) =>
    one(rs, "kubernetes:helm.sh/v3:Release").inputs.values as {
        secretBackend: string;
        xcomBackend: string;
        commonEnv: { name: string; value: string }[];
        labels: Record<string, string>;
        serviceAccount: { annotations: Record<string, string> };
    };
const envOf = (rs: RecordedResource[]) => Object.fromEntries(releaseValues(rs).commonEnv.map((e) => [e.name, e.value]));
const TAGS = { "managed-by": "pulumi", application: "astro-remote-execution-agent", "astro-agent-prefix": "astro" };

describe("Azure backend under mocks (issuer given, created vault and account, dev)", () => {
    let rs: RecordedResource[];
    before(async () => (rs = await deploy(azureValues())));

    it("creates the provider, identity, one credential per ServiceAccount, vault, account, container and two grants under AzureBackend", () => {
        const azure = rs.filter(
            (r) => r.type.includes("azure-native") || r.type === "astro-remote-agent:index:AzureBackend",
        );
        assert.deepEqual(
            azure.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:AzureBackend", "agent-azure", "agent"],
                ["pulumi:providers:azure-native", "agent-azure-provider", "agent-azure"],
                ["azure-native:managedidentity:UserAssignedIdentity", "agent-azure-identity", "agent-azure"],
                ...SLUGS.map((s) => [
                    "azure-native:managedidentity:FederatedIdentityCredential",
                    `agent-azure-federation-${s}`,
                    "agent-azure",
                ]),
                ["azure-native:keyvault:Vault", "agent-azure-key-vault", "agent-azure"],
                ["azure-native:storage:StorageAccount", "agent-azure-xcom", "agent-azure"],
                ["azure-native:storage:BlobServiceProperties", "agent-azure-xcom", "agent-azure-xcom"],
                ["azure-native:storage:ManagementPolicy", "agent-azure-xcom", "agent-azure-xcom"],
                ["azure-native:storage:BlobContainer", "agent-azure-xcom", "agent-azure-xcom"],
                ["azure-native:authorization:RoleAssignment", "agent-azure-secrets-access", "agent-azure"],
                ["azure-native:authorization:RoleAssignment", "agent-azure-xcom-access", "agent-azure"],
            ].sort(),
        );
        assert.deepEqual(one(rs, "pulumi:providers:azure-native").inputs.location, "westeurope");
        for (const r of rs.filter((x) => x.type.startsWith("azure-native:"))) {
            assert.match(r.provider ?? "", /::agent-azure-provider::/, `${r.type} uses the backend's provider`);
        }
    });

    it("one managed identity, named per installation, in the configured group and region", () => {
        assert.deepEqual(one(rs, "azure-native:managedidentity:UserAssignedIdentity").inputs, {
            resourceName: IDENTITY,
            resourceGroupName: RG,
            location: "westeurope",
            tags: TAGS,
        });
        assert.match(IDENTITY, /^astro-agent-[0-9a-f]{8}$/);
    });

    it("federates exactly the agent's ServiceAccounts: exact issuer, subject and audience, created one after another", () => {
        const fics = byType(rs, "azure-native:managedidentity:FederatedIdentityCredential");
        assert.deepEqual(
            fics.map((f) => f.inputs),
            SAS.map((sa) => ({
                resourceGroupName: RG,
                resourceName: IDENTITY,
                federatedIdentityCredentialResourceName: sa,
                issuer: ISSUER,
                subject: `system:serviceaccount:astro-agent:${sa}`,
                audiences: ["api://AzureADTokenExchange"],
            })),
        );
        // Chained: parallel writes under one identity fail with 409 in Microsoft Entra.
        assert.deepEqual(
            fics.map((f) => f.dependsOn),
            [undefined, ...SLUGS.slice(0, -1).map((s) => [`agent-azure-federation-${s}`])],
        );
    });

    it("grants Key Vault Secrets User on the vault and Storage Blob Data Contributor on the container, by full role definition id", () => {
        const grants = byType(rs, "azure-native:authorization:RoleAssignment");
        assert.deepEqual(
            grants.map((g) => [g.name, g.inputs.roleDefinitionId, g.inputs.scope, g.inputs.principalType]),
            [
                [
                    "agent-azure-secrets-access",
                    roleDef("4633458b-17de-408a-b874-0445c86b69e6"),
                    VAULT_ID,
                    "ServicePrincipal",
                ],
                [
                    "agent-azure-xcom-access",
                    roleDef("ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
                    CONTAINER_ID,
                    "ServicePrincipal",
                ],
            ],
        );
        assert.deepEqual(BUILTIN_ROLES, {
            keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
            storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        });
        const identity = one(rs, "azure-native:managedidentity:UserAssignedIdentity");
        assert.ok(grants.every((g) => typeof g.inputs.principalId === "string" && g.inputs.principalId !== ""));
        assert.ok(identity);
        assert.deepEqual(
            grants.map((g) => g.inputs.roleAssignmentName),
            // Pinned: the GUIDs name the live role assignments, so a change would replace them (version-5
            // layout over sha1 of the installation, the role and the scope key, joined with "/").
            ["4f6068b6-a175-5897-8a1e-dcecc3ece745", "676124cb-be57-51cf-affe-c85306858b0f"],
        );
        for (const g of grants) {
            assert.match(
                String(g.inputs.roleAssignmentName),
                /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
            );
        }
        assert.deepEqual(one(rs, "azure-native:authorization:RoleAssignment", "agent-azure-xcom-access").dependsOn, [
            "agent-azure-xcom",
            "agent-azure-xcom",
            "agent-azure-xcom",
            "agent-azure-xcom",
        ]);
    });

    it("hardens the vault: RBAC authorization, soft delete (7 days in dev), no purge protection in dev, no deployment access", () => {
        const vault = one(rs, "azure-native:keyvault:Vault");
        assert.deepEqual(vault.inputs, {
            vaultName: VAULT,
            resourceGroupName: RG,
            location: "westeurope",
            properties: {
                tenantId: TENANT,
                sku: { family: "A", name: "standard" },
                enableRbacAuthorization: true,
                enableSoftDelete: true,
                softDeleteRetentionInDays: 7,
                enabledForDeployment: false,
                enabledForDiskEncryption: false,
                enabledForTemplateDeployment: false,
                publicNetworkAccess: "Enabled",
                networkAcls: { defaultAction: "Allow", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
            },
            tags: TAGS,
        });
        assert.ok(VAULT.length <= 24 && /^[a-z][a-z0-9-]+$/.test(VAULT), VAULT);
    });

    it("hardens the account: StorageV2, HTTPS and TLS 1.2 only, no public blobs, no shared key, blob soft delete, XCom expiry, private container", () => {
        assert.deepEqual(one(rs, "azure-native:storage:StorageAccount").inputs, {
            accountName: ACCOUNT,
            resourceGroupName: RG,
            location: "westeurope",
            kind: "StorageV2",
            sku: { name: "Standard_ZRS" },
            accessTier: "Hot",
            enableHttpsTrafficOnly: true,
            minimumTlsVersion: "TLS1_2",
            allowBlobPublicAccess: false,
            allowSharedKeyAccess: false,
            defaultToOAuthAuthentication: true,
            allowCrossTenantReplication: false,
            isHnsEnabled: false,
            publicNetworkAccess: "Enabled",
            networkRuleSet: { defaultAction: "Allow", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
            encryption: { keySource: "Microsoft.Storage", services: { blob: { enabled: true, keyType: "Account" } } },
            tags: TAGS,
        });
        assert.deepEqual(one(rs, "azure-native:storage:BlobServiceProperties").inputs, {
            accountName: ACCOUNT,
            resourceGroupName: RG,
            blobServicesName: "default",
            deleteRetentionPolicy: { enabled: true, days: 7 },
            containerDeleteRetentionPolicy: { enabled: true, days: 7 },
        });
        assert.deepEqual(one(rs, "azure-native:storage:ManagementPolicy").inputs.policy, {
            rules: [
                {
                    name: "expire-xcom",
                    enabled: true,
                    type: "Lifecycle",
                    definition: {
                        filters: { blobTypes: ["blockBlob"], prefixMatch: ["xcom/xcom/"] },
                        actions: {
                            baseBlob: { delete: { daysAfterModificationGreaterThan: 30 } },
                            snapshot: { delete: { daysAfterCreationGreaterThan: 30 } },
                        },
                    },
                },
            ],
        });
        assert.deepEqual(one(rs, "azure-native:storage:BlobContainer").inputs, {
            accountName: ACCOUNT,
            resourceGroupName: RG,
            containerName: "xcom",
            publicAccess: "None",
        });
        assert.match(ACCOUNT, /^astroxcom[0-9a-f]{8}$/);
    });

    it("wires AzureKeyVaultBackend kwargs, the abfs path, a keyless connection, the client-id annotation and the pod label", () => {
        const values = releaseValues(rs);
        const clientId = String(one(rs, "azure-native:managedidentity:UserAssignedIdentity").inputs.resourceName);
        const env = envOf(rs);
        const annotations = values.serviceAccount.annotations;
        const client = annotations["azure.workload.identity/client-id"] ?? "";
        assert.ok(clientId !== "" && /^[0-9a-f-]{36}$/.test(client), client);
        assert.equal(values.secretBackend, "airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend");
        assert.deepEqual(JSON.parse(env.AIRFLOW__SECRETS__BACKEND_KWARGS ?? ""), {
            vault_url: `https://${VAULT}.vault.azure.net/`,
            connections_prefix: "airflow-connections",
            variables_prefix: "airflow-variables",
            config_prefix: null,
            sep: "-",
            managed_identity_client_id: client,
            workload_identity_tenant_id: TENANT,
        });
        assert.equal(values.xcomBackend, "airflow.providers.common.io.xcom.backend.XComObjectStorageBackend");
        assert.equal(env.AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH, "abfs://azure_xcom@xcom/xcom");
        assert.equal(env.AIRFLOW_CONN_AZURE_XCOM, xcomConnection(ACCOUNT, client, TENANT));
        assert.deepEqual(JSON.parse(env.AIRFLOW_CONN_AZURE_XCOM), {
            conn_type: "azure",
            login: ACCOUNT,
            extra: {
                account_name: ACCOUNT,
                managed_identity_client_id: client,
                workload_identity_tenant_id: TENANT,
                anon: false,
            },
        });
        assert.deepEqual(annotations, {
            "azure.workload.identity/client-id": client,
            "azure.workload.identity/tenant-id": TENANT,
        });
        assert.equal(values.labels["azure.workload.identity/use"], "true");
        for (const sa of byType(rs, "kubernetes:core/v1:ServiceAccount")) {
            assert.deepEqual((sa.inputs.metadata as { annotations: unknown }).annotations, annotations);
        }
        assert.doesNotMatch(JSON.stringify(values), /AccountKey|account_key|sas_token|sig=/);
    });

    it("retains nothing on destroy in dev", () => {
        assert.deepEqual(
            rs.filter((r) => r.retainOnDelete === true).map((r) => r.type),
            [],
        );
    });
});

describe("Azure backend options", () => {
    it("prod: vault (purge protection, 90 days), account, its settings, container and a created group survive destroy; grants and identity do not", async () => {
        const rs = await deploy(
            azureValues(
                {
                    resourceGroup: { name: RG, create: true },
                    // Prod refuses network rules open to all (risk openNetworkRules).
                    keyVault: { networkRules: { defaultAction: "Deny", ipRules: ["203.0.113.0/24"] } },
                    storage: { networkRules: { defaultAction: "Deny", ipRules: ["203.0.113.0/24"] } },
                },
                (v) => {
                    v.environment = "prod";
                    v.agentTokenSecretName = "t";
                    delete v.agentToken;
                    v.imagePullSecretName = "p";
                    delete v.imagePullCredentials;
                },
            ),
        );
        const props = one(rs, "azure-native:keyvault:Vault").inputs.properties as Record<string, unknown>;
        assert.equal(props.enablePurgeProtection, true);
        assert.equal(props.softDeleteRetentionInDays, 90);
        assert.deepEqual(
            rs
                .filter((r) => r.retainOnDelete === true && r.type.startsWith("azure-native:"))
                .map((r) => r.type)
                .sort(),
            [
                "azure-native:keyvault:Vault",
                "azure-native:resources:ResourceGroup",
                "azure-native:storage:BlobContainer",
                "azure-native:storage:BlobServiceProperties",
                "azure-native:storage:ManagementPolicy",
                "azure-native:storage:StorageAccount",
            ],
        );
        assert.deepEqual(one(rs, "azure-native:resources:ResourceGroup").inputs, {
            resourceGroupName: RG,
            location: "westeurope",
            tags: { ...TAGS, [RETAIN_ON_DELETE_MARKER]: "true" },
        });
        for (const type of ["azure-native:keyvault:Vault", "azure-native:storage:StorageAccount"]) {
            assert.deepEqual(one(rs, type).inputs.tags, { ...TAGS, [RETAIN_ON_DELETE_MARKER]: "true" }, type);
        }
    });

    it("looks the issuer up from AKS, and the subscription and tenant from the provider, when not configured", async () => {
        const rs = await deploy(
            azureValues({ oidcIssuerUrl: undefined, aks: { name: "aks-prod", resourceGroupName: "rg-aks" } }),
        );
        const issuers = new Set(
            byType(rs, "azure-native:managedidentity:FederatedIdentityCredential").map((f) => f.inputs.issuer),
        );
        assert.equal(issuers.size, 1);
        assert.match(
            String([...issuers][0]),
            new RegExp(`^https://westeurope\\.oic\\.prod-aks\\.azure\\.com/${TENANT}/[0-9a-f-]{36}/$`),
        );
        const withIds = await deploy(
            azureValues({
                subscriptionId: "11111111-2222-3333-4444-555555555555",
                tenantId: "66666666-7777-8888-9999-000000000000",
            }),
        );
        assert.deepEqual(one(withIds, "pulumi:providers:azure-native").inputs, {
            environment: "public",
            location: "westeurope",
            subscriptionId: "11111111-2222-3333-4444-555555555555",
            tenantId: "66666666-7777-8888-9999-000000000000",
        });
        for (const g of byType(withIds, "azure-native:authorization:RoleAssignment")) {
            assert.match(
                String(g.inputs.roleDefinitionId),
                /^\/subscriptions\/11111111-2222-3333-4444-555555555555\/providers\//,
            );
        }
        const vault = one(withIds, "azure-native:keyvault:Vault").inputs.properties as { tenantId: string };
        assert.equal(vault.tenantId, "66666666-7777-8888-9999-000000000000");
    });

    it("seeds connections and variables under the names AzureKeyVaultBackend looks up; their values stay secret", async () => {
        const rs = await deploy(
            azureValues({ keyVault: { connections: { git_repo: CONN_SECRET }, variables: { api_key: VAR_SECRET } } }),
        );
        const secrets = byType(rs, "azure-native:keyvault:Secret");
        assert.deepEqual(
            secrets.map((s) => [
                s.name,
                s.inputs.secretName,
                s.inputs.vaultName,
                s.inputs.resourceGroupName,
                s.dependsOn,
            ]),
            [
                ["agent-azure-conn-git-repo", "airflow-connections-git-repo", VAULT, RG, ["agent-azure-key-vault"]],
                ["agent-azure-var-api-key", "airflow-variables-api-key", VAULT, RG, ["agent-azure-key-vault"]],
            ],
        );
        for (const r of rs) {
            for (const secret of [CONN_SECRET, VAR_SECRET, "azure-seeded-pat-1f2e3d4c"]) {
                assert.deepEqual(plaintextPaths(r.inputs, secret), [], `${r.type} ${r.name}`);
            }
        }
        assert.deepEqual(
            secrets.map((s) => (unwrapSecrets(s.inputs.properties) as { value: unknown }).value),
            [CONN_SECRET, VAR_SECRET],
        );
        assert.ok(!JSON.stringify(releaseValues(rs)).includes("azure-seeded"));
        assert.equal(keyVaultSecretName("airflow-connections", "my_conn_1"), "airflow-connections-my-conn-1");
    });

    it("an existing vault is looked up, never changed, and the identity reads only the seeded secrets", async () => {
        const rs = await deploy(
            azureValues({
                keyVault: {
                    existing: true,
                    name: "kv-shared",
                    resourceGroupName: "rg-shared",
                    connectionsPrefix: "team-a-connections",
                    connections: { git_repo: CONN_SECRET },
                },
            }),
        );
        assert.equal(byType(rs, "azure-native:keyvault:Vault").length, 0);
        const secretId =
            "/subscriptions/" +
            SUB +
            "/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared/secrets/team-a-connections-git-repo";
        assert.deepEqual(
            byType(rs, "azure-native:authorization:RoleAssignment").map((g) => [
                g.name,
                g.inputs.scope,
                g.inputs.roleDefinitionId,
            ]),
            [
                [
                    "agent-azure-secret-access-team-a-connections-git-repo",
                    secretId,
                    roleDef(BUILTIN_ROLES.keyVaultSecretsUser),
                ],
                ["agent-azure-xcom-access", CONTAINER_ID, roleDef(BUILTIN_ROLES.storageBlobDataContributor)],
            ],
        );
        assert.equal(
            (JSON.parse(envOf(rs).AIRFLOW__SECRETS__BACKEND_KWARGS ?? "") as { vault_url: string }).vault_url,
            "https://kv-shared.vault.azure.net/",
        );
    });

    it("an existing vault that uses access policies: the identity gets a get-only secret access policy, no Key Vault role", async () => {
        const rs = await deploy(
            azureValues({
                keyVault: {
                    existing: true,
                    name: "kv-policy-aks",
                    resourceGroupName: "rg-shared",
                    permissionModel: "accessPolicy",
                    connections: { git_repo: CONN_SECRET },
                },
            }),
        );
        assert.equal(byType(rs, "azure-native:keyvault:Vault").length, 0);
        const policy = one(rs, "azure-native:keyvault:AccessPolicy");
        assert.equal(policy.name, "agent-azure-secrets-access-policy");
        assert.equal(policy.parent, "agent-azure");
        const identity = String(one(rs, "azure-native:managedidentity:UserAssignedIdentity").inputs.resourceName);
        assert.deepEqual(policy.inputs, {
            resourceGroupName: "rg-shared",
            vaultName: "kv-policy-aks",
            policy: {
                // The mock's principal id of the identity: sha256("principal/<name>") shaped as a GUID.
                objectId: mockPrincipalId(identity),
                tenantId: TENANT,
                permissions: { secrets: ["get"], keys: [], certificates: [], storage: [] },
            },
        });
        assert.deepEqual(
            byType(rs, "azure-native:authorization:RoleAssignment").map((g) => [g.name, g.inputs.scope]),
            [["agent-azure-xcom-access", CONTAINER_ID]],
        );
        assert.equal(
            byType(rs, "azure-native:keyvault:Secret")
                .map((x) => x.inputs.vaultName)
                .join(),
            "kv-policy-aks",
        );
    });

    it("refuses a vault whose permission model differs from keyVault.permissionModel, saying what to set", () => {
        // The lookup's answer is checked by this function (an error thrown in an apply hangs the mock runtime).
        assert.equal(
            vaultPermissionModelError("kv-policy-aks", false, "rbac"),
            "Key Vault 'kv-policy-aks' uses access policies, not Azure RBAC, so a role assignment would not apply: set backend.keyVault.permissionModel: accessPolicy (the identity then gets a get-only secret access policy), or enable Azure RBAC authorization on the vault (backend.keyVault.permissionModel)",
        );
        assert.equal(
            vaultPermissionModelError("kv-shared", true, "accessPolicy"),
            "Key Vault 'kv-shared' uses Azure RBAC, so an access policy would not apply: set backend.keyVault.permissionModel: rbac (backend.keyVault.permissionModel)",
        );
        assert.equal(vaultPermissionModelError("kv-shared", true, "rbac"), undefined);
        assert.equal(vaultPermissionModelError("kv-policy-aks", false, "accessPolicy"), undefined);
    });

    it("task logs: WASB remote logging into <prefix>/ of the XCom container, through the XCom connection, with an expiry rule", async () => {
        const rs = await deploy(
            azureValues({ taskLogs: { enabled: true, prefix: "airflow/logs", expirationDays: 14 } }),
        );
        const env = envOf(rs);
        assert.deepEqual(
            releaseValues(rs)
                .commonEnv.map((e) => e.name)
                .filter((n) => n.includes("REMOTE")),
            [
                "AIRFLOW__LOGGING__REMOTE_LOGGING",
                "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER",
                "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID",
                "AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER",
            ],
        );
        assert.equal(env.AIRFLOW__LOGGING__REMOTE_LOGGING, "True");
        assert.equal(env.AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER, "wasb://airflow/logs");
        assert.equal(env.AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID, "azure_xcom");
        assert.equal(env.AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER, "xcom");
        const rules = (one(rs, "azure-native:storage:ManagementPolicy").inputs.policy as { rules: unknown[] }).rules;
        assert.deepEqual(rules[1], {
            name: "expire-task-logs",
            enabled: true,
            type: "Lifecycle",
            definition: {
                filters: { blobTypes: ["blockBlob"], prefixMatch: ["xcom/airflow/logs/"] },
                actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 14 } } },
            },
        });
        assert.equal(rules.length, 2);
        // The grant stays the one container role: the logs prefix is inside it.
        assert.deepEqual(
            byType(rs, "azure-native:authorization:RoleAssignment").map((g) => g.inputs.scope),
            [VAULT_ID, CONTAINER_ID],
        );
        const existing = await deploy(
            azureValues({
                storage: { existingAccount: true, accountName: "corpxcom", containerName: "agent" },
                taskLogs: { enabled: true },
            }),
        );
        assert.equal(byType(existing, "azure-native:storage:ManagementPolicy").length, 0);
        assert.equal(envOf(existing).AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER, "wasb://logs");
        assert.equal(envOf(existing).AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER, "agent");
    });

    it("an existing account gets only the container; an existing container nothing at all", async () => {
        const withContainer = await deploy(
            azureValues({ storage: { existingAccount: true, accountName: "corpxcom", resourceGroupName: "rg-data" } }),
        );
        assert.equal(byType(withContainer, "azure-native:storage:StorageAccount").length, 0);
        assert.equal(byType(withContainer, "azure-native:storage:ManagementPolicy").length, 0);
        assert.deepEqual(one(withContainer, "azure-native:storage:BlobContainer").inputs, {
            accountName: "corpxcom",
            resourceGroupName: "rg-data",
            containerName: "xcom",
            publicAccess: "None",
        });
        const nothing = await deploy(
            azureValues({
                storage: {
                    existingAccount: true,
                    existingContainer: true,
                    accountName: "corpxcom",
                    containerName: "agent",
                },
            }),
        );
        assert.equal(byType(nothing, "azure-native:storage:BlobContainer").length, 0);
        assert.equal(
            one(nothing, "azure-native:authorization:RoleAssignment", "agent-azure-xcom-access").inputs.scope,
            `${ARM}/Microsoft.Storage/storageAccounts/corpxcom/blobServices/default/containers/agent`,
        );
        assert.equal(envOf(nothing).AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH, "abfs://azure_xcom@agent/xcom");
    });

    it("a customer-managed key encrypts the account through the given identity; network rules reach vault and account", async () => {
        const identityId = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-cmk`;
        const subnet = `/subscriptions/${SUB}/resourceGroups/rg-aks/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`;
        const rules = { defaultAction: "Deny", ipRules: ["203.0.113.0/24"], subnetIds: [subnet] };
        const rs = await deploy(
            azureValues({
                keyVault: { networkRules: rules, publicNetworkAccess: "Disabled", purgeProtection: true },
                storage: {
                    networkRules: rules,
                    customerManagedKey: {
                        keyVaultUri: "https://kv-keys.vault.azure.net/",
                        keyName: "xcom",
                        identityId,
                    },
                },
            }),
        );
        const account = one(rs, "azure-native:storage:StorageAccount").inputs;
        assert.deepEqual(account.encryption, {
            keySource: "Microsoft.Keyvault",
            keyVaultProperties: { keyVaultUri: "https://kv-keys.vault.azure.net/", keyName: "xcom" },
            encryptionIdentity: { encryptionUserAssignedIdentity: identityId },
            services: { blob: { enabled: true, keyType: "Account" } },
        });
        assert.deepEqual(account.identity, { type: "UserAssigned", userAssignedIdentities: [identityId] });
        assert.deepEqual(account.networkRuleSet, {
            defaultAction: "Deny",
            bypass: "AzureServices",
            ipRules: [{ iPAddressOrRange: "203.0.113.0/24", action: "Allow" }],
            virtualNetworkRules: [{ virtualNetworkResourceId: subnet, action: "Allow" }],
        });
        const vault = one(rs, "azure-native:keyvault:Vault").inputs.properties as Record<string, unknown>;
        assert.equal(vault.publicNetworkAccess, "Disabled");
        assert.equal(vault.enablePurgeProtection, true);
        assert.deepEqual(vault.networkAcls, {
            defaultAction: "Deny",
            bypass: "AzureServices",
            ipRules: [{ value: "203.0.113.0/24" }],
            virtualNetworkRules: [{ id: subnet }],
        });
    });

    it("uses an explicitly passed azure-native provider instead of creating one", async () => {
        const rs = await deploy(azureValues(), { withProvider: true });
        assert.deepEqual(
            byType(rs, "pulumi:providers:azure-native").map((p) => p.name),
            ["explicit-azure"],
        );
        for (const r of rs.filter((x) => x.type.startsWith("azure-native:"))) {
            assert.match(r.provider ?? "", /::explicit-azure::/, r.type);
        }
    });

    it("names are unique per stack, cluster and namespace, and fit Azure's limits", async () => {
        const other = await deploy(azureValues(), { stack: "other" });
        const names = (rs: RecordedResource[]) => [
            one(rs, "azure-native:managedidentity:UserAssignedIdentity").inputs.resourceName,
            one(rs, "azure-native:keyvault:Vault").inputs.vaultName,
            one(rs, "azure-native:storage:StorageAccount").inputs.accountName,
            ...byType(rs, "azure-native:authorization:RoleAssignment").map((g) => g.inputs.roleAssignmentName),
        ];
        const mine = names(await deploy(azureValues()));
        const theirs = names(other);
        mine.forEach((n, i) => {
            assert.notEqual(n, theirs[i]);
        });
        assert.deepEqual(azureInstallationKey(azureValues().backend as never, "ns"), [PROJECT, "test", ISSUER, "ns"]);
        const long = "a-very-long-resource-name-prefix";
        assert.ok(defaultVaultName(long, INSTALLATION).length <= 24);
        assert.match(defaultVaultName("1abc", INSTALLATION), /^kv1abc-[0-9a-f]{8}$/);
        assert.ok(defaultStorageAccountName(long, INSTALLATION).length <= 24);
    });

    it("the example stack renders with its outputs, and its documents name what the proof judges", async () => {
        const result = await runUnderMocks({ ...readStackFile(ROOT, "azure"), program: agentProgram });
        const stored = await new Promise<Record<string, unknown>>((resolve) => {
            pulumi.output(result.outputs).apply((v) => {
                resolve(v);
            });
        });
        assert.equal(stored.azureKeyVaultUrl, "https://kv-astro-agent-prod.vault.azure.net/");
        assert.equal(stored.azureStorageAccountName, "stastroagentxcomprod");
        assert.equal(stored.azureTenantId, TENANT);
        assert.match(String(stored.azureIdentityClientId), /^[0-9a-f-]{36}$/);
        const docs = azureDocuments(result.resources) as {
            roleAssignments: { role: string }[];
            rolePermissions: typeof ROLE_PERMISSIONS;
        };
        assert.deepEqual(docs.roleAssignments.map((a) => a.role).sort(), [
            "keyVaultSecretsUser",
            "storageBlobDataContributor",
        ]);
        assert.deepEqual(docs.rolePermissions, ROLE_PERMISSIONS);
    });
});

describe("Azure backend validation", () => {
    interface Case {
        name: string;
        backend?: Values;
        change?: (v: Values) => void;
        key: string;
        message: RegExp;
    }
    const workers = (n: number) => (v: Values) => {
        v.workers = Array.from({ length: n }, (_, i) => ({ name: `w${i}`, queues: [`q${i}`] }));
    };
    const cases: Case[] = [
        {
            name: "location missing",
            backend: { location: undefined },
            key: "backend.location",
            message: /is required \(an Azure region name/,
        },
        {
            name: "location malformed",
            backend: { location: "West Europe" },
            key: "backend.location",
            message: /contains a space|an Azure region name/,
        },
        {
            name: "resource group missing",
            backend: { resourceGroup: undefined },
            key: "backend.resourceGroup",
            message: /is required/,
        },
        {
            name: "resource group name ends with a dot",
            backend: { resourceGroup: { name: "rg." } },
            key: "backend.resourceGroup.name",
            message: /not ending in '\.'/,
        },
        {
            name: "subscription not a GUID",
            backend: { subscriptionId: "my-sub" },
            key: "backend.subscriptionId",
            message: /a GUID/,
        },
        {
            name: "tenant not a GUID",
            backend: { tenantId: "contoso.onmicrosoft.com" },
            key: "backend.tenantId",
            message: /a GUID/,
        },
        {
            name: "neither AKS nor issuer",
            backend: { oidcIssuerUrl: undefined },
            key: "backend.aks",
            message: /set the AKS cluster/,
        },
        {
            name: "both AKS and issuer",
            backend: { aks: { name: "aks", resourceGroupName: "rg" } },
            key: "backend.oidcIssuerUrl",
            message: /either aks or oidcIssuerUrl/,
        },
        {
            name: "issuer over http",
            backend: { oidcIssuerUrl: "http://issuer.example.com/" },
            key: "backend.oidcIssuerUrl",
            message: /https:\/\//,
        },
        {
            name: "AKS name with a dot",
            backend: { oidcIssuerUrl: undefined, aks: { name: "aks.prod", resourceGroupName: "rg" } },
            key: "backend.aks.name",
            message: /AKS cluster name/,
        },
        {
            name: "vault name too long",
            backend: { keyVault: { name: "kv-this-name-is-far-too-long" } },
            key: "backend.keyVault.name",
            message: /3-24 letters/,
        },
        {
            name: "vault name with double dash",
            backend: { keyVault: { name: "kv--astro" } },
            key: "backend.keyVault.name",
            message: /no '--'/,
        },
        {
            name: "existing vault without a name",
            backend: { keyVault: { existing: true } },
            key: "backend.keyVault.name",
            message: /is required with keyVault.existing/,
        },
        {
            name: "prefix with an underscore",
            backend: { keyVault: { connectionsPrefix: "airflow_connections" } },
            key: "backend.keyVault.connectionsPrefix",
            message: /letters, digits and '-'/,
        },
        {
            name: "prefixes overlap",
            backend: { keyVault: { connectionsPrefix: "airflow", variablesPrefix: "airflow-variables" } },
            key: "backend.keyVault.variablesPrefix",
            message: /overlaps keyVault.connectionsPrefix/,
        },
        {
            name: "two ids, one secret name",
            backend: { keyVault: { connections: { my_conn: "a", "my-conn": "b" } } },
            key: 'backend.keyVault.connections["my-conn"]',
            message: /is stored as the secret 'airflow-connections-my-conn'/,
        },
        {
            name: "id too long for a secret name",
            backend: { keyVault: { variables: { ["v".repeat(120)]: "x" } } },
            key: `backend.keyVault.variables.${"v".repeat(120)}`,
            message: /not a Key Vault secret name/,
        },
        {
            name: "purge protection off in prod",
            backend: { keyVault: { purgeProtection: false } },
            change: (v) => (v.environment = "prod"),
            key: "backend.keyVault.purgeProtection",
            message: /refused in prod/,
        },
        {
            name: "retention out of range",
            backend: { keyVault: { softDeleteRetentionInDays: 3 } },
            key: "backend.keyVault.softDeleteRetentionInDays",
            message: /from 7 to 90/,
        },
        {
            name: "seededSecrets with nothing seeded",
            backend: { keyVault: { readScope: "seededSecrets" } },
            key: "backend.keyVault.readScope",
            message: /would let the agent read nothing/,
        },
        {
            name: "seededSecrets without the bundle's Git connection",
            backend: { keyVault: { readScope: "seededSecrets", variables: { a: "b" } } },
            change: (v) =>
                (v.dagBundles = [
                    {
                        type: "git",
                        name: "dags",
                        repoUrl: "https://github.com/o/r.git",
                        trackingRef: "main",
                        gitConnId: "git_dags",
                    },
                ]),
            key: "backend.keyVault.readScope",
            message: /needs connection 'git_dags'/,
        },
        {
            name: "account name with capitals",
            backend: { storage: { accountName: "AstroXcom" } },
            key: "backend.storage.accountName",
            message: /lower-case letters and digits/,
        },
        {
            name: "container name too short",
            backend: { storage: { containerName: "x" } },
            key: "backend.storage.containerName",
            message: /3-63 lower-case/,
        },
        {
            name: "prefix with a leading slash",
            backend: { storage: { prefix: "/xcom" } },
            key: "backend.storage.prefix",
            message: /without leading or trailing '\/'/,
        },
        {
            name: "connection id with a space",
            backend: { storage: { connectionId: "azure xcom" } },
            key: "backend.storage.connectionId",
            message: /contains a space/,
        },
        {
            name: "existing account without a name",
            backend: { storage: { existingAccount: true } },
            key: "backend.storage.accountName",
            message: /is required with storage.existingAccount/,
        },
        {
            name: "existing container in a created account",
            backend: { storage: { existingContainer: true } },
            key: "backend.storage.existingContainer",
            message: /existing account/,
        },
        {
            name: "CMK on an existing account",
            backend: {
                storage: {
                    existingAccount: true,
                    accountName: "corp",
                    customerManagedKey: {
                        keyVaultUri: "https://k.vault.azure.net/",
                        keyName: "k",
                        identityId: `/subscriptions/${SUB}/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`,
                    },
                },
            },
            key: "backend.storage.customerManagedKey",
            message: /not managed here/,
        },
        {
            name: "CMK identity is not an identity id",
            backend: {
                storage: {
                    customerManagedKey: {
                        keyVaultUri: "https://k.vault.azure.net/",
                        keyName: "k",
                        identityId: "id-cmk",
                    },
                },
            },
            key: "backend.storage.customerManagedKey.identityId",
            message: /userAssignedIdentities/,
        },
        {
            name: "IP rule malformed",
            backend: { storage: { networkRules: { ipRules: ["10.0.0.0/33"] } } },
            key: "backend.storage.networkRules.ipRules[0]",
            message: /IPv4 address or CIDR/,
        },
        {
            name: "subnet id malformed",
            backend: { keyVault: { networkRules: { subnetIds: ["nodes"] } } },
            key: "backend.keyVault.networkRules.subnetIds[0]",
            message: /subnet resource id/,
        },
        {
            name: "unknown key",
            backend: { storageAccount: "x" },
            key: "backend.storageAccount",
            message: /unknown key|not a setting/,
        },
        {
            name: "more ServiceAccounts than federated credentials",
            change: workers(18),
            key: "workers",
            message: /at most 20 federated credentials: remove at least 1 worker/,
        },
    ];

    it(`covers at least 15 Azure-specific bad configs (${cases.length})`, () => {
        assert.ok(cases.length >= 15);
    });

    for (const c of cases) {
        it(`${c.name} → ${c.key}`, () => {
            const values = azureValues(c.backend, c.change);
            if (values.environment === "prod") {
                values.agentTokenSecretName = "t";
                delete values.agentToken;
                values.imagePullSecretName = "p";
                delete values.imagePullCredentials;
            }
            const result = validateStackConfig(raw(values));
            assert.equal(result.ok, false);
            const match = result.problems.find((p) => p.key === c.key && c.message.test(p.message));
            assert.ok(
                match,
                `expected ${c.key} ~ ${String(c.message)}; got:\n${result.problems.map((p) => `  ${p.key}: ${p.message}`).join("\n")}`,
            );
        });
    }

    it("keyVault.permissionModel and taskLogs: every problem at once, each naming its key and what to set", () => {
        const problems = (backend: Values, change?: (v: Values) => void) => {
            const result = validateStackConfig(raw(azureValues(backend, change)));
            return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
        };
        assert.deepEqual(
            problems({
                keyVault: { permissionModel: "accessPolicy", readScope: "seededSecrets", connections: { a: "x" } },
                taskLogs: { enabled: true, prefix: "xcom/logs" },
            }),
            [
                "backend.keyVault.permissionModel: a vault created here uses Azure RBAC: set keyVault.existing: true (with keyVault.name) to adopt a vault that uses access policies, or set permissionModel: rbac",
                "backend.keyVault.readScope: an access policy grants on the whole vault (it has no per-secret scope): set readScope: vault, or set permissionModel: rbac if the vault uses Azure RBAC",
                "backend.taskLogs.prefix: overlaps backend.storage.prefix ('xcom'): task logs and XCom share the container, so set a prefix of their own, for example logs",
            ],
        );
        const handWritten = (v: Values) => {
            v.commonEnv = [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "wasb-airflow-logs" }];
            v.workers = [
                {
                    name: "default",
                    queues: ["default"],
                    env: [{ name: "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER", value: "wasb://elsewhere" }],
                },
            ];
        };
        const outside =
            "is outside what the azure backend grants (the identity may write only the XCom container, backend.storage.containerName): set backend.taskLogs.enabled: true instead (task logs go to wasb://<backend.taskLogs.prefix> in that container, with a lifecycle rule) and remove this entry";
        assert.deepEqual(problems({}, handWritten), [
            `commonEnv[0].name: ${outside}`,
            `workers[0].env[0].name: ${outside}`,
        ]);
        assert.deepEqual(
            problems({ taskLogs: { enabled: true } }, (v) => {
                v.commonEnv = [{ name: "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID", value: "wasb_default" }];
            }),
            [
                "commonEnv[0].name: 'AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID' is also set by the azure backend (from backend.taskLogs); remove it here, the backend's value is used",
            ],
        );
        // An existing vault with access policies needs no readScope: the policy is vault-wide.
        assert.deepEqual(
            problems({ keyVault: { existing: true, name: "kv-policy-aks", permissionModel: "accessPolicy" } }),
            [],
        );
    });

    it("accepts the documented good shapes, including 17 workers (20 ServiceAccounts with Sentinel)", () => {
        for (const [backend, change] of [
            [{}, undefined],
            [{ oidcIssuerUrl: undefined, aks: { name: "aks-prod", resourceGroupName: "rg-aks" } }, undefined],
            [{ keyVault: { existing: true, name: "kv-shared", readScope: "vault" } }, undefined],
            [{ keyVault: { existing: true, name: "kv-shared", connections: { git_default: "x" } } }, undefined],
            [{ storage: { existingAccount: true, existingContainer: true, accountName: "corpxcom" } }, undefined],
            [{}, workers(17)],
        ] as [Values, ((v: Values) => void) | undefined][]) {
            const result = validateStackConfig(raw(azureValues(backend, change)));
            assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
        }
    });
});

describe("Azure stores another team owns (backend.grants: none, readScope: listedSecrets)", () => {
    const owned: Values = {
        grants: "none",
        keyVault: {
            existing: true,
            name: "kv-shared",
            resourceGroupName: "rg-shared",
            connectionsPrefix: "team-a-connections",
            readScope: "listedSecrets",
            readSecrets: { connections: ["git_repo"], variables: ["env_name"] },
        },
        storage: {
            existingAccount: true,
            existingContainer: true,
            accountName: "corpxcom",
            resourceGroupName: "rg-data",
        },
    };
    const SHARED_VAULT = `/subscriptions/${SUB}/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-shared`;
    const CORP_CONTAINER = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/corpxcom/blobServices/default/containers/xcom`;
    const problems = (backend: Values) => {
        const result = validateStackConfig(raw(azureValues(backend)));
        return result.ok ? [] : result.problems.map((p) => `${p.key}: ${p.message}`);
    };
    async function deployWithOutputs(values: Values) {
        const result = await runUnderMocks({
            project: PROJECT,
            stack: "test",
            config: {},
            program: () => {
                const agent = new RemoteExecutionAgent(
                    "agent",
                    values as ConstructorParameters<typeof RemoteExecutionAgent>[1],
                );
                return { ...agent.backendOutputs };
            },
        });
        return { resources: result.resources, outputs: await resolvedOutputs(result.outputs) };
    }

    it("listedSecrets: one Key Vault Secrets User assignment per listed secret, on the secret's own scope", async () => {
        const rs = await deploy(azureValues({ ...owned, grants: "create" }));
        assert.deepEqual(
            byType(rs, "azure-native:authorization:RoleAssignment").map((g) => [
                g.name,
                g.inputs.scope,
                g.inputs.roleDefinitionId,
            ]),
            [
                [
                    "agent-azure-secret-access-team-a-connections-git-repo",
                    `${SHARED_VAULT}/secrets/team-a-connections-git-repo`,
                    roleDef(BUILTIN_ROLES.keyVaultSecretsUser),
                ],
                [
                    "agent-azure-secret-access-airflow-variables-env-name",
                    `${SHARED_VAULT}/secrets/airflow-variables-env-name`,
                    roleDef(BUILTIN_ROLES.keyVaultSecretsUser),
                ],
                ["agent-azure-xcom-access", CORP_CONTAINER, roleDef(BUILTIN_ROLES.storageBlobDataContributor)],
            ],
        );
        assert.equal(byType(rs, "azure-native:keyvault:Secret").length, 0);
    });

    it("grants: none creates the identity and its federated credentials only, and outputs what the owner grants", async () => {
        const { resources: rs, outputs } = await deployWithOutputs(azureValues(owned));
        const azure = rs.filter(
            (r) => r.type.includes("azure-native") || r.type === "astro-remote-agent:index:AzureBackend",
        );
        assert.deepEqual(
            azure.map((r) => [r.type, r.name, r.parent]).sort(),
            [
                ["astro-remote-agent:index:AzureBackend", "agent-azure", "agent"],
                ["pulumi:providers:azure-native", "agent-azure-provider", "agent-azure"],
                ["azure-native:managedidentity:UserAssignedIdentity", "agent-azure-identity", "agent-azure"],
                ...SLUGS.map((s) => [
                    "azure-native:managedidentity:FederatedIdentityCredential",
                    `agent-azure-federation-${s}`,
                    "agent-azure",
                ]),
            ].sort(),
        );
        const doc = JSON.parse(String(outputs.ownerGrants)) as {
            grantee: unknown;
            roleAssignments: { name: string; roleName: string; roleDefinitionId: string; scope: string }[];
            accessPolicies: unknown[];
        };
        assert.deepEqual(doc.grantee, { principalId: mockPrincipalId(IDENTITY), principalType: "ServicePrincipal" });
        assert.deepEqual(
            doc.roleAssignments.map((a) => [a.roleName, a.roleDefinitionId, a.scope]),
            [
                [
                    "Key Vault Secrets User",
                    roleDef("4633458b-17de-408a-b874-0445c86b69e6"),
                    `${SHARED_VAULT}/secrets/team-a-connections-git-repo`,
                ],
                [
                    "Key Vault Secrets User",
                    roleDef("4633458b-17de-408a-b874-0445c86b69e6"),
                    `${SHARED_VAULT}/secrets/airflow-variables-env-name`,
                ],
                ["Storage Blob Data Contributor", roleDef("ba92f5b4-2d11-453d-a403-e96b0029c9fe"), CORP_CONTAINER],
            ],
        );
        assert.deepEqual(doc.accessPolicies, []);
        // The names the program would have given them, so `grants: create` later adopts the same assignments.
        const created = await deploy(azureValues({ ...owned, grants: "create" }));
        assert.deepEqual(
            doc.roleAssignments.map((a) => a.name),
            byType(created, "azure-native:authorization:RoleAssignment").map((g) => g.inputs.roleAssignmentName),
        );
    });

    it("grants: none on a vault with access policies: the owner's document holds the get-only access policy", async () => {
        const { resources: rs, outputs } = await deployWithOutputs(
            azureValues({
                ...owned,
                keyVault: { existing: true, name: "kv-policy-aks", permissionModel: "accessPolicy" },
            }),
        );
        assert.equal(byType(rs, "azure-native:keyvault:AccessPolicy").length, 0);
        assert.equal(byType(rs, "azure-native:authorization:RoleAssignment").length, 0);
        const doc = JSON.parse(String(outputs.ownerGrants)) as { accessPolicies: unknown[] };
        assert.deepEqual(doc.accessPolicies, [
            {
                vaultName: "kv-policy-aks",
                resourceGroupName: RG,
                objectId: mockPrincipalId(IDENTITY),
                tenantId: TENANT,
                permissions: { secrets: ["get"], keys: [], certificates: [], storage: [] },
            },
        ]);
    });

    it("grants: create outputs no ownerGrants", async () => {
        const { outputs } = await deployWithOutputs(azureValues());
        assert.equal(outputs.ownerGrants, undefined);
    });

    it("grants: none with stores the program creates: every one refused at once, naming its key and the fix", () => {
        assert.deepEqual(problems({ grants: "none", keyVault: { connections: { git_repo: "x" } } }), [
            "backend.keyVault.existing: backend.grants: none leaves granting to the owner of existing stores, but the Key Vault is created by this program (which then owns it, so it grants on it): set keyVault.existing: true with keyVault.name, or set backend.grants: create",
            "backend.keyVault.connections: backend.grants: none leaves granting to the owner of existing stores, but each seeded secret (keyVault.connections, keyVault.variables) is created by this program (which then owns it, so it grants on it): have the vault's owner create them and list them in keyVault.readSecrets, or set backend.grants: create",
            "backend.storage.existingAccount: backend.grants: none leaves granting to the owner of existing stores, but the storage account is created by this program (which then owns it, so it grants on it): set storage.existingAccount: true with storage.accountName, or set backend.grants: create",
        ]);
        assert.deepEqual(problems({ ...owned, storage: { existingAccount: true, accountName: "corpxcom" } }), [
            "backend.storage.existingContainer: backend.grants: none leaves granting to the owner of existing stores, but the XCom container is created by this program (which then owns it, so it grants on it): set storage.existingContainer: true, or set backend.grants: create",
        ]);
        // An existing RBAC vault defaults to seededSecrets, and grants: none seeds nothing: the fix names listedSecrets.
        assert.deepEqual(problems({ ...owned, keyVault: { existing: true, name: "kv-shared" } }), [
            "backend.keyVault.readScope: 'seededSecrets' with no keyVault.connections or keyVault.variables would let the agent read nothing: seed them here, name existing ones with readScope: listedSecrets and keyVault.readSecrets, or set readScope 'vault' on a vault the agent owns",
        ]);
        assert.deepEqual(problems({ grants: "nobody" }), ["backend.grants: must be 'create' or 'none'"]);
        assert.deepEqual(problems(owned), []);
    });

    it("readScope listedSecrets and readSecrets: every problem at once, each naming its key and what to set", () => {
        assert.deepEqual(
            problems({
                keyVault: {
                    existing: true,
                    name: "kv-shared",
                    readScope: "seededSecrets",
                    connections: { a: "x" },
                    readSecrets: { connections: ["git_repo"] },
                },
            }),
            [
                "backend.keyVault.readSecrets: is only used with keyVault.readScope: listedSecrets (it is 'seededSecrets'): set readScope: listedSecrets, or remove keyVault.readSecrets",
            ],
        );
        assert.deepEqual(
            problems({
                keyVault: {
                    existing: true,
                    name: "kv-shared",
                    readScope: "listedSecrets",
                    readSecrets: { connections: ["git_repo", "git-repo"], variables: ["a.b"] },
                },
            }),
            [
                "backend.keyVault.readSecrets.connections[1]: is the secret 'airflow-connections-git-repo', like backend.keyVault.readSecrets.connections[0] (every '_' becomes '-'): list it once",
                "backend.keyVault.readSecrets.variables[0]: AzureKeyVaultBackend looks this variable key up as 'airflow-variables-a.b', which is not a Key Vault secret name (1-127 letters, digits and '-'): use letters, digits, '_' and '-' only, for example my_conn",
            ],
        );
        assert.deepEqual(problems({ keyVault: { existing: true, name: "kv-shared", readScope: "listedSecrets" } }), [
            "backend.keyVault.readScope: 'listedSecrets' with no keyVault.readSecrets and nothing seeded would let the agent read nothing: list them in keyVault.readSecrets.connections or keyVault.readSecrets.variables",
        ]);
        assert.deepEqual(
            problems({
                keyVault: {
                    existing: true,
                    name: "kv-policy-aks",
                    permissionModel: "accessPolicy",
                    readScope: "listedSecrets",
                    readSecrets: { connections: ["git_repo"] },
                },
            }),
            [
                "backend.keyVault.readScope: an access policy grants on the whole vault (it has no per-secret scope): set readScope: vault, or set permissionModel: rbac if the vault uses Azure RBAC",
            ],
        );
    });
});
