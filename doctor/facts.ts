// What the doctor's rules look at. Each row of the table (./causes.ts) names one subject; the walk
// (./analyze.ts) collects the facts about every subject of that kind and runs the rows over them.
import type {
    AgentExpectations,
    CauseId,
    ClusterSnapshot,
    ComponentReport,
    ContainerStatus,
    Deployment,
    ExpectedComponent,
    ExpectedSecret,
    Finding,
    KubeEvent,
    Pod,
    Secret,
    ServiceAccount,
    Severity,
} from "./types";

/** Options of `analyzeAgent`. */
export interface AnalyzeOptions {
    /** Check objects only (namespace, Deployments, Secrets, ServiceAccounts, annotations), not pods. */
    objectsOnly?: boolean;
    /** The current time (ms), for the age of Pending pods. Default `Date.now()`. */
    now?: number;
    /** Config key per identity annotation (from the backend's `serviceAccountAnnotationKeys`). */
    identityKeys?: Record<string, string>;
}

/** The agent as a whole: what it should look like, what the cluster holds, how to look. */
export interface AgentFacts {
    expect: AgentExpectations;
    snapshot: ClusterSnapshot;
    options: AnalyzeOptions;
    /** The current time (ms). */
    now: number;
}

/** One Secret the chart reads, and the cluster's Secret of that name. */
export interface SecretFacts extends AgentFacts {
    want: ExpectedSecret;
    secret: Secret | undefined;
}

/** One agent component: its Deployment, ServiceAccount, events and pods. */
export interface ComponentFacts extends AgentFacts {
    component: ExpectedComponent;
    deployment: Deployment | undefined;
    serviceAccount: ServiceAccount | undefined;
    /** Events of the Deployment, its ReplicaSets and its pods, oldest first. */
    events: readonly KubeEvent[];
    pods: readonly Pod[];
}

/** One identity annotation the backend wants on a component's ServiceAccount. */
export interface AnnotationFacts extends ComponentFacts {
    key: string;
    want: string;
    /** Its value on the ServiceAccount (undefined: absent, or no ServiceAccount). */
    have: string | undefined;
}

/** One pod of a component. */
export interface PodFacts extends ComponentFacts {
    pod: Pod;
    /** The events about this pod, oldest first. */
    podEvents: readonly KubeEvent[];
    /** Whether its Ready condition is True. */
    ready: boolean;
    /** The findings already made about this pod (its containers, earlier rows): read-only for rules. */
    found: readonly Finding[];
}

/** One container (init containers first) of a pod. */
export interface ContainerFacts extends PodFacts {
    status: ContainerStatus;
    /** Why it waits (`ImagePullBackOff`, `CrashLoopBackOff`, ...), "" when it does not. */
    reason: string;
    /** Its image: from the status, else the pod spec, else the component's. */
    image: string;
    restarts: number;
    /** `CrashLoopBackOff`, or terminated now. */
    crashing: boolean;
    /** The last termination: the current one, else the previous instance's. */
    lastTermination: { reason?: string; exitCode?: number } | undefined;
    /** Its log (previous instance and current), "" when not read. */
    log: string;
}

/** The cluster's nodes, once every component has been examined. */
export interface NodesFacts extends AgentFacts {
    components: readonly ComponentReport[];
}

/** What a row can look at, and the facts it gets. */
export interface Facts {
    /** The Helm release's revisions (when the release name is known). */
    release: AgentFacts;
    /** The agent's namespace. */
    namespace: AgentFacts;
    /** Each Secret the chart reads. */
    secret: SecretFacts;
    /** The image pull Secret against the images of every component. */
    pullSecret: AgentFacts;
    /** Each component's Deployment and ServiceAccount. */
    component: ComponentFacts;
    /** Each identity annotation on each component's ServiceAccount. */
    annotation: AnnotationFacts;
    /** Each component's `FailedCreate` events (pods the API server refused). */
    podCreation: ComponentFacts;
    /** Each container of each pod. */
    container: ContainerFacts;
    /** Each pod (scheduling, readiness), after its containers. */
    pod: PodFacts;
    /** The nodes, after every component. */
    nodes: NodesFacts;
}

export type Subject = keyof Facts;

/** The subjects about pods and their events: not looked at with `objectsOnly`. */
export const POD_SUBJECTS: ReadonlySet<Subject> = new Set<Subject>(["podCreation", "container", "pod", "nodes"]);

/** What a row writes into its finding (the walk adds severity, cause and component). */
export type FindingText = Pick<Finding, "summary" | "fix" | "configKeys" | "objects">;

/** One row of the table of causes. */
export interface CauseRule<S extends Subject = Subject, M = unknown> {
    /** The cause it reports (unique in the table). */
    id: CauseId;
    /** The kind of subject it looks at. */
    looksAt: S;
    severity: Severity;
    /**
     * Rows of one group are alternatives for one subject: only the first, in table order, that
     * matches reports.
     */
    group?: string;
    /** When it matches, the doctor looks no further: the report holds this finding only. */
    final?: boolean;
    /** What it found in the facts (passed to `explain`), or false / undefined when it does not apply. */
    match(facts: Facts[S]): M | false | undefined;
    /** The finding's text from the facts and what `match` found. */
    explain(facts: Facts[S], found: M): FindingText;
}
