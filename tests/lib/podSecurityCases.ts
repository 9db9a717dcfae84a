// Generated pod-security cases for the pod guard: one pod-affecting value per case, for every control
// of the Pod Security Standards, reached through every path the config offers (typed keys,
// per-component and top-level extraValues, the chart's global/sidecar keys), with the verdict of an
// oracle written from the PSS tables (kubernetes.io/docs/concepts/security/pod-security-standards,
// k8s.io/pod-security-admission v0.36.5), independent of chart/podGuard.ts.
import fc from "fast-check";
import { baseValues } from "../fixtures/config";

export type Level = "baseline" | "restricted";
type Obj = Record<string, unknown>;

/** A generated pod-affecting setting: the control, the value, and the oracle's verdict per level. */
export interface Setting {
    control: string;
    scope: "container" | "pod" | "volume" | "port" | "probe" | "undocumented";
    /** The fragment: a context field `{field: value}`, a volume, a port, a probe, or an undocumented key. */
    fragment: Obj;
    allowed: Record<Level, boolean>;
}

/** A whole case: stack config values, the config key a refusal must name, the oracle's verdict. */
export interface PodCase {
    level: Level;
    control: string;
    route: string;
    values: Obj;
    key: string;
    allowed: boolean;
    fragment: Obj;
}

// --- The PSS tables, written out here (not imported from the code under test). ---
const BASELINE_ADDABLE = new Set([
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
]);
const OTHER_CAPS = ["NET_RAW", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "BPF", "SYS_TIME", "IPC_LOCK"];
const GOOD_SELINUX = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const SAFE_SYSCTLS = [
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
const UNSAFE_SYSCTLS = ["kernel.msgmax", "net.core.somaxconn", "vm.swappiness", "kernel.sem", "net.ipv4.ip_forward"];
const SYSCTL_VALUE: Record<string, string> = {
    "net.ipv4.ip_local_port_range": "32768 60999",
    "net.ipv4.ping_group_range": "0 0",
    "net.ipv4.tcp_rmem": "4096 87380 6291456",
    "net.ipv4.tcp_wmem": "4096 16384 4194304",
    "kernel.sem": "250 32000 100 128",
    "net.ipv4.ip_local_reserved_ports": "30000",
};
/** Volume sources with a minimal valid body; `restricted` says whether restricted admits the type. */
const VOLUMES: { type: string; body: Obj; restricted: boolean }[] = [
    { type: "emptyDir", body: {}, restricted: true },
    { type: "configMap", body: { name: "cm" }, restricted: true },
    { type: "secret", body: { secretName: "s" }, restricted: true },
    { type: "persistentVolumeClaim", body: { claimName: "claim" }, restricted: true },
    { type: "projected", body: { sources: [] }, restricted: true },
    { type: "downwardAPI", body: { items: [] }, restricted: true },
    { type: "csi", body: { driver: "csi.example.com" }, restricted: true },
    { type: "image", body: { reference: "busybox:1.36" }, restricted: true },
    {
        type: "ephemeral",
        body: {
            volumeClaimTemplate: {
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            },
        },
        restricted: true,
    },
    { type: "hostPath", body: { path: "/var/log" }, restricted: false },
    { type: "nfs", body: { server: "nfs.example.com", path: "/exports" }, restricted: false },
    {
        type: "iscsi",
        body: { targetPortal: "10.0.0.5:3260", iqn: "iqn.2001-04.com.example:storage", lun: 0 },
        restricted: false,
    },
    { type: "azureFile", body: { secretName: "az", shareName: "share" }, restricted: false },
];

const both = (ok: boolean) => ({ baseline: ok, restricted: ok });
const restrictedOnly = (ok: boolean) => ({ baseline: true, restricted: ok });

const profileType = fc.constantFrom("RuntimeDefault", "Localhost", "Unconfined");
const seccomp = profileType.map((type) => ({
    value: type === "Localhost" ? { type, localhostProfile: "profiles/agent.json" } : { type },
    ok: type !== "Unconfined",
}));
const appArmor = profileType.map((type) => ({
    value: type === "Localhost" ? { type, localhostProfile: "k8s-agent" } : { type },
    ok: type !== "Unconfined",
}));
const seLinux = fc
    .record({
        type: fc.option(fc.constantFrom(...GOOD_SELINUX, "spc_t", "unconfined_t", "container_runtime_t", "kernel_t"), {
            nil: undefined,
        }),
        user: fc.option(fc.constantFrom("system_u", "user_u"), { nil: undefined }),
        role: fc.option(fc.constantFrom("system_r", "object_r"), { nil: undefined }),
        level: fc.option(fc.constantFrom("s0:c1,c2", "s0"), { nil: undefined }),
    })
    .map((o) => {
        const value = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
        const ok =
            (o.type === undefined || GOOD_SELINUX.includes(o.type)) && o.user === undefined && o.role === undefined;
        return { value, ok };
    });

/** Settings of the fields both contexts share. */
function sharedFields(scope: "container" | "pod"): fc.Arbitrary<Setting>[] {
    const s = (control: string, arb: fc.Arbitrary<{ value: unknown; ok: Record<Level, boolean> }>) =>
        arb.map((x) => ({ control, scope, fragment: { [control]: x.value }, allowed: x.ok }));
    return [
        s(
            "seccompProfile",
            seccomp.map((x) => ({ value: x.value, ok: both(x.ok) })),
        ),
        s(
            "appArmorProfile",
            appArmor.map((x) => ({ value: x.value, ok: both(x.ok) })),
        ),
        s(
            "seLinuxOptions",
            seLinux.map((x) => ({ value: x.value, ok: both(x.ok) })),
        ),
        s(
            "runAsUser",
            fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000_000 })).map((u) => ({
                value: u,
                ok: restrictedOnly(u !== 0),
            })),
        ),
        s(
            "runAsNonRoot",
            fc.boolean().map((b) => ({ value: b, ok: restrictedOnly(b) })),
        ),
        s(
            "windowsOptions",
            fc.boolean().map((b) => ({ value: { hostProcess: b }, ok: both(!b) })),
        ),
    ];
}

