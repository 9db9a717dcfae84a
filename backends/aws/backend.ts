// The AWS backend as the registry sees it: schema, owned names and checks, without `@pulumi/aws`.
// The component that creates its resources is components/backends/aws (loaded on first use).
import type { AgentBackend } from "../types";
import { awsBackendSchema, validateAwsBackend, validateAwsFleet } from "./schema";

export const awsBackend: AgentBackend<typeof awsBackendSchema> = {
    kind: "aws",
    schema: awsBackendSchema,
    summary:
        "AWS Secrets Manager (optionally seeded from secret config), a private encrypted S3 XCom bucket with lifecycle expiry, and one IAM role bound by IRSA or EKS Pod Identity to exactly the agent's ServiceAccounts.",
    clusterIdentity: {
        keys: ["eksClusterName", "eksClusterArn", "oidcProvider"],
        example: { eksClusterName: "dr-cluster" },
    },
    envNames: (backend) => [
        ...["AWS_DEFAULT_REGION", "AWS_REGION"].map((name) => ({ name, setBy: ["backend", "region"] })),
        ...(backend.taskLogs.enabled
            ? ["AIRFLOW__LOGGING__REMOTE_LOGGING", "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER"].map((name) => ({
                  name,
                  setBy: ["backend", "taskLogs"],
              }))
            : []),
    ],
    serviceAccountAnnotationKeys: (backend) =>
        backend.identity === "irsa" ? [{ name: "eks.amazonaws.com/role-arn", setBy: ["backend", "identity"] }] : [],
    validate: (backend, view) => validateAwsBackend(backend, view.environment),
    validateFleet: validateAwsFleet,
};
