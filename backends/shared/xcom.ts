// The XCom object-storage URL of a backend that does not create the store itself (`external`, and
// `vault`, which has no object store): one schema, so both accept and refuse the same URLs.
import { z } from "zod";
import { pathProblem, problemMessage, type PathRule } from "../../schema/primitives";

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
