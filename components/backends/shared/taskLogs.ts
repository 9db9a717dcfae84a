// The chart env of remote task logging, shared by the object-store backends.
import * as pulumi from "@pulumi/pulumi";
import { REMOTE_BASE_LOG_FOLDER_ENV, REMOTE_LOGGING_ENV } from "../../../backends/shared";
import type { EnvVar } from "../../../schema/primitives";

/**
 * `REMOTE_LOGGING=True` and `REMOTE_BASE_LOG_FOLDER=<folder>` (none without a folder). No
 * `REMOTE_LOG_CONN_ID`: with it unset the provider's log handler uses no connection, so the pod's
 * workload identity (boto's default chain, Application Default Credentials…) signs the calls.
 */
export function taskLogsEnv(folder: pulumi.Output<string> | undefined): pulumi.Input<EnvVar>[] {
    if (folder === undefined) {
        return [];
    }
    return [
        { name: REMOTE_LOGGING_ENV, value: "True" },
        folder.apply((value) => ({ name: REMOTE_BASE_LOG_FOLDER_ENV, value })),
    ];
}
