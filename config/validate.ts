// Checks that need the whole parsed config, shared by stack config (config/load.ts) and component
// args (RemoteExecutionAgent): secrets by property, and extra values that would undo the wiring.
import type { ConfigProblem } from "./errors";
import { extraValuesOwnership } from "./ownership";
import type { AgentConfig } from "./schema";
import { applySecrecy, type SecurePaths } from "./secrecy";

/** Problems (refusals) and warnings of the whole-config checks. */
export interface WholeConfigResult {
    problems: ConfigProblem[];
    warnings: string[];
}

/**
 * Runs the whole-config checks on a parsed config. Secret values set with `secure:` (given by
 * `securePaths`) or credential-shaped strings that can be routed into a Kubernetes Secret are wrapped
 * as Pulumi secrets in place; everything else that would leak is refused.
 */
export function checkWholeConfig(cfg: AgentConfig, securePaths?: SecurePaths): WholeConfigResult {
    const secrecy = applySecrecy(cfg, cfg.environment, securePaths);
    const ownership = extraValuesOwnership(cfg);
    return { problems: [...secrecy.problems, ...ownership], warnings: [...secrecy.warnings, ...xcomWarnings(cfg)] };
}

/** Settings that lose data silently: XComs expiring before the DAGs that read them are done. */
export function xcomWarnings(cfg: AgentConfig): string[] {
    // Every backend that expires XCom objects names the setting `backend.xcom.expirationDays`.
    const expiry = (cfg.backend as { xcom?: { expirationDays?: unknown } }).xcom?.expirationDays;
    if (typeof expiry === "number" && expiry < cfg.xcom.retentionDays) {
        return [
            `backend.xcom.expirationDays: ${expiry} days is shorter than xcom.retentionDays (${cfg.xcom.retentionDays}): XComs older than ${expiry} days are deleted by the bucket lifecycle, and tasks that pull them (retries, cleared tasks, long DAG runs) fail; raise backend.xcom.expirationDays or lower xcom.retentionDays`,
        ];
    }
    return [];
}
