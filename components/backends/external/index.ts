// External backend ("bring your own"): nothing is created; the user's `backend` block is handed to the
// chart as it is (the descriptor and schema are in backends/external).
import type * as pulumi from "@pulumi/pulumi";
import type { ExternalBackendConfig } from "../../../backends/external/schema";
import type { BackendContribution } from "../../../backends/types";
import { namedStoreTaskLogsEnvInputs } from "../../../backends/shared/xcom";

export { externalBackend } from "../../../backends/external/backend";
export { externalBackendSchema, type ExternalBackendConfig } from "../../../backends/external/schema";

/** What the chart gets from an external backend block. */
export function externalContribution(backend: ExternalBackendConfig): BackendContribution {
    return {
        secretBackend: backend.secretBackend,
        secretBackendKwargs: backend.secretBackendKwargs,
        xcomBackend: backend.xcomBackend,
        xcomPath: backend.xcomPath,
        commonEnv: [...backend.env, ...namedStoreTaskLogsEnvInputs(backend.taskLogs, backend.xcomPath)],
        serviceAccountAnnotations: backend.serviceAccountAnnotations,
        podLabels: backend.podLabels,
        volumes: [],
        volumeMounts: [],
        dependsOn: [] as pulumi.Resource[],
    };
}
