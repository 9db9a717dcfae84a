// Cluster state → likely causes and the config keys that fix them, as a pure function over API
// objects (pods, events, Secrets, ServiceAccounts, Deployments) so every mapping is unit-tested from
// recorded fixtures. Secret values are never copied into a finding: only names, data keys and the
// registry host names of a pull Secret.
import type {
    AgentExpectations,
    AgentReport,
    ClusterSnapshot,
    ComponentReport,
    ContainerStatus,
    ContainerSummary,
    Deployment,
    ExpectedComponent,
    ExpectedSecret,
    Finding,
    KubeEvent,
    Pod,
    PodSummary,
    Secret,
} from "./types";

/** Options of {@link analyzeAgent}. */
export interface AnalyzeOptions {
    /** Check objects only (namespace, Deployments, Secrets, ServiceAccounts, annotations), not pods. */
    objectsOnly?: boolean;
    /** The current time (ms), for the age of Pending pods. Default `Date.now()`. */
    now?: number;
    /** Config key per identity annotation (from the backend's `serviceAccountAnnotationKeys`). */
    identityKeys?: Record<string, string>;
}

/** A Pending pod older than this (and not scheduled) is reported even when nodes exist. */
export const PENDING_GRACE_SECONDS = 60;

const ASTRO_ID_KEYS = ["astro.organizationId", "astro.workspaceId", "astro.deploymentId", "astro.deploymentNamespace"];

/** Patterns of a rejected agent token in a container log (the agent's exact wording is not published). */
export const TOKEN_REJECTED =
    /\b(invalid|expired|revoked|rejected|unknown)\s+(agent\s+|api\s+)?token\b|\btoken\s+(is\s+|was\s+)?(invalid|expired|revoked|rejected|not valid)\b|\b401\b|\bunauthori[sz]ed\b/i;
/** A refused heartbeat or API call (stale Astro IDs, IP allow list). */
export const FORBIDDEN = /\b403\b|\bforbidden\b/i;
const PULL_AUTH =
    /unauthori[sz]ed|authentication required|\b401\b|\b403\b|forbidden|denied|no basic auth credentials|pull access denied|authorization failed/i;
const PULL_NOT_FOUND = /not found|manifest unknown|name unknown|no such host/i;

