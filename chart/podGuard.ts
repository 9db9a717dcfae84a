// The pod guard: every pod the chart can build from the final values (chart/podSpecs.ts), judged
// against the Kubernetes Pod Security Standards at the namespace's level, before anything is created.
//
// Each check follows the upstream admission's definition, k8s.io/pod-security-admission v0.36.5
// (the API server here is 1.36), policy/check_<id>.go, at the newest version of each check:
//   baseline: hostNamespaces, privileged, capabilities_baseline, hostPathVolumes, hostPorts,
//     appArmorProfile (fields and the container.apparmor.security.beta.kubernetes.io/* annotations),
//     seLinuxOptions (1.31 type list), procMount, seccompProfile_baseline (1.19 fields), sysctls (1.32
//     safe set), windowsHostProcess, hostProbesAndHostLifecycle (1.34);
//   restricted adds: restrictedVolumes, allowPrivilegeEscalation, runAsNonRoot, runAsUser (1.23),
//     seccompProfile_restricted, capabilities_restricted, procMount_restricted (1.35).
// The user-namespace (`hostUsers: false`) and Windows (`os.name`) relaxations never apply: the chart
// has no key for either, and such keys are refused as undocumented pod fields.
import { formatPath } from "../config/errors";
import type { PodContainer, PodSpecView, Sourced } from "./podSpecs";
import { DOCUMENTED_TOP_LEVEL, podSpecsOf } from "./podSpecs";
import type { ConfigProblem } from "../config/errors";
import type { AgentConfig, ResolvedAgentConfig } from "../config/schema";
import { withWiringStandIns } from "../config/wiring";
import { extraValuesKeyOf, probeChartValues } from "./probeValues";
import { valueAt } from "../schema/tree";
import { extraValueLayers, type ChartValues } from "./values";
import { IDENTITY_FIELDS } from "../config/securityContext";
import { ASSIGNED_ID_MESSAGE } from "../config/rules/podIdentity";

type Path = (string | number)[];
type Obj = Record<string, unknown>;

/** The Pod Security Standards level a namespace enforces. */
export type PodSecurityLevel = "baseline" | "restricted";

/** One thing a pod would be refused for; `at` is the chart-values path of the value (or of where it must go). */
export interface PodFinding {
    at: Path;
    /** What the level forbids or requires, and the fix. */
    message: string;
}

/** Capabilities baseline lets a container add (check_capabilities_baseline.go). */
export const BASELINE_CAPABILITIES = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];
/** Volume sources restricted allows (check_restrictedVolumes.go). */
export const RESTRICTED_VOLUME_SOURCES = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];
/** SELinux types baseline allows (check_seLinuxOptions.go, 1.31). */
export const SELINUX_TYPES = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
/** The safe sysctls (check_sysctls.go, 1.32). */
export const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];
const PROBE_HANDLERS = ["httpGet", "tcpSocket", "exec", "grpc"];
const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

/**
 * Names that become pod or container fields the Pod Security Standards judge (or name a chart's usual
 * way to add them). The chart does not document them for a component or at the top level, so the guard
 * cannot tell what the chart does with them: they are refused whatever their value.
 */
const POD_FIELD_KEYS: Record<string, string> = {
    hostNetwork: "host namespaces",
    hostPID: "host namespaces",
    hostIPC: "host namespaces",
    hostUsers: "user namespaces (which relax runAsNonRoot, runAsUser and procMount)",
    os: "the pod OS (which exempts Windows pods from restricted checks)",
    securityContext: "security contexts",
    podSecurityContext: "security contexts",
    containerSecurityContext: "security contexts",
    privileged: "privileged containers",
    capabilities: "capabilities",
    allowPrivilegeEscalation: "privilege escalation",
    procMount: "/proc mount types",
    seccompProfile: "seccomp",
    appArmorProfile: "AppArmor",
    seLinuxOptions: "SELinux",
    runAsUser: "running as root",
    runAsNonRoot: "running as root",
    windowsOptions: "Windows host processes",
    sysctls: "sysctls",
    ports: "host ports",
    hostPort: "host ports",
    lifecycle: "probe and lifecycle hosts",
    startupProbe: "probe and lifecycle hosts",
    containers: "containers",
    ephemeralContainers: "containers",
    initContainers: "containers",
    extraContainers: "containers",
    extraInitContainers: "containers",
    sidecars: "containers",
    sidecarContainers: "containers",
    volumes: "volume types",
    extraVolumes: "volume types",
    podAnnotations: "AppArmor annotations",
};

