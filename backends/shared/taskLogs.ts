// Remote task logs, the parts every object-store backend shares: the env names a backend with
// `taskLogs.enabled` owns, and the refusal of a hand-written remote log folder its grants do not cover.
import type { BackendIssue, BackendOwnedName, BackendValidationView } from "../types";

export const REMOTE_LOGGING_ENV = "AIRFLOW__LOGGING__REMOTE_LOGGING";
export const REMOTE_BASE_LOG_FOLDER_ENV = "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER";
export const REMOTE_LOG_CONN_ID_ENV = "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID";

/**
 * The env names `backend.taskLogs` sets when it is enabled (so user env cannot set them:
 * config/rules/envNames.ts): `REMOTE_LOGGING` and `REMOTE_BASE_LOG_FOLDER` unless a backend sets more.
 */
export function taskLogsEnvNames(
    taskLogs: { enabled: boolean },
    names: readonly string[] = [REMOTE_LOGGING_ENV, REMOTE_BASE_LOG_FOLDER_ENV],
): BackendOwnedName[] {
    return taskLogs.enabled ? names.map((name) => ({ name, setBy: ["backend", "taskLogs"] })) : [];
}

/**
 * With `taskLogs` off, a hand-written `REMOTE_BASE_LOG_FOLDER` on the backend's own storage (`schemes`,
 * e.g. `gs://`) points where no grant reaches: the bucket grant is conditioned to the XCom prefix, so
 * every log write is refused at run time. With `taskLogs` on, the env-names rule already refuses the name.
 */
export function handWrittenLogFolderIssues(
    view: Pick<BackendValidationView, "env">,
    p: {
        kind: string;
        enabled: boolean;
        schemes: readonly string[];
        location: string;
        /** Whether the backend's grants do cover this folder after all (e.g. an extra prefix granted read-write). */
        granted?: (folder: string) => boolean;
    },
): BackendIssue[] {
    if (p.enabled) {
        return [];
    }
    return view.env
        .filter(
            (e) =>
                e.name === REMOTE_BASE_LOG_FOLDER_ENV &&
                typeof e.value === "string" &&
                p.schemes.some((s) => e.value?.trim().toLowerCase().startsWith(`${s}://`)) &&
                !(p.granted?.(e.value.trim()) ?? false),
        )
        .map((e) => ({
            path: e.path,
            message: `points outside what the ${p.kind} backend grants (its storage grant covers only the XCom prefix${p.granted === undefined ? "" : " and the prefixes granted read-write"}), so every task log write would be refused; remove this entry and set backend.taskLogs.enabled: true (e.g. backend: {taskLogs: {enabled: true, prefix: logs}}): the backend then sets it to ${p.location} and grants exactly that prefix`,
        }));
}
