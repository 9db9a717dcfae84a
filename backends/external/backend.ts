// External backend ("bring your own"): the user names the secrets backend class, its kwargs and the
// XCom path of stores they already run; the program only wires them into the chart
// (components/backends/external turns the block into the chart's values).
import type { AgentBackend, BackendIssue } from "../types";
import { ownedAnnotationKeys } from "../shared/identity";
import { CREDENTIAL_KWARGS, externalBackendSchema } from "./schema";

export const externalBackend: AgentBackend<typeof externalBackendSchema> = {
    kind: "external",
    schema: externalBackendSchema,
    summary:
        "Bring your own: secrets backend class + kwargs and XCom path of stores you already run; nothing is created.",
    envNames: (backend) => backend.env.map((e, i) => ({ name: e.name, setBy: ["backend", "env", i, "name"] })),
    serviceAccountAnnotationKeys: (backend) => ownedAnnotationKeys(backend.serviceAccountAnnotations),
    validate(backend) {
        const issues: BackendIssue[] = [];
        for (const key of Object.keys(backend.secretBackendKwargs)) {
            if (CREDENTIAL_KWARGS.includes(key)) {
                issues.push({
                    path: ["backend", "secretBackendKwargs", key],
                    message:
                        "must not hold credentials: chart values are stored in plain text in Helm's release Secret and in Pulumi state; authenticate with workload identity or a mounted token file instead",
                });
            }
        }
        return issues;
    },
};
