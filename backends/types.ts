// The contract every secrets/XCom/identity backend implements: the SDK-free descriptor the config
// validates with (AgentBackend), and what its component gets and gives (BackendContext, BackendContribution).
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { EnvVar, K8sObject } from "../schema/primitives";

/** One agent component that runs under its own ServiceAccount. */
export interface AgentServiceAccountRef {
    /** `worker:<name>`, `dagProcessor`, `triggerer` or `sentinel`. */
    component: string;
    /** The exact ServiceAccount name, as created by `AgentServiceAccounts`. */
    name: string;
}

/** What a backend is told when it creates its resources. */
export interface BackendContext {
    /** The top component's name: backends derive their children's names from it. */
    name: string;
    /** Parent for the backend's own component; providers flow down from it. */
    parent: pulumi.Resource;
    /** The agent namespace (an Output, so resources in it are ordered after it). */
    namespace: pulumi.Output<string>;
    /**
     * The namespace name as given (identity subjects must name it exactly): a string, or the Output a
     * component arg gave for it (known, and checked, when it resolves).
     */
    namespaceName: pulumi.Input<string>;
    resourceNamePrefix: string;
    environment: "dev" | "prod";
    /** Every ServiceAccount the agent's pods run as; identity bindings must name exactly these. */
    serviceAccounts: AgentServiceAccountRef[];
    /** Labels to put on every object the backend creates. */
    labels: Record<string, string>;
    /** The `caBundle` file every pod mounts, when set (a backend whose client takes a CA path passes it). */
    caBundleFile?: string;
}

/**
 * What a backend gives the chart. Everything here ends up in Helm values, so nothing in it may be a
 * secret: secret material goes into Kubernetes Secrets or the cloud secret store, and only names,
 * paths and class paths come back.
 */
export interface BackendContribution {
    /** Airflow secrets backend class path (chart value `secretBackend`). */
    secretBackend: string;
    /** Secrets backend kwargs, serialised into `AIRFLOW__SECRETS__BACKEND_KWARGS`. */
    secretBackendKwargs: pulumi.Input<Record<string, unknown>>;
    /** Airflow XCom backend class path (chart value `xcomBackend`). */
    xcomBackend: string;
    /** `AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`, e.g. `s3://bucket/xcom`. */
    xcomPath: pulumi.Input<string>;
    /** Extra `commonEnv` entries (region variables, connection ids…), non-secret. */
    commonEnv: pulumi.Input<EnvVar>[];
    /** Annotations for every agent ServiceAccount (e.g. `eks.amazonaws.com/role-arn`). */
    serviceAccountAnnotations: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Labels for every agent pod (e.g. `azure.workload.identity/use: "true"`). */
    podLabels: Record<string, string>;
    /** Volumes added to worker, triggerer and dag processor pods. */
    volumes: K8sObject[];
    /** Mounts for those volumes, in the same three components. */
    volumeMounts: K8sObject[];
    /** Resources the Helm release must wait for (secrets seeded, bindings in place…). */
    dependsOn: pulumi.Resource[];
    /** Stack outputs the backend adds, by output name (e.g. `awsRoleArn`); none when omitted. */
    outputs?: Record<string, pulumi.Output<string>>;
}

/** A name the backend sets (an env variable, an annotation key) and the config path that decides it. */
export interface BackendOwnedName {
    name: string;
    /** Config path (from the root) of the setting that makes the backend set it, for messages. */
    setBy: (string | number)[];
}

/**
 * A setting that weakens a prod stack, named by an id the stack can acknowledge in `acceptRisks`.
 * Ids are shared across backends when the risk is the same (one definition per id).
 */
export interface RiskDefinition {
    id: string;
    /** What accepting it allows (one sentence, for the config reference). */
    allows: string;
    /** Why it is risky (one sentence). */
    why: string;
}

/** A weakening present in a config; `path` is relative to the config root. */
export interface Weakening {
    risk: string;
    path: (string | number)[];
    /** What the value does, e.g. "attaches the broad managed policy 'AdministratorAccess'". */
    found: string;
    /** The safer setting, e.g. "attach policies scoped to what the DAGs need". */
    safer: string;
}

/** A validation problem found by a backend's cross-key check; `path` is relative to the config root. */
export interface BackendIssue {
    path: (string | number)[];
    message: string;
}

/**
 * A backend as the config sees it: one folder under `backends/` (schema branch, owned names, checks),
 * listed in `backends/registry.ts`; its resources come from its component under `components/backends/`
 * (`createBackend`, components/backends/create.ts).
 */
export interface AgentBackend<S extends z.ZodType = z.ZodType> {
    /** The `backend.kind` value that selects it. */
    kind: string;
    /** The schema branch for `backend` (must have `kind: z.literal(kind)`). */
    schema: S;
    /** Names of the volumes the component adds to worker, triggerer and dag processor pods (users may mount them). */
    volumeNames?: readonly string[];
    /** One line for the README: what it provisions. */
    summary: string;
    /**
     * Backend keys naming the cluster whose tokens the identity trusts (OIDC issuer, auth mount), when
     * it binds to one cluster: in a fleet (`clusters`) each cluster must set one of them itself.
     */
    clusterIdentity?: { keys: readonly string[]; example: Record<string, unknown> };
    /**
     * The `commonEnv` names the component returns, as a pure function of the backend config, so validation
     * can refuse a user entry naming the same variable before anything is created (the program also
     * checks at deploy time that the component kept to this list).
     */
    envNames(backend: z.output<S>): BackendOwnedName[];
    /**
     * Every label and annotation key of the workload-identity webhook this backend configures (whether or
     * not this config uses it): their DNS prefixes are the program's, refused in `labels`/`annotations`.
     */
    identityMetadataKeys?: readonly string[];
    /** The ServiceAccount annotation keys the component returns (identity bindings); users cannot override them. */
    serviceAccountAnnotationKeys(backend: z.output<S>): BackendOwnedName[];
    /** The prod weakenings this backend's settings can make (ids of `acceptRisks`); none when omitted. */
    risks?: readonly RiskDefinition[];
    /** The weakenings present in a backend config (each names one of `risks`). */
    weakenings?(backend: z.output<S>): Weakening[];
    /** Cross-key checks needing the whole config (e.g. Git connections the backend must serve). */
    validate?(backend: z.output<S>, config: BackendValidationView): BackendIssue[];
    /**
     * Checks across the clusters of a fleet, given each cluster's merged backend (e.g. two clusters
     * creating the same cloud object); `member` indexes `members`, `path` is relative to the config root.
     */
    validateFleet?(
        members: readonly { name: string; backend: z.output<S> }[],
    ): { member: number; issue: BackendIssue }[];
}

/** The parts of the parsed config a backend may look at during validation. */
export interface BackendValidationView {
    environment: "dev" | "prod";
    /** Connection ids the DAG bundles need, with the config path that asks for each. */
    requiredConnections: { connId: string; path: (string | number)[] }[];
    /** How many ServiceAccounts the agent's pods run as (workers, dag processor, triggerer, Sentinel). */
    serviceAccountCount: number;
    /**
     * Every env variable name the config sets (commonEnv, components, sidecars), with the config path of
     * the name and the value when it is a plain string (never a secret or a `valueFrom`).
     */
    env: { name: string; path: (string | number)[]; value?: string | undefined }[];
    /** `xcom.compression`, when set. */
    xcomCompression?: string | undefined;
}
