// The GCP backend as the registry sees it: schema, owned names and checks, without `@pulumi/gcp`.
// `create` loads the component (./index.ts, which imports the SDK modules) on first use, so a stack
// with another backend never loads the GCP SDK.
import { cloudBackendArgs } from "../shared";
import type { AgentBackend } from "../types";
import { gcpBackendSchema, validateGcpBackend } from "./schema";

/** ./index.ts, required on first use (the registry stays free of cloud SDKs). */
function component(): typeof import("./index") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose: see the file comment
    return require("./index") as typeof import("./index");
}

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
    create(backend, ctx) {
        const { GcpBackend } = component();
        return new GcpBackend(`${ctx.name}-gcp`, cloudBackendArgs(backend, ctx), { parent: ctx.parent }).contribution;
    },
};
