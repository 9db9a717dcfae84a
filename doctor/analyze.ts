// The one place that runs the table of causes (./causes.ts): walks an agent's snapshot subject by
// subject, collects the facts about each (./facts.ts), runs the rows that look at it and assembles the
// report (per component: readiness, pods, last Warning events, findings).
import { CAUSE_RULES, short } from "./causes";
import {
    POD_SUBJECTS,
    type AgentFacts,
    type AnalyzeOptions,
    type ComponentFacts,
    type Facts,
    type Subject,
} from "./facts";
import type {
    AgentExpectations,
    AgentReport,
    ClusterSnapshot,
    ComponentReport,
    ContainerStatus,
    ContainerSummary,
    Deployment,
    ExpectedComponent,
    Finding,
    KubeEvent,
    Pod,
    PodSummary,
} from "./types";

export type { AnalyzeOptions } from "./facts";

/**
 * Runs the rows that look at `subject` over its facts and appends their findings to `out`; returns
 * whether a `final` row matched. Pod subjects are skipped with `objectsOnly`.
 */
function look<S extends Subject>(subject: S, facts: Facts[S], component: string, out: Finding[]): boolean {
    if (facts.options.objectsOnly === true && POD_SUBJECTS.has(subject)) {
        return false;
    }
    const matchedGroups = new Set<string>();
    let final = false;
    for (const rule of CAUSE_RULES) {
        if (rule.looksAt !== subject || (rule.group !== undefined && matchedGroups.has(rule.group))) {
            continue;
        }
        const found = rule.match(facts);
        if (found === undefined || found === false) {
            continue;
        }
        const text = rule.explain(facts, found);
        out.push({
            severity: rule.severity,
            cause: rule.id,
            component,
            summary: text.summary,
            fix: text.fix,
            configKeys: text.configKeys,
            objects: text.objects,
        });
        if (rule.group !== undefined) {
            matchedGroups.add(rule.group);
        }
        final ||= rule.final === true;
    }
    return final;
}

/** `<deployment>` of a ReplicaSet name `<deployment>-<hash>`. */
function deploymentOfReplicaSet(name: string): string {
    return name.replace(/-[a-z0-9]+$/, "");
}

/** `<deployment>` of a pod name `<deployment>-<rs hash>-<pod hash>`. */
function deploymentOfPod(name: string): string {
    return deploymentOfReplicaSet(deploymentOfReplicaSet(name));
}

function componentOfPod(pod: Pod, components: readonly ExpectedComponent[]): ExpectedComponent | undefined {
    const owner = pod.metadata.ownerReferences?.find((o) => o.kind === "ReplicaSet")?.name;
    const deployment = owner === undefined ? deploymentOfPod(pod.metadata.name) : deploymentOfReplicaSet(owner);
    return (
        components.find((c) => c.deployment === deployment) ??
        components.find((c) => c.serviceAccount === pod.spec?.serviceAccountName)
    );
}

function componentOfEvent(event: KubeEvent, components: readonly ExpectedComponent[]): ExpectedComponent | undefined {
    const name = event.involvedObject.name ?? "";
    switch (event.involvedObject.kind) {
        case "Deployment":
            return components.find((c) => c.deployment === name);
        case "ReplicaSet":
            return components.find((c) => c.deployment === deploymentOfReplicaSet(name));
        case "Pod":
            return components.find((c) => c.deployment === deploymentOfPod(name));
        default:
            return undefined;
    }
}

function eventTime(e: KubeEvent): string {
    return e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? "";
}

function eventsOf(c: ExpectedComponent, snapshot: ClusterSnapshot, components: readonly ExpectedComponent[]) {
    return snapshot.events
        .filter((e) => componentOfEvent(e, components)?.key === c.key)
        .sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
}

