// `backend.grants: none` on AWS: which stores the config makes the program create (refused then), and
// the document the owner applies: the role's inline policy, exactly as `grants: create` attaches it.
import type { CreatedStore } from "../shared/grants";
import type { PolicyDocument } from "./policies";
import type { AwsBackendConfig } from "./schema";

/** The name of the role's inline policy (the same whether the program or the owner attaches it). */
export const ACCESS_POLICY_NAME = "airflow-secrets-and-xcom";

/** What this config makes the program create among the stores. */
export function awsCreatedStores(cfg: AwsBackendConfig): CreatedStore[] {
    const sm = cfg.secretsManager;
    const seeded = Object.keys(sm.connections).length > 0 ? "connections" : "variables";
    return [
        ...(cfg.xcom.existingBucket
            ? []
            : [
                  {
                      path: ["xcom", "existingBucket"],
                      what: "the XCom bucket",
                      instead: "set xcom.existingBucket: true with xcom.bucketName",
                  },
              ]),
        ...(cfg.taskLogs.enabled && cfg.taskLogs.bucket !== undefined && !cfg.taskLogs.bucket.existingBucket
            ? [
                  {
                      path: ["taskLogs", "bucket", "existingBucket"],
                      what: "the task-log bucket",
                      instead: "set taskLogs.bucket.existingBucket: true with taskLogs.bucket.bucketName",
                  },
              ]
            : []),
        ...(Object.keys(sm.connections).length + Object.keys(sm.variables).length > 0
            ? [
                  {
                      path: ["secretsManager", seeded],
                      what: "each seeded secret (secretsManager.connections, secretsManager.variables)",
                      instead: "have the owner create them under secretsManager.connectionsPrefix and variablesPrefix",
                  },
              ]
            : []),
        ...(cfg.encryption.kind === "createKey"
            ? [
                  {
                      path: ["encryption", "kind"],
                      what: "the KMS key",
                      instead: "set encryption.kind: existingKey with encryption.keyArn (or awsManaged)",
                  },
              ]
            : []),
    ];
}

/**
 * The `ownerGrants` document: attach `policy` to the role as the inline policy `policyName`
 * (`aws iam put-role-policy --role-name <roleName> --policy-name <policyName> --policy-document <policy>`),
 * or grant the same actions on the same resources to `roleArn` in the stores' resource policies.
 */
export function awsOwnerGrants(p: {
    roleArn: string;
    roleName: string;
    policy: PolicyDocument;
}): Record<string, unknown> {
    return { roleArn: p.roleArn, roleName: p.roleName, policyName: ACCESS_POLICY_NAME, policy: p.policy };
}
