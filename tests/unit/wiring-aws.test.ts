// Wiring keys of the AWS backend given as Outputs (tests/lib/wiring.ts runs the three cases of each):
// the cluster identity (EKS name or ARN, OIDC provider), the bucket and key named from elsewhere, and
// the namespace, which the role name hash, the trust subjects and the Pod Identity tags all contain.
import { describeWiring, type WiringCase } from "../lib/wiring";
import { AGENT_TOKEN, baseValues } from "../fixtures/config";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const ISSUER_PATH = `oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;

function withBackend(backend: Record<string, unknown>): () => Record<string, unknown> {
    return () => ({ ...baseValues(), agentToken: AGENT_TOKEN, backend: { kind: "aws", region: REGION, ...backend } });
}

/** IRSA, the issuer looked up from the cluster name; a created bucket with a given name. */
const irsaByName = withBackend({ eksClusterName: "prod-eks", xcom: { bucketName: "astro-agent-xcom-wired" } });
/** Pod Identity on a cluster named by ARN. */
const podIdentityByArn = withBackend({
    identity: "podIdentity",
    eksClusterArn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-eks`,
});
/** Pod Identity on a cluster named by name (its ARN built from the deploying account). */
const podIdentityByName = withBackend({ identity: "podIdentity", eksClusterName: "prod-eks" });
/** IRSA from a given OIDC provider; an existing bucket and an existing customer key. */
const irsaByProvider = withBackend({
    oidcProvider: { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_PATH}`, issuerUrl: `https://${ISSUER_PATH}` },
    xcom: { bucketName: "team-shared-xcom", existingBucket: true },
    encryption: {
        kind: "existingKey",
        keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    },
});

const cases: WiringCase[] = [
    { path: ["namespace"], args: irsaByName, invalid: "Not_A_Namespace" },
    { path: ["backend", "eksClusterName"], args: irsaByName, invalid: "prod eks!" },
    { path: ["backend", "xcom", "bucketName"], args: irsaByName, invalid: "Team_Bucket" },
    { path: ["namespace"], args: podIdentityByArn, invalid: "Not_A_Namespace" },
    {
        path: ["backend", "eksClusterArn"],
        args: podIdentityByArn,
        invalid: `arn:aws:eks:${REGION}:12345:cluster/prod-eks`,
    },
    { path: ["backend", "eksClusterName"], args: podIdentityByName, invalid: "prod eks!" },
    {
        path: ["backend", "oidcProvider", "arn"],
        args: irsaByProvider,
        invalid: `arn:aws:iam::${ACCOUNT}:role/not-an-oidc-provider`,
    },
    { path: ["backend", "oidcProvider", "issuerUrl"], args: irsaByProvider, invalid: `http://${ISSUER_PATH}` },
    { path: ["backend", "xcom", "bucketName"], args: irsaByProvider, invalid: "Team_Bucket" },
    {
        path: ["backend", "encryption", "keyArn"],
        args: irsaByProvider,
        invalid: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/astro-agent`,
    },
    {
        path: ["backend", "taskLogs", "bucket", "bucketName"],
        args: withBackend({
            eksClusterName: "prod-eks",
            taskLogs: { enabled: true, bucket: { bucketName: "team-logs" } },
        }),
        invalid: "Team_Logs",
    },
    {
        path: ["backend", "taskLogs", "bucket", "bucketName"],
        args: withBackend({
            eksClusterName: "prod-eks",
            taskLogs: { enabled: true, bucket: { bucketName: "team-logs", existingBucket: true } },
        }),
        invalid: "Team_Logs",
    },
];

describeWiring("aws backend wiring keys", cases);
