// A quota or limit range is created with the namespace: on an adopted namespace it is the owner's to set.
import type { ConfigRule } from "./rule";

export const tenantNamespaceRule: ConfigRule = {
    reads: ["createNamespace", "namespaceQuota", "namespaceLimits"],
    check(cfg, issue) {
        if (cfg.createNamespace) {
            return;
        }
        for (const key of ["namespaceQuota", "namespaceLimits"] as const) {
            if (cfg[key] !== undefined) {
                issue(
                    [key],
                    `is only created with a namespace the program creates, and createNamespace is false: the namespace's owner sets quotas and limits on it (they would constrain every workload there, and the owner's tooling would fight over them). Remove ${key}, or set createNamespace: true`,
                );
            }
        }
    },
};
