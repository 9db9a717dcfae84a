// The policy pack's Azure, GCP and Vault rules, called directly with synthetic resources shaped like
// the ones the backends register: one passing case and the violating cases per rule, exact messages.
import * as assert from "node:assert/strict";
import { RETAIN_ON_DELETE_MARKER } from "../../components/retention";
import {
    agentPoliciesNoWildcardPolicy,
    identityTrustExactPolicy,
    objectStoragePrivateEncryptedPolicy,
    prodDataStoresRetainedPolicy,
} from "../../policy/policies";
import type { ResourceValidationPolicy } from "../../policy/lib/rules";
import { isWildcardVaultPath, vaultPolicyPaths } from "../../policy/rules/workloadIdentity";
import { AGENT, resourceArgs, resourceViolations, type Synthetic } from "../lib/policyHarness";

const AZURE = "astro-remote-agent:index:AzureBackend";
const GCP = "astro-remote-agent:index:GcpBackend";
const VAULT = "astro-remote-agent:index:VaultBackend";
const ACCOUNT = "azure-native:storage:StorageAccount";
const CONTAINER = "azure-native:storage:BlobContainer";
const FIC = "azure-native:managedidentity:FederatedIdentityCredential";
const ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const ACCESS_POLICY = "azure-native:keyvault:AccessPolicy";
const BUCKET = "gcp:storage/bucket:Bucket";
const PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember";
const BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
const SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember";
const KEY_MEMBER = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
const ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole";
const POLICY = "vault:index/policy:Policy";
const SUB = "/subscriptions/00000000-0000-0000-0000-00000000a5b1";
const ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/issuer-guid/";
const PRINCIPAL =
    "principal://iam.googleapis.com/projects/987654321098/locations/global/workloadIdentityPools/data-platform-prod.svc.id.goog/subject/ns/astro-agent/sa/astro-gke-worker-default";
const marked = { "managed-by": "pulumi", [RETAIN_ON_DELETE_MARKER]: "true" };

const r = (backend: string, type: string, props: Record<string, unknown>, name = "agent-store"): Synthetic => ({
    type,
    name,
    parents: [AGENT, backend],
    props,
});
const check = (policy: ResourceValidationPolicy, s: Synthetic) => resourceViolations(policy, resourceArgs(s));

/** The storage account the Azure backend creates (xcomStore.ts). */
const goodAccount = {
    accountName: "stastroagentxcomprod",
    kind: "StorageV2",
    enableHttpsTrafficOnly: true,
    minimumTlsVersion: "TLS1_2",
    allowBlobPublicAccess: false,
    allowSharedKeyAccess: false,
    encryption: { keySource: "Microsoft.Storage", services: { blob: { enabled: true, keyType: "Account" } } },
    tags: marked,
};
const goodBucket = {
    name: "astro-gke-xcom",
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    forceDestroy: false,
    labels: marked,
};

describe("policy pack: object-storage-private-encrypted (Azure Blob, GCS)", () => {
    it("passes the storage account, container and bucket the backends create", async () => {
        for (const s of [
            r(AZURE, ACCOUNT, goodAccount),
            r(AZURE, CONTAINER, { containerName: "xcom", publicAccess: "None" }),
            r(AZURE, CONTAINER, { containerName: "xcom" }),
            r(GCP, BUCKET, goodBucket),
        ]) {
            assert.deepEqual(await check(objectStoragePrivateEncryptedPolicy, s), [], s.type);
        }
    });

    it("refuses a storage account that can be opened, keyed into, or left unencrypted", async () => {
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                r(AZURE, ACCOUNT, {
                    ...goodAccount,
                    allowBlobPublicAccess: true,
                    allowSharedKeyAccess: undefined,
                    enableHttpsTrafficOnly: false,
                    minimumTlsVersion: "TLS1_0",
                    encryption: { keySource: "Microsoft.Storage", services: { blob: { enabled: false } } },
                }),
            ),
            [
                "storage account allowBlobPublicAccess must be false; otherwise a container can be made public",
                "storage account allowSharedKeyAccess must be false; an account key (or a SAS signed with it) bypasses the agent's identity",
                "storage account enableHttpsTrafficOnly is false; keep it true",
                "storage account minimumTlsVersion is 'TLS1_0'; use 'TLS1_2' or 'TLS1_3'",
                "storage account encryption.services.blob.enabled is false; keep blob encryption on",
            ],
        );
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                r(AZURE, ACCOUNT, { ...goodAccount, minimumTlsVersion: undefined }),
            ),
            ["storage account minimumTlsVersion is unset; use 'TLS1_2' or 'TLS1_3'"],
        );
    });

    it("refuses a public blob container", async () => {
        assert.deepEqual(
            await check(objectStoragePrivateEncryptedPolicy, r(AZURE, CONTAINER, { publicAccess: "Blob" })),
            ["blob container publicAccess is 'Blob'; keep it 'None'"],
        );
    });

    it("refuses a GCS bucket without public access prevention or with object ACLs", async () => {
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                r(GCP, BUCKET, { ...goodBucket, publicAccessPrevention: "inherited", uniformBucketLevelAccess: false }),
            ),
            [
                "GCS bucket publicAccessPrevention is 'inherited'; set it to 'enforced'",
                "GCS bucket uniformBucketLevelAccess must be true; otherwise object ACLs can make objects public",
            ],
        );
        assert.deepEqual(
            await check(objectStoragePrivateEncryptedPolicy, r(GCP, BUCKET, { uniformBucketLevelAccess: true })),
            ["GCS bucket publicAccessPrevention is unset; set it to 'enforced'"],
        );
    });
});

