// External backend ("bring your own"): the user names the secrets backend class, its kwargs and the
// XCom path of stores they already run; the program only wires them into the chart
// (components/backends/external turns the block into the chart's values).
// Credentials in `secretBackendKwargs` are judged by the secrecy rules like every other value
// (config/secrecy.ts): a `secure:` kwarg routes the whole kwargs JSON into a Kubernetes Secret, a
// credential in plain text is refused.
import type { AgentBackend } from "../types";
import { ownedAnnotationKeys } from "../shared/identity";
import { taskLogsEnvNames } from "../shared/taskLogs";
import { namedStoreTaskLogsIssues, TASK_LOG_ENV } from "../shared/xcom";
import { externalBackendSchema } from "./schema";

export const externalBackend: AgentBackend<typeof externalBackendSchema> = {
    kind: "external",
    schema: externalBackendSchema,
    summary:
        "Bring your own: secrets backend class + kwargs and XCom path of stores you already run; nothing is created.",
    envNames: (backend) => [
        ...backend.env.map((e, i) => ({ name: e.name, setBy: ["backend", "env", i, "name"] })),
        ...taskLogsEnvNames(backend.taskLogs, TASK_LOG_ENV),
    ],
    serviceAccountAnnotationKeys: (backend) => ownedAnnotationKeys(backend.serviceAccountAnnotations),
    validate: (backend) =>
        namedStoreTaskLogsIssues(backend.taskLogs, typeof backend.xcomPath === "string" ? backend.xcomPath : undefined),
};
