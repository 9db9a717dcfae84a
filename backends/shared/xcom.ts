// The XCom object-storage URL of a backend that does not create the store itself (`external`, and
// `vault`, which has no object store): one schema, so both accept and refuse the same URLs.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { EnvVar } from "../../schema/primitives";
import { connectionId, pathProblem, problemMessage, strictObject, type PathRule } from "../../schema/primitives";
import { REMOTE_BASE_LOG_FOLDER_ENV, REMOTE_LOG_CONN_ID_ENV, REMOTE_LOGGING_ENV } from "./taskLogs";

/** Schemes `XComObjectStorageBackend` can write to through the agent image's providers. */
export const XCOM_SCHEMES = ["s3", "s3a", "gs", "gcs", "abfs", "abfss", "file"];

const EXPECTED = "an object storage URL <scheme>://[<conn_id>@]<bucket>/<path>";
const URL_SHAPE = /^([a-z0-9]+):\/\/([^@/]+@)?([^/]*)(\/(.*))?$/;

/** The `<path>` after the bucket: the same path rule as every other path of the config. */
const XCOM_PATH_RULE: PathRule = { what: "the path after the bucket", example: "xcom", form: "relative" };

/** `AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`: `<scheme>://[<conn_id>@]<bucket>/<path>`. */
export const xcomPathSchema = z
    .string()
    .meta({ expected: EXPECTED, example: "s3://my-bucket/xcom", pathRule: XCOM_PATH_RULE })
    .regex(/^([a-z0-9]+):\/\/([^@/]+@)?[^/]*\/?.*$/, `must be ${EXPECTED}`)
    .refine((p) => XCOM_SCHEMES.includes(p.split("://")[0] ?? ""), {
        message: `must use one of the schemes ${XCOM_SCHEMES.join(", ")}`,
    })
    .superRefine((value, ctx) => {
        const path = URL_SHAPE.exec(value)?.[5];
        const problem = path === undefined || path === "" ? undefined : pathProblem(path, XCOM_PATH_RULE);
        if (problem !== undefined) {
            ctx.addIssue({
                code: "custom",
                message: problemMessage(
                    problem === "" ? "" : `its path '${path}' ${problem}`,
                    `${EXPECTED}, the path relative and without '..', '.', empty parts or wildcards`,
                    "s3://my-bucket/xcom",
                ),
            });
        }
    });

// ---------------------------------------------------------------------------------------------------
// Task logs in the store the user names (`external`, `vault`): Airflow's remote task logging into the
// same bucket as XCom. Nothing is granted (the store and the pods' access to it are the user's).

/** The XCom store's scheme families that have an Airflow remote task-log handler of the same store. */
const LOG_SCHEME: Record<string, string> = { s3: "s3", s3a: "s3", gs: "gs", gcs: "gs" };
/** Folder prefixes Airflow's logging config picks a handler by (airflow_local_settings.py). */
const LOG_FOLDER = /^(s3|gs):\/\/([^/@:]+)(\/(.*))?$|^wasb(:\/\/|-)/;
const LOG_FOLDER_EXPECTED = "a remote log folder s3://<bucket>/<path>, gs://<bucket>/<path> or wasb://<path>";

/** Where an object-storage URL points: the handler family, the bucket and the path inside it. */
interface StoreLocation {
    family: string;
    bucket: string;
    path: string;
    connId: string | undefined;
}

function xcomLocation(xcomPath: string): StoreLocation | undefined {
    const m = URL_SHAPE.exec(xcomPath);
    const family = LOG_SCHEME[m?.[1] ?? ""];
    if (m === null || family === undefined) {
        return undefined;
    }
    return { family, bucket: m[3] ?? "", path: m[5] ?? "", connId: m[2]?.slice(0, -1) };
}

function folderLocation(folder: string): StoreLocation | undefined {
    const m = /^(s3|gs):\/\/([^/@:]+)(\/(.*))?$/.exec(folder);
    return m === null ? undefined : { family: m[1] ?? "", bucket: m[2] ?? "", path: m[4] ?? "", connId: undefined };
}

/** `REMOTE_BASE_LOG_FOLDER` by default: `<s3|gs>://<XCom bucket>/logs` (undefined: the store has none). */
export function defaultLogFolder(xcomPath: string): string | undefined {
    const x = xcomLocation(xcomPath);
    return x === undefined ? undefined : `${x.family}://${x.bucket}/logs`;
}

export const namedStoreTaskLogsSchema = strictObject({
    enabled: z
        .boolean()
        .default(false)
        .describe(
            "Airflow remote task logging (`AIRFLOW__LOGGING__REMOTE_*`) into the store `xcomPath` names; nothing is granted.",
        ),
    folder: z
        .string()
        .meta({ expected: LOG_FOLDER_EXPECTED, example: "s3://my-bucket/logs" })
        .regex(LOG_FOLDER, `must be ${LOG_FOLDER_EXPECTED}, for example 's3://my-bucket/logs'`)
        .optional()
        .describe(
            "`REMOTE_BASE_LOG_FOLDER`; default `<s3|gs>://<XCom bucket>/logs`. Another store needs `otherStore`.",
        ),
    connId: connectionId("aws_default")
        .optional()
        .describe("`REMOTE_LOG_CONN_ID`; default: the connection id in `xcomPath`, else none (the pods' identity)."),
    otherStore: z
        .boolean()
        .default(false)
        .describe("Allow a `folder` outside the XCom store (another scheme or bucket) the pods may also write to."),
})
    .prefault({})
    .describe("Remote task logs in the store you named.");