function capabilitySetting(add: fc.Arbitrary<string[]>, drop: fc.Arbitrary<string[]>): fc.Arbitrary<Setting> {
    return fc.record({ add, drop }).map(({ add, drop }) => ({
        control: "capabilities",
        scope: "container" as const,
        fragment: { capabilities: add.length > 0 ? { add, drop } : { drop } },
        allowed: {
            baseline: add.every((c) => BASELINE_ADDABLE.has(c)),
            restricted: drop.includes("ALL") && add.every((c) => c === "NET_BIND_SERVICE"),
        },
    }));
}

const containerSettings: fc.Arbitrary<Setting>[] = [
    ...sharedFields("container"),
    fc.boolean().map((b) => ({
        control: "privileged",
        scope: "container" as const,
        fragment: { privileged: b },
        allowed: both(!b),
    })),
    fc.boolean().map((b) => ({
        control: "allowPrivilegeEscalation",
        scope: "container" as const,
        fragment: { allowPrivilegeEscalation: b },
        allowed: restrictedOnly(!b),
    })),
    fc.constantFrom("Default", "Unmasked").map((p) => ({
        control: "procMount",
        scope: "container" as const,
        fragment: { procMount: p },
        allowed: both(p === "Default"),
    })),
    capabilitySetting(
        fc.constantFrom(...BASELINE_ADDABLE, ...OTHER_CAPS).map((c) => [c]),
        fc.constant(["ALL"]),
    ),
    capabilitySetting(fc.constant([]), fc.constantFrom(["ALL"], ["ALL", "NET_RAW"], [], ["NET_RAW"], ["CHOWN"])),
    capabilitySetting(
        fc.subarray([...BASELINE_ADDABLE, ...OTHER_CAPS], { maxLength: 3 }),
        fc.constantFrom(["ALL"], [], ["NET_RAW"]),
    ),
];

const podSettings: fc.Arbitrary<Setting>[] = [
    ...sharedFields("pod"),
    fc.subarray([...SAFE_SYSCTLS, ...UNSAFE_SYSCTLS], { minLength: 1, maxLength: 3 }).map((names) => ({
        control: "sysctls",
        scope: "pod" as const,
        fragment: { sysctls: names.map((name) => ({ name, value: SYSCTL_VALUE[name] ?? "1" })) },
        allowed: both(names.every((n) => SAFE_SYSCTLS.includes(n))),
    })),
];

const volumeSetting: fc.Arbitrary<Setting> = fc.constantFrom(...VOLUMES).map((v) => ({
    control: `volume:${v.type}`,
    scope: "volume" as const,
    fragment: { name: "extra", [v.type]: v.body },
    allowed: { baseline: v.type !== "hostPath", restricted: v.restricted },
}));

const portSetting: fc.Arbitrary<Setting> = fc
    .oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 }))
    .map((hostPort) => ({
        control: "hostPorts",
        scope: "port" as const,
        fragment: { ports: [{ containerPort: 8081, ...(hostPort === 0 ? {} : { hostPort }) }] },
        allowed: both(hostPort === 0),
    }));

const probeSetting: fc.Arbitrary<Setting> = fc
    .record({
        host: fc.constantFrom("", "10.0.0.7", "metadata.example.internal"),
        kind: fc.constantFrom("httpGet", "tcpSocket"),
    })
    .map(({ host, kind }) => ({
        control: "hostProbesAndHostLifecycle",
        scope: "probe" as const,
        fragment:
            kind === "httpGet"
                ? { httpGet: { path: "healthz", port: 39091, ...(host === "" ? {} : { host }) } }
                : { tcpSocket: { port: 39091, ...(host === "" ? {} : { host }) } },
        allowed: both(host === ""),
    }));

