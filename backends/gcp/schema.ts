// The `backend` config branch of the GCP backend and its cross-key checks.
import { z } from "zod";
import {
    configPath,
    connectionId,
    identifier,
    ruledName,
    secretString,
    strictObject,
    wiring,
    type Wired,
} from "../../schema/primitives";
import {
    bucketIssues,
    customerKeyIssues,
    defaultSecretPrefixes,
    grantsSchema,
    handWrittenLogFolderIssues,
    objectPrefix,
    prefixesOverlap,
    prefixOverlapIssues,
    repeatIssues,
    secretPrefixEntries,
    type SecretPrefixes,
    taskLogsSchema,
} from "../shared";
import type { BackendIssue, BackendValidationView } from "../types";

/** Project ids: 6-30 lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Secret Manager secret ids: `[A-Za-z0-9_-]`, at most 255 characters. */
export const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
/**
 * Why `name` is not a GCS bucket name this program accepts, or undefined ("" when it has characters
 * it does not allow): Cloud Storage's rules (3-63 of `a-z0-9-_`, a letter or digit at both ends, not
 * starting with `goog`, no `google` or a close misspelling such as `g00gle`) and no dots (a dotted
 * name needs a verified domain, and cannot be created otherwise).
 */
export function gcsBucketNameProblem(name: string): string | undefined {
    if (name.includes(".")) {
        return "contains '.': dotted bucket names need a verified domain; use '-' instead";
    }
    if (!/^[a-z0-9_-]+$/.test(name)) {
        return "";
    }
    if (name.length < 3 || name.length > 63) {
        return `has ${name.length} characters (Cloud Storage allows 3 to 63)`;
    }
    if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
        return "must start and end with a letter or digit";
    }
    if (name.startsWith("goog")) {
        return "starts with 'goog', which Cloud Storage reserves";
    }
    if (/g[o0][o0]g[l1][e3]/.test(name)) {
        return "contains 'google' or a close misspelling of it, which Cloud Storage refuses";
    }
    return undefined;
}
/** Cloud KMS key: `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`; groups: project, location. */
export const KMS_KEY_NAME =
    /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/locations\/([a-z0-9-]+)\/keyRings\/[A-Za-z0-9_-]{1,63}\/cryptoKeys\/[A-Za-z0-9_-]{1,63}$/;
/** A GKE workload identity pool: `<project>.svc.id.goog`; group: the pool's project. */
export const WORKLOAD_POOL = /^([a-z][a-z0-9-]{4,28}[a-z0-9])\.svc\.id\.goog$/;
const LOCATION = /^[a-z]+(-[a-z]+)*[0-9]*$/;
/** Google service account ids (the part before `@`). */
const ACCOUNT_ID = /^[a-z]([-a-z0-9]{4,28}[a-z0-9])$/;

const secretPrefix = configPath({
    what: "a Secret Manager secret id prefix",
    example: "airflow-connections",
    form: "relative",
    single: true,
    segment: {
        pattern: /^[A-Za-z0-9_-]+$/,
        rule: "letters, digits, '_' and '-' only (Secret Manager ids have no '/')",
    },
    max: 200,
});
const location = (example: string) =>
    identifier("a Google Cloud location", example, {
        pattern: LOCATION,
        rule: "lower-case region, dual-region or multi-region name",
    });

/** A project id key (`example`: the example value the message names). */
const projectId = (example: string) =>
    wiring(
        identifier("a Google Cloud project id", example, {
            pattern: PROJECT_ID,
            rule: "6-30 lower-case letters, digits and '-', starting with a letter",
        }),
    );