function isObj(v: unknown): v is Obj {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function field(s: Sourced | undefined, key: string): Sourced | undefined {
    if (s === undefined || !isObj(s.value) || s.value[key] === undefined || s.value[key] === null) {
        return undefined;
    }
    return { value: s.value[key], at: [...s.at, key] };
}

function where(pod: PodSpecView, c?: PodContainer): string {
    const podName = `the ${pod.component} pod`;
    return c === undefined ? podName : `${c.init ? "init container" : "container"} '${c.name}' of ${podName}`;
}

/** The findings for one pod at `level`. */
export function judgePod(pod: PodSpecView, level: PodSecurityLevel): PodFinding[] {
    const out: PodFinding[] = [];
    const restricted = level === "restricted";
    const lvl = `Pod Security Standard '${level}'`;
    const add = (at: Path, message: string) => out.push({ at, message });
    const psc = pod.securityContext;

    // Undocumented pod-field keys (host namespaces among them): refused whatever their value.
    for (const u of pod.undocumented) {
        const key = String(u.at[u.at.length - 1]);
        const control = POD_FIELD_KEYS[key];
        if (control !== undefined) {
            const host = /^host(Network|PID|IPC)$/.test(key) && u.value === true;
            add(
                u.at,
                `${host ? `${lvl} forbids sharing the host's namespaces (${key}: true); ` : ""}the chart does not document '${key}' for ${pod.component}, and it would set a pod field Pod Security Standards judge (${control}); the guard cannot tell what the chart does with it, so it is refused: remove it${host ? "" : " and use the typed config keys for this component"}`,
            );
        }
    }

    // Pod-level security context.
    const podSeccomp = field(field(psc, "seccompProfile"), "type");
    const podSeccompOk = podSeccomp !== undefined && ["RuntimeDefault", "Localhost"].includes(String(podSeccomp.value));
    if (podSeccomp !== undefined && !podSeccompOk) {
        add(
            podSeccomp.at,
            `${lvl} forbids seccomp profile type '${String(podSeccomp.value)}' on ${where(pod)}; use RuntimeDefault or Localhost`,
        );
    }
    const podNonRoot = field(psc, "runAsNonRoot");
    const podAt = psc?.at ?? pod.securityContextAt;
    const sharedContext = (sc: Sourced | undefined, whom: string) => {
        const aa = field(field(sc, "appArmorProfile"), "type");
        if (aa !== undefined && !["RuntimeDefault", "Localhost"].includes(String(aa.value))) {
            add(
                aa.at,
                `${lvl} forbids AppArmor profile type '${String(aa.value)}' on ${whom}; use RuntimeDefault or Localhost, or leave it unset`,
            );
        }
        const se = field(sc, "seLinuxOptions");
        const seType = field(se, "type");
        if (seType !== undefined && seType.value !== "" && !SELINUX_TYPES.includes(String(seType.value))) {
            add(
                seType.at,
                `${lvl} forbids SELinux type '${String(seType.value)}' on ${whom} (allowed: ${SELINUX_TYPES.join(", ")}); use one of those or leave it unset`,
            );
        }
        for (const k of ["user", "role"]) {
            const v = field(se, k);
            if (v !== undefined && v.value !== "") {
                add(v.at, `${lvl} forbids a custom SELinux ${k} on ${whom}; remove seLinuxOptions.${k}`);
            }
        }
        const hp = field(field(sc, "windowsOptions"), "hostProcess");
        if (hp?.value === true) {
            add(hp.at, `${lvl} forbids Windows host processes on ${whom}; remove windowsOptions.hostProcess`);
        }
        const user = field(sc, "runAsUser");
        if (restricted && user?.value === 0) {
            add(user.at, `${lvl} forbids running as UID 0 on ${whom}; set a non-zero runAsUser (the agent uses 50000)`);
        }
    };
    sharedContext(psc, where(pod));
    if (restricted && podNonRoot?.value === false) {
        add(podNonRoot.at, `${lvl} requires runAsNonRoot: true, and ${where(pod)} sets false; remove it or set true`);
    }
    const sysctls = field(psc, "sysctls");
    if (sysctls !== undefined && Array.isArray(sysctls.value)) {
        sysctls.value.forEach((s, i) => {
            const name = isObj(s) ? String(s.name) : String(s);
            if (!SAFE_SYSCTLS.includes(name)) {
                add(
                    [...sysctls.at, i, "name"],
                    `${lvl} forbids the sysctl '${name}' on ${where(pod)} (only the safe set: ${SAFE_SYSCTLS.join(", ")}); remove it`,
                );
            }
        });
    }

    // Volumes.
    for (const v of pod.volumes) {
        if (!isObj(v.value)) {
            continue;
        }
        const sources = Object.keys(v.value).filter((k) => k !== "name");
        const name = typeof v.value.name === "string" ? v.value.name : "?";
        for (const s of sources) {
            if (s === "hostPath" || (restricted && !RESTRICTED_VOLUME_SOURCES.includes(s))) {
                add(
                    [...v.at, s],
                    `${lvl} forbids ${s} volumes (volume '${name}' of ${where(pod)})${restricted ? `; use one of ${RESTRICTED_VOLUME_SOURCES.join(", ")}` : "; use a persistentVolumeClaim or another volume type"}`,
                );
            }
        }
    }

    // AppArmor annotations on the pod template.
    const ann = pod.annotations;
    if (ann !== undefined && isObj(ann.value)) {
        for (const [k, v] of Object.entries(ann.value)) {
            const s = typeof v === "string" ? v : String(v);
            if (
                k.startsWith(APPARMOR_ANNOTATION_PREFIX) &&
                !(s === "" || s === "runtime/default" || s.startsWith("localhost/"))
            ) {
                add(
                    [...ann.at, k],
                    `${lvl} forbids the AppArmor annotation value '${s}' (it lands on every pod template); use runtime/default or localhost/<profile>, or the appArmorProfile field`,
                );
            }
            const target = k.slice(APPARMOR_ANNOTATION_PREFIX.length);
            if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !pod.containers.some((c) => c.name === target)) {
                // Not a Pod Security Standards control: the API server's own validation
                // (ValidateAppArmorPodAnnotations) refuses an annotation naming a container the pod lacks.
                add(
                    [...ann.at, k],
                    `the API server refuses an AppArmor annotation naming a container the pod does not have ('${target}' is not in ${where(pod)}; top-level annotations land on every pod template); set appArmorProfile in the container's securityContext instead`,
                );
            }
        }
    }

    // Containers (init containers included, as the admission's visitContainers does).
    const withoutNonRoot: string[] = [];
    const withoutSeccomp: string[] = [];
    for (const c of pod.containers) {
        const sc = c.securityContext;
        const scAt = sc?.at ?? c.securityContextAt;
        const whom = where(pod, c);
        sharedContext(sc, whom);
        const priv = field(sc, "privileged");
        if (priv?.value === true) {
            add(priv.at, `${lvl} forbids privileged containers (${whom}); remove privileged or set false`);
        }
        const caps = field(sc, "capabilities");
        const added = field(caps, "add");
        if (added !== undefined && Array.isArray(added.value)) {
            added.value.forEach((cap, i) => {
                const name = String(cap);
                const ok = restricted ? name === "NET_BIND_SERVICE" : BASELINE_CAPABILITIES.includes(name);
                if (!ok) {
                    add(
                        [...added.at, i],
                        `${lvl} forbids adding the capability ${name} (${whom}); ${restricted ? "only NET_BIND_SERVICE may be added" : `only ${BASELINE_CAPABILITIES.join(", ")} may be added`}`,
                    );
                }
            });
        }
        if (restricted) {
            const drop = field(caps, "drop");
            if (drop === undefined || !Array.isArray(drop.value) || !drop.value.includes("ALL")) {
                add(
                    drop?.at ?? [...scAt, "capabilities", "drop"],
                    `${lvl} requires capabilities.drop to contain ALL (${whom}); set drop: [ALL]`,
                );
            }
            const ape = field(sc, "allowPrivilegeEscalation");
            if (ape?.value !== false) {
                add(
                    ape?.at ?? [...scAt, "allowPrivilegeEscalation"],
                    `${lvl} requires allowPrivilegeEscalation: false (${whom}); set it to false`,
                );
            }
            const nonRoot = field(sc, "runAsNonRoot");
            if (nonRoot?.value === false) {
                add(nonRoot.at, `${lvl} requires runAsNonRoot: true, and ${whom} sets false; remove it or set true`);
            } else if (nonRoot === undefined && podNonRoot?.value !== true) {
                withoutNonRoot.push(c.name);
            }
            const seccomp = field(field(sc, "seccompProfile"), "type");
            if (seccomp === undefined && podSeccomp === undefined) {
                withoutSeccomp.push(c.name);
            }
        }
        const seccomp = field(field(sc, "seccompProfile"), "type");
        if (seccomp !== undefined && !["RuntimeDefault", "Localhost"].includes(String(seccomp.value))) {
            add(
                seccomp.at,
                `${lvl} forbids seccomp profile type '${String(seccomp.value)}' (${whom}); use RuntimeDefault or Localhost`,
            );
        }
        const proc = field(sc, "procMount");
        if (proc !== undefined && proc.value !== "Default") {
            add(proc.at, `${lvl} forbids procMount '${String(proc.value)}' (${whom}); remove it or use Default`);
        }
        if (c.ports !== undefined && Array.isArray(c.ports.value)) {
            c.ports.value.forEach((p, i) => {
                if (isObj(p) && p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
                    add(
                        [...(c.ports as Sourced).at, i, "hostPort"],
                        `${lvl} forbids host ports (${whom} asks for ${JSON.stringify(p.hostPort)}); remove hostPort and reach the container through a Service`,
                    );
                }
            });
        }
        for (const p of c.probes) {
            if (!isObj(p.source.value)) {
                continue;
            }
            // Not a Pod Security Standards control: the API server refuses a probe with more than one
            // handler, and Helm merges the chart's default `httpGet` into a probe set on a map component
            // unless the probe sets `httpGet: null`.
            const probe = p.source.value;
            const set = PROBE_HANDLERS.filter(
                (h) =>
                    (probe[h] !== undefined && probe[h] !== null) ||
                    (h === "httpGet" && p.chartDefault === true && !(h in probe)),
            );
            if (set.length > 1) {
                const merged = p.chartDefault === true && !("httpGet" in probe) && set.includes("httpGet");
                add(
                    p.source.at,
                    `the API server refuses a probe with more than one handler (${whom} would get ${set.join(" and ")}${merged ? "; the chart's default httpGet is merged into it" : ""}); ${merged ? "add httpGet: null to this probe" : "keep one handler"}`,
                );
            }
        }
        const handlers: { s: Sourced; kinds: string[] }[] = c.probes.map((p) => ({
            s: p.source,
            kinds: ["httpGet", "tcpSocket"],
        }));
        for (const hook of ["postStart", "preStop"]) {
            const h = field(c.lifecycle, hook);
            if (h !== undefined) {
                handlers.push({ s: h, kinds: ["httpGet", "tcpSocket"] });
            }
        }
        for (const h of handlers) {
            for (const kind of h.kinds) {
                const host = field(field(h.s, kind), "host");
                if (host !== undefined && host.value !== "") {
                    add(
                        host.at,
                        `${lvl} forbids a probe or lifecycle handler host ('${String(host.value)}', ${whom}); remove host (the pod's IP is used)`,
                    );
                }
            }
        }
    }
    const names = (list: string[]) => list.map((n) => `'${n}'`).join(", ");
    if (withoutNonRoot.length > 0) {
        add(
            podNonRoot?.at ?? [...podAt, "runAsNonRoot"],
            `${lvl} requires runAsNonRoot: true on ${where(pod)} or on each of its containers (not set for ${names(withoutNonRoot)}); set runAsNonRoot: true in the pod securityContext`,
        );
    }
    if (withoutSeccomp.length > 0) {
        add(
            [...podAt, "seccompProfile", "type"],
            `${lvl} requires a seccomp profile (RuntimeDefault or Localhost) on ${where(pod)} or on each of its containers (not set for ${names(withoutSeccomp)}); set seccompProfile.type: RuntimeDefault in the pod securityContext`,
        );
    }
    return dedupe(out);
}

