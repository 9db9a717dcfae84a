// Reshape keys: a renamed cluster's formerName, and the clusters removed on purpose (config/reshape.ts).
import { checkReshapeKeys } from "../reshape";
import type { ConfigRule } from "./rule";

export const reshapeRule: ConfigRule = {
    reads: ["clusters", "removeClusters"],
    check(cfg, issue) {
        checkReshapeKeys(cfg, issue);
    },
};