export const gcpBackendSchema = strictObject({
    kind: z.literal("gcp"),
    grants: grantsSchema("the custom roles, and role bindings on the project's secrets and on the bucket"),
    project: projectId("my-data-project").describe(
        "Default project of the secrets, the bucket, the Google service account and the key (each store may name its own), and the project the provider is pinned to.",
    ),
    projectNumber: wiring(
        identifier("a Google Cloud project number", "123456789012", {
            pattern: /^[1-9][0-9]{5,18}$/,
            rule: "digits only",
        }),
    )
        .optional()
        .describe(
            "Number of `project` (IAM conditions and principal identifiers use it); looked up with `organizations.getProject` when unset.",
        ),
    location: location("europe-west1").describe(
        "Location of the XCom bucket and of a created key ring (a region such as `europe-west1`, or `EU`-style multi-regions in lower case).",
    ),
    gkeCluster: strictObject({
        name: wiring(
            identifier("a GKE cluster name", "data-platform", {
                pattern: /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/,
                rule: "at most 40 lower-case letters, digits and '-'",
            }),
        ).describe("Cluster name."),
        location: wiring(
            identifier("a GKE cluster location", "europe-west1", {
                pattern: /^[a-z]+(-[a-z]+)*[0-9]+(-[a-z])?$/,
                rule: "a region such as europe-west1 or a zone such as europe-west1-b",
            }),
        ).describe("The cluster's region or zone."),
        project: wiring(
            identifier("a Google Cloud project id", "my-gke-project", {
                pattern: PROJECT_ID,
                rule: "6-30 lower-case letters, digits and '-', starting with a letter",
            }),
        )
            .optional()
            .describe("The cluster's project (default `project`)."),
    })
        .optional()
        .describe(
            "The GKE cluster the agent runs in: its workload identity pool is looked up (`container.getCluster`).",
        ),
    workloadPool: wiring(
        identifier("a GKE workload identity pool", "my-gke-project.svc.id.goog", {
            pattern: WORKLOAD_POOL,
            rule: "<project id>.svc.id.goog",
        }),
    )
        .optional()
        .describe("The cluster's workload identity pool, instead of looking it up from `gkeCluster`."),
    identity: z
        .enum(["direct", "serviceAccount"], { error: "must be 'direct' or 'serviceAccount'" })
        .default("direct")
        .describe(
            "`direct`: roles granted to each Kubernetes ServiceAccount's `principal://` identifier, no annotation; `serviceAccount`: a Google service account each ServiceAccount may impersonate (`roles/iam.workloadIdentityUser`, annotation `iam.gke.io/gcp-service-account`).",
        ),
    serviceAccountId: identifier("a Google service account id", "astro-agent", {
        pattern: ACCOUNT_ID,
        rule: "6-30 lower-case letters, digits and '-', starting with a letter",
    })
        .optional()
        .describe(
            "Account id of the created Google service account (identity `serviceAccount`; default `<resourceNamePrefix>-<8 hex>`, unique per stack, cluster and namespace).",
        ),
    serviceAccountProject: projectId("my-identity-project")
        .optional()
        .describe("Project the Google service account is created in (identity `serviceAccount`; default `project`)."),
    secretManager: strictObject({
        project: projectId("my-secrets-project")
            .optional()
            .describe(
                "Project of the secrets (`project_id` of the secrets backend; seeded secrets and the accessor grant go there; default `project`).",
            ),
        connectionsPrefix: secretPrefix
            .optional()
            .describe("`connections_prefix` (default `<project>-<stack>-connections`, unique per stack)."),
        variablesPrefix: secretPrefix
            .optional()
            .describe("`variables_prefix` (default `<project>-<stack>-variables`, unique per stack)."),
        configPrefix: secretPrefix.nullable().default(null).describe("`config_prefix`; null disables config lookups."),
        sep: identifier("a secret id separator", "-", {
            pattern: /^[A-Za-z0-9_-]{1,5}$/,
            rule: "1-5 of letters, digits, '_' or '-'; never '/'",
        })
            .default("-")
            .describe("`sep` between prefix and id: secret ids are `<prefix><sep><id>`."),
        connections: z
            .record(connectionId("google_cloud_default"), secretString())
            .default({})
            .describe("Connections to create as secrets `<connectionsPrefix><sep><id>` (JSON or URI, secret config)."),
        variables: z
            .record(identifier("an Airflow variable key", "my_variable"), secretString())
            .default({})
            .describe("Variables to create as secrets `<variablesPrefix><sep><key>` (secret config)."),
        replication: strictObject({
            kind: z
                .enum(["automatic", "userManaged"], { error: "must be 'automatic' or 'userManaged'" })
                .default("automatic")
                .describe("Google-chosen replicas, or the `locations` you list."),
            locations: z
                .array(location("europe-west1"))
                .default([])
                .describe("Replica regions (with `kind: userManaged`)."),
        })
            .prefault({})
            .describe("Replication of the seeded secrets."),
    })
        .prefault({})
        .describe("Secret Manager backend."),
    xcom: strictObject({
        project: projectId("my-storage-project")
            .optional()
            .describe(
                "Project of the bucket (created there; the custom roles bound on it are created there too, as custom roles are project-scoped; default `project`).",
            ),
        bucketName: wiring(
            ruledName(
                "a valid GCS bucket name (3-63 lower-case letters, digits, '-' and '_', starting and ending with a letter or digit, no dots)",
                "astro-agent-xcom",
                gcsBucketNameProblem,
            ),
        )
            .optional()
            .describe("Bucket name; unset = a generated unique name."),
        existingBucket: z.boolean().default(false).describe("Use `bucketName` as is: create and change nothing on it."),
        prefix: objectPrefix("a GCS object name prefix", "xcom")
            .default("xcom")
            .describe("Object name prefix of XCom objects; the grant is conditioned to it."),
        expirationDays: z
            .int()
            .min(1, "must be at least 1 day")
            .max(3650, "must be at most 3650 days (ten years)")
            .default(30)
            .describe("Lifecycle: XCom objects are deleted this many days after creation."),
        versioning: z.boolean().default(false).describe("Enable object versioning."),
        noncurrentVersionDays: z
            .int()
            .min(1, "must be at least 1 day")
            .max(3650, "must be at most 3650 days (ten years)")
            .default(7)
            .describe(
                "With `versioning`: noncurrent versions are deleted this many days after they became noncurrent.",
            ),
        forceDestroy: z
            .boolean()
            .default(false)
            .describe("Let `destroy` delete a non-empty bucket (dev only; refused in prod)."),
    })
        .prefault({})
        .describe("The GCS XCom bucket."),
    taskLogs: taskLogsSchema({
        location: "`gs://<bucket>/<prefix>`",
        prefix: objectPrefix("a GCS object name prefix", "logs"),
        grantee: "the agent",
    }),
    encryption: strictObject({
        kind: z
            .enum(["googleManaged", "createKey", "existingKey"], {
                error: "must be 'googleManaged', 'createKey' or 'existingKey'",
            })
            .default("googleManaged")
            .describe("Google-managed keys, a new Cloud KMS key (CMEK) in `location`, or an existing one."),
        keyName: wiring(
            identifier(
                "a Cloud KMS key name",
                "projects/my-data-project/locations/europe-west1/keyRings/astro/cryptoKeys/xcom",
                { pattern: KMS_KEY_NAME, rule: "projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>" },
            ),
        )
            .optional()
            .describe("The existing key (with `kind: existingKey`), in `location`."),
    })
        .prefault({})
        .describe("Encryption of the bucket and the seeded secrets."),
});
export type GcpBackendConfig = z.output<typeof gcpBackendSchema>;

