// OpenLineage key: exactly one source when enabled (a key, a Secret, or a client config file), none when not.
import { countSet } from "./parts";
import type { ConfigRule } from "./rule";

export const openLineageRule: ConfigRule = {
    reads: ["openLineage"],
    check(cfg, issue) {
        const ol = cfg.openLineage;
        const sources = countSet(ol.apiKey, ol.apiKeySecretName, ol.configFile);
        if (ol.enabled && sources !== 1) {
            issue(
                ["openLineage", "apiKey"],
                "set exactly one of openLineage.apiKey (pulumi config set --secret --path openLineage.apiKey <token>), openLineage.apiKeySecretName and openLineage.configFile when OpenLineage is enabled",
            );
        }
        if (!ol.enabled && sources > 0) {
            issue(
                ["openLineage", "enabled"],
                "is false but an API key is configured; set enabled: true or remove the key",
            );
        }
    },
};
