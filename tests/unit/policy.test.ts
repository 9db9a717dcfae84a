// The policy pack's rules, called directly with synthetic resources (one passing and the violating
// cases per rule, exact messages). The pack itself is only constructed by the engine (e2e).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    agentAccessPolicy,
    denyInsecureTransportPolicy,
    irsaTrustPolicy,
    podIdentityTrustPolicy,
} from "../../backends/aws/policies";
import { RETAIN_ON_DELETE_MARKER } from "../../components/retention";
import { findCredentials } from "../../config/credentials";
import { RISK_IDS } from "../../config/risks";
import {
    acceptedProdRisksPolicy,
    adoptedNamespaceRestrictedPolicy,
    agentNamespaceRestrictedPolicy,
    agentPoliciesNoWildcardPolicy,
    chartAndImagesPinnedPolicy,
    chartOverHttpsPolicy,
    identityTrustExactPolicy,
    imagesNotFloatingPolicy,
    objectStorageHardeningPresentPolicy,
    objectStoragePrivateEncryptedPolicy,
    policies,
    prodDataStoresRetainedPolicy,
    releasePodsPodSecurityPolicy,
    releaseValuesSecretFreePolicy,
} from "../../policy/policies";
import type { ResourceValidationPolicy } from "../../policy/lib/rules";
import { isWildcardResource } from "../../policy/rules/iam";
import { FLOATING_IMAGE_RISK, PLAIN_HTTP_CHART_RISK } from "../../policy/rules/releaseSource";
import {
    AGENT,
    policyResource,
    resourceArgs,
    resourceViolations,
    stackViolations,
    type Synthetic,
} from "../lib/policyHarness";

const ROOT = path.join(__dirname, "..", "..");
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const AGENT_NAMESPACE = "astro-remote-agent:index:AgentNamespace";
const AWS_BACKEND = "astro-remote-agent:index:AwsBackend";
const BUCKET = "aws:s3/bucket:Bucket";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const IMAGE = "registry.example.com/data-platform/astro-agent:3.2-5-python-3.14-astro-agent-1.7.1";
const PLAIN_TEXT = "chart values are stored in plain text (Helm's release Secret, Pulumi state)";

const check = (policy: ResourceValidationPolicy, r: Synthetic) => resourceViolations(policy, resourceArgs(r));

/** Values of a prod release as the program renders them (names of Secrets, never their contents). */
function goodValues(): Record<string, unknown> {
    return {
        agentTokenSecretName: "astro-agent-token",
        imagePullSecretName: "astro-image-pull",
        image: IMAGE,
        openLineage: { enabled: true, apiKeySecret: "astro-openlineage" },
        commonEnv: [
            { name: "AWS_REGION", value: "eu-west-1" },
            {
                name: "AIRFLOW__SECRETS__BACKEND_KWARGS",
                value: '{"connections_prefix":"astro-prod/connections","region_name":"eu-west-1"}',
            },
        ],
        sentinel: { enabled: true, image: "registry.example.com/data-platform/astro-remote-execution-sentinel:1.7.2" },
        workers: [{ name: "default", queues: "default" }],
    };
}

const release = (
    props: Record<string, unknown>,
    parents: string[] = [AGENT, "astro-remote-agent:index:AgentRelease"],
) => ({
    type: RELEASE,
    name: "astro-agent-release",
    parents,
    props,
});