describe("policy pack: identity-trust-exact (Azure, GCP, Vault)", () => {
    const fic = {
        issuer: ISSUER,
        subject: "system:serviceaccount:astro-agent:astro-az-worker-default",
        audiences: ["api://AzureADTokenExchange"],
    };
    const role = {
        boundServiceAccountNames: ["astro-prod-worker-default", "astro-prod-triggerer"],
        boundServiceAccountNamespaces: ["astro-agent"],
        audience: "vault",
    };

    it("passes exact federated credentials, principals and Vault roles", async () => {
        for (const s of [
            r(AZURE, FIC, fic),
            r(GCP, PROJECT_MEMBER, { member: PRINCIPAL, role: "roles/secretmanager.secretAccessor" }),
            r(GCP, BUCKET_MEMBER, { member: PRINCIPAL, role: "projects/p/roles/astroXcom" }),
            r(GCP, SA_MEMBER, {
                member: "serviceAccount:data-platform-prod.svc.id.goog[astro-agent/astro-gke-worker-default]",
                role: "roles/iam.workloadIdentityUser",
            }),
            r(GCP, KEY_MEMBER, { member: "serviceAccount:service-1@gs-project-accounts.iam.gserviceaccount.com" }),
            r(VAULT, ROLE, role),
        ]) {
            assert.deepEqual(await check(identityTrustExactPolicy, s), [], s.type);
        }
    });

    it("refuses a federated credential with a wildcard subject, another audience or no exact issuer", async () => {
        assert.deepEqual(
            await check(
                identityTrustExactPolicy,
                r(AZURE, FIC, {
                    issuer: "https://*.oic.prod-aks.azure.com/",
                    subject: "system:serviceaccount:astro-agent:*",
                    audiences: ["api://AzureADTokenExchange", "sts.amazonaws.com"],
                }),
            ),
            [
                "federated credential subject 'system:serviceaccount:astro-agent:*' must name one ServiceAccount exactly (system:serviceaccount:<namespace>:<name>)",
                "federated credential audiences are [api://AzureADTokenExchange, sts.amazonaws.com]; pin them to exactly ['api://AzureADTokenExchange']",
                "federated credential issuer 'https://*.oic.prod-aks.azure.com/' must be the cluster's exact https OIDC issuer URL",
            ],
        );
        assert.deepEqual(await check(identityTrustExactPolicy, r(AZURE, FIC, { ...fic, subject: "astro-agent" })), [
            "federated credential subject 'astro-agent' must name one ServiceAccount exactly (system:serviceaccount:<namespace>:<name>)",
        ]);
    });

    it("refuses GCP members that stand for more than one workload", async () => {
        const set =
            "principalSet://iam.googleapis.com/projects/987654321098/locations/global/workloadIdentityPools/data-platform-prod.svc.id.goog/namespace/astro-agent";
        assert.deepEqual(await check(identityTrustExactPolicy, r(GCP, PROJECT_MEMBER, { member: set })), [
            `project IAM member '${set}' is a whole set of identities; grant to exact principals`,
        ]);
        assert.deepEqual(await check(identityTrustExactPolicy, r(GCP, BUCKET_MEMBER, { member: "allUsers" })), [
            "bucket IAM member 'allUsers' is everyone; grant to exact principals",
        ]);
        assert.deepEqual(
            await check(identityTrustExactPolicy, r(GCP, KEY_MEMBER, { member: "allAuthenticatedUsers" })),
            ["crypto key IAM member 'allAuthenticatedUsers' is everyone; grant to exact principals"],
        );
        assert.deepEqual(
            await check(
                identityTrustExactPolicy,
                r(GCP, SA_MEMBER, {
                    member: "serviceAccount:data-platform-prod.svc.id.goog[astro-agent/*]",
                    role: "roles/iam.workloadIdentityUser",
                }),
            ),
            [
                "service account IAM member 'serviceAccount:data-platform-prod.svc.id.goog[astro-agent/*]' is a wildcard; grant to exact principals",
            ],
        );
        assert.deepEqual(
            await check(
                identityTrustExactPolicy,
                r(GCP, SA_MEMBER, { member: "user:alice@example.com", role: "roles/iam.workloadIdentityUser" }),
            ),
            [
                "workload identity member 'user:alice@example.com' must name one Kubernetes ServiceAccount (serviceAccount:<project>.svc.id.goog[<namespace>/<name>])",
            ],
        );
    });

    it("refuses a Vault role with wildcard or missing bindings, or no audience", async () => {
        assert.deepEqual(
            await check(
                identityTrustExactPolicy,
                r(VAULT, ROLE, { boundServiceAccountNames: ["*"], boundServiceAccountNamespaces: ["astro-*"] }),
            ),
            [
                "Vault role boundServiceAccountNames '*' is a wildcard; name the ServiceAccount names exactly",
                "Vault role boundServiceAccountNamespaces 'astro-*' is a wildcard; name the namespaces exactly",
                "Vault role has no audience; pin the token audience (backend.auth.audience)",
            ],
        );
        assert.deepEqual(
            await check(identityTrustExactPolicy, r(VAULT, ROLE, { ...role, boundServiceAccountNamespaces: [] })),
            ["Vault role binds no namespaces (boundServiceAccountNamespaces); name them exactly"],
        );
    });
});

