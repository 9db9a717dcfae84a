// The Vault backend as the registry sees it: schema, owned names, volumes and checks, without
// `@pulumi/vault`. The component that creates its resources is components/backends/vault (loaded on
// first use).
import { grantsNoneIssues, ownedAnnotationKeys, TASK_LOG_ENV, taskLogsEnvNames } from "../shared";
import type { AgentBackend } from "../types";
import { vaultCreatedStores } from "./ownerGrants";
import { VAULT_RISKS, vaultWeakenings } from "./risks";
import { validateVaultBackend, vaultBackendSchema } from "./schema";

/** Volume of the projected ServiceAccount token the agent logs in with. */
export const TOKEN_VOLUME = "vault-token";
/** Volume of the CA bundle (with `tls`). */
export const CA_VOLUME = "vault-ca";

export const vaultBackend: AgentBackend<typeof vaultBackendSchema> = {
    kind: "vault",
    schema: vaultBackendSchema,
    volumeNames: [TOKEN_VOLUME, CA_VOLUME],
    summary:
        "HashiCorp Vault / OpenBao KV v2 (optionally seeded from secret config) with Kubernetes auth: a role bound to exactly the agent's ServiceAccounts and token audience, read on exactly its paths; XCom in a store you name.",
    clusterIdentity: {
        keys: ["auth"],
        example: { auth: { mount: "kubernetes-dr", createMount: { kubernetesHost: "https://dr.example.com:6443" } } },
    },
    envNames: (backend) => taskLogsEnvNames(backend.taskLogs, TASK_LOG_ENV),
    serviceAccountAnnotationKeys: (backend) => ownedAnnotationKeys(backend.serviceAccountAnnotations),
    risks: VAULT_RISKS,
    weakenings: vaultWeakenings,
    validate: (backend) => [
        ...validateVaultBackend(backend),
        ...grantsNoneIssues(backend.grants, vaultCreatedStores(backend)),
    ],
};
