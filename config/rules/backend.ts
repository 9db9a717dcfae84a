// The backend's own cross-key checks: of the shared backend, or of each cluster's merged one.
import { backendFor } from "../../backends/registry";
import type { BackendIssue } from "../../backends/types";
import { backendMembers } from "../clusters";
import { envLists, requiredConnections } from "./parts";
import type { ConfigRule } from "./rule";

export const backendRule: ConfigRule = {
    reads: [
        "backend",
        "dagBundles",
        "environment",
        "commonEnv",
        "workers",
        "triggerer",
        "dagProcessor",
        "sentinel",
        "loggingSidecar",
        "xcom",
    ],
    check(cfg, issue) {
        const backend = backendFor(cfg.backend.kind);
        const members = backendMembers(cfg, issue);
        for (const found of backend.validateFleet?.(members) ?? []) {
            members[found.member]?.report(found.issue.path, found.issue.message);
        }
        for (const member of members) {
            if (backend.validate === undefined) {
                continue;
            }
            const issues: BackendIssue[] = backend.validate(member.backend, {
                environment: cfg.environment,
                requiredConnections: requiredConnections(cfg),
                serviceAccountCount: cfg.workers.length + 2 + (cfg.sentinel.enabled ? 1 : 0),
                env: envLists(cfg).flatMap(({ path, env }) =>
                    env.map((e, i) => ({
                        name: e.name,
                        path: [...path, i, "name"],
                        ...(typeof e.value === "string" ? { value: e.value } : {}),
                    })),
                ),
                xcomCompression: cfg.xcom.compression,
            });
            for (const found of issues) {
                member.report(found.path, found.message);
            }
        }
    },
};
