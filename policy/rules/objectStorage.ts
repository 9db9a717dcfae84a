// Object storage is private and encrypted. One rule per resource type: S3 (hardening lives in separate
// resources next to the bucket, so the stack policy also checks those companions exist), Azure Blob
// (settings inline on the storage account and container) and GCS (inline on the bucket; GCS encrypts
// every object at rest, with Google's key or the bucket's KMS key, so privacy is what can go wrong).
import type { PolicyResource } from "@pulumi/policy";
import type { ResourceRule, RulesByType } from "../lib/rules";
import { asList, asRecord, asString, jsonDocument } from "../lib/values";
import { publicAllowStatements } from "./iam";

export const S3_BUCKET = "aws:s3/bucket:Bucket";
export const S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
export const S3_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
export const S3_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
export const S3_ACL = "aws:s3/bucketAcl:BucketAcl";
export const S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const SSE_ALGORITHMS = ["aws:kms", "aws:kms:dsse", "AES256"];
const PUBLIC_GRANTEES = [
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];

const publicAccessBlock: ResourceRule = ({ props }) => {
    const off = PUBLIC_ACCESS_FLAGS.filter((flag) => props[flag] !== true);
    return off.length === 0
        ? []
        : [`S3 public access block must set ${off.join(", ")} to true; otherwise the bucket can be made public`];
};

const encryption: ResourceRule = ({ props }) => {
    const rules = asList(props.rules);
    if (rules.length === 0) {
        return ["S3 default encryption has no rule; set sseAlgorithm 'aws:kms' (or 'AES256')"];
    }
    return rules.flatMap((rule, i) => {
        const algorithm = asString(asRecord(asRecord(rule)?.applyServerSideEncryptionByDefault)?.sseAlgorithm);
        return algorithm !== undefined && SSE_ALGORITHMS.includes(algorithm)
            ? []
            : [
                  `S3 default encryption rule ${i} has sseAlgorithm ${algorithm === undefined ? "unset" : `'${algorithm}'`}; use one of ${SSE_ALGORITHMS.map((a) => `'${a}'`).join(", ")}`,
              ];
    });
};

const ownership: ResourceRule = ({ props }) => {
    const value = asString(asRecord(props.rule)?.objectOwnership);
    return value === "BucketOwnerEnforced"
        ? []
        : [
              `S3 object ownership is ${value === undefined ? "unset" : `'${value}'`}; use 'BucketOwnerEnforced' (ACLs disabled, so no ACL can make an object public)`,
          ];
};

