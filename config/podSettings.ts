// Pod settings under Kubernetes' own names, per component (each worker, the dag processor, the
// triggerer, Sentinel) and in `podDefaults`, which every component inherits key by key: a component's
// own value replaces the default whole (lists and maps are not merged), as Kubernetes and Helm do.
// The chart's values contract (agent-chart.md section 6) takes `nodeSelector`, `affinity` and
// `tolerations` per component; `automountServiceAccountToken` goes on the ServiceAccount the program
// creates for the component. The chart takes no `priorityClassName`, `topologySpreadConstraints` or
// `envFrom`: those keys are validated like the rest and then refused, saying why, never dropped.
import { z } from "zod";
import {
    dnsSubdomain,
    identifier,
    k8sObjectLike,
    labelsSchema,
    nodeSelectorSchema,
    problemMessage,
    qualifiedNameProblem,
    ruledName,
    strictObject,
    type K8sObject,
} from "../schema/primitives";

/** Why the chart's contract has no place for a key, and what to use instead (for the refusal). */
const NOT_TAKEN: Record<"priorityClassName" | "topologySpreadConstraints" | "envFrom", string> = {
    priorityClassName:
        "if your chart version takes it, pass it as the component's extraValues.priorityClassName (passed through unchecked), for example workers[0].extraValues: {priorityClassName: agents-high}",
    topologySpreadConstraints:
        "spread the pods with a podAntiAffinity term in 'affinity', which the chart takes, for example affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app.kubernetes.io/component: worker}}}}]}}",
    envFrom:
        "list the variables in the component's env with valueFrom, which the chart takes, for example env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}]",
};

/** The refusal of a key the chart does not take: reported whatever else is wrong with the value. */
export function notTakenMessage(key: keyof typeof NOT_TAKEN): string {
    return `the Remote Execution Agent chart takes no '${key}' for its pods (its values contract documents nodeSelector, affinity and tolerations only), so the value would be dropped; remove it. Instead, ${NOT_TAKEN[key]}`;
}

function refusedByChart<T extends z.ZodType>(schema: T, key: keyof typeof NOT_TAKEN): T {
    return schema.superRefine(
        (_value, ctx) => {
            ctx.addIssue({ code: "custom", message: notTakenMessage(key) });
        },
        { when: () => true },
    );
}

const labelKey = ruledName(
    "a Kubernetes label key ([prefix/]name, the name at most 63 letters, digits and '-_.')",
    "app.kubernetes.io/component",
    qualifiedNameProblem,
);

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** A Kubernetes LabelSelector: `matchLabels` and `matchExpressions`, each well-formed. */
export const labelSelectorSchema = strictObject({
    matchLabels: labelsSchema.optional(),
    matchExpressions: z
        .array(
            strictObject({
                key: labelKey,
                operator: z.enum(SELECTOR_OPERATORS, {
                    error: `must be one of ${SELECTOR_OPERATORS.map((o) => `'${o}'`).join(", ")}`,
                }),
                values: z
                    .array(z.string().meta({ expected: "a label value", example: "worker" }))
                    .optional()
                    .meta({ expected: "a list of label values", example: ["worker"] }),
            })
                .meta({
                    expected: "a label selector requirement",
                    example: { key: "app.kubernetes.io/component", operator: "In", values: ["worker"] },
                })
                .superRefine((e, ctx) => {
                    const n = e.values?.length ?? 0;
                    if ((e.operator === "In" || e.operator === "NotIn") && n === 0) {
                        ctx.addIssue({
                            code: "custom",
                            path: ["values"],
                            message: `must list at least one value with operator '${e.operator}', for example values: [worker]`,
                        });
                    }
                    if ((e.operator === "Exists" || e.operator === "DoesNotExist") && n > 0) {
                        ctx.addIssue({
                            code: "custom",
                            path: ["values"],
                            message: `must be empty with operator '${e.operator}' (it matches on the key alone); remove values`,
                        });
                    }
                }),
        )
        .meta({ example: [{ key: "app.kubernetes.io/component", operator: "In", values: ["worker"] }] })
        .optional(),
}).meta({
    expected: "a Kubernetes label selector",
    example: { matchLabels: { "app.kubernetes.io/component": "worker" } },
});

