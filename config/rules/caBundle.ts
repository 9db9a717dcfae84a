// `caBundle` sets the CA env names in every component, Sentinel and the sidecar: a hand-written entry
// for one of them would be emitted twice (or disagree), so it is refused where it is written.
import { CA_BUNDLE_ENV, caBundleFile } from "../tenant";
import { envLists } from "./parts";
import type { ConfigRule } from "./rule";

export const caBundleRule: ConfigRule = {
    reads: ["caBundle", "commonEnv", "workers", "triggerer", "dagProcessor", "sentinel", "loggingSidecar"],
    check(cfg, issue) {
        if (cfg.caBundle === undefined) {
            return;
        }
        const file = caBundleFile(cfg.caBundle);
        for (const { path, env } of envLists(cfg)) {
            env.forEach((e, i) => {
                if ((CA_BUNDLE_ENV as readonly string[]).includes(e.name)) {
                    issue(
                        [...path, i, "name"],
                        `'${e.name}' is set by caBundle (to ${file}) in every component, Sentinel and the logging sidecar; remove this entry`,
                    );
                }
            });
        }
    },
};
