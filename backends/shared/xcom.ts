// The XCom object-storage URL of a backend that does not create the store itself (`external`, and
// `vault`, which has no object store): one schema, so both accept and refuse the same URLs.
import { z } from "zod";

/** Schemes `XComObjectStorageBackend` can write to through the agent image's providers. */
export const XCOM_SCHEMES = ["s3", "s3a", "gs", "gcs", "abfs", "abfss", "file"];

/** `AIRFLOW__COMMON_IO__XCOM_OBJECTSTORAGE_PATH`: `<scheme>://[<conn_id>@]<bucket>/<path>`. */
export const xcomPathSchema = z
    .string()
    .meta({
        expected: "an object storage URL <scheme>://[<conn_id>@]<bucket>/<path>",
        example: "s3://my-bucket/xcom",
    })
    .regex(
        /^([a-z0-9]+):\/\/([^@/]+@)?[^/]*\/?.*$/,
        "must be an object storage URL <scheme>://[<conn_id>@]<bucket>/<path>",
    )
    .refine((p) => XCOM_SCHEMES.includes(p.split("://")[0] ?? ""), {
        message: `must use one of the schemes ${XCOM_SCHEMES.join(", ")}`,
    });
