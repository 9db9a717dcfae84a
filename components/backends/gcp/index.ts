// GCP backend: Secret Manager for connections and variables, a GCS bucket for XCom (and task logs), and Workload
// Identity Federation for GKE binding exactly the agent's ServiceAccounts, with least privilege.
// Layout: schema.ts (config), backend.ts (what the registry lists, SDK-free), secretsStore.ts,
// xcomStore.ts, identity.ts, policies.ts (pure IAM members, roles and conditions); this file wires them
// in one component. The SDK is imported per module (`@pulumi/gcp/<module>`), never the whole
// `@pulumi/gcp`, and only when a stack uses this backend (backend.ts loads this file on first use).
import * as pulumi from "@pulumi/pulumi";
import * as container from "@pulumi/gcp/container";
import * as kms from "@pulumi/gcp/kms";
import * as organizations from "@pulumi/gcp/organizations";
import * as projects from "@pulumi/gcp/projects";
import * as storage from "@pulumi/gcp/storage";
import { Provider as GcpProvider } from "@pulumi/gcp/provider";
import { CLOUD_SECRET_MANAGER_BACKEND, XCOM_OBJECT_STORAGE_BACKEND } from "../../../backends/airflow";
import { componentType, withLegacyAlias } from "../../typeTokens";
import { type BackendScope, type CloudBackendArgs, cloudBackendScope, stableHex, taskLogsEnv } from "../shared";
import type { BackendContribution } from "../../../backends/types";
import { OWNER_GRANTS_OUTPUT } from "../../../backends/shared";
import { createIdentity } from "./identity";
import { KMS_ENCRYPTER_DECRYPTER_ROLE, serviceAccountMember, type IamGrant } from "../../../backends/gcp/policies";
import { type GcpBackendConfig, poolProject, storeProjects } from "../../../backends/gcp/schema";
import { createSecretsStore } from "./secretsStore";
import { createXComStore } from "./xcomStore";

export { gcpBackend } from "../../../backends/gcp/backend";
export { gcpBackendSchema, validateGcpBackend, type GcpBackendConfig } from "../../../backends/gcp/schema";

/** Args of {@link GcpBackend}. */
export type GcpBackendArgs = CloudBackendArgs<GcpBackendConfig>;

/** The workload identity pool: given, or the cluster's (which must have Workload Identity enabled). */
function workloadPool(scope: BackendScope, cfg: GcpBackendConfig): pulumi.Output<string> {
    if (cfg.workloadPool !== undefined || cfg.gkeCluster === undefined) {
        return pulumi.output(cfg.workloadPool ?? "");
    }
    const gke = cfg.gkeCluster;
    const configs = container.getClusterOutput(
        { name: gke.name, location: gke.location, project: gke.project ?? cfg.project },
        scope.invoke,
    ).workloadIdentityConfigs;
    return pulumi.all([configs, gke.name, gke.location]).apply(([found, clusterName, clusterLocation]) => {
        const pool = found[0]?.workloadPool ?? "";
        if (pool === "") {
            throw new Error(
                `backend.gkeCluster: cluster ${clusterName} in ${clusterLocation} has no Workload Identity pool; enable Workload Identity Federation for GKE on it`,
            );
        }
        return pool;
    });
}

/**
 * The customer key of the bucket and the seeded secrets (created or given), and the grants that let the
 * Cloud Storage and Secret Manager service agents use it. The agent itself needs no KMS permission:
 * those services encrypt and decrypt with their own service agents.
 */
function customerKey(
    scope: BackendScope,
    cfg: GcpBackendConfig,
    prefix: string,
): { keyName: pulumi.Output<string>; resources: pulumi.Resource[] } | undefined {
    if (cfg.encryption.kind === "googleManaged") {
        return undefined;
    }
    const resources: pulumi.Resource[] = [];
    let keyName: pulumi.Output<string>;
    if (cfg.encryption.kind === "createKey") {
        const [stackProject, stack] = [pulumi.getProject(), pulumi.getStack()];
        const ring = new kms.KeyRing(
            `${scope.name}-keyring`,
            {
                project: cfg.project,
                location: cfg.location,
                name: pulumi
                    .output(cfg.project)
                    .apply((project) => `${prefix}-agent-${stableHex([stackProject, stack, project])}`),
            },
            scope.retained,
        );
        const key = new kms.CryptoKey(
            `${scope.name}-key`,
            {
                keyRing: ring.id,
                name: "agent-data",
                purpose: "ENCRYPT_DECRYPT",
                rotationPeriod: "7776000s",
                labels: scope.retainedTags,
            },
            scope.retained,
        );
        resources.push(ring, key);
        keyName = key.id;
    } else {
        keyName = pulumi.output(cfg.encryption.keyName ?? "");
    }
    if (cfg.grants === "none") {
        // Nothing created here is encrypted with it (no bucket, no seeded secret): no service agent grant.
        return { keyName, resources };
    }
    // The service agents of the projects owning the bucket and the secrets use the key.
    const owners = storeProjects(cfg);
    const storageAgent = storage.getProjectServiceAccountOutput({ project: owners.bucket }, scope.invoke);
    const agents: [string, pulumi.Output<string>][] = [["storage", storageAgent.emailAddress]];
    const seeds = Object.keys(cfg.secretManager.connections).length + Object.keys(cfg.secretManager.variables).length;
    if (seeds > 0) {
        const identity = new projects.ServiceIdentity(
            `${scope.name}-secretmanager-agent`,
            { project: owners.secrets, service: "secretmanager.googleapis.com" },
            scope.child,
        );
        resources.push(identity);
        agents.push(["secretmanager", identity.email]);
    }
    for (const [service, email] of agents) {
        resources.push(
            new kms.CryptoKeyIAMMember(
                `${scope.name}-key-${service}`,
                {
                    cryptoKeyId: keyName,
                    role: KMS_ENCRYPTER_DECRYPTER_ROLE,
                    member: email.apply(serviceAccountMember),
                },
                scope.child,
            ),
        );
    }
    return { keyName, resources };
}

