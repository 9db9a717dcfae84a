// The backends this program knows. Adding one: a folder here whose `backend.ts` exports an AgentBackend
// (schema, owned names, checks: no SDK), a line here, and its component under components/backends/ with
// a factory in components/backends/create.ts. Validating any config loads no cloud SDK, and running a
// stack loads only the SDK of the backend it uses (tests/unit/lazy-sdk.test.ts).
import { z } from "zod";
import { awsBackend } from "./aws/backend";
import { azureBackend } from "./azure/backend";
import { externalBackend } from "./external/backend";
import { gcpBackend } from "./gcp/backend";
import { localBackend } from "./local/backend";
import type { AgentBackend } from "./types";
import { vaultBackend } from "./vault/backend";

/** Implemented backends, by `backend.kind`. */
export const backends = [localBackend, externalBackend, awsBackend, azureBackend, gcpBackend, vaultBackend] as const;

const implementedKinds = backends.map((b) => b.kind);

/** The `backend` config block: one branch per backend, selected by `kind`. */
export const backendSchema = z.discriminatedUnion(
    "kind",
    [
        localBackend.schema,
        externalBackend.schema,
        awsBackend.schema,
        azureBackend.schema,
        gcpBackend.schema,
        vaultBackend.schema,
    ],
    {
        error: () => `must be one of ${implementedKinds.map((k) => `'${k}'`).join(", ")}`,
    },
);
export type BackendConfig = z.output<typeof backendSchema>;

/** The backend implementation for a parsed `backend` block. */
export function backendFor(kind: BackendKind): AgentBackend {
    return BY_KIND[kind];
}

/** A `backend.kind` the schema admits. */
export type BackendKind = BackendConfig["kind"];

const BY_KIND = Object.fromEntries(backends.map((b) => [b.kind, b])) as unknown as Record<BackendKind, AgentBackend>;