function short(text: string, max = 300): string {
    const one = text.replace(/\s+/g, " ").trim();
    return one.length > max ? `${one.slice(0, max - 1)}…` : one;
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

/** The registry host of an image reference (`docker.io` for short names). */
export function imageRegistry(image: string): string {
    const first = image.split("/")[0] ?? "";
    if (image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) {
        return first.toLowerCase();
    }
    return "docker.io";
}

const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/** A `.dockerconfigjson` `auths` key as `host[/path]` (scheme and `/v1/` dropped). */
function normalizeAuthKey(key: string): string {
    const k = key
        .replace(/^https?:\/\//, "")
        .replace(/\/v[12]\/?$/, "")
        .replace(/\/$/, "")
        .toLowerCase();
    const [host, ...path] = k.split("/");
    return [DOCKER_HUB.has(host ?? "") ? "docker.io" : (host ?? ""), ...path].join("/");
}

/** Whether a pull Secret entry (`host[/path]`) serves an image, as the kubelet matches them. */
function authCovers(entry: string, image: string): boolean {
    const registry = imageRegistry(image);
    const [host, ...path] = entry.split("/");
    if (host !== registry) {
        return false;
    }
    if (path.length === 0) {
        return true;
    }
    const repo = image.includes("/") && registry !== "docker.io" ? image.slice(image.indexOf("/") + 1) : image;
    return repo.startsWith(`${path.join("/")}/`) || repo.split(":")[0] === path.join("/");
}

/**
 * The registries a pull Secret has credentials for (the `auths` keys of `.dockerconfigjson`), or
 * undefined when it cannot be read. Only the keys are read: user names, passwords and `auth` stay.
 */
export function pullSecretRegistries(secret: Secret): string[] | undefined {
    const raw = secret.data?.[".dockerconfigjson"];
    if (raw === undefined) {
        return undefined;
    }
    try {
        const doc = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as { auths?: Record<string, unknown> };
        return doc.auths !== undefined && typeof doc.auths === "object"
            ? Object.keys(doc.auths).map(normalizeAuthKey)
            : [];
    } catch {
        return undefined;
    }
}

function imageKey(c: ExpectedComponent): string {
    return c.ownImage ? `${c.configPath}.image` : "image";
}

/** The config key of a container named in a PodSecurity message. */
function securityKeyFor(c: ExpectedComponent, container: string | undefined, podLevel: boolean): string {
    if (container === undefined || container === c.container) {
        return podLevel ? `${c.configPath}.podSecurityContext` : `${c.configPath}.containerSecurityContext`;
    }
    if (container === "vector-logging-sidecar") {
        return "loggingSidecar.securityContext";
    }
    return `${c.configPath}.extraContainers / ${c.configPath}.initContainers (container '${container}')`;
}

/** The failed checks of a PodSecurity rejection: `check (container "x" must set field)`. */
export function podSecurityViolations(message: string): { check: string; detail: string }[] {
    const m = /violates PodSecurity "([^"]+)": (.*)$/s.exec(message);
    if (m?.[2] === undefined) {
        return [];
    }
    const out: { check: string; detail: string }[] = [];
    // "check (detail), check (detail)": details may hold commas, so split on the closing paren.
    const re = /([^,(][^(]*?) \(([^)]*)\)(?:, |$)/g;
    let part: RegExpExecArray | null;
    while ((part = re.exec(m[2])) !== null) {
        out.push({ check: (part[1] ?? "").trim(), detail: (part[2] ?? "").trim() });
    }
    return out;
}

function podSecurityFinding(c: ExpectedComponent, event: KubeEvent): Finding {
    const message = event.message ?? "";
    const level = /violates PodSecurity "([^"]+)"/.exec(message)?.[1] ?? "restricted";
    const violations = podSecurityViolations(message);
    const keys = new Set<string>(["restricted"]);
    const fields: string[] = [];
    for (const v of violations) {
        const podLevel = /^pod or container/.test(v.detail);
        // `container "a" must ...` / `pod or containers "a", "b" must ...`: the names before "must".
        const who = /containers? ((?:"[^"]+"(?:, )?)+) must/.exec(v.detail)?.[1] ?? "";
        const named = [...who.matchAll(/"([^"]+)"/g)].map((x) => x[1]).filter((x): x is string => x !== undefined);
        const field = /must (?:set|not set|not include) ([^ ]+)/.exec(v.detail)?.[0] ?? v.check;
        for (const container of named.length > 0 ? named : [undefined]) {
            keys.add(securityKeyFor(c, container, podLevel));
        }
        fields.push(`${v.check}: ${field}${named.length > 0 ? ` (${named.join(", ")})` : ""}`);
    }
    return {
        severity: "error",
        cause: "pod-security",
        component: c.key,
        summary: `PodSecurity "${level}" rejects the pods: ${fields.length > 0 ? fields.join("; ") : short(message)}`,
        fix: "keep `restricted: true` (it sets compliant contexts) and remove the override that breaks it, or set the named fields in the component's security contexts",
        configKeys: [...keys],
        objects: [`replicaset/${event.involvedObject.name ?? "?"}`],
    };
}

function unschedulableKeys(c: ExpectedComponent, message: string): string[] {
    const p = c.configPath;
    const keys: string[] = [];
    if (/insufficient (cpu|memory|ephemeral-storage)|too many pods/i.test(message)) {
        keys.push(`${p}.resources`);
    }
    if (/node affinity|node selector|nodeSelector|didn't match/i.test(message)) {
        keys.push(`${p}.nodeSelector`, `${p}.affinity`);
    }
    if (/taint/i.test(message)) {
        keys.push(`${p}.tolerations`);
    }
    return keys.length > 0 ? keys : [`${p}.resources`, `${p}.nodeSelector`, `${p}.tolerations`, `${p}.affinity`];
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
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const containers: ContainerSummary[] = statuses.map((s) => ({
        name: s.name,
        ready: s.ready === true,
        restarts: s.restartCount ?? 0,
        state: stateOf(s),
    }));
    const ready = pod.status?.conditions?.find((x) => x.type === "Ready")?.status === "True";
    return {
        name: pod.metadata.name,
        phase: pod.status?.phase ?? "Unknown",
        ready,
        restarts: containers.reduce((n, x) => n + x.restarts, 0),
        containers,
    };
}

function secretByName(secrets: readonly Secret[], name: string): Secret | undefined {
    return secrets.find((s) => s.metadata.name === name);
}

