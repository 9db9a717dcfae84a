// A warning, not a refusal: XComs that expire in the bucket before Airflow is done with them.
import type { AgentConfig } from "../schema";

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
