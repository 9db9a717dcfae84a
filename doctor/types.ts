// The Kubernetes objects the doctor reads, reduced to the fields it uses (shaped like the API's JSON,
// so recorded API responses are valid input), and the report it produces.
import type { ReleaseRevision } from "./release";

export interface ObjectMeta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
    creationTimestamp?: string;
}

export interface ContainerState {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: { reason?: string; exitCode?: number; message?: string };
}

export interface ContainerStatus {
    name: string;
    ready?: boolean;
    restartCount?: number;
    image?: string;
    state?: ContainerState;
    lastState?: ContainerState;
}

export interface Pod {
    metadata: ObjectMeta;
    spec?: {
        serviceAccountName?: string;
        nodeName?: string;
        containers?: { name: string; image?: string }[];
        initContainers?: { name: string; image?: string }[];
        imagePullSecrets?: { name: string }[];
    };
    status?: {
        phase?: string;
        conditions?: { type: string; status: string; reason?: string; message?: string }[];
        containerStatuses?: ContainerStatus[];
        initContainerStatuses?: ContainerStatus[];
    };
}

export interface KubeEvent {
    metadata: ObjectMeta;
    involvedObject: { kind?: string; name?: string; namespace?: string };
    reason?: string;
    message?: string;
    type?: string;
    count?: number;
    lastTimestamp?: string | null;
    eventTime?: string | null;
}

/** A Secret as the API returns it. Only key names and pull-secret registry names are ever reported. */
export interface Secret {
    metadata: ObjectMeta;
    type?: string;
    data?: Record<string, string>;
}

export interface ServiceAccount {
    metadata: ObjectMeta;
}

export interface Deployment {
    metadata: ObjectMeta;
    spec?: { replicas?: number };
    status?: {
        replicas?: number;
        readyReplicas?: number;
        availableReplicas?: number;
        conditions?: { type: string; status: string; reason?: string; message?: string }[];
    };
}

/** What the cluster holds for one agent namespace, read once. */
export interface ClusterSnapshot {
    namespaceExists: boolean;
    pods: Pod[];
    events: KubeEvent[];
    secrets: Secret[];
    serviceAccounts: ServiceAccount[];
    deployments: Deployment[];
    /** Nodes in the cluster; undefined when the credentials may not list nodes. */
    nodeCount?: number | undefined;
    /** Container logs (last lines, previous instance when restarted) by `pod/container`. */
    logs?: Record<string, string>;
    /** The Helm release's revisions (its release Secrets' metadata); undefined when not read. */
    releaseRevisions?: ReleaseRevision[] | undefined;
}

/** One agent component the chart renders (a Deployment with its own ServiceAccount). */
export interface ExpectedComponent {
    /** `worker:<name>`, `dagProcessor`, `triggerer`, `sentinel`. */
    key: string;
    /** Where its settings live in the stack config, e.g. `workers[0]`, `triggerer`. */
    configPath: string;
    deployment: string;
    serviceAccount: string;
    /** The main container's image. */
    image: string;
    /** Whether the component sets its own image (`<configPath>.image`) rather than the global `image`. */
    ownImage: boolean;
    /** The main container's name (the chart's entrypoint argument). */
    container: string;
}

/** A Secret the chart expects to exist (the program creates it, or the config names an existing one). */
export interface ExpectedSecret {
    name: string;
    /** The data key the chart reads. */
    dataKey: string;
    /** Required type, when the chart needs one. */
    type?: string;
    what: string;
    /** Config keys that set it. */
    configKeys: string[];
}

/** What one deployed agent should look like, derived from its chart values ({@link expectationsFromValues}). */
export interface AgentExpectations {
    /** A label for the agent (the stack or the fleet member name). */
    agent: string;
    namespace: string;
    restricted: boolean;
    components: ExpectedComponent[];
    secrets: ExpectedSecret[];
    /** The pull Secret name (also in `secrets`). */
    imagePullSecretName: string;
    /** Identity annotations every agent ServiceAccount must carry (from the backend). */
    serviceAccountAnnotations: Record<string, string>;
    /** The backend kind, when known (names the config keys of identity findings). */
    backendKind?: string | undefined;
    /** The Helm release name, when known (then its revisions are read: a stuck release is reported first). */
    releaseName?: string | undefined;
    /** The command that recovers a stuck release (`npm run recover -- --stack NAME`). */
    recoverCommand?: string | undefined;
    /** Whether the stack's state holds the release (undefined: not known, e.g. inside the program). */
    releaseInState?: boolean | undefined;
}

export type Severity = "error" | "warning";

/** Cause identifiers: stable, so programs can match on them; one row each in the table of ./causes.ts. */
export type CauseId =
    | "release-stuck"
    | "release-not-in-state"
    | "namespace-missing"
    | "deployment-missing"
    | "secret-missing"
    | "secret-key-missing"
    | "secret-wrong-type"
    | "pull-secret-registry"
    | "service-account-missing"
    | "identity-annotation"
    | "image-pull-auth"
    | "image-not-found"
    | "image-pull"
    | "agent-token-rejected"
    | "agent-forbidden"
    | "crash"
    | "oom-killed"
    | "pod-security"
    | "pod-rejected"
    | "unschedulable"
    | "no-nodes"
    | "not-scheduled"
    | "container-config"
    | "not-ready";

export interface Finding {
    severity: Severity;
    cause: CauseId;
    /** `worker:<name>`, `dagProcessor`, ... or `agent` for what all components share. */
    component: string;
    /** What is wrong, in one sentence. */
    summary: string;
    /** What to do. */
    fix: string;
    /** The config keys that fix it (full paths). */
    configKeys: string[];
    /** The objects it was seen on, e.g. `pod/astro-worker-default-5d4f-x`. */
    objects: string[];
}

export interface ContainerSummary {
    name: string;
    ready: boolean;
    restarts: number;
    /** `running`, `waiting: ImagePullBackOff`, `terminated: OOMKilled (137)`... */
    state: string;
}

export interface PodSummary {
    name: string;
    phase: string;
    ready: boolean;
    restarts: number;
    containers: ContainerSummary[];
}

export interface ComponentReport {
    key: string;
    configPath: string;
    deployment: string;
    /** `ready/desired` from the Deployment, e.g. `0/1`; `missing` when it does not exist. */
    ready: string;
    pods: PodSummary[];
    /** The last Warning events of the Deployment, its ReplicaSets and pods (`Reason: message`). */
    events: string[];
    findings: Finding[];
}

export interface AgentReport {
    agent: string;
    namespace: string;
    ok: boolean;
    components: ComponentReport[];
    /** Findings about what the components share (namespace, Secrets, nodes). */
    findings: Finding[];
}

export interface DoctorReport {
    ok: boolean;
    agents: AgentReport[];
}