function dedupe(findings: PodFinding[]): PodFinding[] {
    const seen = new Set<string>();
    return findings.filter((f) => {
        const k = `${formatPath(f.at)}\u0000${f.message}`;
        if (seen.has(k)) {
            return false;
        }
        seen.add(k);
        return true;
    });
}

/** Findings for undocumented pod-field keys at the top level of the values. */
function topLevelFindings(values: ChartValues, level: PodSecurityLevel): PodFinding[] {
    return Object.keys(values)
        .filter((k) => !DOCUMENTED_TOP_LEVEL.includes(k) && POD_FIELD_KEYS[k] !== undefined)
        .map((k) => ({
            at: [k],
            message: `${/^host(Network|PID|IPC)$/.test(k) && values[k] === true ? `Pod Security Standard '${level}' forbids sharing the host's namespaces (${k}: true); ` : ""}the chart does not document a top-level '${k}', and it would set a pod field Pod Security Standards judge (${POD_FIELD_KEYS[k] ?? ""}); the guard cannot tell what the chart does with it, so it is refused: remove it`,
        }));
}

/**
 * Every finding for the final chart values at `level`. A value shared by several pods (a global
 * context, the logging sidecar, annotations) is reported once, for the first pod.
 */
export function guardChartValues(values: ChartValues, level: PodSecurityLevel): PodFinding[] {
    const all = [...topLevelFindings(values, level), ...podSpecsOf(values).flatMap((p) => judgePod(p, level))];
    const seen = new Set<string>();
    return all.filter((f) => {
        const k = `${formatPath(f.at)}\u0000${f.message.replace(/ of the [^ ]+ pod/g, "").replace(/ on the [^ ]+ pod/g, "")}`;
        if (seen.has(k)) {
            return false;
        }
        seen.add(k);
        return true;
    });
}