/** Grants of an ACL (inline `grants` of a bucket, or `accessControlPolicy.grants` of a BucketAcl) to everyone. */
function publicGrants(grants: unknown): string[] {
    return asList(grants).flatMap((g) => {
        const grant = asRecord(g);
        const uri = asString(asRecord(grant?.grantee)?.uri) ?? asString(grant?.uri);
        return uri !== undefined && PUBLIC_GRANTEES.includes(uri) ? [uri.replace(/^.*\//, "")] : [];
    });
}

function aclProblems(acl: string | undefined, grants: unknown, what: string): string[] {
    const problems =
        acl === undefined || acl === "" || acl === "private" ? [] : [`${what} is '${acl}'; keep it 'private'`];
    const groups = publicGrants(grants);
    if (groups.length > 0) {
        problems.push(`${what} grants access to ${groups.join(", ")}; remove those grants`);
    }
    return problems;
}

const bucketAcl: ResourceRule = ({ props }) =>
    aclProblems(asString(props.acl), asRecord(props.accessControlPolicy)?.grants, "S3 bucket ACL");

function policyProblems(policy: unknown, what: string): string[] {
    return publicAllowStatements(jsonDocument(policy)).map(
        (sid) => `${what} statement ${sid} allows everyone (Principal '*') without a condition`,
    );
}

const bucketPolicy: ResourceRule = ({ props }) => policyProblems(props.policy, "S3 bucket policy");

/** The bucket's own (legacy inline) settings: no public ACL or grants, no website, no public inline policy. */
const bucket: ResourceRule = ({ props }) => [
    ...aclProblems(asString(props.acl), props.grants, "S3 bucket acl"),
    ...(props.website === undefined || props.website === null
        ? []
        : ["S3 bucket serves a public website (website); remove it"]),
    ...policyProblems(props.policy, "S3 bucket inline policy"),
];

export const AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
export const AZURE_BLOB_CONTAINER = "azure-native:storage:BlobContainer";
export const GCS_BUCKET = "gcp:storage/bucket:Bucket";

const TLS_VERSIONS = ["TLS1_2", "TLS1_3"];

/** The storage account: no anonymous blob access, no account-key access, HTTPS with TLS 1.2+, blob encryption on. */
const storageAccount: ResourceRule = ({ props }) => {
    const problems: string[] = [];
    if (props.allowBlobPublicAccess !== false) {
        problems.push("storage account allowBlobPublicAccess must be false; otherwise a container can be made public");
    }
    if (props.allowSharedKeyAccess !== false) {
        problems.push(
            "storage account allowSharedKeyAccess must be false; an account key (or a SAS signed with it) bypasses the agent's identity",
        );
    }
    if (props.enableHttpsTrafficOnly === false) {
        problems.push("storage account enableHttpsTrafficOnly is false; keep it true");
    }
    const tls = asString(props.minimumTlsVersion);
    if (tls === undefined || !TLS_VERSIONS.includes(tls)) {
        problems.push(
            `storage account minimumTlsVersion is ${tls === undefined ? "unset" : `'${tls}'`}; use 'TLS1_2' or 'TLS1_3'`,
        );
    }
    const encryption = asRecord(props.encryption);
    const blob = asRecord(asRecord(encryption?.services)?.blob);
    if (encryption !== undefined && blob?.enabled === false) {
        problems.push("storage account encryption.services.blob.enabled is false; keep blob encryption on");
    }
    return problems;
};

const blobContainer: ResourceRule = ({ props }) => {
    const access = asString(props.publicAccess);
    return access === undefined || access === "None"
        ? []
        : [`blob container publicAccess is '${access}'; keep it 'None'`];
};

/** The bucket: public access prevention enforced and uniform bucket-level access (no object ACLs). */
const gcsBucket: ResourceRule = ({ props }) => {
    const problems: string[] = [];
    const prevention = asString(props.publicAccessPrevention);
    if (prevention !== "enforced") {
        problems.push(
            `GCS bucket publicAccessPrevention is ${prevention === undefined ? "unset" : `'${prevention}'`}; set it to 'enforced'`,
        );
    }
    if (props.uniformBucketLevelAccess !== true) {
        problems.push(
            "GCS bucket uniformBucketLevelAccess must be true; otherwise object ACLs can make objects public",
        );
    }
    return problems;
};

/** Private and encrypted, by resource type. */
export const OBJECT_STORAGE_RULES: RulesByType = new Map<string, ResourceRule>([
    [S3_BUCKET, bucket],
    [S3_PUBLIC_ACCESS_BLOCK, publicAccessBlock],
    [S3_ENCRYPTION, encryption],
    [S3_OWNERSHIP, ownership],
    [S3_ACL, bucketAcl],
    [S3_POLICY, bucketPolicy],
    [AZURE_STORAGE_ACCOUNT, storageAccount],
    [AZURE_BLOB_CONTAINER, blobContainer],
    [GCS_BUCKET, gcsBucket],
]);

/** Stores whose privacy and encryption live in separate resources: which must exist next to each store. */
export const STORE_COMPANIONS: ReadonlyMap<string, { what: string; companions: { type: string; what: string }[] }> =
    new Map([
        [
            S3_BUCKET,
            {
                what: "S3 bucket",
                companions: [
                    { type: S3_PUBLIC_ACCESS_BLOCK, what: "public access block (aws.s3.BucketPublicAccessBlock)" },
                    {
                        type: S3_ENCRYPTION,
                        what: "default encryption (aws.s3.BucketServerSideEncryptionConfiguration)",
                    },
                    { type: S3_OWNERSHIP, what: "ACLs disabled (aws.s3.BucketOwnershipControls)" },
                ],
            },
        ],
    ]);

/** Whether `companion` belongs to `store`: its child, or built from it (e.g. `bucket: bucket.id`). */
function belongsTo(companion: PolicyResource, store: PolicyResource): boolean {
    return (
        companion.parent?.urn === store.urn ||
        companion.dependencies.some((d) => d.urn === store.urn) ||
        Object.values(companion.propertyDependencies).some((deps) => deps.some((d) => d.urn === store.urn))
    );
}

/** For each store in `resources`, the companions it lacks, as messages. */
export function missingCompanions(store: PolicyResource, resources: readonly PolicyResource[]): string[] {
    const spec = STORE_COMPANIONS.get(store.type);
    if (spec === undefined) {
        return [];
    }
    const missing = spec.companions.filter((c) => !resources.some((r) => r.type === c.type && belongsTo(r, store)));
    return missing.length === 0
        ? []
        : [`${spec.what} '${store.name}' has no ${missing.map((m) => m.what).join(", no ")}`];
}