describe("policy pack: release-values-secret-free", () => {
    it("passes values that only name Secrets", async () => {
        assert.deepEqual(await check(releaseValuesSecretFreePolicy, release({ values: goodValues() })), []);
    });

    it("refuses each inline secret the chart would turn into a Secret of its own", async () => {
        const values = {
            ...goodValues(),
            agentToken: "tok",
            imagePullSecretData: '{"auths":{}}',
            openLineage: { enabled: true, apiKey: "k" },
        };
        assert.deepEqual(await check(releaseValuesSecretFreePolicy, release({ values })), [
            `values.agentToken holds an inline agent token: ${PLAIN_TEXT}; name a Kubernetes Secret with values.agentTokenSecretName instead`,
            `values.imagePullSecretData holds inline registry credentials: ${PLAIN_TEXT}; name a Kubernetes Secret with values.imagePullSecretName instead`,
            `values.openLineage.apiKey holds an inline OpenLineage API key: ${PLAIN_TEXT}; name a Kubernetes Secret with values.openLineage.apiKeySecret instead`,
        ]);
    });

    it("refuses credential-shaped strings anywhere in the values, judged by the config's own detector", async () => {
        const conn = "postgres://airflow:hunter2@db.internal:5432/airflow";
        const values = { ...goodValues(), commonEnv: [{ name: "AIRFLOW_CONN_WAREHOUSE", value: conn }] };
        const expectedKind = findCredentials(conn)[0]?.kind;
        assert.equal(expectedKind, "a password in a database connection string");
        assert.deepEqual(await check(releaseValuesSecretFreePolicy, release({ values })), [
            `values.commonEnv[0].value holds a password in a database connection string: ${PLAIN_TEXT}; keep it in a Secret or the secrets backend and pass only its name`,
        ]);
    });

    it("finds exactly what config/credentials.ts finds (one detector, shared)", async () => {
        const samples: Record<string, unknown>[] = [
            { annotations: { note: "-----BEGIN RSA PRIVATE KEY-----\nMIIE" } },
            { extra: { connectionString: "Server=x;Password=p4ss" } },
            { commonEnv: [{ name: "GITHUB_TOKEN", value: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB" }] },
            { dagBundleConfigList: '[{"kwargs":{"repo_url":"https://x-token:abc123@github.com/o/r.git"}}]' },
        ];
        for (const values of samples) {
            const expected = findCredentials(values, []).map(
                (f) =>
                    `values.${f.path
                        .map((p) => (typeof p === "number" ? `[${p}]` : p))
                        .join(".")
                        .replace(
                            /\.\[/g,
                            "[",
                        )} holds ${f.kind}: ${PLAIN_TEXT}; keep it in a Secret or the secrets backend and pass only its name`,
            );
            assert.ok(expected.length > 0, JSON.stringify(values));
            assert.deepEqual(await check(releaseValuesSecretFreePolicy, release({ values })), expected);
        }
    });

    it("leaves releases outside the agent alone", async () => {
        assert.deepEqual(
            await check(releaseValuesSecretFreePolicy, release({ values: { agentToken: "tok" } }, ["my:index:Other"])),
            [],
        );
    });
});

describe("policy pack: agent-namespace-restricted", () => {
    const ns = (labels: Record<string, string> | undefined) => ({
        type: NAMESPACE,
        name: "astro-agent-namespace",
        parents: [AGENT, AGENT_NAMESPACE],
        props: { metadata: { name: "astro-agent", ...(labels === undefined ? {} : { labels }) } },
    });
    const pss = (enforce: string) => ({
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": "v1.30",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
    });

    it("passes a namespace that enforces, audits and warns on restricted", async () => {
        assert.deepEqual(await check(agentNamespaceRestrictedPolicy, ns(pss("restricted"))), []);
    });

    it("refuses baseline enforcement (restricted: false)", async () => {
        assert.deepEqual(await check(agentNamespaceRestrictedPolicy, ns(pss("baseline"))), [
            "namespace 'astro-agent' must enforce, audit and warn the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is 'baseline' (set astro-agent:restricted: true)",
        ]);
    });

    it("refuses a namespace without the labels", async () => {
        assert.deepEqual(await check(agentNamespaceRestrictedPolicy, ns(undefined)), [
            "namespace 'astro-agent' must enforce, audit and warn the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is missing, pod-security.kubernetes.io/audit is missing, pod-security.kubernetes.io/warn is missing (set astro-agent:restricted: true)",
        ]);
    });

    it("judges only the namespace AgentNamespace owns", async () => {
        assert.deepEqual(await check(agentNamespaceRestrictedPolicy, { ...ns(pss("baseline")), parents: [AGENT] }), []);
    });
});

describe("policy pack: object-storage-private-encrypted (S3)", () => {
    const s3 = (type: string, props: Record<string, unknown>) => ({
        type,
        name: "agent-aws-xcom",
        parents: [AGENT, AWS_BACKEND, BUCKET],
        props,
    });
    const allBlocked = {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    };

    it("passes the backend's hardening resources", async () => {
        const cases = [
            s3(BUCKET, { bucket: "astro-prod-xcom", forceDestroy: false, tags: {} }),
            s3(PAB, { bucket: "id", ...allBlocked }),
            s3(SSE, {
                bucket: "id",
                rules: [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:k" },
                        bucketKeyEnabled: true,
                    },
                ],
            }),
            s3(OWNERSHIP, { bucket: "id", rule: { objectOwnership: "BucketOwnerEnforced" } }),
            s3("aws:s3/bucketPolicy:BucketPolicy", {
                bucket: "id",
                policy: JSON.stringify(denyInsecureTransportPolicy("aws", "astro-prod-xcom")),
            }),
            s3("aws:s3/bucketAcl:BucketAcl", { bucket: "id", acl: "private" }),
        ];
        for (const c of cases) {
            assert.deepEqual(await check(objectStoragePrivateEncryptedPolicy, c), [], c.type);
        }
    });

    it("refuses a public access block that leaves a door open", async () => {
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                s3(PAB, { ...allBlocked, blockPublicPolicy: false, restrictPublicBuckets: false }),
            ),
            [
                "S3 public access block must set blockPublicPolicy, restrictPublicBuckets to true; otherwise the bucket can be made public",
            ],
        );
    });

    it("refuses default encryption without an algorithm, or with none at all", async () => {
        assert.deepEqual(
            await check(objectStoragePrivateEncryptedPolicy, s3(SSE, { rules: [{ bucketKeyEnabled: true }] })),
            ["S3 default encryption rule 0 has sseAlgorithm unset; use one of 'aws:kms', 'aws:kms:dsse', 'AES256'"],
        );
        assert.deepEqual(await check(objectStoragePrivateEncryptedPolicy, s3(SSE, { rules: [] })), [
            "S3 default encryption has no rule; set sseAlgorithm 'aws:kms' (or 'AES256')",
        ]);
    });

    it("refuses ACL-based object ownership", async () => {
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                s3(OWNERSHIP, { rule: { objectOwnership: "ObjectWriter" } }),
            ),
            [
                "S3 object ownership is 'ObjectWriter'; use 'BucketOwnerEnforced' (ACLs disabled, so no ACL can make an object public)",
            ],
        );
    });

    it("refuses public ACLs, grants, websites and open bucket policies", async () => {
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                s3(BUCKET, {
                    acl: "public-read",
                    grants: [
                        {
                            uri: "http://acs.amazonaws.com/groups/global/AllUsers",
                            permissions: ["READ"],
                            type: "Group",
                        },
                    ],
                    website: { indexDocument: "index.html" },
                }),
            ),
            [
                "S3 bucket acl is 'public-read'; keep it 'private'",
                "S3 bucket acl grants access to AllUsers; remove those grants",
                "S3 bucket serves a public website (website); remove it",
            ],
        );
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                s3("aws:s3/bucketAcl:BucketAcl", {
                    accessControlPolicy: {
                        grants: [
                            {
                                grantee: {
                                    type: "Group",
                                    uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                                },
                                permission: "READ",
                            },
                        ],
                    },
                }),
            ),
            ["S3 bucket ACL grants access to AuthenticatedUsers; remove those grants"],
        );
        const open = {
            Version: "2012-10-17",
            Statement: [
                { Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
            ],
        };
        assert.deepEqual(
            await check(
                objectStoragePrivateEncryptedPolicy,
                s3("aws:s3/bucketPolicy:BucketPolicy", { policy: JSON.stringify(open) }),
            ),
            ["S3 bucket policy statement 'Open' allows everyone (Principal '*') without a condition"],
        );
    });
});