// ---------------------------------------------------------------------------------------------------
// From the config: the final values the program would send, and each finding named by its config key.

/**
 * The config key a chart-values path came from: the last `extraValues` layer that sets it (or the
 * deepest part of it that exists), else the typed key with the same path (the values builder keeps
 * the config's shape for security contexts, containers and probes; volumes are found by name).
 */
export function configKeyOf(cfg: ResolvedAgentConfig, finalValues: ChartValues, chartPath: Path): string {
    const fromLayer = extraValuesKeyOf(extraValueLayers(cfg), chartPath);
    if (fromLayer !== undefined) {
        return fromLayer;
    }
    const [top] = chartPath;
    if (top === "podSecurityContext" || top === "containerSecurityContext") {
        return `restricted (the program's global ${top})`;
    }
    const vi = chartPath.indexOf("volumes");
    if (vi > 0 && typeof chartPath[vi + 1] === "number") {
        const base = chartPath.slice(0, vi);
        const vol = valueAt(finalValues, chartPath.slice(0, vi + 2));
        const name = isObj(vol) && typeof vol.name === "string" ? vol.name : "?";
        const owners: Path[] = [base, ["loggingSidecar"]];
        for (const owner of owners) {
            const list = valueAt(cfg, [...owner, "volumes"]);
            const j = Array.isArray(list) ? list.findIndex((v) => isObj(v) && v.name === name) : -1;
            if (j >= 0) {
                return formatPath([...owner, "volumes", j, ...chartPath.slice(vi + 2)]);
            }
        }
        return `the program's volume '${name}' (${formatPath(chartPath)})`;
    }
    return formatPath(chartPath);
}