const WHEN_UNSATISFIABLE = ["DoNotSchedule", "ScheduleAnyway"] as const;
const NODE_POLICIES = ["Honor", "Ignore"] as const;
const enumError = (values: readonly string[]) => ({
    error: `must be one of ${values.map((v) => `'${v}'`).join(", ")}`,
});

const topologySpreadExample = {
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: { "app.kubernetes.io/component": "worker" } },
};

/** One Kubernetes TopologySpreadConstraint. */
export const topologySpreadConstraintSchema = strictObject({
    maxSkew: z
        .int("must be a whole number of at least 1, for example 1")
        .min(1, "must be at least 1 (how uneven the spread may be), for example 1"),
    topologyKey: labelKey,
    whenUnsatisfiable: z.enum(WHEN_UNSATISFIABLE, enumError(WHEN_UNSATISFIABLE)),
    labelSelector: labelSelectorSchema.optional(),
    minDomains: z.int("must be a whole number of at least 1, for example 3").min(1, "must be at least 1").optional(),
    nodeAffinityPolicy: z.enum(NODE_POLICIES, enumError(NODE_POLICIES)).optional(),
    nodeTaintsPolicy: z.enum(NODE_POLICIES, enumError(NODE_POLICIES)).optional(),
    matchLabelKeys: z
        .array(labelKey)
        .meta({ example: ["pod-template-hash"] })
        .optional(),
})
    .superRefine((c, ctx) => {
        if (c.minDomains !== undefined && c.whenUnsatisfiable !== "DoNotSchedule") {
            ctx.addIssue({
                code: "custom",
                path: ["minDomains"],
                message: "is only allowed with whenUnsatisfiable: DoNotSchedule (a Kubernetes rule); remove it",
            });
        }
    })
    .meta({
        collapse: "Kubernetes TopologySpreadConstraint",
        expected: "a topology spread constraint",
        example: topologySpreadExample,
    });

const ENV_PREFIX = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A Secret or ConfigMap named by the user (the program creates none for envFrom). */
const envSourceRef = (example: string) =>
    strictObject({
        name: dnsSubdomain(example),
        optional: z.boolean().optional(),
    }).meta({ expected: "a reference by name", example: { name: example } });

/** One Kubernetes EnvFromSource: exactly one of `secretRef` and `configMapRef`, by name. */
export const envFromSourceSchema = strictObject({
    secretRef: envSourceRef("db-credentials").optional(),
    configMapRef: envSourceRef("agent-settings").optional(),
    prefix: identifier("an environment variable name prefix", "APP_", {
        pattern: ENV_PREFIX,
        rule: "letters, digits and '_', not starting with a digit",
    }).optional(),
})
    .superRefine((e, ctx) => {
        if ((e.secretRef === undefined) === (e.configMapRef === undefined)) {
            ctx.addIssue({
                code: "custom",
                path: ["secretRef"],
                message:
                    "set exactly one of 'secretRef' and 'configMapRef', for example secretRef: {name: db-credentials}",
            });
        }
    })
    .meta({
        collapse: "Kubernetes EnvFromSource",
        expected: "an envFrom source",
        example: { secretRef: { name: "db-credentials" } },
    });

const tolerations = z.array(
    k8sObjectLike("a toleration", { key: "dedicated", operator: "Equal", value: "agents", effect: "NoSchedule" }),
);
const affinity = k8sObjectLike("an affinity mapping", { nodeAffinity: {} });
const priorityClassName = dnsSubdomain("agents-high").superRefine((v, ctx) => {
    if (v.startsWith("system-")) {
        ctx.addIssue({
            code: "custom",
            message: problemMessage(
                "starts with 'system-', a prefix Kubernetes reserves for its own classes",
                "a PriorityClass name",
                "agents-high",
            ),
        });
    }
});