/** Findings about the Secrets the chart reads. */
function secretFindings(expect: AgentExpectations, snapshot: ClusterSnapshot): Finding[] {
    const out: Finding[] = [];
    for (const want of expect.secrets) {
        const secret = secretByName(snapshot.secrets, want.name);
        const base = { component: "agent", configKeys: want.configKeys, objects: [`secret/${want.name}`] };
        if (secret === undefined) {
            out.push({
                ...base,
                severity: "error",
                cause: "secret-missing",
                summary: `the ${want.what} Secret '${want.name}' does not exist in namespace ${expect.namespace}`,
                fix: `set ${want.configKeys[0]} (the program creates the Secret) or create '${want.name}' with key '${want.dataKey}' and set ${want.configKeys[1]} to its name`,
            });
            continue;
        }
        if (want.type !== undefined && secret.type !== want.type) {
            out.push({
                ...base,
                severity: "error",
                cause: "secret-wrong-type",
                summary: `the ${want.what} Secret '${want.name}' has type ${secret.type ?? "(none)"}, not ${want.type}`,
                fix: `recreate it as type ${want.type} with key '${want.dataKey}', or set ${want.configKeys[0]}`,
            });
        }
        if (secret.data?.[want.dataKey] === undefined) {
            out.push({
                ...base,
                severity: "error",
                cause: "secret-key-missing",
                summary: `the ${want.what} Secret '${want.name}' has no key '${want.dataKey}' (keys: ${Object.keys(secret.data ?? {}).join(", ") || "none"})`,
                fix: `add key '${want.dataKey}' to '${want.name}', or set ${want.configKeys[0]}`,
            });
        }
    }
    const pull = secretByName(snapshot.secrets, expect.imagePullSecretName);
    if (pull !== undefined) {
        const registries = pullSecretRegistries(pull);
        if (registries !== undefined) {
            const images = [...new Set(expect.components.map((c) => c.image).filter((i) => i !== ""))];
            const uncovered = images.filter((img) => !registries.some((r) => authCovers(r, img)));
            if (uncovered.length > 0) {
                const hosts = [...new Set(uncovered.map(imageRegistry))];
                out.push({
                    component: "agent",
                    severity: "error",
                    cause: "pull-secret-registry",
                    summary: `the image pull Secret '${expect.imagePullSecretName}' has credentials for ${registries.join(", ") || "no registry"}, not for ${hosts.join(", ")} (images: ${uncovered.join(", ")})`,
                    fix: `set imagePullCredentials.registry to ${hosts.join(", ")} (or point imagePullSecretName at a Secret with an entry for it)`,
                    configKeys: ["imagePullCredentials.registry", "imagePullSecretName"],
                    objects: [`secret/${expect.imagePullSecretName}`],
                });
            }
        }
    }
    return out;
}

function identityKey(expect: AgentExpectations, annotation: string, options: AnalyzeOptions): string {
    const given = options.identityKeys?.[annotation];
    if (given !== undefined) {
        return given;
    }
    switch (expect.backendKind) {
        case "external":
        case "vault":
            return "backend.serviceAccountAnnotations";
        case undefined:
            return "backend";
        default:
            return `backend (${expect.backendKind} identity)`;
    }
}

function serviceAccountFindings(
    expect: AgentExpectations,
    c: ExpectedComponent,
    snapshot: ClusterSnapshot,
    options: AnalyzeOptions,
): Finding[] {
    const sa = snapshot.serviceAccounts.find((s) => s.metadata.name === c.serviceAccount);
    if (sa === undefined) {
        return [
            {
                severity: "error",
                cause: "service-account-missing",
                component: c.key,
                summary: `ServiceAccount '${c.serviceAccount}' does not exist: the chart uses it (create: false) and no pod can be created`,
                fix: "run `pulumi up --refresh` (the program creates it); it was deleted outside Pulumi",
                configKeys: [`${c.configPath}.serviceAccount`],
                objects: [`serviceaccount/${c.serviceAccount}`],
            },
        ];
    }
    const out: Finding[] = [];
    for (const [key, want] of Object.entries(expect.serviceAccountAnnotations)) {
        const have = sa.metadata.annotations?.[key];
        if (have === want) {
            continue;
        }
        out.push({
            severity: "error",
            cause: "identity-annotation",
            component: c.key,
            summary:
                have === undefined
                    ? `ServiceAccount '${c.serviceAccount}' lacks identity annotation ${key} (want ${want}): the pods cannot assume the backend identity`
                    : `ServiceAccount '${c.serviceAccount}' annotation ${key} is ${have}, the backend expects ${want}`,
            fix: `run \`pulumi up --refresh\` to restore it, or fix ${identityKey(expect, key, options)} so the identity and the annotation agree`,
            configKeys: [identityKey(expect, key, options)],
            objects: [`serviceaccount/${c.serviceAccount}`],
        });
    }
    return out;
}

