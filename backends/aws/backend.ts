// The AWS backend as the registry sees it: schema, owned names and checks, without `@pulumi/aws`.
// The component that creates its resources is components/backends/aws (loaded on first use).
import { grantsNoneIssues, taskLogsEnvNames } from "../shared";
import type { AgentBackend } from "../types";
import { awsCreatedStores } from "./ownerGrants";
import { AWS_RISKS, awsWeakenings } from "./risks";
import { awsBackendSchema, validateAwsBackend, validateAwsFleet } from "./schema";

/** The IRSA ServiceAccount annotation (EKS Pod Identity needs none). */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

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
        ...taskLogsEnvNames(backend.taskLogs),
    ],
    serviceAccountAnnotationKeys: (backend) =>
        backend.identity === "irsa" ? [{ name: IRSA_ROLE_ANNOTATION, setBy: ["backend", "identity"] }] : [],
    identityMetadataKeys: [IRSA_ROLE_ANNOTATION],
    risks: AWS_RISKS,
    weakenings: awsWeakenings,
    validate: (backend, view) => [
        ...validateAwsBackend(backend, view.environment, view.env),
        ...grantsNoneIssues(backend.grants, awsCreatedStores(backend)),
    ],
    validateFleet: validateAwsFleet,
};