/** The settings `podDefaults` and every component share (nodeSelector, tolerations, affinity, …). */
function inheritable(scope: "component" | "defaults") {
    const own = scope === "component";
    const inherit = own ? " (default: podDefaults.%s; a value here replaces it whole)" : "";
    const d = (text: string, key: string) => `${text}${inherit.replace("%s", key)}`;
    return {
        nodeSelector: nodeSelectorSchema.optional().describe(d("Node selector for the pods.", "nodeSelector")),
        tolerations: tolerations.optional().describe(d("Tolerations for the pods.", "tolerations")),
        affinity: affinity.optional().describe(d("Affinity rules for the pods.", "affinity")),
        priorityClassName: refusedByChart(
            priorityClassName.meta({ example: "agents-high" }).optional(),
            "priorityClassName",
        ).describe("Refused: the chart takes no `priorityClassName` (see docs/pod-security.md, Pod settings)."),
        topologySpreadConstraints: refusedByChart(
            z
                .array(topologySpreadConstraintSchema)
                .meta({ example: [topologySpreadExample] })
                .optional(),
            "topologySpreadConstraints",
        ).describe("Refused: the chart takes no `topologySpreadConstraints`; use a podAntiAffinity in `affinity`."),
        automountServiceAccountToken: z
            .boolean()
            .optional()
            .describe(
                d(
                    "Set on the component's ServiceAccount (the chart has no pod-level key), so the API server mounts no token in its pods when false. Refused false for Sentinel and for KubernetesPodOperator workers, which call the Kubernetes API.",
                    "automountServiceAccountToken",
                ),
            ),
    };
}

/** Pod settings of each component (workers[], dagProcessor, triggerer, sentinel). */
export const componentPodSettings = {
    ...inheritable("component"),
    envFrom: refusedByChart(
        z
            .array(envFromSourceSchema)
            .meta({ example: [{ secretRef: { name: "db-credentials" } }] })
            .optional(),
        "envFrom",
    ).describe("Refused: the chart takes no `envFrom`; list the variables in `env` with `valueFrom`."),
};

/** `podDefaults`: what every component inherits when it does not set the key itself. */
export const podDefaultsSchema = strictObject(inheritable("defaults"), {
    envFrom: `environment is per component: ${notTakenMessage("envFrom")}`,
})
    .optional()
    .describe(
        "Pod settings every component (workers, dag processor, triggerer, Sentinel) inherits; a component's own key replaces the default whole (lists and maps are not merged). The logging sidecar runs in the worker and triggerer pods and follows them.",
    );

/** The inheritable settings of one component, as given. */
export interface PodSettingsView {
    nodeSelector?: Record<string, string> | undefined;
    tolerations?: K8sObject[] | undefined;
    affinity?: K8sObject | undefined;
    automountServiceAccountToken?: boolean | undefined;
}

/** A component's settings after inheriting `podDefaults` (own keys replace the default whole). */
export function effectivePodSettings(defaults: PodSettingsView | undefined, own: PodSettingsView): PodSettingsView {
    return {
        nodeSelector: own.nodeSelector ?? defaults?.nodeSelector,
        tolerations: own.tolerations ?? defaults?.tolerations,
        affinity: own.affinity ?? defaults?.affinity,
        automountServiceAccountToken: own.automountServiceAccountToken ?? defaults?.automountServiceAccountToken,
    };
}

/** Where a root-level pod setting belongs (the hint of the unknown-key refusal). */
export const ROOT_POD_SETTING_HINTS: Record<string, string> = Object.fromEntries(
    [
        "nodeSelector",
        "tolerations",
        "affinity",
        "priorityClassName",
        "topologySpreadConstraints",
        "automountServiceAccountToken",
    ].map((k) => [
        k,
        `not a top-level key; set podDefaults.${k} (every component inherits it) or a component's own ${k} (workers[].${k}, dagProcessor.${k}, triggerer.${k}, sentinel.${k})`,
    ]),
);

/** Where a pod setting written on the logging sidecar belongs (the hint of the unknown-key refusal). */
export const SIDECAR_POD_SETTING_HINTS: Record<string, string> = {
    ...Object.fromEntries(
        ["nodeSelector", "tolerations", "affinity", "automountServiceAccountToken"].map((k) => [
            k,
            `the logging sidecar is a container in the worker and triggerer pods, not a pod of its own; set podDefaults.${k}, workers[].${k} or triggerer.${k}`,
        ]),
    ),
    envFrom: notTakenMessage("envFrom").replace("the component's env", "loggingSidecar.env"),
};
