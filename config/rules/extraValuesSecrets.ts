// extraValues must not smuggle secrets into Helm values.
import type { ConfigRule } from "./rule";

/** Chart values that carry secret material inline; never accepted through `extraValues`. */
const INLINE_SECRET_VALUES: (string | number)[][] = [
    ["agentToken"],
    ["imagePullSecretData"],
    ["openLineage", "apiKey"],
    ["sentinelAuthSecret"],
];

export const extraValuesSecretsRule: ConfigRule = {
    reads: ["extraValues"],
    check(cfg, issue) {
        for (const path of INLINE_SECRET_VALUES) {
            let node: unknown = cfg.extraValues;
            for (const p of path) {
                node =
                    node !== null && typeof node === "object"
                        ? (node as Record<string, unknown>)[p as string]
                        : undefined;
            }
            if (node !== undefined) {
                issue(
                    ["extraValues", ...path],
                    "would put secret material into Helm values (stored in plain text); use the matching secret config key instead",
                );
            }
        }
    },
};