describe("policy pack: agent-policies-no-wildcard (Azure, GCP, Vault)", () => {
    const vaultHcl = (paths: string[]) => paths.map((p) => `path "${p}" {\n  capabilities = ["read"]\n}\n`).join("\n");

    it("passes grants on a vault, a container, conditioned GCP members and exact Vault paths", async () => {
        for (const s of [
            r(AZURE, ASSIGNMENT, { scope: `${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-agent` }),
            r(AZURE, ASSIGNMENT, {
                scope: `${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/xcom`,
            }),
            r(GCP, PROJECT_MEMBER, {
                member: PRINCIPAL,
                role: "roles/secretmanager.secretAccessor",
                condition: { title: "t", expression: 'resource.name.startsWith("projects/1/secrets/astro-")' },
            }),
            r(GCP, BUCKET_MEMBER, {
                member: PRINCIPAL,
                role: "projects/p/roles/astroXcom",
                condition: { title: "t", expression: 'resource.name.startsWith("projects/_/buckets/b/objects/xcom/")' },
            }),
            r(VAULT, POLICY, {
                policy: vaultHcl(["secret/data/astro/connections/*", "secret/data/astro/variables/*"]),
            }),
        ]) {
            assert.deepEqual(await check(agentPoliciesNoWildcardPolicy, s), [], s.type);
        }
    });

    it("refuses Azure role assignments on a subscription, resource group, management group or the root", async () => {
        const cases: [string, string][] = [
            [SUB, "a whole subscription"],
            [`${SUB}/resourceGroups/rg-agent`, "a whole resource group"],
            ["/providers/Microsoft.Management/managementGroups/platform", "a whole management group"],
            ["/", "the tenant root"],
        ];
        for (const [scope, what] of cases) {
            assert.deepEqual(await check(agentPoliciesNoWildcardPolicy, r(AZURE, ASSIGNMENT, { scope })), [
                `role assignment scope '${scope}' is ${what}; scope it to the key vault (or secret) and the blob container`,
            ]);
        }
    });

    it("a Key Vault access policy grants get on secrets only: list, set, keys, certificates and storage are refused", async () => {
        const policy = (permissions: Record<string, string[]>) =>
            r(AZURE, ACCESS_POLICY, {
                vaultName: "kv-policy-aks",
                resourceGroupName: "rg-shared",
                policy: { objectId: "principal", tenantId: "tenant", permissions },
            });
        assert.deepEqual(
            await check(
                agentPoliciesNoWildcardPolicy,
                policy({ secrets: ["get"], keys: [], certificates: [], storage: [] }),
            ),
            [],
        );
        assert.deepEqual(
            await check(
                agentPoliciesNoWildcardPolicy,
                policy({ secrets: ["Get", "List", "set"], keys: ["get"], certificates: ["get", "list"] }),
            ),
            [
                "key vault access policy grants secrets [get, list, set]; grant exactly ['get'] (the secrets backend reads each secret by name)",
                "key vault access policy grants keys [get]; grant none",
                "key vault access policy grants certificates [get, list]; grant none",
            ],
        );
        assert.deepEqual(await check(agentPoliciesNoWildcardPolicy, policy({ storage: ["get"] })), [
            "key vault access policy grants secrets []; grant exactly ['get'] (the secrets backend reads each secret by name)",
            "key vault access policy grants storage [get]; grant none",
        ]);
    });

    it("refuses GCP project and bucket grants without a condition", async () => {
        assert.deepEqual(
            await check(
                agentPoliciesNoWildcardPolicy,
                r(GCP, PROJECT_MEMBER, { member: PRINCIPAL, role: "roles/secretmanager.secretAccessor" }),
            ),
            [
                "project IAM member grants roles/secretmanager.secretAccessor without a condition; limit it to the agent's secret prefixes",
            ],
        );
        assert.deepEqual(
            await check(
                agentPoliciesNoWildcardPolicy,
                r(GCP, BUCKET_MEMBER, {
                    member: PRINCIPAL,
                    role: "roles/storage.objectUser",
                    condition: { expression: " " },
                }),
            ),
            [
                "bucket IAM member grants roles/storage.objectUser without a condition; limit it to the agent's object prefix",
            ],
        );
    });

    it("refuses Vault policy paths that cover a whole mount", async () => {
        assert.deepEqual(
            await check(
                agentPoliciesNoWildcardPolicy,
                r(VAULT, POLICY, { policy: vaultHcl(["secret/data/*", "*", "secret/+/*"]) }),
            ),
            [
                "Vault policy path 'secret/data/*' covers every secret of its mount; name the agent's paths",
                "Vault policy path '*' covers every secret of its mount; name the agent's paths",
                "Vault policy path 'secret/+/*' covers every secret of its mount; name the agent's paths",
            ],
        );
        assert.deepEqual(vaultPolicyPaths('# c\npath "a/data/x/*" {}\n  path "b/*" {}'), ["a/data/x/*", "b/*"]);
        assert.equal(isWildcardVaultPath("kv/metadata/*"), true);
        assert.equal(isWildcardVaultPath("kv/data/astro/*"), false);
    });
});

