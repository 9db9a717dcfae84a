// The agent doctor: reads one or more deployed agents (a fleet is a list) from the cluster and says,
// per component, what is wrong, the likely cause and the config key that fixes it. Read-only.
import { analyzeAgent } from "./analyze";
import { expectationsFromValues } from "./expectations";
import { KubeClient, type KubeReader } from "./kube";
import { readReleaseRevisions } from "./release";
import type { AgentExpectations, AgentReport, ClusterSnapshot, DoctorReport, Pod, Secret } from "./types";

export * from "./types";
export { analyzeAgent, type AnalyzeOptions } from "./analyze";
export { imageRegistry, podSecurityViolations, pullSecretRegistries } from "./causes";
export { expectationsFromValues, type ExpectationOptions } from "./expectations";
export { formatReport } from "./format";
export { KubeClient, defaultKubeconfigPath, type KubeReader, type KubeWriter } from "./kube";
export {
    PENDING_STATUSES,
    applyRecovery,
    planRecovery,
    readReleaseRevisions,
    releaseRevisions,
    stuckRevision,
    type RecoveryPlan,
    type ReleaseRevision,
} from "./release";

/** One deployed agent to examine. */
export interface DiagnoseTarget {
    /** Label in the report (stack name, fleet member). Default the namespace. */
    agent?: string;
    /** The chart values the program gave Helm (`chartValues` stack output / `RemoteExecutionAgent.chartValues`). */
    chartValues: Record<string, unknown>;
    /** Namespace, when the values do not carry it. */
    namespace?: string;
    /** Backend kind, to name identity config keys. */
    backendKind?: string;
    /** Config key per identity annotation (e.g. `{"eks.amazonaws.com/role-arn": "backend.identity"}`). */
    identityKeys?: Record<string, string>;
    /** The Helm release name: its revisions are read (metadata only) and a stuck one is reported first. */
    releaseName?: string;
    /** The command that recovers a stuck release. Default `npm run recover -- --stack <agent>`. */
    recoverCommand?: string;
    /** Whether the stack's state holds the release (a release the state lacks is reported). */
    releaseInState?: boolean;
}

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
    /** A client; default one from `kubeconfig`/`context` (else `$KUBECONFIG` or `~/.kube/config`). */
    client?: KubeReader;
    kubeconfig?: string;
    context?: string;
    /** Check the objects only (namespace, Deployments, Secrets, ServiceAccounts, annotations), not the pods. */
    objectsOnly?: boolean;
}

interface List<T> {
    items?: T[];
}

const LOG_TAIL_LINES = 100;

/** Reads what {@link analyzeAgent} needs for one agent (Secrets by name, the expected ones; the release's Secrets as metadata only). */
export async function readSnapshot(
    client: KubeReader,
    expect: AgentExpectations,
    options: { objectsOnly?: boolean } = {},
): Promise<ClusterSnapshot> {
    const ns = encodeURIComponent(expect.namespace);
    const base = `/api/v1/namespaces/${ns}`;
    const namespace = await client.get(base);
    const releaseRevisions =
        expect.releaseName === undefined || namespace === undefined
            ? undefined
            : await readReleaseRevisions(client, expect.namespace, expect.releaseName);
    if (namespace === undefined) {
        return { namespaceExists: false, pods: [], events: [], secrets: [], serviceAccounts: [], deployments: [] };
    }
    const list = async <T>(p: string, allowForbidden = false) =>
        (await client.get<List<T>>(p, { allowForbidden }))?.items ?? [];
    const secretNames = [...new Set(expect.secrets.map((s) => s.name))];
    const [pods, events, serviceAccounts, deployments, nodes, secrets] = await Promise.all([
        options.objectsOnly === true ? Promise.resolve([] as Pod[]) : list<Pod>(`${base}/pods`),
        options.objectsOnly === true ? Promise.resolve([]) : list<never>(`${base}/events`),
        list<never>(`${base}/serviceaccounts`),
        list<never>(`/apis/apps/v1/namespaces/${ns}/deployments`),
        options.objectsOnly === true
            ? Promise.resolve(undefined)
            : client.get<List<unknown>>("/api/v1/nodes?limit=1", { allowForbidden: true }),
        Promise.all(
            secretNames.map((n) =>
                client.get<Secret>(`${base}/secrets/${encodeURIComponent(n)}`, { allowForbidden: true }),
            ),
        ),
    ]);
    const logs: Record<string, string> = {};
    await Promise.all(
        pods.flatMap((pod) =>
            [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
                .filter((s) => (s.restartCount ?? 0) > 0 || s.state?.terminated !== undefined)
                .map(async (s) => {
                    const p = `${base}/pods/${encodeURIComponent(pod.metadata.name)}/log?container=${encodeURIComponent(s.name)}&tailLines=${LOG_TAIL_LINES}`;
                    const previous =
                        (s.restartCount ?? 0) > 0
                            ? await client.get<string>(`${p}&previous=true`, { text: true }).catch(() => undefined)
                            : undefined;
                    const current = await client.get<string>(p, { text: true }).catch(() => undefined);
                    logs[`${pod.metadata.name}/${s.name}`] = `${previous ?? ""}\n${current ?? ""}`;
                }),
        ),
    );
    return {
        namespaceExists: true,
        pods,
        events,
        secrets: secrets.filter((s): s is Secret => s !== undefined),
        serviceAccounts,
        deployments,
        nodeCount: nodes === undefined ? undefined : (nodes.items ?? []).length,
        logs,
        releaseRevisions,
    };
}

/**
 * Examines deployed agents (one, or a fleet) and reports per component: pods, readiness, restarts,
 * recent Warning events, and findings mapped to causes and config keys. Never returns secret values.
 */
export async function diagnose(
    targets: DiagnoseTarget | readonly DiagnoseTarget[],
    options: DiagnoseOptions = {},
): Promise<DoctorReport> {
    const list = Array.isArray(targets) ? (targets as readonly DiagnoseTarget[]) : [targets as DiagnoseTarget];
    const own: KubeClient | undefined =
        options.client === undefined
            ? new KubeClient({
                  ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }),
                  ...(options.context === undefined ? {} : { context: options.context }),
              })
            : undefined;
    const client: KubeReader = options.client ?? (own as KubeReader);
    try {
        const agents: AgentReport[] = [];
        for (const t of list) {
            const expect = expectationsFromValues(t.chartValues, {
                ...(t.agent === undefined ? {} : { agent: t.agent }),
                ...(t.namespace === undefined ? {} : { namespace: t.namespace }),
                ...(t.backendKind === undefined ? {} : { backendKind: t.backendKind }),
                ...(t.releaseName === undefined ? {} : { releaseName: t.releaseName }),
                recoverCommand: t.recoverCommand ?? `npm run recover -- --stack ${t.agent ?? "<stack>"}`,
                ...(t.releaseInState === undefined ? {} : { releaseInState: t.releaseInState }),
            });
            const objectsOnly = options.objectsOnly === true;
            const snapshot = await readSnapshot(client, expect, { objectsOnly });
            agents.push(
                analyzeAgent(expect, snapshot, {
                    objectsOnly,
                    ...(t.identityKeys === undefined ? {} : { identityKeys: t.identityKeys }),
                }),
            );
        }
        return { ok: agents.every((a) => a.ok), agents };
    } finally {
        own?.close();
    }
}
