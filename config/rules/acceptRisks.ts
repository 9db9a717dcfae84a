// Prod weakenings are refused unless `acceptRisks` acknowledges them (config/risks.ts; dev only warns,
// from chart/validate.ts).
import { checkRisks } from "../risks";
import type { ConfigRule } from "./rule";

export const acceptRisksRule: ConfigRule = {
    reads: [
        "acceptRisks",
        "environment",
        "restricted",
        "chart",
        "image",
        "workers",
        "triggerer",
        "dagProcessor",
        "sentinel",
        "loggingSidecar",
        "backend",
        "clusters",
    ],
    check(cfg, issue) {
        checkRisks(cfg, issue);
    },
};