export type NamedStoreTaskLogs = z.output<typeof namedStoreTaskLogsSchema>;

/** Task-log settings that would fail or land outside the store: each at its `backend.taskLogs.*` key. */
export function namedStoreTaskLogsIssues(
    taskLogs: NamedStoreTaskLogs,
    xcomPath: string | undefined,
): { path: (string | number)[]; message: string }[] {
    if (!taskLogs.enabled || xcomPath === undefined) {
        return [];
    }
    const at = ["backend", "taskLogs", "folder"];
    const xcom = xcomLocation(xcomPath);
    const given = taskLogs.folder;
    if (given === undefined && xcom === undefined) {
        return [
            {
                path: at,
                message: `is required: the XCom store '${xcomPath.split("://")[0] ?? ""}://…' (backend.xcomPath) has no Airflow task-log handler; name a folder, e.g. 'wasb://logs' for Blob Storage (container in AIRFLOW__AZURE_REMOTE_LOGGING__REMOTE_WASB_LOG_CONTAINER under commonEnv), and set backend.taskLogs.otherStore: true`,
            },
        ];
    }
    const folderUrl = given ?? defaultLogFolder(xcomPath) ?? "";
    const folder = folderLocation(folderUrl);
    const same =
        folder !== undefined && xcom !== undefined && folder.family === xcom.family && folder.bucket === xcom.bucket;
    if (!same && !taskLogs.otherStore) {
        const store = xcom === undefined ? xcomPath : `${xcom.family}://${xcom.bucket}`;
        return [
            {
                path: at,
                message: `is not in the XCom store '${store}' (backend.xcomPath), which the pods' access is set up for; use a folder there${xcom === undefined ? "" : `, e.g. '${xcom.family}://${xcom.bucket}/logs'`}, or set backend.taskLogs.otherStore: true if the pods may write to this store too`,
            },
        ];
    }
    if (same) {
        const inside = (a: string, b: string) => a === b || b === "" || a.startsWith(`${b}/`);
        const f = folder.path.replace(/\/+$/, "");
        const x = xcom.path.replace(/\/+$/, "");
        if (inside(f, x) || inside(x, f)) {
            return [
                {
                    path: at,
                    message: `${given === undefined ? `(default '${folderUrl}') ` : ""}overlaps the XCom path '${x === "" ? "/" : x}' of backend.xcomPath: task logs and XComs would share keys (and XCom cleanup); set a sibling folder, e.g. '${xcom.family}://${xcom.bucket}/${x === "logs" ? "task-logs" : "logs"}'`,
                },
            ];
        }
    }
    return [];
}

/** The env a named store's task logs set (so user env cannot set them: config/rules/envNames.ts). */
export const TASK_LOG_ENV = [REMOTE_LOGGING_ENV, REMOTE_BASE_LOG_FOLDER_ENV, REMOTE_LOG_CONN_ID_ENV];

/**
 * The remote-logging env for a validated block: the folder (default from `xcomPath`) and the connection
 * (default the one in `xcomPath`; empty: Airflow's default, the pods' identity).
 */
export function namedStoreTaskLogsEnv(
    taskLogs: NamedStoreTaskLogs,
    xcomPath: string,
): { name: string; value: string }[] {
    if (!taskLogs.enabled) {
        return [];
    }
    const folder = taskLogs.folder ?? defaultLogFolder(xcomPath);
    if (folder === undefined) {
        throw new Error(`backend.taskLogs.folder: required for the XCom store '${xcomPath}' (no default folder)`);
    }
    const connId = taskLogs.connId ?? xcomLocation(xcomPath)?.connId ?? "";
    return [
        { name: REMOTE_LOGGING_ENV, value: "True" },
        { name: REMOTE_BASE_LOG_FOLDER_ENV, value: folder },
        { name: REMOTE_LOG_CONN_ID_ENV, value: connId },
    ];
}

/** {@link namedStoreTaskLogsEnv} as env entries of a contribution (`xcomPath` may be an Output in component args). */
export function namedStoreTaskLogsEnvInputs(
    taskLogs: NamedStoreTaskLogs,
    xcomPath: pulumi.Input<string>,
): pulumi.Input<EnvVar>[] {
    if (!taskLogs.enabled) {
        return [];
    }
    const env = pulumi.output(xcomPath).apply((x) => namedStoreTaskLogsEnv(taskLogs, x));
    return TASK_LOG_ENV.map((name) =>
        env.apply((entries) => entries.find((e) => e.name === name) ?? { name, value: "" }),
    );
}
