// IAM documents for the AWS backend, as pure functions of plain strings: tested whole, and the only
// place ARNs are derived from the prefixes that also go into the backend kwargs.
import { serviceAccountSubject } from "../shared/identity";

/** An IAM policy document. */
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Record<string, unknown>[];
}

/** `https://oidc.eks.eu-west-1.amazonaws.com/id/ABC` → `oidc.eks.eu-west-1.amazonaws.com/id/ABC` (the condition-key form). */
export function issuerHostPath(issuerUrl: string): string {
    return issuerUrl.replace(/^https:\/\//, "").replace(/\/+$/, "");
}

export { serviceAccountSubject };

/**
 * IRSA trust: only tokens from this cluster's OIDC provider, for exactly these ServiceAccounts, with
 * the STS audience. `StringEquals` with the full list: no wildcards.
 */
export function irsaTrustPolicy(
    oidcProviderArn: string,
    issuerUrl: string,
    namespace: string,
    serviceAccounts: string[],
): PolicyDocument {
    const issuer = issuerHostPath(issuerUrl);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AgentServiceAccountsViaIrsa",
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: serviceAccounts.map((sa) => serviceAccountSubject(namespace, sa)),
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * EKS Pod Identity trust: the Pod Identity service, which tags the session; which ServiceAccounts may
 * use the role is decided by one PodIdentityAssociation per ServiceAccount.
 */
export function podIdentityTrustPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AgentServiceAccountsViaPodIdentity",
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
            },
        ],
    };
}

/** Inputs of {@link agentAccessPolicy}: everything already resolved to plain strings. */
export interface AccessPolicyInput {
    partition: string;
    region: string;
    accountId: string;
    /** Secrets Manager prefixes the backend reads (connections, variables, and config when enabled). */
    secretPrefixes: string[];
    bucket: string;
    xcomPrefix: string;
    /** Customer-managed KMS key ARN, when one encrypts the secrets or the bucket. */
    kmsKeyArn?: string | undefined;
}

/** ARN pattern of every secret under a prefix (names get a random 6-character suffix, hence `/*`). */
export function secretPrefixArn(partition: string, region: string, accountId: string, prefix: string): string {
    return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${prefix}/*`;
}

/**
 * The agent role's permissions, least privilege:
 * - `secretsmanager:GetSecretValue` (the only call SecretsManagerBackend makes) and `DescribeSecret`
 *   on exactly the prefixes in the backend kwargs; no `ListSecrets` (not resource-scopable, not needed);
 * - `s3:ListBucket` on the XCom bucket, limited to the XCom prefix;
 * - `s3:GetObject`, `PutObject`, `DeleteObject` (XCom purge unlinks) on `bucket/prefix/*` only;
 * - with a customer key: `kms:Decrypt` (read secrets and objects) and `kms:GenerateDataKey` (write
 *   SSE-KMS objects) on that key only.
 */
export function agentAccessPolicy(p: AccessPolicyInput): PolicyDocument {
    const bucketArn = `arn:${p.partition}:s3:::${p.bucket}`;
    const statements: Record<string, unknown>[] = [
        {
            Sid: "ReadAirflowSecrets",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: p.secretPrefixes.map((prefix) => secretPrefixArn(p.partition, p.region, p.accountId, prefix)),
        },
        {
            Sid: "ListXComPrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucketArn,
            Condition: { StringLike: { "s3:prefix": [p.xcomPrefix, `${p.xcomPrefix}/*`] } },
        },
        {
            Sid: "ReadWriteXComObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: `${bucketArn}/${p.xcomPrefix}/*`,
        },
    ];
    if (p.kmsKeyArn !== undefined) {
        statements.push({
            Sid: "UseCustomerManagedKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: p.kmsKeyArn,
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** Bucket policy: refuse any request not made over TLS. */
export function denyInsecureTransportPolicy(partition: string, bucket: string): PolicyDocument {
    const bucketArn = `arn:${partition}:s3:::${bucket}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}