function eventsOf(c: ExpectedComponent, snapshot: ClusterSnapshot, components: readonly ExpectedComponent[]) {
    return snapshot.events
        .filter((e) => componentOfEvent(e, components)?.key === c.key)
        .sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
}

function podFindings(
    expect: AgentExpectations,
    c: ExpectedComponent,
    pod: Pod,
    events: readonly KubeEvent[],
    snapshot: ClusterSnapshot,
    now: number,
): Finding[] {
    const out: Finding[] = [];
    const obj = `pod/${pod.metadata.name}`;
    const podEvents = events.filter(
        (e) => e.involvedObject.kind === "Pod" && e.involvedObject.name === pod.metadata.name,
    );
    const podEventText = podEvents.map((e) => e.message ?? "").join("\n");
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const p = c.configPath;

    for (const s of statuses) {
        const waiting = s.state?.waiting;
        const reason = waiting?.reason ?? "";
        const image = s.image ?? pod.spec?.containers?.find((x) => x.name === s.name)?.image ?? c.image;
        if (reason === "ImagePullBackOff" || reason === "ErrImagePull" || reason === "InvalidImageName") {
            const text = `${waiting?.message ?? ""}\n${podEventText}`;
            if (PULL_AUTH.test(text)) {
                const pull = secretByName(snapshot.secrets, expect.imagePullSecretName);
                const registries = pull === undefined ? undefined : pullSecretRegistries(pull);
                const host = imageRegistry(image);
                const secretState =
                    pull === undefined
                        ? `the pull Secret '${expect.imagePullSecretName}' does not exist`
                        : registries === undefined
                          ? `the pull Secret '${expect.imagePullSecretName}' has no readable .dockerconfigjson`
                          : registries.some((r) => authCovers(r, image))
                            ? `the pull Secret '${expect.imagePullSecretName}' has an entry for ${host}, so the credentials are refused (wrong or expired Astro API token?)`
                            : `the pull Secret '${expect.imagePullSecretName}' has no entry for ${host} (it has ${registries.join(", ") || "none"})`;
                out.push({
                    severity: "error",
                    cause: "image-pull-auth",
                    component: c.key,
                    summary: `container ${s.name} cannot pull ${image}: the registry refused the credentials; ${secretState}`,
                    fix: "set imagePullCredentials (registry, username, password: an Astro API token, not the agent token) or imagePullSecretName to a Secret with a .dockerconfigjson entry for the image's registry",
                    configKeys: ["imagePullCredentials", "imagePullSecretName"],
                    objects: [obj],
                });
            } else if (PULL_NOT_FOUND.test(text) || reason === "InvalidImageName") {
                out.push({
                    severity: "error",
                    cause: "image-not-found",
                    component: c.key,
                    summary: `container ${s.name}: image ${image} does not exist (or its registry cannot be reached)`,
                    fix: "fix the image reference (repository and tag), or mirror the image",
                    configKeys: [s.name === "vector-logging-sidecar" ? "loggingSidecar.image" : imageKey(c)],
                    objects: [obj],
                });
            } else {
                out.push({
                    severity: "error",
                    cause: "image-pull",
                    component: c.key,
                    summary: `container ${s.name} cannot pull ${image}: ${short(text) || reason}`,
                    fix: "check the registry is reachable from the nodes (proxy, firewall) and the pull credentials",
                    configKeys: [imageKey(c), "imagePullCredentials", "imagePullSecretName", "proxy"],
                    objects: [obj],
                });
            }
            continue;
        }
        if (reason === "CreateContainerConfigError") {
            const message = waiting?.message ?? "";
            const named = /secret "([^"]+)"|in Secret [^/ ]+\/([^ ]+)/i.exec(message);
            const secretName = named?.[1] ?? named?.[2];
            const want: ExpectedSecret | undefined = expect.secrets.find((x) => x.name === secretName);
            out.push({
                severity: "error",
                cause: "container-config",
                component: c.key,
                summary: `container ${s.name} cannot start: ${short(message)}`,
                fix:
                    want === undefined
                        ? "create the Secret or ConfigMap it names, or remove the reference"
                        : `the ${want.what} Secret is missing or lacks key '${want.dataKey}': set ${want.configKeys.join(" or ")}`,
                configKeys: want?.configKeys ?? [`${p}.env`, "commonEnv"],
                objects: [obj],
            });
            continue;
        }
        const restarted = (s.restartCount ?? 0) > 0;
        const crashing = reason === "CrashLoopBackOff" || s.state?.terminated !== undefined;
        if (!restarted && !crashing) {
            continue;
        }
        const last = s.state?.terminated ?? s.lastState?.terminated;
        const log = snapshot.logs?.[`${pod.metadata.name}/${s.name}`] ?? "";
        if (last?.reason === "OOMKilled") {
            out.push({
                severity: "error",
                cause: "oom-killed",
                component: c.key,
                summary: `container ${s.name} was killed for using more memory than its limit (OOMKilled, ${s.restartCount ?? 0} restarts)`,
                fix: "raise the memory limit (and request)",
                configKeys: [`${p}.resources.limits.memory`, `${p}.resources.requests.memory`],
                objects: [obj],
            });
        } else if (TOKEN_REJECTED.test(log)) {
            out.push({
                severity: "error",
                cause: "agent-token-rejected",
                component: c.key,
                summary: `container ${s.name} exits: its log says the agent token was rejected (${s.restartCount ?? 0} restarts)`,
                fix: "create a new agent token in the Astro UI (Remote Agents → Tokens) for this Deployment and set it",
                configKeys: ["agentToken", "agentTokenSecretName"],
                objects: [obj],
            });
        } else if (FORBIDDEN.test(log)) {
            out.push({
                severity: "error",
                cause: "agent-forbidden",
                component: c.key,
                summary: `container ${s.name} exits: its log shows 403 Forbidden from Astro (IDs of another Deployment, or the cluster's egress IP is not in the Deployment's allowed IP ranges)`,
                fix: "copy the four IDs and the API URL from the same Deployment as the agent token; allow the cluster's egress IPs in Astro",
                configKeys: [...ASTRO_ID_KEYS, "astroDeploymentAPIURL"],
                objects: [obj],
            });
        } else if (crashing) {
            out.push({
                severity: "error",
                cause: "crash",
                component: c.key,
                summary: `container ${s.name} keeps exiting (${last?.reason ?? reason}${last?.exitCode === undefined ? "" : `, exit code ${last.exitCode}`}, ${s.restartCount ?? 0} restarts)`,
                fix: `read its log: kubectl logs -n ${expect.namespace} ${pod.metadata.name} -c ${s.name} --previous`,
                configKeys: [`${p}.env`, "commonEnv", "logLevel"],
                objects: [obj],
            });
        }
    }

    if (pod.status?.phase === "Pending" && pod.spec?.nodeName === undefined) {
        const cond = pod.status.conditions?.find((x) => x.type === "PodScheduled");
        const failed = podEvents.filter((e) => e.reason === "FailedScheduling").pop();
        const message = cond?.message ?? failed?.message ?? "";
        if (cond?.reason === "Unschedulable" || failed !== undefined) {
            out.push({
                severity: "error",
                cause: "unschedulable",
                component: c.key,
                summary: `pod cannot be scheduled: ${short(message)}`,
                fix: "ask for less, or match the nodes you have (labels, taints), or add nodes that fit",
                configKeys: unschedulableKeys(c, message),
                objects: [obj],
            });
        } else {
            const created = Date.parse(pod.metadata.creationTimestamp ?? "");
            const age = Number.isNaN(created) ? Infinity : (now - created) / 1000;
            if (snapshot.nodeCount === 0 || age > PENDING_GRACE_SECONDS) {
                out.push({
                    severity: "error",
                    cause: "not-scheduled",
                    component: c.key,
                    summary:
                        snapshot.nodeCount === 0
                            ? "pod is Pending: the cluster has no nodes to run it"
                            : `pod is Pending for ${Math.round(age)}s and no scheduler has placed it`,
                    fix: "add nodes (or a node pool) the component can run on; then check its placement settings",
                    configKeys: [`${p}.nodeSelector`, `${p}.tolerations`, `${p}.resources`],
                    objects: [obj],
                });
            }
        }
    }

    if (pod.status?.phase === "Running" && out.length === 0 && !summarizePod(pod).ready) {
        const probe = podEvents.filter((e) => e.reason === "Unhealthy").pop();
        if (probe !== undefined) {
            out.push({
                severity: "error",
                cause: "not-ready",
                component: c.key,
                summary: `pod runs but is not ready: ${short(probe.message ?? "")}`,
                fix: "check the agent's health endpoint and its log; tune the probes only if the agent is slow to start",
                configKeys: [`${p}.readinessProbe`, `${p}.livenessProbe`],
                objects: [obj],
            });
        }
    }
    return out;
}