/** Secret Manager separators: secret ids have no `/`, so neither may `sep` or the derived prefixes. */
export function secretPrefixesOf(cfg: GcpBackendConfig, project?: string, stack?: string): SecretPrefixes {
    return defaultSecretPrefixes(cfg.secretManager, cfg.secretManager.sep, project, stack);
}

/**
 * The project owning each store: the Secret Manager secrets, the bucket (and the custom roles bound on
 * it), the Google service account; each defaults to `project`. The pool's is {@link poolProject}.
 */
export function storeProjects(cfg: GcpBackendConfig): {
    secrets: Wired<string>;
    bucket: Wired<string>;
    serviceAccount: Wired<string>;
} {
    return {
        secrets: cfg.secretManager.project ?? cfg.project,
        bucket: cfg.xcom.project ?? cfg.project,
        serviceAccount: cfg.serviceAccountProject ?? cfg.project,
    };
}

/** The project of the workload identity pool: from `workloadPool`, `gkeCluster.project`, or `project`. */
export function poolProject(cfg: {
    workloadPool?: string | undefined;
    gkeCluster?: { project?: string | undefined } | undefined;
    project: string;
}): string {
    const fromPool = cfg.workloadPool === undefined ? undefined : WORKLOAD_POOL.exec(cfg.workloadPool)?.[1];
    return fromPool ?? cfg.gkeCluster?.project ?? cfg.project;
}

