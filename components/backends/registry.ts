// The backends this program knows. Adding one: a folder exporting an AgentBackend, and a line here.
import { z } from "zod";
import { awsBackend } from "./aws";
import { externalBackend } from "./external";
import { localBackend } from "./local";
import type { AgentBackend } from "./types";
import { vaultBackend } from "./vault";

/** Implemented backends, by `backend.kind`. */
export const backends = [localBackend, externalBackend, awsBackend, vaultBackend] as const;

/** Kinds that are planned but not built yet: they get a clear error instead of a crash. */
export const PLANNED_BACKEND_KINDS = ["azure", "gcp"] as const;

function plannedSchema(kind: (typeof PLANNED_BACKEND_KINDS)[number]) {
    return z.looseObject({ kind: z.literal(kind) }).superRefine((_v, ctx) => {
        ctx.addIssue({
            code: "custom",
            path: ["kind"],
            message: `'${kind}' is not implemented yet; use 'local' (dev) or 'external' with the ${kind} secrets backend class, kwargs and XCom path`,
        });
    });
}

const implementedKinds = backends.map((b) => b.kind);

/** The `backend` config block: one branch per backend, selected by `kind`. */
export const backendSchema = z.discriminatedUnion(
    "kind",
    [
        localBackend.schema,
        externalBackend.schema,
        awsBackend.schema,
        vaultBackend.schema,
        ...PLANNED_BACKEND_KINDS.map(plannedSchema),
    ],
    {
        error: () =>
            `must be one of ${implementedKinds.map((k) => `'${k}'`).join(", ")} (planned: ${PLANNED_BACKEND_KINDS.join(", ")})`,
    },
);
export type BackendConfig = z.output<typeof backendSchema>;

/** The backend implementation for a parsed `backend` block. */
export function backendFor(kind: string): AgentBackend | undefined {
    return (backends as readonly AgentBackend[]).find((b) => b.kind === kind);
}
