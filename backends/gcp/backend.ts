// The GCP backend as the registry sees it: schema, owned names and checks, without `@pulumi/gcp`.
// The component that creates its resources is components/backends/gcp (loaded on first use).
import { grantsNoneIssues, taskLogsEnvNames } from "../shared";
import type { AgentBackend } from "../types";
import { gcpCreatedStores } from "./ownerGrants";
import { gcpBackendSchema, validateGcpBackend } from "./schema";

/** The ServiceAccount annotation of identity `serviceAccount` (impersonating a Google service account). */
export const GKE_SERVICE_ACCOUNT_ANNOTATION = "iam.gke.io/gcp-service-account";

export const gcpBackend: AgentBackend<typeof gcpBackendSchema> = {
    kind: "gcp",
    schema: gcpBackendSchema,
    summary:
        "GCP Secret Manager (optionally seeded from secret config), a GCS XCom bucket (uniform access, public access prevention, lifecycle on the prefix, optional CMEK) and Workload Identity Federation for GKE binding exactly the agent's ServiceAccounts, with grants conditioned to the secret and XCom (and task log) prefixes.",
    envNames: (backend) => taskLogsEnvNames(backend.taskLogs),
    serviceAccountAnnotationKeys: (backend) =>
        backend.identity === "serviceAccount"
            ? [{ name: GKE_SERVICE_ACCOUNT_ANNOTATION, setBy: ["backend", "identity"] }]
            : [],
    identityMetadataKeys: [GKE_SERVICE_ACCOUNT_ANNOTATION],
    validate: (backend, view) => [
        ...validateGcpBackend(backend, view),
        ...grantsNoneIssues(backend.grants, gcpCreatedStores(backend)),
    ],
};
