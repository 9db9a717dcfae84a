// Images: Sentinel defaults only to a tag known to exist, from the agent's registry; prod refuses floating tags.
import { parseImageRef } from "../../schema/primitives";
import { agentVersionOf, ASTRO_REGISTRY, defaultSentinelImage } from "../chartVersions";
import type { ConfigRule } from "./rule";

export const imagesRule: ConfigRule = {
    reads: ["image", "sentinel", "loggingSidecar", "environment"],
    check(cfg, issue) {
        const prod = cfg.environment === "prod";
        // An image given as an Output (component args) is checked when it resolves: the whole config
        // is checked again then (RemoteExecutionAgent).
        const image = typeof cfg.image === "string" ? cfg.image : undefined;
        if (image !== undefined && cfg.sentinel.enabled && cfg.sentinel.image === undefined) {
            const sentinel = defaultSentinelImage(image);
            if ("problem" in sentinel) {
                issue(["sentinel", "image"], sentinel.problem);
            }
        }
        if (prod && image !== undefined) {
            const tag = parseImageRef(image);
            if (
                tag?.repository.startsWith(ASTRO_REGISTRY) &&
                tag.digest === undefined &&
                agentVersionOf(image) === undefined
            ) {
                issue(
                    ["image"],
                    "uses a floating tag; in prod pin a fixed '<runtime>-python-<py>-astro-agent-<x.y.z>' tag or a digest",
                );
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
