// Tenant namespaces: the ResourceQuota and LimitRange the program may create with the agent namespace
// (`namespaceQuota`, `namespaceLimits`), checked the way the API server checks them (core/v1
// validation of ResourceQuotaSpec and LimitRangeItem); and the corporate CA bundle (`caBundle`).
import { z } from "zod";
import { checkResourceName, parseQuantity } from "../schema/quantity";
import {
    absolutePath,
    dnsSubdomain,
    identifier,
    quantitySchema,
    resourceList,
    strictObject,
    suggestKey,
} from "../schema/primitives";

/** Quota scopes that apply to the agent's pods (PriorityClass and cross-namespace scopes need a scopeSelector). */
export const QUOTA_SCOPES = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort"] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

/** Object counts a quota may cap by their short names (core/v1 `ResourceName` constants). */
const OBJECT_COUNTS = [
    "pods",
    "services",
    "services.loadbalancers",
    "services.nodeports",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "resourcequotas",
    "requests.storage",
];

/** The compute resources a quota caps: `cpu` and `memory` alone mean their requests. */
const COMPUTE = ["cpu", "memory", "ephemeral-storage"];

const QUOTA_EXPECTED =
    "pods, requests.cpu, requests.memory, limits.cpu, limits.memory, requests.ephemeral-storage, limits.ephemeral-storage, cpu, memory, an object count (secrets, configmaps, services…, count/<resource>.<group>) or requests.<extended resource>";

/** Why a quota resource name would be refused, or undefined. */
export function quotaResourceProblem(name: string): string | undefined {
    if (OBJECT_COUNTS.includes(name) || COMPUTE.includes(name)) {
        return undefined;
    }
    if (/^count\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
        return undefined;
    }
    if (/\.storageclass\.storage\.k8s\.io\/(requests\.storage|persistentvolumeclaims)$/.test(name)) {
        return undefined;
    }
    const m = /^(requests|limits)\.(.+)$/.exec(name);
    if (m !== null) {
        const checked = checkResourceName(m[2] ?? "", suggestKey);
        if (!checked.ok) {
            return checked.reason;
        }
        // Kubernetes quotas extended resources by their requests only.
        return m[1] === "limits" && checked.kind === "extended"
            ? `'${name}': extended resources are quota'd by requests only; use requests.${m[2] ?? ""}`
            : undefined;
    }
    const hint = suggestKey(name, [
        ...OBJECT_COUNTS,
        ...COMPUTE,
        "requests.cpu",
        "requests.memory",
        "limits.cpu",
        "limits.memory",
    ]);
    return hint === undefined
        ? `'${name}' is not a quota resource; use ${QUOTA_EXPECTED}`
        : `'${name}' is not a quota resource; did you mean '${hint}'?`;
}

export const namespaceQuotaSchema = strictObject({
    hard: z
        .record(z.string(), quantitySchema)
        .superRefine((hard, ctx) => {
            if (Object.keys(hard).length === 0) {
                ctx.addIssue({ code: "custom", message: "must cap at least one resource, e.g. {requests.cpu: '8'}" });
            }
            for (const name of Object.keys(hard)) {
                const problem = quotaResourceProblem(name);
                if (problem !== undefined) {
                    ctx.addIssue({ code: "custom", path: [name], message: problem });
                }
            }
        })
        .meta({
            expected: "a mapping of quota resource names to quantities",
            example: { "requests.cpu": "8", "requests.memory": "16Gi", "limits.memory": "32Gi", pods: "20" },
        })
        .describe(
            "ResourceQuota `spec.hard`: e.g. `requests.cpu`, `requests.memory`, `limits.cpu`, `limits.memory`, `pods`. The agent's own pods (at their most replicas) must fit.",
        ),
    scopes: z
        .array(z.enum(QUOTA_SCOPES, { error: `must be one of ${QUOTA_SCOPES.map((s) => `'${s}'`).join(", ")}` }))
        .optional()
        .describe("ResourceQuota `spec.scopes`: the quota only counts pods matching all of them."),
})
    .superRefine((q, ctx) => {
        const scopes = q.scopes ?? [];
        const pair = (a: QuotaScope, b: QuotaScope) => scopes.includes(a) && scopes.includes(b);
        if (pair("Terminating", "NotTerminating") || pair("BestEffort", "NotBestEffort")) {
            ctx.addIssue({
                code: "custom",
                path: ["scopes"],
                message: "lists two opposite scopes (Terminating/NotTerminating or BestEffort/NotBestEffort); keep one",
            });
        }
        if (scopes.includes("BestEffort")) {
            const valid = Object.keys(q.hard).filter((n) => quotaResourceProblem(n) === undefined);
            for (const name of valid.filter((n) => n !== "pods")) {
                ctx.addIssue({
                    code: "custom",
                    path: ["hard", name],
                    message: "a BestEffort quota can only cap pods (Kubernetes rule); remove this key or the scope",
                });
            }
        }
    })
    .meta({
        collapse: "Kubernetes ResourceQuotaSpec",
        example: { hard: { "requests.cpu": "8", "requests.memory": "16Gi", pods: "20" } },
    });
