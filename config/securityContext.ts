// Pod and container security contexts: the typed override schemas, the floors the program always
// starts from, and the check that an override only tightens a restricted floor. Pure: no resources.
import { z } from "zod";
import { configPath, k8sObject, strictObject } from "../schema/primitives";

const capabilityName = z
    .string()
    .regex(/^[A-Z_]+$/, "must be a capability name such as NET_BIND_SERVICE or ALL")
    .meta({ expected: "a Linux capability name", example: "NET_BIND_SERVICE" });
const seccompProfile = strictObject({
    type: z.enum(["RuntimeDefault", "Localhost", "Unconfined"]),
    // Kubernetes: a descending path relative to the kubelet's seccomp profile folder.
    localhostProfile: configPath({
        what: "a seccomp profile file relative to the kubelet's seccomp folder",
        example: "profiles/agent.json",
        form: "relative",
    }).optional(),
});
const appArmorProfile = strictObject({
    type: z.enum(["RuntimeDefault", "Localhost", "Unconfined"]),
    localhostProfile: z.string().optional(),
});
const seLinuxOptions = strictObject({
    level: z.string().optional(),
    role: z.string().optional(),
    type: z.string().optional(),
    user: z.string().optional(),
});
const windowsOptions = strictObject({
    gmsaCredentialSpec: z.string().optional(),
    gmsaCredentialSpecName: z.string().optional(),
    hostProcess: z.boolean().optional(),
    runAsUserName: z.string().optional(),
});
const id = z.int().min(0, "must be 0 or more");

/** A Pod `securityContext` (Kubernetes 1.30+ fields). */
export const podSecurityContextSchema = strictObject({
    appArmorProfile: appArmorProfile.optional(),
    fsGroup: id.optional(),
    fsGroupChangePolicy: z.enum(["OnRootMismatch", "Always"]).optional(),
    runAsGroup: id.optional(),
    runAsNonRoot: z.boolean().optional(),
    runAsUser: id.optional(),
    seLinuxChangePolicy: z.string().optional(),
    seLinuxOptions: seLinuxOptions.optional(),
    seccompProfile: seccompProfile.optional(),
    supplementalGroups: z.array(id).optional(),
    supplementalGroupsPolicy: z.enum(["Merge", "Strict"]).optional(),
    sysctls: z.array(k8sObject).optional(),
    windowsOptions: windowsOptions.optional(),
}).meta({ collapse: "Kubernetes PodSecurityContext" });
export type PodSecurityContext = z.output<typeof podSecurityContextSchema>;

/** A container `securityContext` (Kubernetes 1.30+ fields). */
export const containerSecurityContextSchema = strictObject({
    allowPrivilegeEscalation: z.boolean().optional(),
    appArmorProfile: appArmorProfile.optional(),
    capabilities: strictObject({
        add: z.array(capabilityName).optional(),
        drop: z.array(capabilityName).optional(),
    }).optional(),
    privileged: z.boolean().optional(),
    procMount: z.enum(["Default", "Unmasked"]).optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
    runAsGroup: id.optional(),
    runAsNonRoot: z.boolean().optional(),
    runAsUser: id.optional(),
    seLinuxOptions: seLinuxOptions.optional(),
    seccompProfile: seccompProfile.optional(),
    windowsOptions: windowsOptions.optional(),
}).meta({ collapse: "Kubernetes SecurityContext" });
export type ContainerSecurityContext = z.output<typeof containerSecurityContextSchema>;

/** The seed's Pod Security Standard `restricted` pod context for the agent (UID/GID 50000). */
export const RESTRICTED_POD_SECURITY_CONTEXT = {
    seccompProfile: { type: "RuntimeDefault" },
    runAsUser: 50000,
    fsGroup: 50000,
    runAsNonRoot: true,
};
/** The seed's `restricted` container context. */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};
/** What the agent runs as by default (set explicitly rather than relying on chart defaults). */
export const DEFAULT_POD_SECURITY_CONTEXT = { runAsUser: 50000, fsGroup: 50000, runAsNonRoot: true };
/**
 * Sentinel's own user: the chart 2.0.0 values file says "By default, the Sentinel runs as a non-root
 * user with UID 5000 and the group ID is set to 5000", and its global `podSecurityContext` is documented
 * for workers, dag processor and triggerer only. So Sentinel gets its context explicitly.
 */
export const SENTINEL_POD_SECURITY_CONTEXT = { runAsUser: 5000, fsGroup: 5000, runAsNonRoot: true };
export const RESTRICTED_SENTINEL_POD_SECURITY_CONTEXT = {
    seccompProfile: { type: "RuntimeDefault" },
    ...SENTINEL_POD_SECURITY_CONTEXT,
};

/** Who picks the pods' UID and groups: the program (`fixed`) or the cluster (`assignedByCluster`, OpenShift). */
export const POD_IDENTITIES = ["fixed", "assignedByCluster"] as const;
export type PodIdentity = (typeof POD_IDENTITIES)[number];
/** The context fields that name a UID or group: what `assignedByCluster` leaves to the cluster. */
export const IDENTITY_FIELDS = ["runAsUser", "runAsGroup", "fsGroup"] as const;

function withoutIdentity<T extends Record<string, unknown>>(ctx: T): Partial<T> {
    return Object.fromEntries(
        Object.entries(ctx).filter(([k]) => !(IDENTITY_FIELDS as readonly string[]).includes(k)),
    ) as Partial<T>;
}

/** The pod context the agent components start from. */
export function agentPodFloor(restricted: boolean, identity: PodIdentity): Record<string, unknown> {
    const floor = restricted ? RESTRICTED_POD_SECURITY_CONTEXT : DEFAULT_POD_SECURITY_CONTEXT;
    return identity === "fixed" ? floor : withoutIdentity(floor);
}