const undocumentedSetting: fc.Arbitrary<Setting> = fc
    .record({ key: fc.constantFrom("hostNetwork", "hostPID", "hostIPC", "hostUsers"), value: fc.boolean() })
    .map(({ key, value }) => ({
        control: `hostNamespaces:${key}`,
        scope: "undocumented" as const,
        fragment: { [key]: value },
        // Host namespaces are forbidden by baseline; the chart has no such key, so the guard refuses it
        // whatever its value (the chart could not render it either).
        allowed: both(false),
    }));

/** The restricted container context the PSS tables require, written out here. */
const COMPLIANT_CONTAINER = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
};
const COMPLIANT_POD = {
    runAsNonRoot: true,
    runAsUser: 50000,
    fsGroup: 50000,
    seccompProfile: { type: "RuntimeDefault" },
};
const SIDECAR_IMAGE = "busybox:1.36";

function base(level: Level): Obj {
    return { ...baseValues(), restricted: level === "restricted" };
}
const worker = (extra: Obj): Obj => ({ name: "default", queues: ["default"], ...extra });

interface Route {
    name: string;
    scope: Setting["scope"];
    /** Levels this route can express (typed security contexts are refused by the restricted floor first). */
    levels: Level[];
    build(level: Level, fragment: Obj): { values: Obj; key: string };
}

const ctx = (fragment: Obj) => ({ ...COMPLIANT_CONTAINER, ...fragment });
const podCtx = (fragment: Obj) => ({ ...COMPLIANT_POD, ...fragment });
const BOTH: Level[] = ["baseline", "restricted"];