/**
 * Location of the customer key (created in `location`, or the existing key's); undefined without one,
 * or while an existing key's name is an Output (known, and checked alone, only when it resolves).
 */
export function keyLocation(cfg: GcpBackendConfig): string | undefined {
    if (cfg.encryption.kind === "createKey") {
        return cfg.location;
    }
    const keyName = cfg.encryption.keyName;
    return typeof keyName === "string" ? KMS_KEY_NAME.exec(keyName)?.[2] : undefined;
}

/**
 * A wiring key as the shared presence rules see it (they ask only whether it is set): an Output counts
 * as set, and its value is never read here.
 */
function presence(value: Wired<string> | undefined): string | undefined {
    return value === undefined || typeof value === "string" ? value : "(an Output)";
}

/**
 * Per-store projects that would fail at `up`: a Google service account project without a Google
 * service account, and an existing bucket in a stack spanning projects without the bucket's project
 * (the custom roles bound on it must be created in the bucket's own project: a role of another project
 * cannot be bound there, and which project owns an existing bucket is not known offline).
 */
function projectIssues(cfg: GcpBackendConfig): BackendIssue[] {
    const issues: BackendIssue[] = [];
    if (cfg.identity === "direct" && cfg.serviceAccountProject !== undefined) {
        issues.push({
            path: ["backend", "serviceAccountProject"],
            message:
                "is only used with identity 'serviceAccount' (identity 'direct' creates no Google service account); remove it, or set identity: serviceAccount",
        });
    }
    const others = (
        [
            ["secretManager.project", cfg.secretManager.project],
            ["serviceAccountProject", cfg.serviceAccountProject],
            ["gkeCluster.project", cfg.gkeCluster?.project],
        ] as const
    ).filter(([, value]) => value !== undefined && value !== cfg.project);
    if (cfg.xcom.existingBucket && cfg.xcom.project === undefined && others.length > 0) {
        issues.push({
            path: ["backend", "xcom", "project"],
            message: `is required with xcom.existingBucket when the stack spans projects (${others.map(([k]) => `backend.${k}`).join(", ")} set): the custom roles bound on the bucket are created in this project and a custom role can only be bound in its own project; name the bucket's project, e.g. xcom: {project: my-storage-project}`,
        });
    }
    return issues;
}

