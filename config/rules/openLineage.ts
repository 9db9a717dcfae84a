// OpenLineage key.
import { countSet } from "./parts";
import type { ConfigRule } from "./rule";

export const openLineageRule: ConfigRule = {
    reads: ["openLineage"],
    check(cfg, issue) {
        if (cfg.openLineage.enabled && countSet(cfg.openLineage.apiKey, cfg.openLineage.apiKeySecretName) !== 1) {
            issue(
                ["openLineage", "apiKey"],
                "set exactly one of openLineage.apiKey (pulumi config set --secret --path openLineage.apiKey <token>) and openLineage.apiKeySecretName when OpenLineage is enabled",
            );
        }
        if (!cfg.openLineage.enabled && countSet(cfg.openLineage.apiKey, cfg.openLineage.apiKeySecretName) > 0) {
            issue(
                ["openLineage", "enabled"],
                "is false but an API key is configured; set enabled: true or remove the key",
            );
        }
    },
};
