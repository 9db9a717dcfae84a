// Exactly one image-pull source.
import { countSet } from "./parts";
import type { ConfigRule } from "./rule";

export const imagePullRule: ConfigRule = {
    reads: ["imagePullCredentials", "imagePullSecretName"],
    check(cfg, issue) {
        const pullSources = countSet(cfg.imagePullCredentials, cfg.imagePullSecretName);
        if (pullSources !== 1) {
            issue(
                ["imagePullSecretName"],
                pullSources === 0
                    ? "no image pull source: set imagePullCredentials.password (pulumi config set --secret --path imagePullCredentials.password <Astro API token>) or imagePullSecretName"
                    : "set exactly one of imagePullCredentials and imagePullSecretName",
            );
        }
    },
};