describe("policy pack: object-storage-hardening-present (stack)", () => {
    const bucketRes = () =>
        policyResource({ type: BUCKET, name: "agent-aws-xcom", parents: [AGENT, AWS_BACKEND], props: { bucket: "b" } });
    const companion = (type: string, parent: ReturnType<typeof bucketRes>) =>
        policyResource({ type, name: "agent-aws-xcom", parents: [AGENT, AWS_BACKEND, BUCKET], props: {} }, { parent });

    it("passes a bucket with its public access block, encryption and ownership controls", async () => {
        const bucket = bucketRes();
        const resources = [bucket, ...[PAB, SSE, OWNERSHIP].map((t) => companion(t, bucket))];
        assert.deepEqual(await stackViolations(objectStorageHardeningPresentPolicy, resources), []);
    });

    it("accepts companions that depend on the bucket without being its children", async () => {
        const bucket = bucketRes();
        const resources = [
            bucket,
            ...[PAB, SSE, OWNERSHIP].map((t) =>
                policyResource({ type: t, name: "x", parents: [AGENT], props: {} }, { dependencies: [bucket] }),
            ),
        ];
        assert.deepEqual(await stackViolations(objectStorageHardeningPresentPolicy, resources), []);
    });

    it("reports a bucket whose hardening is missing, on the bucket", async () => {
        const bucket = bucketRes();
        assert.deepEqual(
            await stackViolations(objectStorageHardeningPresentPolicy, [bucket, companion(OWNERSHIP, bucket)]),
            [
                {
                    message:
                        "S3 bucket 'agent-aws-xcom' has no public access block (aws.s3.BucketPublicAccessBlock), no default encryption (aws.s3.BucketServerSideEncryptionConfiguration)",
                    urn: bucket.urn,
                },
            ],
        );
    });
});