function readyOf(d: Deployment | undefined): string {
    if (d === undefined) {
        return "missing";
    }
    return `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`;
}

function componentReport(
    expect: AgentExpectations,
    c: ExpectedComponent,
    snapshot: ClusterSnapshot,
    options: AnalyzeOptions,
): ComponentReport {
    const deployment = snapshot.deployments.find((d) => d.metadata.name === c.deployment);
    const findings: Finding[] = [];
    if (deployment === undefined) {
        findings.push({
            severity: "error",
            cause: "deployment-missing",
            component: c.key,
            summary: `Deployment '${c.deployment}' does not exist: the Helm release is not installed or failed`,
            fix: "run `pulumi up` (and read its error), or check the release with `helm status`",
            configKeys: ["release", "chart"],
            objects: [`deployment/${c.deployment}`],
        });
    }
    findings.push(...serviceAccountFindings(expect, c, snapshot, options));
    const events = eventsOf(c, snapshot, expect.components);
    const pods = snapshot.pods.filter((p) => componentOfPod(p, expect.components)?.key === c.key);
    if (!options.objectsOnly) {
        const failedCreate = events.filter((e) => e.reason === "FailedCreate");
        const podSecurity = failedCreate.filter((e) => /violates PodSecurity/.test(e.message ?? "")).pop();
        if (podSecurity !== undefined) {
            findings.push(podSecurityFinding(c, podSecurity));
        }
        const other = failedCreate
            .filter((e) => !/violates PodSecurity|error looking up service account/.test(e.message ?? ""))
            .pop();
        if (other !== undefined && pods.length === 0) {
            findings.push({
                severity: "error",
                cause: "pod-rejected",
                component: c.key,
                summary: `the API server refuses its pods: ${short(other.message ?? "")}`,
                fix: "a quota, LimitRange or admission policy refuses the pod: raise the quota or change the component's settings",
                configKeys: [`${c.configPath}.resources`],
                objects: [`replicaset/${other.involvedObject.name ?? "?"}`],
            });
        }
        const now = options.now ?? Date.now();
        for (const pod of pods) {
            findings.push(...podFindings(expect, c, pod, events, snapshot, now));
        }
    }
    const warnings = events.filter((e) => e.type === "Warning");
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
        ready: readyOf(deployment),
        pods: pods.map(summarizePod),
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
    if (!snapshot.namespaceExists) {
        return {
            agent: expect.agent,
            namespace: expect.namespace,
            ok: false,
            components: [],
            findings: [
                {
                    severity: "error",
                    cause: "namespace-missing",
                    component: "agent",
                    summary: `namespace ${expect.namespace} does not exist`,
                    fix: "run `pulumi up` (with createNamespace: true the program creates it), or create it",
                    configKeys: ["namespace", "createNamespace"],
                    objects: [`namespace/${expect.namespace}`],
                },
            ],
        };
    }
    const findings = secretFindings(expect, snapshot);
    const components = expect.components.map((c) => componentReport(expect, c, snapshot, options));
    const pending = components.some((c) => c.findings.some((f) => f.cause === "not-scheduled"));
    if (!options.objectsOnly && snapshot.nodeCount === 0 && pending) {
        findings.push({
            severity: "error",
            cause: "no-nodes",
            component: "agent",
            summary: "the cluster has no nodes: no agent pod can run",
            fix: "add nodes (a node pool, or let the cluster autoscaler scale up), then run `npm run doctor` again",
            configKeys: [],
            objects: ["nodes"],
        });
    }
    const all = [...findings, ...components.flatMap((c) => c.findings)];
    return {
        agent: expect.agent,
        namespace: expect.namespace,
        ok: !all.some((f) => f.severity === "error"),
        components,
        findings,
    };
}
