// Across clusters: names, targets, standby, worker names, identity issuers (config/clusters.ts).
import { checkClusters } from "../clusters";
import type { ConfigRule } from "./rule";

export const clustersRule: ConfigRule = {
    reads: ["clusters", "namespace", "backend", "workers"],
    check(cfg, issue) {
        checkClusters(cfg, issue);
    },
};
