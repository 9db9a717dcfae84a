// Shared zod building blocks for the stack config schema and the backend schema branches.
import * as pulumi from "@pulumi/pulumi";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";

/** Separates the per-key sentences of an `unrecognized_keys` message (split again by the formatter). */
export const UNKNOWN_KEY_SEPARATOR = "\u001f";

/** The closest known key, when it is close enough to be a plausible typo. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
    if (known.length === 0) {
        return undefined;
    }
    const best = closest(key, [...known]);
    const limit = Math.max(2, Math.floor(key.length / 3));
    return distance(key.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

/** A sentence for one unknown key, with a "did you mean" when one is close. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
    const hint = suggestKey(key, known);
    return hint === undefined
        ? `unknown key '${key}'; remove it (known keys: ${known.join(", ")})`
        : `unknown key '${key}'; did you mean '${hint}'?`;
}

/**
 * A strict object: unknown keys are rejected with a "did you mean" naming the closest known key.
 * Every object in the stack config is built with this helper.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
    const known = Object.keys(shape);
    return z.strictObject(shape, {
        error: (iss) => {
            if (iss.code === "unrecognized_keys") {
                return iss.keys.map((k) => unknownKeyMessage(k, known)).join(UNKNOWN_KEY_SEPARATOR);
            }
            return undefined;
        },
    });
}

/** A string schema whose type error says "is required" when the key is missing. */
export function requiredString(what: string) {
    return z.string({ error: (iss) => (iss.input === undefined ? `is required (${what})` : `must be ${what}`) });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: what Kubernetes accepts as a namespace or as part of an object name. */
export function dnsLabel(max = 63) {
    return requiredString("a DNS-1123 label string")
        .min(1, "must not be empty")
        .max(max, `must be at most ${max} characters`)
        .regex(
            DNS_LABEL,
            "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
        );
}

const LABEL_KEY =
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Kubernetes labels: qualified keys, values of at most 63 characters. */
export const labelsSchema = z.record(
    z.string().regex(LABEL_KEY, "is not a valid Kubernetes label key"),
    z
        .string({ error: "label values must be strings" })
        .regex(LABEL_VALUE, "must be a valid label value (at most 63 characters of [A-Za-z0-9-_.])"),
);

/** Kubernetes annotations: qualified keys, any string value. */
export const annotationsSchema = z.record(
    z.string().regex(LABEL_KEY, "is not a valid Kubernetes annotation key"),
    z.string({ error: "annotation values must be strings" }),
);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One container environment variable: a plain `value` or a Kubernetes `valueFrom` reference. */
export const envVarSchema = strictObject({
    name: z.string().regex(ENV_NAME, "must be a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)"),
    value: z
        .union([z.string(), z.custom<pulumi.Output<string>>((v) => pulumi.Output.isInstance(v))], {
            error: "must be a string (quote numbers and booleans), or a secret",
        })
        .optional(),
    valueFrom: z.record(z.string(), z.unknown()).optional(),
}).superRefine((env, ctx) => {
    if ((env.value === undefined) === (env.valueFrom === undefined)) {
        ctx.addIssue({
            code: "custom",
            path: ["value"],
            message: "set exactly one of 'value' and 'valueFrom'",
        });
    }
});
export type EnvVar = z.output<typeof envVarSchema>;

/** A Kubernetes object passed through as is (volumes, mounts, tolerations, probes…): the API server validates it. */
export const k8sObject = z.record(z.string(), z.unknown());
export type K8sObject = z.output<typeof k8sObject>;

/** A volume or volume mount: must have a `name`. */
export const namedK8sObject = z.looseObject({
    name: dnsLabel(),
});

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/;
const quantity = z.union([z.number().nonnegative(), z.string().regex(QUANTITY, "is not a Kubernetes quantity")]);

/** Container resources: requests and limits of cpu, memory and ephemeral storage. */
export const resourcesSchema = strictObject({
    requests: z.record(z.string(), quantity).optional(),
    limits: z.record(z.string(), quantity).optional(),
});
export type Resources = z.output<typeof resourcesSchema>;

const IMAGE_REF =
    /^(?<name>[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Splits an image reference into repository, tag and digest; undefined when it is not a valid reference. */
export function parseImageRef(ref: string): { repository: string; tag?: string; digest?: string } | undefined {
    const m = IMAGE_REF.exec(ref);
    if (!m?.groups?.name) {
        return undefined;
    }
    return {
        repository: m.groups.name,
        ...(m.groups.tag ? { tag: m.groups.tag } : {}),
        ...(m.groups.digest ? { digest: m.groups.digest } : {}),
    };
}

/** A container image pinned by tag or digest; `latest` is refused. */
export const imageRef = requiredString("a pinned image reference such as registry/repository:tag").superRefine(
    (ref, ctx) => {
        const parsed = parseImageRef(ref);
        if (parsed === undefined) {
            ctx.addIssue({ code: "custom", message: "is not a valid image reference (registry/repository:tag)" });
        } else if (parsed.tag === undefined && parsed.digest === undefined) {
            ctx.addIssue({
                code: "custom",
                message: "must pin a tag or digest (for example ':3.2-5-python-3.14-astro-agent-1.7.1')",
            });
        } else if (parsed.tag === "latest" && parsed.digest === undefined) {
            ctx.addIssue({
                code: "custom",
                message: "must not use the floating tag 'latest'; pin a fixed tag or a digest",
            });
        }
    },
);

function isInputOutput(v: unknown): v is pulumi.Output<string> {
    return pulumi.Output.isInstance(v);
}

/**
 * A secret value. In stack config it is a string set with `pulumi config set --secret`; in component
 * args it may also be a `pulumi.Output<string>`. Either way the parsed value is a secret Output, so
 * nothing downstream can use it in plain text.
 */
export function secretString() {
    return z
        .union([z.string().min(1, "must not be empty"), z.custom<pulumi.Output<string>>(isInputOutput)], {
            error: (iss) =>
                iss.input === undefined
                    ? "is required: a secret, set with pulumi config set --secret"
                    : "must be a non-empty secret string",
        })
        .transform((v): pulumi.Output<string> => pulumi.secret(v))
        .meta({ secret: true });
}

/** An absolute POSIX path. */
export const absolutePath = requiredString("an absolute path string").regex(
    /^\/[^\0]*$/,
    "must be an absolute path (start with '/')",
);

/** A Python dotted class path such as `airflow.secrets.local_filesystem.LocalFilesystemBackend`. */
export const pythonClassPath = requiredString("a dotted Python class path string").regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/,
    "must be a dotted Python class path (for example airflow.secrets.local_filesystem.LocalFilesystemBackend)",
);
