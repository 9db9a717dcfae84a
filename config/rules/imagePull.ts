// Exactly one image-pull source; images pulled with the nodes' own credentials must not come from
// Astronomer's registry (it needs the Astro API token, which nodes do not have).
import { ASTRO_REGISTRY } from "../chartVersions";
import { parseImageRef } from "../../schema/primitives";
import { countSet } from "./parts";
import type { ConfigRule } from "./rule";

/** Whether a plain image reference pulls from Astronomer's registry (an Output is judged by nobody here). */
function onAstroRegistry(image: unknown): boolean {
    return typeof image === "string" && parseImageRef(image)?.repository.split("/")[0] === ASTRO_REGISTRY;
}

export const imagePullRule: ConfigRule = {
    reads: ["imagePullCredentials", "imagePullSecretName", "imagePullFromNodes", "image", "sentinel"],
    check(cfg, issue) {
        const fromNodes = cfg.imagePullFromNodes ? true : undefined;
        const pullSources = countSet(cfg.imagePullCredentials, cfg.imagePullSecretName, fromNodes);
        if (pullSources !== 1) {
            issue(
                ["imagePullSecretName"],
                pullSources === 0
                    ? "no image pull source: set imagePullCredentials.password (pulumi config set --secret --path imagePullCredentials.password <Astro API token>) or imagePullSecretName, or imagePullFromNodes: true when the nodes pull a mirrored image with their own credentials"
                    : "set exactly one of imagePullCredentials, imagePullSecretName and imagePullFromNodes",
            );
        }
        if (fromNodes === undefined) {
            return;
        }
        const mirrorHint = (what: string, example: string) =>
            `comes from ${ASTRO_REGISTRY}, which needs the Astro API token, not node credentials: with imagePullFromNodes, mirror ${what} to a registry the nodes can pull from and set it there (for example ${example}), or set imagePullCredentials instead of imagePullFromNodes`;
        if (onAstroRegistry(cfg.image)) {
            issue(
                ["image"],
                mirrorHint(
                    "the agent image",
                    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/baseimages/astro-remote-execution-agent:<tag>; the Sentinel image is then taken from the same mirror",
                ),
            );
        }
        if (cfg.sentinel.enabled && onAstroRegistry(cfg.sentinel.image)) {
            issue(
                ["sentinel", "image"],
                mirrorHint(
                    "the Sentinel image",
                    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/baseimages/astro-remote-execution-sentinel:<tag>",
                ),
            );
        }
    },
};
