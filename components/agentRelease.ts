import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_CHART_NAME, DEFAULT_CHART_REPO, DEFAULT_CHART_VERSION } from "../config/schema";
import { findCredentials } from "../config/credentials";
import { kubeClientFor, releaseWaitHooks } from "../doctor/releaseHooks";
import { componentType, withLegacyAlias } from "./typeTokens";
import { xcomMoveHook } from "./xcomGuard";
import type { ChartValues } from "../chart/values";

/** Where the chart comes from: a repository (default Astronomer's), an `oci://` reference or a local path. */
export interface AgentChartSource {
    /** Chart name, or an `oci://` reference. Default `astro-remote-execution-agent`. */
    name?: string;
    /** Exact chart version. Default the version this program was tested with. Ignored for a local path. */
    version?: string;
    /** Chart repository URL. Default `https://helm.astronomer.io` (unless `path` or an oci name is used). */
    repo?: pulumi.Input<string>;
    /** Local chart directory or archive, for mirrored or air-gapped installs. */
    path?: pulumi.Input<string>;
}

/** Args of {@link AgentRelease}. */
export interface AgentReleaseArgs {
    /** Helm release name (explicit, so object names are stable). */
    releaseName: string;
    /** Namespace; pass the namespace Output so the install waits for it. */
    namespace: pulumi.Input<string>;
    /** Chart source. */
    chart?: AgentChartSource;
    /**
     * Chart values from `buildChartValues` (which already merged every `extraValues` layer): names and
     * settings only, never secret values.
     */
    values: pulumi.Input<ChartValues>;
    /** Roll back a failed install or upgrade (implies waiting). Default false. */
    atomic?: boolean;
    /**
     * Seconds Helm waits for the workloads. Default 600: a first install that adds a node and pulls
     * the agent image (1-2 GB) fits; when it fails, the release logs what the doctor sees.
     */
    timeoutSeconds?: number;
    /** Do not wait for the workloads. Default false. */
    skipAwait?: boolean;
    /** Revisions Helm keeps. Default 10. */
    maxHistory?: number;
    /** Release description (the program records the stack's accepted prod risks there: schema/riskRecord.ts). */
    description?: string;
    /**
     * The Pod Security Standards labels of the namespace the release goes into, when it is adopted and
     * read (a `get` at preview): registered as this component's inputs, so the policy pack can check
     * them (it sees no read resources).
     */
    adoptedNamespace?: { name: pulumi.Input<string>; labels: pulumi.Input<Record<string, string> | undefined> };
}

/** The resolved `chart`, `version` and `repositoryOpts` of a chart source. */
export function chartLocation(source: AgentChartSource = {}): {
    chart: pulumi.Input<string>;
    version?: string;
    repositoryOpts?: { repo: pulumi.Input<string> };
} {
    if (source.path !== undefined) {
        return { chart: source.path };
    }
    const name = source.name ?? DEFAULT_CHART_NAME;
    const version = source.version ?? DEFAULT_CHART_VERSION;
    if (name.startsWith("oci://")) {
        return { chart: name, version };
    }
    return { chart: name, version, repositoryOpts: { repo: source.repo ?? DEFAULT_CHART_REPO } };
}

/**
 * The last line of defence: chart values are stored in plain text (Helm's release Secret, Pulumi
 * state, outputs), so values holding anything credential-shaped are never handed to Helm.
 */
export function assertNoCredentials(values: ChartValues): void {
    const found = findCredentials(values, []);
    if (found.length > 0) {
        const where = found.map((f) => `values.${f.path.join(".")} (${f.kind})`).join("; ");
        throw new Error(`refusing to install: chart values would hold credentials in plain text: ${where}`);
    }
}

/** The agent chart as a `helm.v3.Release`, with the chart told `createNamespace: false`. */
export class AgentRelease extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    /** Release name. */
    public readonly releaseName: pulumi.Output<string>;
    /** The values Helm is given (secret-free by construction). */
    public readonly values: pulumi.Output<ChartValues>;

    constructor(name: string, args: AgentReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super(
            componentType("AgentRelease"),
            name,
            args.adoptedNamespace === undefined ? {} : { adoptedNamespace: args.adoptedNamespace },
            withLegacyAlias("AgentRelease", opts),
        );
        const location = chartLocation(args.chart);
        this.values = pulumi.output(args.values).apply((v): ChartValues => {
            const values: ChartValues = v;
            assertNoCredentials(values);
            return values;
        });
        // Logs attach to this component: its URN is known while the release is still being created.
        // Hooks poll the cluster the release goes to (its provider's), or none when that is unknowable.
        const wait = releaseWaitHooks(name, () => this, {
            client: kubeClientFor(this.getProvider("kubernetes:helm.sh/v3:Release")) ?? null,
        });
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: args.releaseName,
                namespace: args.namespace,
                chart: location.chart,
                ...(location.version === undefined ? {} : { version: location.version }),
                ...(location.repositoryOpts === undefined ? {} : { repositoryOpts: location.repositoryOpts }),
                createNamespace: false,
                values: this.values,
                atomic: args.atomic ?? false,
                cleanupOnFail: args.atomic ?? false,
                timeout: args.timeoutSeconds ?? 600,
                skipAwait: args.skipAwait ?? false,
                maxHistory: args.maxHistory ?? 10,
                ...(args.description === undefined ? {} : { description: args.description }),
            },
            {
                parent: this,
                // The component's own dependsOn (Secrets, ServiceAccounts, backend) must hold for the release itself.
                ...(opts?.dependsOn === undefined ? {} : { dependsOn: opts.dependsOn }),
                // A new release name replaces the release; the chart's objects keep their names
                // (resourceNamePrefix), so the old release must go first or the new one collides.
                deleteBeforeReplace: true,
                // Warn (preview and up) when the update moves the XCom store. While Helm waits, log
                // which components are ready; when the install or upgrade fails, log why (the doctor).
                hooks: {
                    ...wait,
                    beforeUpdate: [xcomMoveHook(name), ...wait.beforeUpdate],
                },
            },
        );
        this.releaseName = this.release.name;
        this.registerOutputs({ releaseName: this.releaseName });
    }
}