export type NamespaceQuotaConfig = z.output<typeof namespaceQuotaSchema>;

const LIMIT_FIELDS = ["min", "max", "default", "defaultRequest", "maxLimitRequestRatio"] as const;

export const namespaceLimitsSchema = strictObject({
    min: resourceList({ cpu: "50m", memory: "64Mi" }).optional().describe("Least a container may request."),
    max: resourceList({ cpu: "4", memory: "8Gi" }).optional().describe("Most a container's limit may be."),
    default: resourceList({ cpu: "1", memory: "1Gi" })
        .optional()
        .describe("Limits given to containers that set none (Kubernetes defaults it to `max`)."),
    defaultRequest: resourceList({ cpu: "250m", memory: "256Mi" })
        .optional()
        .describe("Requests given to containers that set none (Kubernetes defaults it to `default`, then `min`)."),
    maxLimitRequestRatio: resourceList({ cpu: "4" })
        .optional()
        .describe("Largest limit/request ratio a container may have."),
})
    .superRefine((l, ctx) => {
        if (LIMIT_FIELDS.every((f) => l[f] === undefined)) {
            ctx.addIssue({ code: "custom", message: "must set at least one of min, max, default, defaultRequest" });
        }
        // The API server's LimitRange validation: min <= defaultRequest <= default <= max.
        const order: [keyof typeof l, keyof typeof l][] = [
            ["min", "max"],
            ["min", "defaultRequest"],
            ["defaultRequest", "default"],
            ["default", "max"],
            ["defaultRequest", "max"],
        ];
        for (const [low, high] of order) {
            for (const [name, lowValue] of Object.entries(l[low] ?? {})) {
                const highValue = l[high]?.[name];
                const a = parseQuantity(lowValue);
                const b = highValue === undefined ? undefined : parseQuantity(highValue);
                if (a.ok && b?.ok === true && a.value > b.value) {
                    ctx.addIssue({
                        code: "custom",
                        path: [low, name],
                        message: `must not exceed ${high}.${name} (${String(highValue)}); Kubernetes refuses the LimitRange`,
                    });
                }
            }
        }
        for (const [name, ratio] of Object.entries(l.maxLimitRequestRatio ?? {})) {
            const r = parseQuantity(ratio);
            if (r.ok && r.value < 1) {
                ctx.addIssue({
                    code: "custom",
                    path: ["maxLimitRequestRatio", name],
                    message: "must be at least 1 (a limit is never below its request)",
                });
            }
        }
    })
    .meta({
        collapse: "Kubernetes LimitRangeItem (type Container)",
        example: { defaultRequest: { cpu: "250m", memory: "256Mi" }, max: { cpu: "4", memory: "8Gi" } },
    });
export type NamespaceLimitsConfig = z.output<typeof namespaceLimitsSchema>;

/** The env names `caBundle` sets in every component, Sentinel and the logging sidecar. */
export const CA_BUNDLE_ENV = ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "GIT_SSL_CAINFO"] as const;
/** The pod volume holding the bundle. */
export const CA_BUNDLE_VOLUME = "ca-bundle";
export const DEFAULT_CA_BUNDLE_MOUNT = "/etc/astro-agent/ca";

export const caBundleSchema = strictObject({
    configMapName: dnsSubdomain("corporate-ca")
        .optional()
        .describe("ConfigMap in the agent namespace holding the bundle."),
    secretName: dnsSubdomain("corporate-ca").optional().describe("Secret in the agent namespace holding the bundle."),
    key: identifier("a ConfigMap or Secret key", "ca.crt", { pattern: /^[-._A-Za-z0-9]+$/, max: 253 })
        .default("ca.crt")
        .describe("Key of the PEM bundle in it (the file name under `mountPath`)."),
    mountPath: absolutePath
        .default(DEFAULT_CA_BUNDLE_MOUNT)
        .describe("Folder the bundle is mounted at, read-only, in every pod."),
})
    .superRefine((c, ctx) => {
        if ((c.configMapName === undefined) === (c.secretName === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: c.configMapName === undefined ? [] : ["secretName"],
                message:
                    "set exactly one of configMapName or secretName, e.g. caBundle: {configMapName: corporate-ca, key: ca.crt}",
            });
        }
        if (
            ["/", "/tmp", "/etc", "/etc/ssl", "/usr", "/usr/local", "/usr/local/airflow"].includes(
                c.mountPath.replace(/\/+$/, "") || "/",
            )
        ) {
            ctx.addIssue({
                code: "custom",
                path: ["mountPath"],
                message: `would hide the image's own files under it; use a folder of its own such as ${DEFAULT_CA_BUNDLE_MOUNT}`,
            });
        }
    })
    .meta({
        collapse: "CA bundle reference",
        example: { configMapName: "corporate-ca", key: "ca.crt" },
    });
export type CaBundleConfig = z.output<typeof caBundleSchema>;

/** The bundle's file path in every pod. */
export function caBundleFile(c: Pick<CaBundleConfig, "mountPath" | "key">): string {
    return `${c.mountPath.replace(/\/+$/, "")}/${c.key}`;
}