/**
 * What `assignedByCluster` adds to the global `podSecurityContext`: the chart's values file sets
 * runAsUser and fsGroup 50000 there, and Helm merges a user map into the chart's, so only a null
 * removes them.
 */
export const REMOVE_CHART_IDENTITY = { runAsUser: null, fsGroup: null };

/** The pod context Sentinel starts from. */
export function sentinelPodFloor(restricted: boolean, identity: PodIdentity): Record<string, unknown> {
    const floor = restricted ? RESTRICTED_SENTINEL_POD_SECURITY_CONTEXT : SENTINEL_POD_SECURITY_CONTEXT;
    return identity === "fixed" ? floor : withoutIdentity(floor);
}

/** One field of an override that would loosen a restricted floor. `path` is relative to the override. */
export interface Weakening {
    path: (string | number)[];
    message: string;
}

const TURN_OFF = "turn `restricted` off to run it (the namespace enforces Pod Security Standard restricted)";

function profileWeakening(profile: { type: string } | undefined, key: string, path: (string | number)[]): Weakening[] {
    return profile !== undefined && profile.type === "Unconfined"
        ? [{ path: [...path, key, "type"], message: `'Unconfined' loosens the restricted floor; ${TURN_OFF}` }]
        : [];
}

/** Fields both pod and container contexts share. */
function commonWeakenings(
    ctx: {
        runAsNonRoot?: boolean | undefined;
        runAsUser?: number | undefined;
        runAsGroup?: number | undefined;
        seccompProfile?: { type: string } | undefined;
        appArmorProfile?: { type: string } | undefined;
        seLinuxOptions?: { user?: string | undefined; role?: string | undefined } | undefined;
        windowsOptions?: { hostProcess?: boolean | undefined } | undefined;
    },
    path: (string | number)[],
): Weakening[] {
    const out: Weakening[] = [];
    if (ctx.runAsNonRoot === false) {
        out.push({ path: [...path, "runAsNonRoot"], message: `false loosens the restricted floor; ${TURN_OFF}` });
    }
    if (ctx.runAsUser === 0) {
        out.push({ path: [...path, "runAsUser"], message: `0 (root) loosens the restricted floor; ${TURN_OFF}` });
    }
    if (ctx.runAsGroup === 0) {
        out.push({
            path: [...path, "runAsGroup"],
            message: `0 (root group) loosens the restricted floor; ${TURN_OFF}`,
        });
    }
    out.push(...profileWeakening(ctx.seccompProfile, "seccompProfile", path));
    out.push(...profileWeakening(ctx.appArmorProfile, "appArmorProfile", path));
    for (const k of ["user", "role"] as const) {
        if (ctx.seLinuxOptions?.[k] !== undefined) {
            out.push({
                path: [...path, "seLinuxOptions", k],
                message: `custom SELinux ${k}s are not allowed by Pod Security Standards; ${TURN_OFF}`,
            });
        }
    }
    if (ctx.windowsOptions?.hostProcess === true) {
        out.push({
            path: [...path, "windowsOptions", "hostProcess"],
            message: `host processes loosen the restricted floor; ${TURN_OFF}`,
        });
    }
    return out;
}

/** Pod-context fields that would loosen the restricted floor. */
export function podWeakenings(ctx: PodSecurityContext, path: (string | number)[] = []): Weakening[] {
    const out = commonWeakenings(ctx, path);
    if (ctx.fsGroup === 0) {
        out.push({ path: [...path, "fsGroup"], message: `0 (root group) loosens the restricted floor; ${TURN_OFF}` });
    }
    (ctx.supplementalGroups ?? []).forEach((g, i) => {
        if (g === 0) {
            out.push({
                path: [...path, "supplementalGroups", i],
                message: `0 (root group) loosens the restricted floor; ${TURN_OFF}`,
            });
        }
    });
    if (ctx.sysctls !== undefined && ctx.sysctls.length > 0) {
        out.push({
            path: [...path, "sysctls"],
            message: `sysctls are not a tightening of the restricted floor; ${TURN_OFF}`,
        });
    }
    return out;
}

/** Container-context fields that would loosen the restricted floor (`drop` must keep ALL, nothing added). */
export function containerWeakenings(ctx: ContainerSecurityContext, path: (string | number)[] = []): Weakening[] {
    const out = commonWeakenings(ctx, path);
    if (ctx.privileged === true) {
        out.push({ path: [...path, "privileged"], message: `true loosens the restricted floor; ${TURN_OFF}` });
    }
    if (ctx.allowPrivilegeEscalation === true) {
        out.push({
            path: [...path, "allowPrivilegeEscalation"],
            message: `true loosens the restricted floor; ${TURN_OFF}`,
        });
    }
    if (ctx.readOnlyRootFilesystem === false) {
        out.push({
            path: [...path, "readOnlyRootFilesystem"],
            message: `false loosens the restricted floor (mount a writable emptyDir through volumes/volumeMounts instead); ${TURN_OFF}`,
        });
    }
    if (ctx.procMount === "Unmasked") {
        out.push({ path: [...path, "procMount"], message: `'Unmasked' loosens the restricted floor; ${TURN_OFF}` });
    }
    (ctx.capabilities?.add ?? []).forEach((c, i) => {
        out.push({
            path: [...path, "capabilities", "add", i],
            message: `adding ${c} loosens the restricted floor (all capabilities are dropped); ${TURN_OFF}`,
        });
    });
    const drop = ctx.capabilities?.drop;
    if (drop !== undefined && !drop.includes("ALL")) {
        out.push({
            path: [...path, "capabilities", "drop"],
            message: `replaces the floor's [ALL] (lists are replaced, not merged) and must still contain ALL`,
        });
    }
    return out;
}