/** Cross-key checks of the GCP branch. */
export function validateGcpBackend(cfg: GcpBackendConfig, view: BackendValidationView): BackendIssue[] {
    const issues: BackendIssue[] = [];
    const at = (...path: (string | number)[]) => ["backend", ...path];
    if (cfg.gkeCluster === undefined && cfg.workloadPool === undefined) {
        issues.push({
            path: at("gkeCluster"),
            message:
                "set the GKE cluster {name, location} (its workload identity pool is looked up) or workloadPool '<project>.svc.id.goog'",
        });
    }
    if (cfg.gkeCluster !== undefined && cfg.workloadPool !== undefined) {
        issues.push({ path: at("workloadPool"), message: "set either gkeCluster or workloadPool, not both" });
    }
    if (cfg.identity === "direct" && cfg.serviceAccountId !== undefined) {
        issues.push({
            path: at("serviceAccountId"),
            message:
                "is only used with identity 'serviceAccount' (identity 'direct' creates no Google service account)",
        });
    }
    issues.push(...projectIssues(cfg));
    const prefixes = secretPrefixesOf(cfg);
    issues.push(
        ...prefixOverlapIssues(
            secretPrefixEntries(prefixes),
            (key) => at("secretManager", key),
            "secretManager",
            cfg.secretManager.sep,
        ),
    );
    const longest = Math.max(
        ...[...Object.keys(cfg.secretManager.connections), ...Object.keys(cfg.secretManager.variables)].map(
            (k) => k.length,
        ),
        0,
    );
    for (const [key, prefix] of secretPrefixEntries(prefixes)) {
        if (prefix.length + cfg.secretManager.sep.length + longest > 255) {
            issues.push({
                path: at("secretManager", key),
                message: `is too long: '${prefix}${cfg.secretManager.sep}<id>' exceeds Secret Manager's 255 characters`,
            });
        }
    }
    const replication = cfg.secretManager.replication;
    if (replication.kind === "userManaged" && replication.locations.length === 0) {
        issues.push({
            path: at("secretManager", "replication", "locations"),
            message: "is required with replication kind 'userManaged': list at least one region",
        });
    }
    if (replication.kind === "automatic" && replication.locations.length > 0) {
        issues.push({
            path: at("secretManager", "replication", "locations"),
            message: "is only used with replication kind 'userManaged'",
        });
    }
    issues.push(
        ...repeatIssues(replication.locations, (i) => at("secretManager", "replication", "locations", i)),
        ...bucketIssues({ ...cfg.xcom, bucketName: presence(cfg.xcom.bucketName) }, view.environment, at),
        ...customerKeyIssues(cfg.encryption.kind, "keyName", presence(cfg.encryption.keyName), at),
    );
    // An existing key named by an Output has no known location yet: the two location checks below
    // are skipped for it (its name alone is checked when it resolves).
    const keyLoc = keyLocation(cfg);
    if (cfg.encryption.kind === "existingKey" && keyLoc !== undefined && keyLoc !== cfg.location) {
        issues.push({
            path: at("encryption", "keyName"),
            message: `is in ${keyLoc}; a bucket's key must be in the bucket's location ${cfg.location} (backend.location)`,
        });
    }
    const seeds = Object.keys(cfg.secretManager.connections).length + Object.keys(cfg.secretManager.variables).length;
    const sameRegion = replication.kind === "userManaged" && replication.locations.every((l) => l === keyLoc);
    if (keyLoc !== undefined && seeds > 0 && !sameRegion) {
        issues.push({
            path: at("secretManager", "replication"),
            message: `must be {kind: userManaged, locations: [${keyLoc}]} to encrypt the seeded secrets with the customer key in ${keyLoc} (automatic replication needs a global key)`,
        });
    }
    if (cfg.taskLogs.enabled && prefixesOverlap(cfg.taskLogs.prefix, cfg.xcom.prefix)) {
        issues.push({
            path: at("taskLogs", "prefix"),
            message: `overlaps xcom.prefix ('${cfg.xcom.prefix}'); task logs need their own prefix (e.g. 'logs'), or XCom purges and expiry would reach them`,
        });
    }
    issues.push(
        ...handWrittenLogFolderIssues(view, {
            kind: "gcp",
            enabled: cfg.taskLogs.enabled,
            schemes: ["gs"],
            location: "gs://<bucket>/<backend.taskLogs.prefix>",
        }),
    );
    if (view.xcomCompression !== undefined) {
        issues.push({
            path: ["xcom", "compression"],
            message:
                "is refused with the gcp backend: fsspec's compressed writers never close the gcsfs file they wrap, so the upload finishes only when the file is garbage-collected and a pull right after the push can miss the object (reproduced by the GCP permission proof); leave it unset",
        });
    }
    for (const entry of view.env) {
        if (entry.name === "GOOGLE_APPLICATION_CREDENTIALS") {
            issues.push({
                path: entry.path,
                message:
                    "is refused with the gcp backend: a key file overrides Workload Identity (Application Default Credentials); the agent authenticates as its Kubernetes ServiceAccount",
            });
        }
    }
    return issues;
}