describe("policy pack: identity-trust-exact (AWS)", () => {
    const ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
    const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
    const role = (trust: unknown) => ({
        type: "aws:iam/role:Role",
        name: "agent-aws-role",
        parents: [AGENT, AWS_BACKEND],
        props: { assumeRolePolicy: JSON.stringify(trust) },
    });
    const irsa = irsaTrustPolicy(OIDC_ARN, ISSUER, "astro-agent", [
        "astro-prod-worker-default",
        "astro-prod-triggerer",
    ]);
    const statementWith = (condition: unknown) => ({
        Version: "2012-10-17",
        Statement: [{ ...irsa.Statement[0], Condition: condition }],
    });
    const host = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";

    it("passes the backend's IRSA and Pod Identity trust policies", async () => {
        assert.deepEqual(await check(identityTrustExactPolicy, role(irsa)), []);
        const podIdentity = podIdentityTrustPolicy({
            accountId: "123456789012",
            clusterArn: "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
            namespace: "astro-agent",
            serviceAccounts: ["astro-prod-worker-default"],
        });
        assert.deepEqual(await check(identityTrustExactPolicy, role(podIdentity)), []);
    });

    it("refuses wildcard subjects, StringLike subjects and an unpinned audience", async () => {
        assert.deepEqual(
            await check(
                identityTrustExactPolicy,
                role(statementWith({ StringEquals: { [`${host}:sub`]: "system:serviceaccount:astro-agent:*" } })),
            ),
            [
                "trust statement 'AgentServiceAccountsViaIrsa' subject 'system:serviceaccount:astro-agent:*' is a wildcard; name each ServiceAccount exactly",
                "trust statement 'AgentServiceAccountsViaIrsa' does not pin the token audience; require StringEquals <issuer>:aud = sts.amazonaws.com",
            ],
        );
        assert.deepEqual(
            await check(
                identityTrustExactPolicy,
                role(
                    statementWith({
                        StringLike: { [`${host}:sub`]: "system:serviceaccount:*" },
                        StringEquals: { [`${host}:aud`]: "sts.amazonaws.com" },
                    }),
                ),
            ),
            [
                "trust statement 'AgentServiceAccountsViaIrsa' matches subjects with StringLike (system:serviceaccount:*); use StringEquals with the exact ServiceAccount subjects",
            ],
        );
        assert.deepEqual(await check(identityTrustExactPolicy, role(statementWith(undefined))), [
            "trust statement 'AgentServiceAccountsViaIrsa' does not restrict the token subject; require StringEquals <issuer>:sub with the exact system:serviceaccount:<namespace>:<name> subjects",
            "trust statement 'AgentServiceAccountsViaIrsa' does not pin the token audience; require StringEquals <issuer>:aud = sts.amazonaws.com",
        ]);
    });

    it("refuses Pod Identity trust without the cluster and ServiceAccount pinned", async () => {
        const trust = podIdentityTrustPolicy({
            accountId: "123456789012",
            clusterArn: "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
            namespace: "astro-agent",
            serviceAccounts: ["astro-*"],
        });
        const equals = (trust.Statement[0] as { Condition: { StringEquals: Record<string, unknown> } }).Condition
            .StringEquals;
        delete equals["aws:RequestTag/eks-cluster-arn"];
        assert.deepEqual(await check(identityTrustExactPolicy, role(trust)), [
            "trust statement 'AgentServiceAccountsViaPodIdentity' does not pin aws:RequestTag/eks-cluster-arn with StringEquals",
            "trust statement 'AgentServiceAccountsViaPodIdentity' aws:RequestTag/kubernetes-service-account 'astro-*' is a wildcard; name it exactly",
        ]);
    });

    it("refuses trust in everyone", async () => {
        const trust = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
        };
        assert.deepEqual(await check(identityTrustExactPolicy, role(trust)), [
            "trust statement #0 lets any AWS principal assume the role",
        ]);
    });
});