export const ROUTES: Route[] = [
    // Container security context fields.
    {
        name: "workers[0].extraValues.initContainers",
        scope: "container",
        levels: BOTH,
        build: (level, f) => ({
            values: {
                ...base(level),
                workers: [
                    worker({
                        extraValues: {
                            initContainers: [{ name: "init", image: SIDECAR_IMAGE, securityContext: ctx(f) }],
                        },
                    }),
                ],
            },
            key: "workers[0].extraValues.initContainers[0].securityContext",
        }),
    },
    {
        name: "workers[0].extraValues.containerSecurityContext",
        scope: "container",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), workers: [worker({ extraValues: { containerSecurityContext: ctx(f) } })] },
            key: "workers[0].extraValues.containerSecurityContext",
        }),
    },
    {
        name: "extraValues.dagProcessor.extraContainers",
        scope: "container",
        levels: BOTH,
        build: (level, f) => ({
            values: {
                ...base(level),
                extraValues: {
                    dagProcessor: {
                        extraContainers: [{ name: "side", image: SIDECAR_IMAGE, securityContext: ctx(f) }],
                    },
                },
            },
            key: "extraValues.dagProcessor.extraContainers[0].securityContext",
        }),
    },
    {
        name: "triggerer.extraContainers (typed)",
        scope: "container",
        levels: ["baseline"],
        build: (level, f) => ({
            values: {
                ...base(level),
                triggerer: { extraContainers: [{ name: "side", image: SIDECAR_IMAGE, securityContext: ctx(f) }] },
            },
            key: "triggerer.extraContainers[0].securityContext",
        }),
    },
    {
        name: "workers[0].containerSecurityContext (typed)",
        scope: "container",
        levels: ["baseline"],
        build: (level, f) => ({
            values: { ...base(level), workers: [worker({ containerSecurityContext: ctx(f) })] },
            key: "workers[0].containerSecurityContext",
        }),
    },
    {
        name: "loggingSidecar.securityContext (typed; the sidecar in worker and triggerer pods)",
        scope: "container",
        levels: ["baseline"],
        build: (level, f) => ({
            values: {
                ...base(level),
                loggingSidecar: { enabled: true, image: SIDECAR_IMAGE, securityContext: ctx(f) },
            },
            key: "loggingSidecar.securityContext",
        }),
    },
    {
        name: "sentinel.extraValues.containerSecurityContext",
        scope: "container",
        levels: ["baseline"],
        build: (level, f) => ({
            values: { ...base(level), sentinel: { extraValues: { containerSecurityContext: ctx(f) } } },
            key: "sentinel.extraValues.containerSecurityContext",
        }),
    },
    // Pod security context fields.
    {
        name: "workers[0].extraValues.podSecurityContext",
        scope: "pod",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), workers: [worker({ extraValues: { podSecurityContext: podCtx(f) } })] },
            key: "workers[0].extraValues.podSecurityContext",
        }),
    },
    {
        name: "extraValues.triggerer.podSecurityContext",
        scope: "pod",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), extraValues: { triggerer: { podSecurityContext: podCtx(f) } } },
            key: "extraValues.triggerer.podSecurityContext",
        }),
    },
    {
        name: "dagProcessor.podSecurityContext (typed)",
        scope: "pod",
        levels: ["baseline"],
        build: (level, f) => ({
            values: { ...base(level), dagProcessor: { podSecurityContext: podCtx(f) } },
            key: "dagProcessor.podSecurityContext",
        }),
    },
    // Volumes (typed: the volume lists are derived, so extraValues cannot replace them).
    {
        name: "dagProcessor.volumes (typed)",
        scope: "volume",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), dagProcessor: { volumes: [f] } },
            key: "dagProcessor.volumes[0]",
        }),
    },
    {
        name: "workers[0].volumes (typed)",
        scope: "volume",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), workers: [worker({ volumes: [f] })] },
            key: "workers[0].volumes[0]",
        }),
    },
    // Host ports, on extra containers.
    {
        name: "workers[0].extraValues.extraContainers (ports)",
        scope: "port",
        levels: BOTH,
        build: (level, f) => ({
            values: {
                ...base(level),
                workers: [
                    worker({
                        extraValues: {
                            extraContainers: [{ name: "side", image: SIDECAR_IMAGE, securityContext: ctx({}), ...f }],
                        },
                    }),
                ],
            },
            key: "workers[0].extraValues.extraContainers[0].ports",
        }),
    },
    {
        name: "sentinel.extraContainers (typed, ports)",
        scope: "port",
        levels: BOTH,
        build: (level, f) => ({
            values: {
                ...base(level),
                sentinel: { extraContainers: [{ name: "side", image: SIDECAR_IMAGE, securityContext: ctx({}), ...f }] },
            },
            key: "sentinel.extraContainers[0].ports",
        }),
    },
    // Probe hosts.
    {
        name: "workers[0].readinessProbe (typed)",
        scope: "probe",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), workers: [worker({ readinessProbe: f })] },
            key: "workers[0].readinessProbe",
        }),
    },
    {
        name: "dagProcessor.livenessProbe (typed)",
        scope: "probe",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), dagProcessor: { livenessProbe: f } },
            key: "dagProcessor.livenessProbe",
        }),
    },
    {
        name: "triggerer.extraValues.livenessProbe",
        scope: "probe",
        levels: BOTH,
        build: (level, f) => ({
            // Helm merges the chart's default httpGet probe into this map unless it is nulled.
            values: {
                ...base(level),
                triggerer: { extraValues: { livenessProbe: "httpGet" in f ? f : { ...f, httpGet: null } } },
            },
            key: "triggerer.extraValues.livenessProbe",
        }),
    },
    // Keys the chart does not document.
    {
        name: "workers[0].extraValues (undocumented key)",
        scope: "undocumented",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), workers: [worker({ extraValues: f })] },
            key: `workers[0].extraValues.${Object.keys(f)[0] ?? ""}`,
        }),
    },
    {
        name: "extraValues (undocumented top-level key)",
        scope: "undocumented",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), extraValues: f },
            key: `extraValues.${Object.keys(f)[0] ?? ""}`,
        }),
    },
    {
        name: "extraValues.sentinel (undocumented key)",
        scope: "undocumented",
        levels: BOTH,
        build: (level, f) => ({
            values: { ...base(level), extraValues: { sentinel: f } },
            key: `extraValues.sentinel.${Object.keys(f)[0] ?? ""}`,
        }),
    },
];

const ALL_SETTINGS: fc.Arbitrary<Setting>[] = [
    ...containerSettings,
    ...podSettings,
    volumeSetting,
    portSetting,
    probeSetting,
    undocumentedSetting,
];

/** One generated case at `level`: a control (each equally likely) and a route of its scope that can express it. */
export function podCaseArb(level: Level): fc.Arbitrary<PodCase> {
    return fc
        .oneof(...ALL_SETTINGS)
        .chain((setting) =>
            fc.record({
                setting: fc.constant(setting),
                route: fc.constantFrom(...ROUTES.filter((r) => r.scope === setting.scope && r.levels.includes(level))),
            }),
        )
        .map(({ route, setting }) => {
            const { values, key } = route.build(level, setting.fragment);
            return {
                level,
                control: setting.control,
                route: route.name,
                values,
                key,
                allowed: setting.allowed[level],
                fragment: setting.fragment,
            };
        });
}

/** `n` generated cases from a fixed seed (the same corpus on every run). */
export function podCorpus(n: number, seed: number): PodCase[] {
    return [
        ...fc.sample(podCaseArb("restricted"), { numRuns: Math.ceil(n / 2), seed }),
        ...fc.sample(podCaseArb("baseline"), { numRuns: Math.floor(n / 2), seed: seed + 1 }),
    ];
}
