// Images: Sentinel defaults only to a tag known to exist, from the agent's registry; floating tags are prod risks (config/risks.ts).
import { defaultSentinelImage } from "../chartVersions";
import type { ConfigRule } from "./rule";

export const imagesRule: ConfigRule = {
    reads: ["image", "sentinel", "loggingSidecar"],
    check(cfg, issue) {
        // An image given as an Output (component args) is checked when it resolves: the whole config
        // is checked again then (RemoteExecutionAgent).
        const image = typeof cfg.image === "string" ? cfg.image : undefined;
        if (image !== undefined && cfg.sentinel.enabled && cfg.sentinel.image === undefined) {
            const sentinel = defaultSentinelImage(image);
            if ("problem" in sentinel) {
                issue(["sentinel", "image"], sentinel.problem);
            }
        }
        if (cfg.loggingSidecar.enabled && cfg.loggingSidecar.image === undefined) {
            issue(
                ["loggingSidecar", "image"],
                "is required when the logging sidecar is enabled (pin e.g. timberio/vector:0.45.0-debian)",
            );
        }
    },
};