describe("policy pack: prod-data-stores-retained (Azure, GCP)", () => {
    it("passes marked stores", async () => {
        for (const s of [
            r(AZURE, ACCOUNT, goodAccount),
            r(AZURE, "azure-native:keyvault:Vault", { vaultName: "kv-agent", tags: marked }),
            r(AZURE, "azure-native:resources:ResourceGroup", { resourceGroupName: "rg-agent", tags: marked }),
            r(GCP, BUCKET, goodBucket),
            r(GCP, "gcp:kms/cryptoKey:CryptoKey", { name: "agent-data", labels: marked }),
        ]) {
            assert.deepEqual(await check(prodDataStoresRetainedPolicy, s), [], s.type);
        }
    });

    it("refuses unmarked stores, naming them, and a force-destroy GCS bucket", async () => {
        const gone = (what: string) =>
            `${what} is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it ${RETAIN_ON_DELETE_MARKER}: "true") or protect`;
        const cases: [Synthetic, string[]][] = [
            [r(AZURE, ACCOUNT, { ...goodAccount, tags: {} }), [gone("storage account 'stastroagentxcomprod'")]],
            [r(AZURE, "azure-native:keyvault:Vault", { vaultName: "kv-agent" }), [gone("key vault 'kv-agent'")]],
            [
                r(AZURE, "azure-native:resources:ResourceGroup", { resourceGroupName: "rg-agent", tags: {} }),
                [gone("resource group 'rg-agent'")],
            ],
            [
                r(GCP, BUCKET, { ...goodBucket, labels: {}, forceDestroy: true }),
                [
                    gone("GCS bucket 'astro-gke-xcom'"),
                    "GCS bucket 'astro-gke-xcom': forceDestroy: true would delete its objects with it; set it to false",
                ],
            ],
            [r(GCP, "gcp:kms/cryptoKey:CryptoKey", { name: "agent-data" }), [gone("KMS crypto key 'agent-data'")]],
        ];
        for (const [s, expected] of cases) {
            assert.deepEqual(await check(prodDataStoresRetainedPolicy, s), expected, s.type);
        }
    });
});