/**
 * The GCP resources behind the agent. Uses the `gcp` provider from the parent chain when one is passed
 * (`providers: [gcpProvider]`); otherwise creates one pinned to `backend.project`.
 */
export class GcpBackend extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    /** Every IAM grant the backend makes, resolved. */
    public readonly grants: pulumi.Output<IamGrant[]>;
    /** The Google service account (identity `serviceAccount`). */
    public readonly serviceAccountEmail?: pulumi.Output<string>;
    public readonly contribution: BackendContribution;

    constructor(name: string, args: GcpBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("GcpBackend"), name, {}, withLegacyAlias("GcpBackend", opts));
        const cfg = args.config;
        // GCP label keys allow no '/': the prefix goes under `astro-agent-prefix`, lower-cased
        const scope = cloudBackendScope(this, {
            name,
            environment: args.environment,
            pkg: "gcp",
            newProvider: (o) => new GcpProvider(`${name}-provider`, { project: cfg.project }, o),
            tagSeparator: "-",
            resourceNamePrefix: args.resourceNamePrefix.toLowerCase(),
        });
        const projectNumber = (projectId: pulumi.Input<string>) =>
            organizations.getProjectOutput({ projectId }, scope.invoke).number;
        const number = cfg.projectNumber === undefined ? projectNumber(cfg.project) : pulumi.output(cfg.projectNumber);
        const owners = storeProjects(cfg);
        // The secrets' project, when it is another one, has its own number (a second lookup).
        const secretsNumber = pulumi
            .all([owners.secrets, cfg.project])
            .apply(([secrets, project]) => (secrets === project ? number : projectNumber(secrets)));
        const pool = workloadPool(scope, cfg);
        // The pool's project, when it is another one, has its own number (a second lookup).
        const poolNumber = pulumi
            .all([cfg.workloadPool, cfg.gkeCluster?.project, cfg.project])
            .apply(([given, gkeProject, project]) => {
                const pp = poolProject({ workloadPool: given, gkeCluster: { project: gkeProject }, project });
                return pp === project ? number : projectNumber(pp);
            });

        const key = customerKey(scope, cfg, args.resourceNamePrefix);
        const keyResources = key?.resources ?? [];
        const secrets = createSecretsStore(scope, cfg, key?.keyName, keyResources);
        const xcom = createXComStore(scope, cfg, key?.keyName, keyResources);
        const identity = createIdentity(scope, {
            config: cfg,
            namespace: args.namespace,
            serviceAccounts: args.serviceAccounts,
            resourceNamePrefix: args.resourceNamePrefix,
            projectNumber: secretsNumber,
            workloadPool: pool,
            poolProjectNumber: poolNumber,
            secretPrefixes: secrets.prefixes,
            bucketName: xcom.bucketName,
        });

        this.bucketName = xcom.bucketName;
        this.grants = identity.grants;
        const outputs: Record<string, pulumi.Output<string>> = { gcpBucketName: this.bucketName };
        if (identity.ownerGrants !== undefined) {
            outputs[OWNER_GRANTS_OUTPUT] = identity.ownerGrants;
        }
        if (identity.serviceAccountEmail !== undefined) {
            this.serviceAccountEmail = identity.serviceAccountEmail;
            outputs.gcpServiceAccountEmail = identity.serviceAccountEmail;
        }
        this.contribution = {
            secretBackend: CLOUD_SECRET_MANAGER_BACKEND,
            secretBackendKwargs: secrets.kwargs,
            xcomBackend: XCOM_OBJECT_STORAGE_BACKEND,
            xcomPath: xcom.path,
            commonEnv: taskLogsEnv(xcom.taskLogsFolder),
            serviceAccountAnnotations: identity.serviceAccountAnnotations,
            podLabels: {},
            volumes: [],
            volumeMounts: [],
            dependsOn: [...identity.resources, ...xcom.resources, ...secrets.resources, ...keyResources],
            outputs,
        };
        this.registerOutputs({ bucketName: this.bucketName, ...outputs });
    }
}
