// The GCP backend as the registry sees it: schema, owned names and checks, without `@pulumi/gcp`.
// `create` loads the component (./index.ts, which imports the SDK modules) on first use, so a stack
// with another backend never loads the GCP SDK.
import { cloudBackendArgs, deferredCreate } from "../shared";
import type { AgentBackend } from "../types";
import { gcpBackendSchema, validateGcpBackend } from "./schema";

export const gcpBackend: AgentBackend<typeof gcpBackendSchema> = {
    kind: "gcp",
    schema: gcpBackendSchema,
    summary:
        "GCP Secret Manager (optionally seeded from secret config), a GCS XCom bucket (uniform access, public access prevention, lifecycle on the prefix, optional CMEK) and Workload Identity Federation for GKE binding exactly the agent's ServiceAccounts, with grants conditioned to the secret and XCom prefixes.",
    envNames: () => [],
    serviceAccountAnnotationKeys: (backend) =>
        backend.identity === "serviceAccount"
            ? [{ name: "iam.gke.io/gcp-service-account", setBy: ["backend", "identity"] }]
            : [],
    validate: (backend, view) => validateGcpBackend(backend, view),
    create: deferredCreate(
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose: see the file comment
        () => require("./index") as typeof import("./index"),
        (m, backend, ctx) =>
            new m.GcpBackend(`${ctx.name}-gcp`, cloudBackendArgs(backend, ctx), { parent: ctx.parent }).contribution,
    ),
};
