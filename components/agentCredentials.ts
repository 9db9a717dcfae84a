import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentType, withLegacyAlias } from "./typeTokens";

/** Registry credentials for a `kubernetes.io/dockerconfigjson` Secret. */
export interface ImagePullCredentials {
    /** Registry host, e.g. `images.astronomer.cloud`. */
    registry: pulumi.Input<string>;
    /** Registry user (`cli` for Astronomer's registry). */
    username: pulumi.Input<string>;
    /** Registry password (an Astro API token); kept secret. */
    password: pulumi.Input<string>;
}

/** Args of {@link AgentCredentials}. Each Secret is created only when its value is given. */
export interface AgentCredentialsArgs {
    /** Namespace of the Secrets. */
    namespace: pulumi.Input<string>;
    /** Agent token → Secret `agentTokenSecretName` with key `token`. */
    agentToken?: pulumi.Input<string>;
    /** Name of the agent token Secret. */
    agentTokenSecretName: string;
    /** Registry credentials → `kubernetes.io/dockerconfigjson` Secret `imagePullSecretName`. */
    imagePull?: ImagePullCredentials;
    /**
     * The nodes pull the images with their own credentials: the image pull Secret is created holding no
     * credentials (`{"auths":{}}`), only so that the chart's required `imagePullSecretName` names a Secret.
     * Ignored when `imagePull` is given.
     */
    imagePullFromNodes?: boolean;
    /** Name of the image pull Secret. */
    imagePullSecretName: string;
    /** OpenLineage API key → Secret `openLineageSecretName` with key `api-key`. */
    openLineageApiKey?: pulumi.Input<string>;
    /** Name of the OpenLineage Secret. */
    openLineageSecretName: string;
    /** Secret environment values (and secret backend kwargs), by Secret key → Secret `envSecretName`. */
    env?: Record<string, pulumi.Input<string>>;
    /** Name of the Secret holding secret environment values. */
    envSecretName?: string;
    /** Labels for the Secrets. */
    labels?: Record<string, string>;
    /**
     * A revision of the values above known before anything is deployed (the program passes a digest of
     * their stack-file ciphertexts: config/secretRevision.ts): {@link AgentCredentials.secretsVersion}
     * is then derived from it, so a rotation shows at preview. It must change whenever a value does and
     * never be derived from a value. Unset: the Secrets' resourceVersions are used (known only after `up`).
     */
    revision?: string;
}

/** The `.dockerconfigjson` document for one registry (the `auth` field is base64 of `user:password`). */
export function dockerConfigJson(registry: string, username: string, password: string): string {
    const auth = Buffer.from(`${username}:${password}`).toString("base64");
    return JSON.stringify({ auths: { [registry]: { username, password, auth } } });
}

/** A `.dockerconfigjson` with no registry: kubelet then pulls with the node's own credentials only. */
export const EMPTY_DOCKER_CONFIG = JSON.stringify({ auths: {} });

/** A short stable digest of Secrets' resourceVersions (never of their content). */
export function secretsVersionOf(resourceVersions: readonly (string | undefined)[]): string {
    return createHash("sha256")
        .update(resourceVersions.map((v) => v ?? "").join(","))
        .digest("hex")
        .slice(0, 16);
}

/**
 * The Secrets the chart reads by name: agent token, image pull, OpenLineage key. Secret values are
 * wrapped as Pulumi secrets; only the names leave this component.
 */
export class AgentCredentials extends pulumi.ComponentResource {
    public readonly agentTokenSecret?: k8s.core.v1.Secret;
    public readonly imagePullSecret?: k8s.core.v1.Secret;
    public readonly openLineageSecret?: k8s.core.v1.Secret;
    public readonly envSecret?: k8s.core.v1.Secret;
    /**
     * Changes whenever any of these Secrets gets a new value: `revision` when given (known at preview),
     * else a digest of their resourceVersions (never their content); undefined when the program manages none.
     */
    public readonly secretsVersion: pulumi.Output<string | undefined>;
    /** Every Secret created, for `dependsOn`. */
    public readonly secrets: k8s.core.v1.Secret[];

    constructor(name: string, args: AgentCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("AgentCredentials"), name, {}, withLegacyAlias("AgentCredentials", opts));
        const metadata = (secretName: string) => ({
            name: secretName,
            namespace: args.namespace,
            labels: args.labels ?? {},
        });

        if (args.agentToken !== undefined) {
            this.agentTokenSecret = new k8s.core.v1.Secret(
                `${name}-agent-token`,
                {
                    metadata: metadata(args.agentTokenSecretName),
                    type: "Opaque",
                    stringData: { token: pulumi.secret(args.agentToken) },
                },
                { parent: this },
            );
        }
        if (args.imagePull !== undefined || args.imagePullFromNodes === true) {
            // One resource name for both forms: switching between them updates the Secret in place.
            const pull = args.imagePull;
            this.imagePullSecret = new k8s.core.v1.Secret(
                `${name}-image-pull`,
                {
                    metadata: metadata(args.imagePullSecretName),
                    type: "kubernetes.io/dockerconfigjson",
                    stringData: {
                        ".dockerconfigjson":
                            pull === undefined
                                ? EMPTY_DOCKER_CONFIG
                                : pulumi.secret(
                                      pulumi
                                          .all([pull.registry, pull.username, pull.password])
                                          .apply(([r, u, p]) => dockerConfigJson(r, u, p)),
                                  ),
                    },
                },
                { parent: this },
            );
        }
        if (args.openLineageApiKey !== undefined) {
            this.openLineageSecret = new k8s.core.v1.Secret(
                `${name}-openlineage`,
                {
                    metadata: metadata(args.openLineageSecretName),
                    type: "Opaque",
                    stringData: { "api-key": pulumi.secret(args.openLineageApiKey) },
                },
                { parent: this },
            );
        }
        const env = args.env ?? {};
        if (Object.keys(env).length > 0) {
            if (args.envSecretName === undefined) {
                throw new pulumi.ResourceError("envSecretName is required when env values are given", this);
            }
            this.envSecret = new k8s.core.v1.Secret(
                `${name}-env`,
                {
                    metadata: metadata(args.envSecretName),
                    type: "Opaque",
                    stringData: Object.fromEntries(
                        Object.keys(env)
                            .sort()
                            .map((k) => [k, pulumi.secret(env[k] as pulumi.Input<string>)]),
                    ),
                },
                { parent: this },
            );
        }
        this.secrets = [this.agentTokenSecret, this.imagePullSecret, this.openLineageSecret, this.envSecret].filter(
            (s): s is k8s.core.v1.Secret => s !== undefined,
        );
        this.secretsVersion =
            this.secrets.length === 0
                ? pulumi.output(undefined)
                : args.revision !== undefined
                  ? pulumi.output(args.revision)
                  : pulumi
                        .all(this.secrets.map((s) => s.metadata.resourceVersion))
                        .apply((versions) => secretsVersionOf(versions));
        this.registerOutputs({});
    }
}