/** The namespace's level for a config: `restricted` when `restricted` is on, else `baseline`. */
export function podSecurityLevel(cfg: Pick<ResolvedAgentConfig, "restricted">): PodSecurityLevel {
    return cfg.restricted ? "restricted" : "baseline";
}

/** The final chart values for a config (wiring stand-ins, a backend without volumes), extra values merged. */
export function finalChartValues(cfg: AgentConfig): ChartValues {
    return probeChartValues(cfg);
}

/** Every Pod Security Standards problem of the pods the chart would build for this config. */
export function podSecurityProblems(cfg: AgentConfig): ConfigProblem[] {
    const probe = withWiringStandIns(cfg);
    const values = finalChartValues(cfg);
    const seen = new Set<string>();
    const problems: ConfigProblem[] = [];
    for (const f of guardChartValues(values, podSecurityLevel(cfg))) {
        const key = configKeyOf(probe, values, f.at);
        const id = `${key}\u0000${f.message}`;
        if (!seen.has(id)) {
            seen.add(id);
            problems.push({ key, message: f.message });
        }
    }
    return problems;
}

/**
 * With `podIdentity: assignedByCluster`, a UID or group that reaches a pod through `extraValues` (the
 * typed keys are refused by config/rules/podIdentity.ts): each named by its config key.
 */
export function podIdentityProblems(cfg: AgentConfig): ConfigProblem[] {
    if (cfg.podIdentity !== "assignedByCluster") {
        return [];
    }
    const probe = withWiringStandIns(cfg);
    const values = finalChartValues(cfg);
    const keys = new Set<string>();
    for (const pod of podSpecsOf(values)) {
        for (const sc of [pod.securityContext, ...pod.containers.map((c) => c.securityContext)]) {
            for (const f of IDENTITY_FIELDS) {
                const v = field(sc, f);
                if (v !== undefined) {
                    keys.add(configKeyOf(probe, values, v.at));
                }
            }
        }
    }
    return [...keys].map((key) => ({ key, message: ASSIGNED_ID_MESSAGE }));
}