function containerStatuses(pod: Pod): ContainerStatus[] {
    return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

function isReady(pod: Pod): boolean {
    return pod.status?.conditions?.find((x) => x.type === "Ready")?.status === "True";
}

function stateOf(s: ContainerStatus): string {
    if (s.state?.running !== undefined) {
        return "running";
    }
    if (s.state?.waiting !== undefined) {
        return `waiting: ${s.state.waiting.reason ?? "?"}`;
    }
    if (s.state?.terminated !== undefined) {
        const t = s.state.terminated;
        return `terminated: ${t.reason ?? "?"}${t.exitCode === undefined ? "" : ` (${t.exitCode})`}`;
    }
    return "unknown";
}

function summarizePod(pod: Pod): PodSummary {
    const containers: ContainerSummary[] = containerStatuses(pod).map((s) => ({
        name: s.name,
        ready: s.ready === true,
        restarts: s.restartCount ?? 0,
        state: stateOf(s),
    }));
    return {
        name: pod.metadata.name,
        phase: pod.status?.phase ?? "Unknown",
        ready: isReady(pod),
        restarts: containers.reduce((n, x) => n + x.restarts, 0),
        containers,
    };
}

/** The findings about one pod: each container's, then the pod's own. */
function podFindings(facts: ComponentFacts, pod: Pod): Finding[] {
    const out: Finding[] = [];
    const podFacts: Facts["pod"] = {
        ...facts,
        pod,
        podEvents: facts.events.filter(
            (e) => e.involvedObject.kind === "Pod" && e.involvedObject.name === pod.metadata.name,
        ),
        ready: isReady(pod),
        found: out,
    };
    for (const status of containerStatuses(pod)) {
        const reason = status.state?.waiting?.reason ?? "";
        look(
            "container",
            {
                ...podFacts,
                status,
                reason,
                image:
                    status.image ??
                    pod.spec?.containers?.find((x) => x.name === status.name)?.image ??
                    facts.component.image,
                restarts: status.restartCount ?? 0,
                crashing: reason === "CrashLoopBackOff" || status.state?.terminated !== undefined,
                lastTermination: status.state?.terminated ?? status.lastState?.terminated,
                log: facts.snapshot.logs?.[`${pod.metadata.name}/${status.name}`] ?? "",
            },
            facts.component.key,
            out,
        );
    }
    look("pod", podFacts, facts.component.key, out);
    return out;
}

function readyOf(d: Deployment | undefined): string {
    if (d === undefined) {
        return "missing";
    }
    return `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`;
}

function componentReport(agent: AgentFacts, c: ExpectedComponent): ComponentReport {
    const { expect, snapshot, options } = agent;
    const facts: ComponentFacts = {
        ...agent,
        component: c,
        deployment: snapshot.deployments.find((d) => d.metadata.name === c.deployment),
        serviceAccount: snapshot.serviceAccounts.find((s) => s.metadata.name === c.serviceAccount),
        events: eventsOf(c, snapshot, expect.components),
        pods: snapshot.pods.filter((p) => componentOfPod(p, expect.components)?.key === c.key),
    };
    const findings: Finding[] = [];
    look("component", facts, c.key, findings);
    for (const [key, want] of Object.entries(expect.serviceAccountAnnotations)) {
        const have = facts.serviceAccount?.metadata.annotations?.[key];
        look("annotation", { ...facts, key, want, have }, c.key, findings);
    }
    look("podCreation", facts, c.key, findings);
    for (const pod of facts.pods) {
        findings.push(...podFindings(facts, pod));
    }
    const warnings = facts.events.filter((e) => e.type === "Warning");
    const seen = new Set<string>();
    const lastEvents: string[] = [];
    for (const e of [...warnings].reverse()) {
        const line = `${e.reason ?? "?"}: ${short(e.message ?? "", 240)}`;
        const dedup = `${e.reason ?? ""}:${(e.message ?? "").replace(/"[^"]*-[a-z0-9]{5}"/g, "")}`;
        if (!seen.has(dedup)) {
            seen.add(dedup);
            lastEvents.push(line);
        }
        if (lastEvents.length === 3) {
            break;
        }
    }
    return {
        key: c.key,
        configPath: c.configPath,
        deployment: c.deployment,
        ready: readyOf(facts.deployment),
        pods: facts.pods.map(summarizePod),
        events: options.objectsOnly ? [] : lastEvents.reverse(),
        findings: dedupe(findings),
    };
}

/** One finding per cause and summary (several pods of a Deployment fail the same way). */
function dedupe(findings: Finding[]): Finding[] {
    const out: Finding[] = [];
    for (const f of findings) {
        const same = out.find((x) => x.cause === f.cause && x.summary === f.summary);
        if (same === undefined) {
            out.push({ ...f, objects: [...f.objects] });
        } else {
            same.objects.push(...f.objects.filter((o) => !same.objects.includes(o)));
        }
    }
    return out;
}

/** Everything the doctor concludes about one agent from one snapshot of its namespace. */
export function analyzeAgent(
    expect: AgentExpectations,
    snapshot: ClusterSnapshot,
    options: AnalyzeOptions = {},
): AgentReport {
    const agent: AgentFacts = { expect, snapshot, options, now: options.now ?? Date.now() };
    const findings: Finding[] = [];
    const report = (components: ComponentReport[]): AgentReport => ({
        agent: expect.agent,
        namespace: expect.namespace,
        ok: ![...findings, ...components.flatMap((c) => c.findings)].some((f) => f.severity === "error"),
        components,
        findings,
    });
    // First: a stuck release explains every other symptom (nothing was installed or upgraded).
    look("release", agent, "agent", findings);
    if (look("namespace", agent, "agent", findings)) {
        return report([]);
    }
    for (const want of expect.secrets) {
        const secret = snapshot.secrets.find((s) => s.metadata.name === want.name);
        look("secret", { ...agent, want, secret }, "agent", findings);
    }
    look("pullSecret", agent, "agent", findings);
    const components = expect.components.map((c) => componentReport(agent, c));
    look("nodes", { ...agent, components }, "agent", findings);
    return report(components);
}
