// External backend ("bring your own"): the user names the secrets backend class, its kwargs and the
// XCom path of stores they already run; the program only wires them into the chart.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    envVarSchema,
    labelsSchema,
    pythonClassPath,
    strictObject,
    wiring,
    wiringAnnotationsSchema,
} from "../../../config/primitives";
import type { AgentBackend, BackendContribution, BackendIssue } from "../types";
import { XCOM_OBJECT_STORAGE_BACKEND } from "../airflow";
import { ownedAnnotationKeys } from "../shared/identity";
import { xcomPathSchema } from "../shared/xcom";

/** kwargs that carry credentials: they would land in Helm's release Secret and in Pulumi state in plain text. */
export const CREDENTIAL_KWARGS = [
    "token",
    "password",
    "secret_id",
    "client_secret",
    "gcp_keyfile_dict",
    "private_key",
    "sas_token",
    "connection_string",
    "account_key",
    "aws_secret_access_key",
    "aws_session_token",
];

export const externalBackendSchema = strictObject({
    kind: z.literal("external"),
    secretBackend: pythonClassPath.describe(
        "Airflow secrets backend class path, e.g. airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend.",
    ),
    secretBackendKwargs: z
        .record(z.string(), z.unknown())
        .meta({ expected: "a mapping of kwargs", example: { region_name: "eu-west-1" } })
        .default({})
        .describe("Its kwargs as an object (serialised to JSON for you). No credentials: use workload identity."),
    xcomBackend: pythonClassPath.default(XCOM_OBJECT_STORAGE_BACKEND).describe("Airflow XCom backend class path."),
    xcomPath: wiring(xcomPathSchema).describe("XCom object storage path `<scheme>://[<conn_id>@]<bucket>/<path>`."),
    serviceAccountAnnotations: wiringAnnotationsSchema()
        .default({})
        .describe("Annotations for every agent ServiceAccount (for example `eks.amazonaws.com/role-arn`)."),
    podLabels: labelsSchema
        .default({})
        .describe('Labels for every agent pod (for example `azure.workload.identity/use: "true"`).'),
    env: z.array(envVarSchema).default([]).describe("Extra non-secret commonEnv entries the backend needs."),
});
export type ExternalBackendConfig = z.output<typeof externalBackendSchema>;

export const externalBackend: AgentBackend<typeof externalBackendSchema> = {
    kind: "external",
    schema: externalBackendSchema,
    summary:
        "Bring your own: secrets backend class + kwargs and XCom path of stores you already run; nothing is created.",
    envNames: (backend) => backend.env.map((e, i) => ({ name: e.name, setBy: ["backend", "env", i, "name"] })),
    serviceAccountAnnotationKeys: (backend) => ownedAnnotationKeys(backend.serviceAccountAnnotations),
    validate(backend) {
        const issues: BackendIssue[] = [];
        for (const key of Object.keys(backend.secretBackendKwargs)) {
            if (CREDENTIAL_KWARGS.includes(key)) {
                issues.push({
                    path: ["backend", "secretBackendKwargs", key],
                    message:
                        "must not hold credentials: chart values are stored in plain text in Helm's release Secret and in Pulumi state; authenticate with workload identity or a mounted token file instead",
                });
            }
        }
        return issues;
    },
    create(backend): BackendContribution {
        return {
            secretBackend: backend.secretBackend,
            secretBackendKwargs: backend.secretBackendKwargs,
            xcomBackend: backend.xcomBackend,
            xcomPath: backend.xcomPath,
            commonEnv: backend.env,
            serviceAccountAnnotations: backend.serviceAccountAnnotations,
            podLabels: backend.podLabels,
            volumes: [],
            volumeMounts: [],
            dependsOn: [] as pulumi.Resource[],
        };
    },
};
