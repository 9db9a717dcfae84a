// IAM members, roles and conditions of the GCP backend, as pure functions of plain strings: tested
// whole, printed by scripts/gcp-policy.ts and judged by the Airflow permission proof
// (tests/airflow/test_gcp_permissions.py). The only place the grants are derived from the prefixes
// that also go into the backend kwargs, the XCom path and the remote log folder.

/** Predefined roles the backend grants. */
export const SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";
export const WORKLOAD_IDENTITY_USER_ROLE = "roles/iam.workloadIdentityUser";
/** The service agents of Cloud Storage and Secret Manager use a customer key with this role. */
export const KMS_ENCRYPTER_DECRYPTER_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/**
 * What XCom needs on the bucket, and nothing else (each one proven by the recorded-call test):
 * `storage.buckets.get` (gcsfs's `mkdir` before each push checks that the bucket exists; refused, it
 * lists the bucket, which proves nothing while the bucket is empty, and then tries to create it),
 * `storage.objects.get` (pull; the `exists()` check of a new path), `storage.objects.list` (gcsfs's
 * directory probe of a missing path, Storage Control's layout lookup), `storage.objects.create` (push) and
 * `storage.objects.delete` (purge). `roles/storage.objectUser` lacks `storage.buckets.get`, hence a custom role.
 */
export const XCOM_OBJECT_PERMISSIONS = [
    "storage.buckets.get",
    "storage.objects.create",
    "storage.objects.delete",
    "storage.objects.get",
    "storage.objects.list",
] as const;

/**
 * What remote task logs need on their prefix (each one proven by the recorded-call test): `GCSRemoteLogIO`
 * reads the existing log (`storage.objects.get`, a 404 the first time), uploads the old text plus the new
 * lines (`storage.objects.create`, and `storage.objects.delete` because the upload replaces the object), and
 * reads logs back by listing the folder and opening each object (`storage.objects.get`; the listing is
 * `storage.objects.list` on the bucket, which the XCom grant already holds).
 */
export const TASK_LOG_OBJECT_PERMISSIONS = [
    "storage.objects.create",
    "storage.objects.delete",
    "storage.objects.get",
] as const;

/** An IAM condition (CEL expression). */
export interface IamCondition {
    title: string;
    description: string;
    expression: string;
}

/** One grant: a role on a resource for some members, optionally conditioned. */
export interface IamGrant {
    /** `project`, `bucket` or `serviceAccount`, and that resource's name. */
    resource: { kind: "project" | "bucket" | "serviceAccount"; name: string };
    role: string;
    members: string[];
    condition?: IamCondition;
}

/** A project-level custom role. */
export interface CustomRoleDefinition {
    roleId: string;
    title: string;
    description: string;
    permissions: string[];
}

/** A CEL string literal. */
export function celString(value: string): string {
    return JSON.stringify(value);
}

/**
 * Workload Identity Federation for GKE, direct access: the principal of one Kubernetes ServiceAccount.
 * The path has the pool project's **number**, the pool name has its **id**.
 */
export function principalMember(
    poolProjectNumber: string,
    workloadPool: string,
    namespace: string,
    serviceAccount: string,
): string {
    return `principal://iam.googleapis.com/projects/${poolProjectNumber}/locations/global/workloadIdentityPools/${workloadPool}/subject/ns/${namespace}/sa/${serviceAccount}`;
}

/** The member a Google service account's `roles/iam.workloadIdentityUser` names for one Kubernetes ServiceAccount. */
export function workloadIdentityUserMember(workloadPool: string, namespace: string, serviceAccount: string): string {
    return `serviceAccount:${workloadPool}[${namespace}/${serviceAccount}]`;
}

/** `serviceAccount:<email>`. */
export function serviceAccountMember(email: string): string {
    return `serviceAccount:${email}`;
}

/** The Secret Manager resource name a secret id has in IAM (project **number**, as IAM evaluates it). */
export function secretResourceName(projectNumber: string, secretId: string): string {
    return `projects/${projectNumber}/secrets/${secretId}`;
}

/**
 * `roles/secretmanager.secretAccessor` on the project, limited to the secrets under the backend's
 * prefixes: `resource.name` of an accessed version is `projects/<number>/secrets/<id>/versions/<v>`, and
 * `CloudSecretManagerBackend` reads `<prefix><sep><id>`, so `<prefix><sep>` bounds it. The role holds only
 * `secretmanager.versions.access`.
 */
export function secretAccessCondition(projectNumber: string, prefixes: string[], sep: string): IamCondition {
    return {
        title: "airflow-secret-prefixes",
        description: `Only secrets named ${prefixes.map((p) => `${p}${sep}*`).join(", ")}`,
        expression: prefixes
            .map((p) => `resource.name.startsWith(${celString(secretResourceName(projectNumber, `${p}${sep}`))})`)
            .join(" || "),
    };
}

/**
 * The bucket grant, limited to the XCom prefix: the bucket itself (`projects/_/buckets/<bucket>`, what
 * `storage.buckets.get` and `storage.objects.list` are checked on; none of the object permissions is) and
 * objects under `<prefix>/` (`projects/_/buckets/<bucket>/objects/<name>`, what `storage.objects.get`,
 * `create` and `delete` are checked on). Listing is therefore not limited to the prefix (Storage Control's
 * layout lookup and gcsfs's directory probes list without one); it shows object names, never contents.
 */
