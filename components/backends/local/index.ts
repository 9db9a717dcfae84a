// Local backend (development only): connections and variables from secret stack config in a
// Kubernetes Secret mounted as files for LocalFilesystemBackend; XCom on a file:// volume.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LOCAL_SECRET_BACKEND, XCOM_OBJECT_STORAGE_BACKEND } from "../../../backends/airflow";
import { SECRETS_VOLUME, XCOM_VOLUME } from "../../../backends/local/backend";
import type { LocalBackendConfig } from "../../../backends/local/schema";
import type { BackendContribution } from "../../../backends/types";
import { SKIP_AWAIT_ANNOTATION } from "../../../config/ownedMetadata";
import { componentType, withLegacyAlias } from "../../typeTokens";

export { localBackend } from "../../../backends/local/backend";
export { localBackendSchema, type LocalBackendConfig } from "../../../backends/local/schema";

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
        super(componentType("LocalBackend"), name, {}, withLegacyAlias("LocalBackend", opts));
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
                        annotations: { [SKIP_AWAIT_ANNOTATION]: "true" },
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
