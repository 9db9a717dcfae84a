// The local backend as the registry sees it: schema, volumes and checks. The component that creates its
// Secret and XCom claim is components/backends/local.
import type { AgentBackend } from "../types";
import { localBackendSchema } from "./schema";

/** Volume of the connections and variables files. */
export const SECRETS_VOLUME = "local-secrets";
/** Volume of the XCom claim. */
export const XCOM_VOLUME = "local-xcom";

export const localBackend: AgentBackend<typeof localBackendSchema> = {
    kind: "local",
    schema: localBackendSchema,
    volumeNames: [SECRETS_VOLUME, XCOM_VOLUME],
    summary:
        "LocalFilesystemBackend with connections/variables from secret config in a mounted Secret; XCom on a `file://` PersistentVolumeClaim. Development only.",
    envNames: () => [],
    serviceAccountAnnotationKeys: () => [],
    validate(backend, view) {
        const issues = [];
        if (view.environment === "prod") {
            issues.push({
                path: ["backend", "kind"],
                message:
                    "'local' is for development only and is refused when environment is 'prod'; use 'external' (or a cloud backend)",
            });
        }
        for (const need of view.requiredConnections) {
            if (!(need.connId in backend.connections)) {
                issues.push({
                    path: need.path,
                    message: `connection '${need.connId}' is not defined; set it with pulumi config set --secret --path 'backend.connections.${need.connId}' '<connection JSON>'`,
                });
            }
        }
        return issues;
    },
};
