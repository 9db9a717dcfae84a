// The `backend` config branch of the local backend (development only): connections and variables from
// secret stack config, XCom on a volume.
import { z } from "zod";
import {
    absolutePath,
    connectionId,
    dnsSubdomain,
    identifier,
    quantityString,
    secretString,
    strictObject,
} from "../../schema/primitives";

export const localBackendSchema = strictObject({
    kind: z.literal("local"),
    connections: z
        .record(connectionId(), secretString())
        .default({})
        .describe(
            "Airflow connections served from a mounted file, by connection id. Each value is the connection as JSON or URI, set with `pulumi config set --secret --path 'backend.connections.<id>'`.",
        ),
    variables: z
        .record(identifier("an Airflow variable key", "my_variable"), secretString())
        .default({})
        .describe(
            "Airflow variables served from a mounted file, set with `pulumi config set --secret --path 'backend.variables.<key>'`.",
        ),
    secretsMountPath: absolutePath
        .default("/usr/local/airflow/secrets")
        .describe("Where the connections and variables files are mounted in worker, triggerer and dag processor pods."),
    xcom: strictObject({
        mountPath: absolutePath.default("/usr/local/airflow/xcom").describe("Where the XCom volume is mounted."),
        claimName: dnsSubdomain("astro-xcom")
            .optional()
            .describe("Use this existing PersistentVolumeClaim instead of creating one."),
        size: quantityString("1Gi").default("1Gi").describe("Size of the PersistentVolumeClaim the program creates."),
        storageClassName: dnsSubdomain("standard")
            .optional()
            .describe("Storage class of the created claim (cluster default when unset)."),
        accessMode: z
            .enum(["ReadWriteOnce", "ReadWriteMany"])
            .default("ReadWriteOnce")
            .describe("ReadWriteOnce is single-node only; use ReadWriteMany when agent pods span nodes."),
    })
        .prefault({})
        .describe("XCom objects go to a `file://` path on this volume: single-node development only."),
});
export type LocalBackendConfig = z.output<typeof localBackendSchema>;
