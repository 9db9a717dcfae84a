// The `backend` config branch of the external backend ("bring your own"): the secrets backend class, its
// kwargs and the XCom path of stores the user already runs.
import { z } from "zod";
import {
    envVarSchema,
    labelsSchema,
    pythonClassPath,
    strictObject,
    wiring,
    wiringAnnotationsSchema,
} from "../../schema/primitives";
import { XCOM_OBJECT_STORAGE_BACKEND } from "../airflow";
import { namedStoreTaskLogsSchema, xcomPathSchema } from "../shared/xcom";

export const externalBackendSchema = strictObject({
    kind: z.literal("external"),
    secretBackend: pythonClassPath.describe(
        "Airflow secrets backend class path, e.g. airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend.",
    ),
    secretBackendKwargs: z
        .record(z.string(), z.unknown())
        .meta({ expected: "a mapping of kwargs", example: { region_name: "eu-west-1" } })
        .default({})
        .describe(
            "Its kwargs as an object (serialised to JSON for you). A credential (`client_secret`, AppRole `secret_id`…) only as secret config (`--secret --path`): then the whole JSON goes into a Kubernetes Secret. Better: workload identity.",
        ),
    xcomBackend: pythonClassPath.default(XCOM_OBJECT_STORAGE_BACKEND).describe("Airflow XCom backend class path."),
    xcomPath: wiring(xcomPathSchema).describe("XCom object storage path `<scheme>://[<conn_id>@]<bucket>/<path>`."),
    taskLogs: namedStoreTaskLogsSchema,
    serviceAccountAnnotations: wiringAnnotationsSchema()
        .prefault({})
        .describe("Annotations for every agent ServiceAccount (for example `eks.amazonaws.com/role-arn`)."),
    podLabels: labelsSchema
        .default({})
        .describe('Labels for every agent pod (for example `azure.workload.identity/use: "true"`).'),
    env: z.array(envVarSchema).default([]).describe("Extra non-secret commonEnv entries the backend needs."),
});
export type ExternalBackendConfig = z.output<typeof externalBackendSchema>;
