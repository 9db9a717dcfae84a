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

/** `arn:<partition>:eks:<region>:<account>:cluster/<name>`: the value Pod Identity puts in the `eks-cluster-arn` session tag. */
export function eksClusterArn(partition: string, region: string, accountId: string, clusterName: string): string {
    return `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}`;
}

/** Where the Pod Identity trust applies: the cluster, and the account the agent pods run in. */
export interface PodIdentityTrustInput {
    accountId: string;
    clusterArn: string;
    namespace: string;
    serviceAccounts: string[];
}

/**
 * EKS Pod Identity trust: the Pod Identity service (`sts:AssumeRole`, and `sts:TagSession` because it
 * tags every session), only from this account (`aws:SourceAccount`) and only for sessions it tags with
 * this cluster, this namespace and one of these ServiceAccounts (the `eks-cluster-arn`,
 * `kubernetes-namespace` and `kubernetes-service-account` session tags, which the associations keep
 * enabled). Without the conditions any association in the account could hand out this role.
 */
export function podIdentityTrustPolicy(p: PodIdentityTrustInput): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AgentServiceAccountsViaPodIdentity",
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Condition: {
                    StringEquals: {
                        "aws:SourceAccount": p.accountId,
                        "aws:RequestTag/eks-cluster-arn": p.clusterArn,
                        "aws:RequestTag/kubernetes-namespace": p.namespace,
                        "aws:RequestTag/kubernetes-service-account": p.serviceAccounts,
                    },
                },
            },
        ],
    };
}

/** Access to an extra prefix of the agent's bucket: read (`s3:GetObject`) or read, write and delete. */
export interface ExtraPrefixGrant {
    prefix: string;
    access: "read" | "readWrite";
}

/** Inputs of {@link agentAccessPolicy}: everything already resolved to plain strings. */
export interface AccessPolicyInput {
    partition: string;
    /** DNS suffix of the partition (`amazonaws.com`), for `kms:ViaService`. */
    dnsSuffix: string;
    region: string;
    accountId: string;
    /** Secrets Manager prefixes the backend reads (connections, variables, and config when enabled). */
    secretPrefixes: string[];
    bucket: string;
    xcomPrefix: string;
    /** Prefix of remote task logs (S3 remote logging), when enabled. */
    taskLogsPrefix?: string | undefined;
    /** The task logs' own bucket (`taskLogs.bucket`); unset = `bucket`. */
    taskLogsBucket?: string | undefined;
    /** Further prefixes of the bucket the role may use. */
    extraPrefixes?: ExtraPrefixGrant[] | undefined;
    /** Customer-managed KMS key ARN, when one encrypts the secrets or the bucket. */
    kmsKeyArn?: string | undefined;
}

/** ARN pattern of every secret under a prefix (names get a random 6-character suffix, hence `/*`). */
export function secretPrefixArn(partition: string, region: string, accountId: string, prefix: string): string {
    return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${prefix}/*`;
}

const one = (items: string[]): string | string[] => (items.length === 1 ? (items[0] as string) : items);

/**
 * The agent role's permissions: exactly what the agent's Airflow code calls, each proven by the
 * recorded-call test (tests/airflow/test_aws_permissions.py), which fails when one is missing or unused:
 *
 * - `secretsmanager:GetSecretValue` on the prefixes in the backend kwargs (the only call
 *   SecretsManagerBackend makes; no `DescribeSecret`, no `ListSecrets`);
 * - `s3:ListBucket` on the bucket, without an `s3:prefix` condition: s3fs checks the bucket with
 *   HeadBucket before every XCom write, and S3 answers a read of a missing key (the `exists()` check on
 *   each new XCom path) with 404 instead of 403 only to callers who may list the bucket; neither request
 *   carries a prefix. Listing shows key names, never contents;
 * - `s3:GetObject`, `s3:PutObject`, `s3:DeleteObject` on `<bucket>/<xcomPrefix>/*` (pull, push incl.
 *   multipart, purge);
 * - task logs: `s3:GetObject` and `s3:PutObject` on `<bucket>/<taskLogsPrefix>/*` (S3RemoteLogIO
 *   reads the existing log, appends and rewrites it; it never deletes); in their own bucket, those on
 *   `<taskLogsBucket>/<taskLogsPrefix>/*` and that bucket in `s3:ListBucket` too (the first read of a
 *   log is a HeadObject of a missing key, 404 only to a caller who may list);
 * - extra prefixes: `s3:GetObject` (read) or also `PutObject`/`DeleteObject` (readWrite);
 * - with a customer key only: `kms:Decrypt` through S3 (GetObject, UploadPart) and Secrets Manager
 *   (GetSecretValue), `kms:GenerateDataKey` through S3 (PutObject, CreateMultipartUpload), both
 *   limited by `kms:ViaService` so the key cannot be used directly.
 */
export function agentAccessPolicy(p: AccessPolicyInput): PolicyDocument {
    const arn = (bucket: string) => `arn:${p.partition}:s3:::${bucket}`;
    const bucketArn = arn(p.bucket);
    const objects = (prefix: string) => `${bucketArn}/${prefix}/*`;
    const logsBucket = p.taskLogsPrefix === undefined ? undefined : p.taskLogsBucket;
    const listed = logsBucket === undefined ? [bucketArn] : [bucketArn, arn(logsBucket)];
    const extras = p.extraPrefixes ?? [];
    const extraRead = extras.filter((e) => e.access === "read").map((e) => objects(e.prefix));
    const extraReadWrite = extras.filter((e) => e.access === "readWrite").map((e) => objects(e.prefix));
    const via = (service: string) => `${service}.${p.region}.${p.dnsSuffix}`;
    const statements: Record<string, unknown>[] = [
        {
            Sid: "ReadAirflowSecrets",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: p.secretPrefixes.map((prefix) => secretPrefixArn(p.partition, p.region, p.accountId, prefix)),
        },
        {
            Sid: "ListAgentBucket",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: one(listed),
        },
        {
            Sid: "ReadWriteXComObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: objects(p.xcomPrefix),
        },
    ];
    if (p.taskLogsPrefix !== undefined) {
        statements.push({
            Sid: "ReadWriteTaskLogs",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: logsBucket === undefined ? objects(p.taskLogsPrefix) : `${arn(logsBucket)}/${p.taskLogsPrefix}/*`,
        });
    }
    if (extraRead.length > 0) {
        statements.push({
            Sid: "ReadExtraPrefixes",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: one(extraRead),
        });
    }
    if (extraReadWrite.length > 0) {
        statements.push({
            Sid: "ReadWriteExtraPrefixes",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: one(extraReadWrite),
        });
    }
    if (p.kmsKeyArn !== undefined) {
        statements.push(
            {
                Sid: "DecryptThroughS3AndSecretsManager",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: p.kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": [via("s3"), via("secretsmanager")] } },
            },
            {
                Sid: "EncryptThroughS3",
                Effect: "Allow",
                Action: "kms:GenerateDataKey",
                Resource: p.kmsKeyArn,
                Condition: { StringEquals: { "kms:ViaService": via("s3") } },
            },
        );
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
