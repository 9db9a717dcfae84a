// Secret environment values → one Kubernetes Secret, referenced with `valueFrom.secretKeyRef`. Pure:
// it returns the rewritten config and the Secret's data; the component creates the Secret.
import * as pulumi from "@pulumi/pulumi";
import { stringify as stableStringify } from "safe-stable-stringify";

/** Key of the bring-your-own backend's kwargs in the env Secret, when they hold a secret. */
export const BACKEND_KWARGS_KEY = "backend.secretBackendKwargs";

/** What {@link routeSecretEnv} produced. */
export interface RoutedSecretEnv<T> {
    /** The config with every secret env value replaced by a `secretKeyRef` to `secretName`. */
    config: T;
    /** The Secret's data: key → secret value. Empty when nothing was routed. */
    data: Record<string, pulumi.Output<string>>;
    /** Whether the backend kwargs hold a secret (then they are `data[BACKEND_KWARGS_KEY]`). */
    kwargsRouted: boolean;
}

function isOutput(v: unknown): v is pulumi.Output<unknown> {
    return pulumi.Output.isInstance(v);
}

/** Whether a value tree holds a Pulumi Output anywhere. */
export function containsOutput(v: unknown): boolean {
    if (isOutput(v)) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some(containsOutput);
    }
    return v !== null && typeof v === "object" && Object.values(v).some(containsOutput);
}

/** A Secret data key from a config location: `workers.default.env.TOKEN` (list items by their `name`). */
function dataKey(parts: string[], envName: string): string {
    return [...parts, envName].join(".").replace(/[^-._a-zA-Z0-9]/g, "-");
}

/**
 * Rewrites every environment variable whose `value` is a secret Output (in `commonEnv` and in any
 * component's or backend's `env` list) into `valueFrom.secretKeyRef` on `secretName`, and collects
 * the values as that Secret's data. Kwargs of a bring-your-own backend that hold a secret are
 * serialised whole into the same Secret.
 */
export function routeSecretEnv<T extends object>(cfg: T, secretName: string): RoutedSecretEnv<T> {
    const data: Record<string, pulumi.Output<string>> = {};
    const walk = (node: unknown, parts: string[], parentKey: string | undefined): unknown => {
        if (isOutput(node) || node === null || typeof node !== "object") {
            return node;
        }
        if (Array.isArray(node)) {
            const isEnvList = parentKey === "env" || parentKey === "commonEnv";
            return node.map((item: unknown, i) => {
                const named = item as { name?: unknown; value?: unknown };
                if (isEnvList && typeof named.name === "string" && isOutput(named.value)) {
                    const key = dataKey(parts, named.name);
                    data[key] = pulumi.secret(named.value as pulumi.Output<string>);
                    const rest = Object.fromEntries(
                        Object.entries(named).filter(([k]) => k !== "value" && k !== "valueFrom"),
                    );
                    return { ...rest, valueFrom: { secretKeyRef: { name: secretName, key } } };
                }
                const label = typeof named.name === "string" ? named.name : String(i);
                return walk(item, [...parts, label], undefined);
            });
        }
        return Object.fromEntries(
            Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, walk(v, [...parts, k], k)]),
        );
    };
    const config = walk(cfg, [], undefined) as T;
    const backend = (config as { backend?: { secretBackendKwargs?: unknown } }).backend;
    const kwargs = backend?.secretBackendKwargs;
    const kwargsRouted = containsOutput(kwargs);
    if (kwargsRouted) {
        data[BACKEND_KWARGS_KEY] = pulumi.secret(
            pulumi.output(kwargs as Record<string, unknown>).apply((k) => stableStringify(k)),
        );
    }
    return { config, data, kwargsRouted };
}