export function xcomObjectCondition(bucket: string, prefix: string): IamCondition {
    return {
        title: "xcom-prefix-only",
        description: `The bucket, and objects under gs://${bucket}/${prefix}/ only`,
        expression: [
            `resource.name == ${celString(`projects/_/buckets/${bucket}`)}`,
            `resource.name.startsWith(${celString(`projects/_/buckets/${bucket}/objects/${prefix}/`)})`,
        ].join(" || "),
    };
}

/** The task logs grant: objects under `gs://<bucket>/<prefix>/` only (not the bucket itself). */
export function taskLogsObjectCondition(bucket: string, prefix: string): IamCondition {
    return {
        title: "task-logs-prefix-only",
        description: `Objects under gs://${bucket}/${prefix}/ only`,
        expression: `resource.name.startsWith(${celString(`projects/_/buckets/${bucket}/objects/${prefix}/`)})`,
    };
}

/** The custom role of the task logs grant: exactly {@link TASK_LOG_OBJECT_PERMISSIONS}. */
export function taskLogsCustomRole(roleId: string, resourceNamePrefix: string): CustomRoleDefinition {
    return {
        roleId,
        title: `Remote Execution Agent task logs (${resourceNamePrefix})`,
        description:
            "Read, write and replace Airflow task log objects. Granted on the agent's bucket under a prefix condition.",
        permissions: [...TASK_LOG_OBJECT_PERMISSIONS],
    };
}

/** The custom role of the XCom grant: exactly {@link XCOM_OBJECT_PERMISSIONS}. */
export function xcomCustomRole(roleId: string, resourceNamePrefix: string): CustomRoleDefinition {
    return {
        roleId,
        title: `Remote Execution Agent XCom (${resourceNamePrefix})`,
        description:
            "Check the bucket; read, write, list and delete XCom objects. Granted on the agent's bucket under a prefix condition.",
        permissions: [...XCOM_OBJECT_PERMISSIONS],
    };
}

/** `projects/<project>/roles/<roleId>`. */
export function customRoleName(project: string, roleId: string): string {
    return `projects/${project}/roles/${roleId}`;
}

/** Everything {@link agentGrants} needs, resolved to plain strings. */
export interface AgentGrantsInput {
    /** The secrets' project (`secretManager.project`, default `project`): the accessor grant is made there. */
    project: string;
    /** Its number (secret resource names in the condition). */
    projectNumber: string;
    /** The members the roles are granted to (principals, or the Google service account). */
    members: string[];
    secretPrefixes: string[];
    sep: string;
    bucket: string;
    xcomPrefix: string;
    /** The bucket role: `projects/<p>/roles/<id>` (the custom role). */
    bucketRole: string;
    /** With task logs: their prefix and the role granted on it (`projects/<p>/roles/<id>`). */
    taskLogs?: { prefix: string; role: string } | undefined;
    /** identity `serviceAccount`: the Google service account and who may impersonate it. */
    impersonation?: { serviceAccountEmail: string; members: string[] } | undefined;
}

/** Every grant the backend makes, in creation order. */
export function agentGrants(p: AgentGrantsInput): IamGrant[] {
    const grants: IamGrant[] = [];
    if (p.impersonation !== undefined) {
        grants.push({
            resource: { kind: "serviceAccount", name: p.impersonation.serviceAccountEmail },
            role: WORKLOAD_IDENTITY_USER_ROLE,
            members: p.impersonation.members,
        });
    }
    grants.push(
        {
            resource: { kind: "project", name: p.project },
            role: SECRET_ACCESSOR_ROLE,
            members: p.members,
            condition: secretAccessCondition(p.projectNumber, p.secretPrefixes, p.sep),
        },
        {
            resource: { kind: "bucket", name: p.bucket },
            role: p.bucketRole,
            members: p.members,
            condition: xcomObjectCondition(p.bucket, p.xcomPrefix),
        },
    );
    if (p.taskLogs !== undefined) {
        grants.push({
            resource: { kind: "bucket", name: p.bucket },
            role: p.taskLogs.role,
            members: p.members,
            condition: taskLogsObjectCondition(p.bucket, p.taskLogs.prefix),
        });
    }
    return grants;
}

/**
 * The `ownerGrants` document of `backend.grants: none`: the custom roles to create in `project` and the
 * role bindings on the project (secrets) and the bucket, exactly those `grants: create` makes (the
 * impersonation of the program's own Google service account is not the owner's, so not in it).
 */
export function gcpOwnerGrants(p: {
    project: string;
    customRoles: CustomRoleDefinition[];
    grants: IamGrant[];
}): Record<string, unknown> {
    return {
        customRoles: p.customRoles.map((r) => ({
            project: p.project,
            ...r,
            name: customRoleName(p.project, r.roleId),
        })),
        bindings: p.grants.filter((g) => g.resource.kind !== "serviceAccount"),
    };
}
