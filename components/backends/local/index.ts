// Local backend (development only): connections and variables from secret stack config in a
// Kubernetes Secret mounted as files for LocalFilesystemBackend; XCom on a file:// volume.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    absolutePath,
    connectionId,
    dnsSubdomain,
    identifier,
    quantityString,
    secretString,
    strictObject,
} from "../../../config/primitives";
import { LOCAL_SECRET_BACKEND, XCOM_OBJECT_STORAGE_BACKEND } from "../airflow";
import type { AgentBackend, BackendContext, BackendContribution } from "../types";

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

/** Args of {@link LocalBackend}. */
export interface LocalBackendArgs {
    /** The parsed `backend` config block. */
    config: LocalBackendConfig;
    /** Namespace for the Secret and the PersistentVolumeClaim. */
    namespace: pulumi.Input<string>;
    /** Prefix for the object names. */
    resourceNamePrefix: string;
    /** Labels for the objects. */
    labels: Record<string, string>;
}

const SECRETS_VOLUME = "local-secrets";
const XCOM_VOLUME = "local-xcom";

/** The Kubernetes objects behind the local backend. */
export class LocalBackend extends pulumi.ComponentResource {
    /** Secret holding `connections.json` and `variables.json`. */
    public readonly secret: k8s.core.v1.Secret;
    /** The XCom claim, when the program creates it. */
    public readonly xcomClaim?: k8s.core.v1.PersistentVolumeClaim;
    /** Name of the claim the XCom volume uses. */
    public readonly xcomClaimName: string;
    /** What the chart needs. */
    public readonly contribution: BackendContribution;

    constructor(name: string, args: LocalBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("astro-agent:index:LocalBackend", name, {}, opts);
        const { config, namespace, resourceNamePrefix, labels } = args;

        const connections = pulumi.all(config.connections).apply((conns) =>
            JSON.stringify(
                Object.fromEntries(
                    Object.keys(conns)
                        .sort()
                        .map((id) => [id, parseConnection(conns[id] ?? "")]),
                ),
                null,
                2,
            ),
        );
        const variables = pulumi.all(config.variables).apply((vars) =>
            JSON.stringify(
                Object.fromEntries(
                    Object.keys(vars)
                        .sort()
                        .map((k) => [k, vars[k]]),
                ),
                null,
                2,
            ),
        );
        this.secret = new k8s.core.v1.Secret(
            `${name}-secrets`,
            {
                metadata: { name: `${resourceNamePrefix}-local-secrets`, namespace, labels },
                type: "Opaque",
                stringData: {
                    "connections.json": pulumi.secret(connections),
                    "variables.json": pulumi.secret(variables),
                },
            },
            { parent: this },
        );

        if (config.xcom.claimName === undefined) {
            this.xcomClaimName = `${resourceNamePrefix}-xcom`;
            this.xcomClaim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-xcom`,
                {
                    metadata: {
                        name: this.xcomClaimName,
                        namespace,
                        labels,
                        // Claims bind only when a pod is scheduled (WaitForFirstConsumer), which happens after the release.
                        annotations: { "pulumi.com/skipAwait": "true" },
                    },
                    spec: {
                        accessModes: [config.xcom.accessMode],
                        resources: { requests: { storage: config.xcom.size } },
                        ...(config.xcom.storageClassName === undefined
                            ? {}
                            : { storageClassName: config.xcom.storageClassName }),
                    },
                },
                { parent: this },
            );
        } else {
            this.xcomClaimName = config.xcom.claimName;
        }

        const mount = config.secretsMountPath;
        this.contribution = {
            secretBackend: LOCAL_SECRET_BACKEND,
            secretBackendKwargs: {
                connections_file_path: `${mount}/connections.json`,
                variables_file_path: `${mount}/variables.json`,
            },
            xcomBackend: XCOM_OBJECT_STORAGE_BACKEND,
            xcomPath: `file://${config.xcom.mountPath}`,
            commonEnv: [],
            serviceAccountAnnotations: {},
            podLabels: {},
            volumes: [
                { name: SECRETS_VOLUME, secret: { secretName: `${resourceNamePrefix}-local-secrets` } },
                { name: XCOM_VOLUME, persistentVolumeClaim: { claimName: this.xcomClaimName } },
            ],
            volumeMounts: [
                { name: SECRETS_VOLUME, mountPath: mount, readOnly: true },
                { name: XCOM_VOLUME, mountPath: config.xcom.mountPath },
            ],
            dependsOn: this.xcomClaim ? [this.secret, this.xcomClaim] : [this.secret],
        };
        this.registerOutputs({ xcomClaimName: this.xcomClaimName });
    }
}

/** A connection given as JSON is embedded as an object; anything else is kept as a URI string. */
function parseConnection(value: string): unknown {
    const trimmed = value.trim();
    if (trimmed.startsWith("{")) {
        try {
            return JSON.parse(trimmed) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}

export const localBackend: AgentBackend<typeof localBackendSchema> = {
    kind: "local",
    schema: localBackendSchema,
    volumeNames: [SECRETS_VOLUME, XCOM_VOLUME],
    summary:
        "LocalFilesystemBackend with connections/variables from secret config in a mounted Secret; XCom on a `file://` PersistentVolumeClaim. Development only.",
    envNames: () => [],
    serviceAccountAnnotationKeys: () => [],
    validate(backend, view) {
        const issues = [];
        if (view.environment === "prod") {
            issues.push({
                path: ["backend", "kind"],
                message:
                    "'local' is for development only and is refused when environment is 'prod'; use 'external' (or a cloud backend)",
            });
        }
        for (const need of view.requiredConnections) {
            if (!(need.connId in backend.connections)) {
                issues.push({
                    path: need.path,
                    message: `connection '${need.connId}' is not defined; set it with pulumi config set --secret --path 'backend.connections.${need.connId}' '<connection JSON>'`,
                });
            }
        }
        return issues;
    },
    create(backend, ctx: BackendContext) {
        const component = new LocalBackend(
            `${ctx.name}-local`,
            {
                config: backend,
                namespace: ctx.namespace,
                resourceNamePrefix: ctx.resourceNamePrefix,
                labels: ctx.labels,
            },
            { parent: ctx.parent },
        );
        return component.contribution;
    },
};
