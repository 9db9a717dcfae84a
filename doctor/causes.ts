// The table of causes: cluster state → likely cause and the config keys that fix it. Each row names
// what it looks at (a subject of ./facts.ts), matches the facts collected about one such subject and
// writes the finding; ./analyze.ts walks the agent and runs the rows, so adding a cause is adding a
// row. Pure functions over API objects (pods, events, Secrets, ServiceAccounts, Deployments), so every
// row is unit-tested from recorded fixtures. Secret values are never copied into a finding: only
// names, data keys and the registry host names of a pull Secret.
import type { AgentFacts, CauseRule, ContainerFacts, Facts, FindingText, PodFacts, Subject } from "./facts";
import { stuckRevision } from "./release";
import type { ExpectedComponent, ExpectedSecret, KubeEvent, Secret } from "./types";

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

/** `text` on one line, cut at `max` characters. */
export function short(text: string, max = 300): string {
    const one = text.replace(/\s+/g, " ").trim();
    return one.length > max ? `${one.slice(0, max - 1)}…` : one;
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

/**
 * The config keys a kube-scheduler `FailedScheduling` message points at, most specific first. The message
 * counts each node under the first filter it failed (taints are checked before selectors and resources), so a
 * tainted pool shows up as "untolerated taint(s)" whatever else is wrong: tolerations come last.
 */
function unschedulableKeys(c: ExpectedComponent, message: string): string[] {
    const p = c.configPath;
    const keys: string[] = [];
    for (const m of message.matchAll(/insufficient (cpu|memory|ephemeral-storage)/gi)) {
        const key = `${p}.resources.requests.${(m[1] ?? "").toLowerCase()}`;
        if (!keys.includes(key)) {
            keys.push(key);
        }
    }
    if (/too many pods/i.test(message)) {
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

/** Why a container waits when its image cannot be pulled: the three pull rows look at these. */
const PULLING = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName"]);

function secretByName(secrets: readonly Secret[], name: string): Secret | undefined {
    return secrets.find((s) => s.metadata.name === name);
}

function identityKey(f: AgentFacts, annotation: string): string {
    const given = f.options.identityKeys?.[annotation];
    if (given !== undefined) {
        return given;
    }
    switch (f.expect.backendKind) {
        case "external":
        case "vault":
            return "backend.serviceAccountAnnotations";
        case undefined:
            return "backend";
        default:
            return `backend (${f.expect.backendKind} identity)`;
    }
}

function podSecurityText(c: ExpectedComponent, event: KubeEvent): FindingText {
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
        summary: `PodSecurity "${level}" rejects the pods: ${fields.length > 0 ? fields.join("; ") : short(message)}`,
        fix: "keep `restricted: true` (it sets compliant contexts) and remove the override that breaks it, or set the named fields in the component's security contexts",
        configKeys: [...keys],
        objects: [`replicaset/${event.involvedObject.name ?? "?"}`],
    };
}

/** The component's `FailedCreate` events, oldest first. */
function failedCreates(f: Facts["podCreation"]): KubeEvent[] {
    return f.events.filter((e) => e.reason === "FailedCreate");
}

/** What a pull failure says: the container's waiting message and the events of its pod. */
function pullText(f: ContainerFacts): string {
    return `${f.status.state?.waiting?.message ?? ""}\n${f.podEvents.map((e) => e.message ?? "").join("\n")}`;
}

/** It restarted or is not running now: the exit rows look at it. */
function exited(f: ContainerFacts): boolean {
    return f.restarts > 0 || f.crashing;
}

function podRef(f: PodFacts): string {
    return `pod/${f.pod.metadata.name}`;
}

/** Pending and not placed on a node: the scheduling rows look at it. */
function unplaced(f: PodFacts): boolean {
    return f.pod.status?.phase === "Pending" && f.pod.spec?.nodeName === undefined;
}

/** Seconds since the pod was created (Infinity when unknown). */
function ageSeconds(f: PodFacts): number {
    const created = Date.parse(f.pod.metadata.creationTimestamp ?? "");
    return Number.isNaN(created) ? Infinity : (f.now - created) / 1000;
}

/** One row, typed: infers the subject its facts belong to and what its `match` hands to `explain`. */
function rule<S extends Subject, M>(row: CauseRule<S, M>): CauseRule<S, M> {
    return row;
}

/**
 * The table: one row per cause. Subjects are walked release, namespace, Secrets, pull Secret, then per
 * component its objects, annotations, pod creation, pods (containers, then the pod), then nodes;
 * rows of one subject run in table order.
 */
export const CAUSE_RULES: readonly CauseRule[] = [
    rule({
        id: "release-stuck",
        looksAt: "release",
        severity: "error",
        group: "release",
        match: (f) => stuckRevision(f.snapshot.releaseRevisions ?? []) ?? false,
        explain: (f, stuck) => ({
            summary: `Helm release ${f.expect.releaseName ?? "?"} is stuck in ${stuck.status} at revision ${stuck.revision} (an install or upgrade was cut off: a killed \`pulumi up\` or an API server outage); every \`up\` fails with "cannot re-use a name that is still in use" until it is recovered`,
            fix: `run \`${f.expect.recoverCommand ?? "npm run recover -- --stack <stack>"}\` (add --dry-run to see what it does first), then \`pulumi up\` (docs/recovery.md)`,
            configKeys: [],
            objects: [`secret/${stuck.secret}`],
        }),
    }),
    rule({
        id: "release-not-in-state",
        looksAt: "release",
        severity: "error",
        group: "release",
        match: (f) => {
            const revisions = f.snapshot.releaseRevisions ?? [];
            return f.expect.releaseInState === false ? (revisions[revisions.length - 1] ?? false) : false;
        },
        explain: (f, latest) => ({
            summary: `Helm release ${f.expect.releaseName ?? "?"} is installed (revision ${latest.revision}, ${latest.status}) but the stack's state does not hold it (a \`pulumi up\` was cut off after Helm finished); every \`up\` fails with "cannot re-use a name that is still in use" until it is recovered`,
            fix: `run \`${f.expect.recoverCommand ?? "npm run recover -- --stack <stack>"}\` (it imports the release into the state; add --dry-run to see what it does first), then \`pulumi up\` (docs/recovery.md)`,
            configKeys: [],
            objects: [`secret/${latest.secret}`],
        }),
    }),
    rule({
        id: "namespace-missing",
        looksAt: "namespace",
        severity: "error",
        final: true,
        match: (f) => !f.snapshot.namespaceExists,
        explain: (f) => ({
            summary: `namespace ${f.expect.namespace} does not exist`,
            fix: "run `pulumi up` (with createNamespace: true the program creates it), or create it",
            configKeys: ["namespace", "createNamespace"],
            objects: [`namespace/${f.expect.namespace}`],
        }),
    }),
    rule({
        id: "secret-missing",
        looksAt: "secret",
        severity: "error",
        match: (f) => f.secret === undefined,
        explain: ({ want, expect }) => ({
            summary: `the ${want.what} Secret '${want.name}' does not exist in namespace ${expect.namespace}`,
            fix: `set ${want.configKeys[0]} (the program creates the Secret) or create '${want.name}' with key '${want.dataKey}' and set ${want.configKeys[1]} to its name`,
            configKeys: want.configKeys,
            objects: [`secret/${want.name}`],
        }),
    }),
    rule({
        id: "secret-wrong-type",
        looksAt: "secret",
        severity: "error",
        match: ({ secret, want }) =>
            want.type !== undefined &&
            secret !== undefined &&
            secret.type !== want.type && { type: want.type, has: secret.type },
        explain: ({ want }, { type, has }) => ({
            summary: `the ${want.what} Secret '${want.name}' has type ${has ?? "(none)"}, not ${type}`,
            fix: `recreate it as type ${type} with key '${want.dataKey}', or set ${want.configKeys[0]}`,
            configKeys: want.configKeys,
            objects: [`secret/${want.name}`],
        }),
    }),
    rule({
        id: "secret-key-missing",
        looksAt: "secret",
        severity: "error",
        match: ({ secret, want }) => secret !== undefined && secret.data?.[want.dataKey] === undefined && secret,
        explain: ({ want }, secret) => ({
            summary: `the ${want.what} Secret '${want.name}' has no key '${want.dataKey}' (keys: ${Object.keys(secret.data ?? {}).join(", ") || "none"})`,
            fix: `add key '${want.dataKey}' to '${want.name}', or set ${want.configKeys[0]}`,
            configKeys: want.configKeys,
            objects: [`secret/${want.name}`],
        }),
    }),
    rule({
        id: "pull-secret-registry",
        looksAt: "pullSecret",
        severity: "error",
        match: ({ expect, snapshot }) => {
            const pull = secretByName(snapshot.secrets, expect.imagePullSecretName);
            const registries = pull === undefined ? undefined : pullSecretRegistries(pull);
            // No entry at all is imagePullFromNodes' Secret: the nodes' own credentials pull the images.
            if (registries === undefined || registries.length === 0) {
                return undefined;
            }
            const images = [...new Set(expect.components.map((c) => c.image).filter((i) => i !== ""))];
            const uncovered = images.filter((img) => !registries.some((r) => authCovers(r, img)));
            return uncovered.length > 0 && { registries, uncovered };
        },
        explain: ({ expect }, { registries, uncovered }) => {
            const hosts = [...new Set(uncovered.map(imageRegistry))];
            return {
                summary: `the image pull Secret '${expect.imagePullSecretName}' has credentials for ${registries.join(", ") || "no registry"}, not for ${hosts.join(", ")} (images: ${uncovered.join(", ")})`,
                fix: `set imagePullCredentials.registry to ${hosts.join(", ")} (or point imagePullSecretName at a Secret with an entry for it)`,
                configKeys: ["imagePullCredentials.registry", "imagePullSecretName"],
                objects: [`secret/${expect.imagePullSecretName}`],
            };
        },
    }),
    rule({
        id: "deployment-missing",
        looksAt: "component",
        severity: "error",
        match: (f) => f.deployment === undefined,
        explain: ({ component: c }) => ({
            summary: `Deployment '${c.deployment}' does not exist: the Helm release is not installed or failed`,
            fix: "run `pulumi up` (and read its error), or check the release with `helm status`",
            configKeys: ["release", "chart"],
            objects: [`deployment/${c.deployment}`],
        }),
    }),
    rule({
        id: "service-account-missing",
        looksAt: "component",
        severity: "error",
        match: (f) => f.serviceAccount === undefined,
        explain: ({ component: c }) => ({
            summary: `ServiceAccount '${c.serviceAccount}' does not exist: the chart uses it (create: false) and no pod can be created`,
            fix: "run `pulumi up --refresh` (the program creates it); it was deleted outside Pulumi",
            configKeys: [`${c.configPath}.serviceAccount`],
            objects: [`serviceaccount/${c.serviceAccount}`],
        }),
    }),
    rule({
        id: "identity-annotation",
        looksAt: "annotation",
        severity: "error",
        match: (f) => f.serviceAccount !== undefined && f.have !== f.want,
        explain: (f) => {
            const sa = f.component.serviceAccount;
            return {
                summary:
                    f.have === undefined
                        ? `ServiceAccount '${sa}' lacks identity annotation ${f.key} (want ${f.want}): the pods cannot assume the backend identity`
                        : `ServiceAccount '${sa}' annotation ${f.key} is ${f.have}, the backend expects ${f.want}`,
                fix: `run \`pulumi up --refresh\` to restore it, or fix ${identityKey(f, f.key)} so the identity and the annotation agree`,
                configKeys: [identityKey(f, f.key)],
                objects: [`serviceaccount/${sa}`],
            };
        },
    }),
    rule({
        id: "pod-security",
        looksAt: "podCreation",
        severity: "error",
        match: (f) =>
            failedCreates(f)
                .filter((e) => /violates PodSecurity/.test(e.message ?? ""))
                .pop(),
        explain: (f, event) => podSecurityText(f.component, event),
    }),
    rule({
        id: "pod-rejected",
        looksAt: "podCreation",
        severity: "error",
        match: (f) =>
            f.pods.length === 0 &&
            failedCreates(f)
                .filter((e) => !/violates PodSecurity|error looking up service account/.test(e.message ?? ""))
                .pop(),
        explain: ({ component: c }, event) => ({
            summary: `the API server refuses its pods: ${short(event.message ?? "")}`,
            fix: "a quota, LimitRange or admission policy refuses the pod: raise the quota or change the component's settings",
            configKeys: [`${c.configPath}.resources`],
            objects: [`replicaset/${event.involvedObject.name ?? "?"}`],
        }),
    }),
    rule({
        id: "image-pull-auth",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => PULLING.has(f.reason) && PULL_AUTH.test(pullText(f)),
        explain: (f) => {
            const name = f.expect.imagePullSecretName;
            const pull = secretByName(f.snapshot.secrets, name);
            const registries = pull === undefined ? undefined : pullSecretRegistries(pull);
            const host = imageRegistry(f.image);
            const secretState =
                pull === undefined
                    ? `the pull Secret '${name}' does not exist`
                    : registries === undefined
                      ? `the pull Secret '${name}' has no readable .dockerconfigjson`
                      : registries.some((r) => authCovers(r, f.image))
                        ? `the pull Secret '${name}' has an entry for ${host}, so the credentials are refused (wrong or expired Astro API token?)`
                        : registries.length === 0
                          ? `the pull Secret '${name}' has no registry entries (imagePullFromNodes), so the node's own credentials were refused: the node role needs pull access to ${host}`
                          : `the pull Secret '${name}' has no entry for ${host} (it has ${registries.join(", ")})`;
            return {
                summary: `container ${f.status.name} cannot pull ${f.image}: the registry refused the credentials; ${secretState}`,
                fix: "set imagePullCredentials (registry, username, password: an Astro API token, not the agent token) or imagePullSecretName to a Secret with a .dockerconfigjson entry for the image's registry; with imagePullFromNodes, grant the nodes pull access to the mirror the images come from",
                configKeys: ["imagePullCredentials", "imagePullSecretName", "imagePullFromNodes"],
                objects: [podRef(f)],
            };
        },
    }),
    rule({
        id: "image-not-found",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => PULLING.has(f.reason) && (PULL_NOT_FOUND.test(pullText(f)) || f.reason === "InvalidImageName"),
        explain: (f) => ({
            summary: `container ${f.status.name}: image ${f.image} does not exist (or its registry cannot be reached)`,
            fix: "fix the image reference (repository and tag), or mirror the image",
            configKeys: [f.status.name === "vector-logging-sidecar" ? "loggingSidecar.image" : imageKey(f.component)],
            objects: [podRef(f)],
        }),
    }),
    rule({
        id: "image-pull",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => PULLING.has(f.reason),
        explain: (f) => ({
            summary: `container ${f.status.name} cannot pull ${f.image}: ${short(pullText(f)) || f.reason}`,
            fix: "check the registry is reachable from the nodes (proxy, firewall) and the pull credentials",
            configKeys: [imageKey(f.component), "imagePullCredentials", "imagePullSecretName", "proxy"],
            objects: [podRef(f)],
        }),
    }),
    rule({
        id: "container-config",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => f.reason === "CreateContainerConfigError",
        explain: (f) => {
            const message = f.status.state?.waiting?.message ?? "";
            const named = /secret "([^"]+)"|in Secret [^/ ]+\/([^ ]+)/i.exec(message);
            const secretName = named?.[1] ?? named?.[2];
            const want: ExpectedSecret | undefined = f.expect.secrets.find((x) => x.name === secretName);
            return {
                summary: `container ${f.status.name} cannot start: ${short(message)}`,
                fix:
                    want === undefined
                        ? "create the Secret or ConfigMap it names, or remove the reference"
                        : `the ${want.what} Secret is missing or lacks key '${want.dataKey}': set ${want.configKeys.join(" or ")}`,
                configKeys: want?.configKeys ?? [`${f.component.configPath}.env`, "commonEnv"],
                objects: [podRef(f)],
            };
        },
    }),
    rule({
        id: "oom-killed",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => exited(f) && f.lastTermination?.reason === "OOMKilled",
        explain: (f) => ({
            summary: `container ${f.status.name} was killed for using more memory than its limit (OOMKilled, ${f.restarts} restarts)`,
            fix: "raise the memory limit (and request)",
            configKeys: [
                `${f.component.configPath}.resources.limits.memory`,
                `${f.component.configPath}.resources.requests.memory`,
            ],
            objects: [podRef(f)],
        }),
    }),
    rule({
        id: "agent-token-rejected",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => exited(f) && TOKEN_REJECTED.test(f.log),
        explain: (f) => ({
            summary: `container ${f.status.name} exits: its log says the agent token was rejected (${f.restarts} restarts)`,
            fix: "create a new agent token in the Astro UI (Remote Agents → Tokens) for this Deployment and set it",
            configKeys: ["agentToken", "agentTokenSecretName"],
            objects: [podRef(f)],
        }),
    }),
    rule({
        id: "agent-forbidden",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => exited(f) && FORBIDDEN.test(f.log),
        explain: (f) => ({
            summary: `container ${f.status.name} exits: its log shows 403 Forbidden from Astro (IDs of another Deployment, or the cluster's egress IP is not in the Deployment's allowed IP ranges)`,
            fix: "copy the four IDs and the API URL from the same Deployment as the agent token; allow the cluster's egress IPs in Astro",
            configKeys: [...ASTRO_ID_KEYS, "astroDeploymentAPIURL"],
            objects: [podRef(f)],
        }),
    }),
    rule({
        id: "crash",
        looksAt: "container",
        severity: "error",
        group: "container state",
        match: (f) => f.crashing,
        explain: (f) => {
            const last = f.lastTermination;
            return {
                summary: `container ${f.status.name} keeps exiting (${last?.reason ?? f.reason}${last?.exitCode === undefined ? "" : `, exit code ${last.exitCode}`}, ${f.restarts} restarts)`,
                fix: `read its log: kubectl logs -n ${f.expect.namespace} ${f.pod.metadata.name} -c ${f.status.name} --previous`,
                configKeys: [`${f.component.configPath}.env`, "commonEnv", "logLevel"],
                objects: [podRef(f)],
            };
        },
    }),
    rule({
        id: "unschedulable",
        looksAt: "pod",
        severity: "error",
        group: "scheduling",
        match: (f) => {
            const cond = f.pod.status?.conditions?.find((x) => x.type === "PodScheduled");
            const failed = f.podEvents.filter((e) => e.reason === "FailedScheduling").pop();
            return (
                unplaced(f) &&
                (cond?.reason === "Unschedulable" || failed !== undefined) && {
                    message: cond?.message ?? failed?.message ?? "",
                }
            );
        },
        explain: (f, { message }) => ({
            summary: `pod cannot be scheduled: ${short(message)}`,
            fix: "ask for less, or match the nodes you have (labels, taints), or add nodes that fit",
            configKeys: unschedulableKeys(f.component, message),
            objects: [podRef(f)],
        }),
    }),
    rule({
        id: "not-scheduled",
        looksAt: "pod",
        severity: "error",
        group: "scheduling",
        match: (f) => unplaced(f) && (f.snapshot.nodeCount === 0 || ageSeconds(f) > PENDING_GRACE_SECONDS),
        explain: (f) => {
            const p = f.component.configPath;
            return {
                summary:
                    f.snapshot.nodeCount === 0
                        ? "pod is Pending: the cluster has no nodes to run it"
                        : `pod is Pending for ${Math.round(ageSeconds(f))}s and no scheduler has placed it`,
                fix: "add nodes (or a node pool) the component can run on; then check its placement settings",
                configKeys: [`${p}.nodeSelector`, `${p}.tolerations`, `${p}.resources`],
                objects: [podRef(f)],
            };
        },
    }),
    rule({
        id: "not-ready",
        looksAt: "pod",
        severity: "error",
        match: (f) =>
            f.pod.status?.phase === "Running" &&
            f.found.length === 0 &&
            !f.ready &&
            f.podEvents.filter((e) => e.reason === "Unhealthy").pop(),
        explain: (f, probe) => ({
            summary: `pod runs but is not ready: ${short(probe.message ?? "")}`,
            fix: "check the agent's health endpoint and its log; tune the probes only if the agent is slow to start",
            configKeys: [`${f.component.configPath}.readinessProbe`, `${f.component.configPath}.livenessProbe`],
            objects: [podRef(f)],
        }),
    }),
    rule({
        id: "no-nodes",
        looksAt: "nodes",
        severity: "error",
        match: (f) =>
            f.snapshot.nodeCount === 0 && f.components.some((c) => c.findings.some((x) => x.cause === "not-scheduled")),
        explain: () => ({
            summary: "the cluster has no nodes: no agent pod can run",
            fix: "add nodes (a node pool, or let the cluster autoscaler scale up), then run `npm run doctor` again",
            configKeys: [],
            objects: ["nodes"],
        }),
    }),
];