describe("policy pack: agent-policies-no-wildcard (AWS)", () => {
    const rolePolicy = (doc: unknown) => ({
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "agent-aws-access",
        parents: [AGENT, AWS_BACKEND],
        props: { role: "r", policy: JSON.stringify(doc) },
    });

    it("passes the backend's least-privilege policy", async () => {
        const doc = agentAccessPolicy({
            partition: "aws",
            dnsSuffix: "amazonaws.com",
            region: "eu-west-1",
            accountId: "123456789012",
            secretPrefixes: ["astro-prod/connections", "astro-prod/variables"],
            bucket: "astro-prod-xcom",
            xcomPrefix: "xcom",
            taskLogsPrefix: "logs",
            extraPrefixes: [{ prefix: "data", access: "read" }],
            kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/abc",
        });
        assert.deepEqual(await check(agentPoliciesNoWildcardPolicy, rolePolicy(doc)), []);
    });

    it("refuses '*' resources, whole-service ARNs, wildcard actions and Not* forms", async () => {
        const doc = {
            Version: "2012-10-17",
            Statement: [
                { Sid: "All", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
                { Sid: "Buckets", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::*" },
                {
                    Sid: "Secrets",
                    Effect: "Allow",
                    Action: "secretsmanager:*",
                    Resource: "arn:aws:secretsmanager:eu-west-1:1:secret:*",
                },
                { Sid: "Inverse", Effect: "Allow", NotAction: "iam:*", NotResource: "arn:aws:iam::1:role/x" },
                { Sid: "DenyIsFine", Effect: "Deny", Action: "*", Resource: "*" },
            ],
        };
        assert.deepEqual(await check(agentPoliciesNoWildcardPolicy, rolePolicy(doc)), [
            "statement 'All' grants s3:GetObject on '*' (every resource); name the resources",
            "statement 'Buckets' grants s3:ListBucket on 'arn:aws:s3:::*' (every resource); name the resources",
            "statement 'Secrets' grants secretsmanager:* on 'arn:aws:secretsmanager:eu-west-1:1:secret:*' (every resource); name the resources",
            "statement 'Secrets' grants the wildcard action 'secretsmanager:*'; name the actions",
            "statement 'Inverse' uses NotResource (everything but a list); name the resources",
            "statement 'Inverse' uses NotAction (everything but a list); name the actions",
        ]);
    });

    it("tells prefix grants from every-resource grants", () => {
        for (const r of [
            "*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::*/*",
            "arn:aws:kms:eu-west-1:1:key/*",
            "arn:aws:secretsmanager:r:1:secret:*",
        ]) {
            assert.equal(isWildcardResource(r), true, r);
        }
        for (const r of [
            "arn:aws:s3:::astro-prod-xcom",
            "arn:aws:s3:::astro-prod-xcom/xcom/*",
            "arn:aws:secretsmanager:eu-west-1:1:secret:astro-prod/connections/*",
            "arn:aws:kms:eu-west-1:1:key/abc",
        ]) {
            assert.equal(isWildcardResource(r), false, r);
        }
    });
});

describe("policy pack: prod-data-stores-retained", () => {
    const marked = { "managed-by": "pulumi", [RETAIN_ON_DELETE_MARKER]: "true" };

    it("passes stores marked as retained, or protected", async () => {
        const cases: Synthetic[] = [
            { type: BUCKET, parents: [AGENT, AWS_BACKEND], props: { bucket: "b", forceDestroy: false, tags: marked } },
            { type: "aws:kms/key:Key", parents: [AGENT, AWS_BACKEND], props: { tags: marked } },
            {
                type: NAMESPACE,
                parents: [AGENT, AGENT_NAMESPACE],
                props: { metadata: { name: "astro-agent", annotations: { [RETAIN_ON_DELETE_MARKER]: "true" } } },
            },
            { type: BUCKET, parents: [AGENT, AWS_BACKEND], props: { bucket: "b" }, protect: true },
        ];
        for (const c of cases) {
            assert.deepEqual(await check(prodDataStoresRetainedPolicy, c), [], c.type);
        }
    });

    it("refuses stores that would go with the stack, and a force-destroy bucket", async () => {
        assert.deepEqual(
            await check(prodDataStoresRetainedPolicy, {
                type: BUCKET,
                name: "agent-aws-xcom",
                parents: [AGENT, AWS_BACKEND],
                props: { bucket: "astro-prod-xcom", forceDestroy: true, tags: { "managed-by": "pulumi" } },
            }),
            [
                `S3 bucket 'astro-prod-xcom' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it ${RETAIN_ON_DELETE_MARKER}: "true") or protect`,
                "S3 bucket 'astro-prod-xcom': forceDestroy: true would delete its objects with it; set it to false",
            ],
        );
        assert.deepEqual(
            await check(prodDataStoresRetainedPolicy, {
                type: NAMESPACE,
                parents: [AGENT, AGENT_NAMESPACE],
                props: { metadata: { name: "astro-agent" } },
            }),
            [
                `namespace 'astro-agent' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it ${RETAIN_ON_DELETE_MARKER}: "true") or protect`,
            ],
        );
        assert.deepEqual(
            await check(prodDataStoresRetainedPolicy, {
                type: "aws:kms/key:Key",
                name: "agent-aws-key",
                parents: [AGENT, AWS_BACKEND],
                props: { tags: { [RETAIN_ON_DELETE_MARKER]: "false" } },
            }),
            [
                `KMS key 'agent-aws-key' is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it ${RETAIN_ON_DELETE_MARKER}: "true") or protect`,
            ],
        );
    });
});

describe("policy pack: chart-and-images-pinned", () => {
    const chartProps = (extra: Record<string, unknown>, values = goodValues()) => ({
        chart: "astro-remote-execution-agent",
        version: "2.3.3",
        repositoryOpts: { repo: "https://helm.astronomer.io" },
        values,
        ...extra,
    });

    it("passes an exact chart version with pinned images, and a local chart", async () => {
        assert.deepEqual(await check(chartAndImagesPinnedPolicy, release(chartProps({}))), []);
        assert.deepEqual(
            await check(
                chartAndImagesPinnedPolicy,
                release({ chart: "./charts/astro-remote-execution-agent", values: goodValues() }),
            ),
            [],
        );
        const digest = `registry.example.com/agent@sha256:${"a".repeat(64)}`;
        assert.deepEqual(
            await check(chartAndImagesPinnedPolicy, release(chartProps({}, { ...goodValues(), image: digest }))),
            [],
        );
    });

    it("refuses a missing or ranged chart version and devel charts", async () => {
        assert.deepEqual(await check(chartAndImagesPinnedPolicy, release(chartProps({ version: undefined }))), [
            "chart 'astro-remote-execution-agent' has no version, so the release follows whatever the repository serves next; pin the exact version (astro-agent:chart.version)",
        ]);
        assert.deepEqual(
            await check(
                chartAndImagesPinnedPolicy,
                release(
                    chartProps({
                        chart: "oci://registry.example.com/charts/agent",
                        repositoryOpts: undefined,
                        version: "~2.3",
                        devel: true,
                    }),
                ),
            ),
            [
                "chart version '~2.3' is a range, not an exact version (major.minor.patch); pin the exact version (astro-agent:chart.version)",
                "devel: true lets Helm pick pre-release chart versions; remove it",
            ],
        );
    });

    it("refuses latest and untagged images, wherever they sit in the values", async () => {
        const values = {
            ...goodValues(),
            image: "images.astronomer.cloud/baseimages/astro-remote-execution-agent:latest",
            sentinel: { enabled: true, image: "registry.example.com/sentinel" },
            loggingSidecar: { image: { repository: "timberio/vector", tag: "latest" } },
        };
        assert.deepEqual(await check(chartAndImagesPinnedPolicy, release(chartProps({}, values))), [
            "values.image 'images.astronomer.cloud/baseimages/astro-remote-execution-agent:latest' must not use the floating tag 'latest'; pin a fixed tag or a digest",
            "values.sentinel.image 'registry.example.com/sentinel' must pin a tag or digest (for example ':3.2-5-python-3.14-astro-agent-1.7.1')",
            "values.loggingSidecar.image 'timberio/vector:latest' must not use the floating tag 'latest'; pin a fixed tag or a digest",
        ]);
    });
});

describe("policy pack: images-not-floating, chart-over-https, accepted-prod-risks", () => {
    const props = (extra: Record<string, unknown>, values: Record<string, unknown> = goodValues()) => ({
        chart: "astro-remote-execution-agent",
        version: "2.3.3",
        repositoryOpts: { repo: "https://helm.astronomer.io" },
        values,
        ...extra,
    });
    const floating = {
        ...goodValues(),
        sentinel: { enabled: true, image: "registry.example.com/sentinel:stable" },
        loggingSidecar: { image: { repository: "timberio/vector", tag: "0.45" } },
        workers: [{ name: "w", image: "registry.example.com/agent:3" }],
    };

    it("passes full-version tags and digests; leaves latest and untagged images to chart-and-images-pinned", async () => {
        assert.deepEqual(await check(imagesNotFloatingPolicy, release(props({}))), []);
        const values = {
            ...goodValues(),
            image: `registry.example.com/agent:main@sha256:${"a".repeat(64)}`,
            sentinel: { image: "registry.example.com/sentinel:latest" },
            loggingSidecar: { image: { repository: "timberio/vector" } },
        };
        assert.deepEqual(await check(imagesNotFloatingPolicy, release(props({}, values))), []);
    });

    it("refuses branch, channel and partial-version tags wherever they sit, unless the stack acknowledged them", async () => {
        assert.deepEqual(await check(imagesNotFloatingPolicy, release(props({}, floating))), [
            "values.sentinel.image 'registry.example.com/sentinel:stable' uses the floating tag 'stable' (no digest, no full major.minor.patch version): the registry can move it; pin a full version or a digest (or acknowledge with astro-agent:acceptRisks [floatingImageTag])",
            "values.workers[0].image 'registry.example.com/agent:3' uses the floating tag '3' (no digest, no full major.minor.patch version): the registry can move it; pin a full version or a digest (or acknowledge with astro-agent:acceptRisks [floatingImageTag])",
            "values.loggingSidecar.image 'timberio/vector:0.45' uses the floating tag '0.45' (no digest, no full major.minor.patch version): the registry can move it; pin a full version or a digest (or acknowledge with astro-agent:acceptRisks [floatingImageTag])",
        ]);
        const description = "astro-agent accepted risks: floatingImageTag (sentinel.image, workers[0].image)";
        assert.deepEqual(await check(imagesNotFloatingPolicy, release(props({ description }, floating))), []);
        assert.deepEqual(await check(acceptedProdRisksPolicy, release(props({ description }, floating))), [
            "the stack acknowledges the prod risk 'floatingImageTag' (astro-agent:acceptRisks) at sentinel.image, workers[0].image",
        ]);
    });

    it("refuses a chart repository or chart URL over plain http://, unless acknowledged", async () => {
        assert.deepEqual(await check(chartOverHttpsPolicy, release(props({}))), []);
        assert.deepEqual(
            await check(chartOverHttpsPolicy, release(props({ repositoryOpts: { repo: "http://charts.internal" } }))),
            [
                "repositoryOpts.repo 'http://charts.internal' fetches the chart over plain http://, so anyone on the path can replace it; use https:// or oci:// (or acknowledge with astro-agent:acceptRisks [plainHttpChartRepo])",
            ],
        );
        assert.deepEqual(
            await check(
                chartOverHttpsPolicy,
                release(props({ chart: "HTTP://charts.internal/agent-2.3.3.tgz", repositoryOpts: undefined })),
            ),
            [
                "chart 'HTTP://charts.internal/agent-2.3.3.tgz' fetches the chart over plain http://, so anyone on the path can replace it; use https:// or oci:// (or acknowledge with astro-agent:acceptRisks [plainHttpChartRepo])",
            ],
        );
        const description = "astro-agent accepted risks: plainHttpChartRepo (chart.repo)";
        assert.deepEqual(
            await check(
                chartOverHttpsPolicy,
                release(props({ description, repositoryOpts: { repo: "http://charts.internal" } })),
            ),
            [],
        );
    });

    it("the risk ids the pack knows are acceptRisks values", () => {
        for (const id of [FLOATING_IMAGE_RISK, PLAIN_HTTP_CHART_RISK]) {
            assert.ok(RISK_IDS.includes(id), id);
        }
    });
});

describe("policy pack: the pack and its config", () => {
    const readConfig = (env: string) =>
        JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", `${env}.json`), "utf8")) as Record<
            string,
            string
        >;

    it("has uniquely named policies, each with a description and remediation", () => {
        const names = policies.map((p) => p.name);
        assert.deepEqual(names, [
            "release-values-secret-free",
            "agent-namespace-restricted",
            "adopted-namespace-restricted",
            "release-pods-pod-security",
            "object-storage-private-encrypted",
            "object-storage-hardening-present",
            "identity-trust-exact",
            "agent-policies-no-wildcard",
            "prod-data-stores-retained",
            "chart-and-images-pinned",
            "images-not-floating",
            "chart-over-https",
            "accepted-prod-risks",
        ]);
        for (const p of policies) {
            assert.ok(p.description.length > 20 && (p.remediationSteps ?? "").length > 10, p.name);
        }
    });

    it("prod makes every policy mandatory but the accepted-risks report; dev makes them advisory and switches off the prod-only ones", () => {
        assert.deepEqual(readConfig("prod"), {
            all: "mandatory",
            "accepted-prod-risks": "advisory",
            "release-pods-pod-security": { enforcementLevel: "mandatory", level: "restricted" },
        });
        assert.deepEqual(readConfig("dev"), {
            all: "advisory",
            "agent-namespace-restricted": "disabled",
            "adopted-namespace-restricted": "disabled",
            "prod-data-stores-retained": "disabled",
        });
        const names = new Set(policies.map((p) => p.name));
        for (const key of Object.keys(readConfig("dev")).filter((k) => k !== "all")) {
            assert.ok(names.has(key), key);
        }
    });
});

describe("policy pack: pod security of the release and an adopted namespace", () => {
    const RELEASE_COMPONENT = "astro-remote-agent:index:AgentRelease";
    const release = (values: Record<string, unknown>) => ({
        type: "kubernetes:helm.sh/v3:Release",
        name: "astro-agent-release",
        parents: [AGENT, RELEASE_COMPONENT],
        props: { values },
    });
    const withLevel = (level: string | undefined, r: Synthetic) => {
        const args = resourceArgs(r);
        return resourceViolations(releasePodsPodSecurityPolicy, {
            ...args,
            getConfig: (() => (level === undefined ? {} : { level })) as typeof args.getConfig,
        });
    };
    const privilegedWorker = {
        ...goodValues(),
        workers: [
            {
                name: "default",
                extraContainers: [{ name: "side", image: "busybox:1.36", securityContext: { privileged: true } }],
            },
        ],
    };

    it("runs the pod guard over the release's values: a privileged container fails at both levels, naming the value", async () => {
        for (const level of [undefined, "baseline", "restricted"]) {
            const found = await withLevel(level, release(privilegedWorker));
            assert.ok(
                found.includes(
                    `values.workers[0].extraContainers[0].securityContext.privileged: Pod Security Standard '${level ?? "baseline"}' forbids privileged containers (container 'side' of the workers[0] pod); remove privileged or set false`,
                ),
                JSON.stringify(found),
            );
        }
    });

    it("judges at restricted only when configured so (prod): a container without drop ALL passes baseline", async () => {
        const values = { ...goodValues(), containerSecurityContext: {}, workers: [{ name: "default" }] };
        assert.deepEqual(await withLevel("baseline", release(values)), []);
        assert.ok((await withLevel("restricted", release(values))).length > 0);
    });

    const adopted = (labels: Record<string, string> | undefined) => ({
        type: RELEASE_COMPONENT,
        name: "astro-agent-release",
        parents: [AGENT],
        props: { adoptedNamespace: { name: "team-ns", ...(labels === undefined ? {} : { labels }) } },
    });

    it("an adopted namespace must enforce restricted; its live labels arrive as the release component's inputs", async () => {
        assert.deepEqual(
            await check(
                adoptedNamespaceRestrictedPolicy,
                adopted({ "pod-security.kubernetes.io/enforce": "restricted" }),
            ),
            [],
        );
        assert.deepEqual(await check(adoptedNamespaceRestrictedPolicy, adopted(undefined)), [
            "adopted namespace 'team-ns' (createNamespace: false) must enforce the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is missing; label it (kubectl label namespace team-ns pod-security.kubernetes.io/enforce=restricted) or let the program create it (createNamespace: true)",
        ]);
        assert.deepEqual(
            await check(
                adoptedNamespaceRestrictedPolicy,
                adopted({ "pod-security.kubernetes.io/enforce": "baseline" }),
            ),
            [
                "adopted namespace 'team-ns' (createNamespace: false) must enforce the Pod Security Standard 'restricted' in prod: pod-security.kubernetes.io/enforce is 'baseline'; label it (kubectl label namespace team-ns pod-security.kubernetes.io/enforce=restricted) or let the program create it (createNamespace: true)",
            ],
        );
        // A created namespace (no adoptedNamespace inputs) is agent-namespace-restricted's business.
        assert.deepEqual(await check(adoptedNamespaceRestrictedPolicy, { ...adopted(undefined), props: {} }), []);
    });
});
