// The Helm release's wait, explained: resource hooks on the `helm.v3.Release` that (1) while Helm
// waits, log which components are ready every few seconds, and (2) when the install or upgrade
// fails, run the doctor and log the failing pods, their causes and the config keys that fix them.
//
// What the engine allows (Pulumi 3.248): hooks cannot change the provider's error text, so the
// explanation is a second error diagnostic on the release, printed next to Helm's message. Hooks run
// in the program process, so they reach the cluster the way the release's provider does: the default
// provider through the stack's `kubernetes:kubeconfig` / `kubernetes:context` config or `$KUBECONFIG`;
// a provider this package created (a fleet cluster's) through the kubeconfig / context it was made
// from ({@link rememberKubeConnection}). A provider a program passes in is opaque to the program
// (its inputs cannot be read back), so then the hooks stay silent rather than look at another cluster.
import * as pulumi from "@pulumi/pulumi";
import { diagnose, type DiagnoseTarget } from "./index";
import { formatReport } from "./format";
import { KubeClient, type KubeReader } from "./kube";
import type { DoctorReport } from "./types";

/** Seconds between progress lines while Helm waits. */
export const PROGRESS_INTERVAL_SECONDS = 20;

/** The doctor target of a Release's inputs (`values`, `namespace`, `name`), or undefined when they are not plain. */
export function targetOfReleaseInputs(inputs: Record<string, unknown> | undefined): DiagnoseTarget | undefined {
    const values = inputs?.values;
    const namespace = inputs?.namespace;
    if (values === null || typeof values !== "object" || typeof namespace !== "string") {
        return undefined;
    }
    const v = values as Record<string, unknown>;
    if (typeof v.resourceNamePrefix !== "string") {
        return undefined;
    }
    return typeof inputs?.name === "string"
        ? { agent: inputs.name, chartValues: v, namespace, releaseName: inputs.name }
        : { agent: namespace, chartValues: v, namespace };
}

/** One progress line: each component's ready count and, when not ready, its first cause. */
export function progressLine(report: DoctorReport, elapsedSeconds: number): string {
    const parts = report.agents.flatMap((a) =>
        a.components.map((c) => {
            const cause = c.findings[0]?.cause;
            return `${c.key} ${c.ready}${cause === undefined ? "" : ` (${cause})`}`;
        }),
    );
    return `waiting for the agent (${Math.round(elapsedSeconds)}s): ${parts.join(", ")}`;
}

/** The error diagnostic logged when the release fails. */
export function failureExplanation(report: DoctorReport, stack: string): string {
    return `what the cluster shows for the agent (the doctor; \`npm run doctor -- --stack ${stack}\` prints it again, \`release.skipAwait: true\` skips the wait):\n${formatReport(report)}`;
}

/** How to reach a cluster: a kubeconfig (a path or its content) and a context. */
export interface KubeConnection {
    kubeconfig?: string | undefined;
    context?: string | undefined;
}

const connections = new WeakMap<pulumi.ProviderResource, () => KubeConnection | undefined>();

/**
 * Records how `provider` reaches its cluster, so the release hooks of agents deployed through it poll
 * that cluster. Secret kubeconfigs stay in the program's memory; they are never logged.
 */
export function rememberKubeConnection(
    provider: pulumi.ProviderResource,
    connection: { kubeconfig?: pulumi.Input<string> | undefined; context?: pulumi.Input<string> | undefined },
): void {
    let resolved: KubeConnection | undefined;
    pulumi.all([connection.kubeconfig, connection.context]).apply(([kubeconfig, context]) => {
        resolved = { kubeconfig, context };
    });
    connections.set(provider, () => resolved);
}

/**
 * The client factory for a release deployed through `provider`: the stack's connection for the default
 * provider (undefined), the remembered one for a provider this package made, none for any other.
 */
export function kubeClientFor(provider: pulumi.ProviderResource | undefined): (() => KubeReader) | undefined {
    if (provider === undefined) {
        return programKubeClient;
    }
    const connection = connections.get(provider);
    if (connection === undefined) {
        return undefined;
    }
    return () => {
        const c = connection();
        if (c === undefined) {
            throw new Error("the cluster's kubeconfig is not known yet");
        }
        return kubeClientOf(c);
    };
}

/** A client from the stack's kubernetes provider config, else the current kubeconfig. */
export function programKubeClient(): KubeReader {
    const k8s = new pulumi.Config("kubernetes");
    return kubeClientOf({ kubeconfig: k8s.get("kubeconfig"), context: k8s.get("context") });
}

function kubeClientOf({ kubeconfig, context }: KubeConnection): KubeReader {
    const ctx = context === undefined ? {} : { context };
    if (kubeconfig === undefined || kubeconfig.trim() === "") {
        return new KubeClient(ctx);
    }
    return kubeconfig.includes("\n") || kubeconfig.trim().startsWith("{")
        ? new KubeClient({ kubeconfigText: kubeconfig, ...ctx })
        : new KubeClient({ kubeconfig: kubeconfig.trim(), ...ctx });
}

/** Options of {@link releaseWaitHooks}. */
export interface ReleaseWaitHookOptions {
    /** Seconds between progress lines. Default {@link PROGRESS_INTERVAL_SECONDS}. */
    progressSeconds?: number;
    /**
     * The cluster client. Default {@link programKubeClient}; `null` when the cluster cannot be reached
     * from the program (a provider passed in): no progress lines, and a failure says to run the doctor.
     */
    client?: (() => KubeReader) | null;
}

/** The hooks of the agent's release, named from `name`; `resource` is what the logs attach to. */
export function releaseWaitHooks(
    name: string,
    resource: () => pulumi.Resource | undefined,
    options: ReleaseWaitHookOptions = {},
): Required<
    Pick<pulumi.ResourceHookBinding, "beforeCreate" | "beforeUpdate" | "afterCreate" | "afterUpdate" | "onError">
> {
    const every = (options.progressSeconds ?? PROGRESS_INTERVAL_SECONDS) * 1000;
    const clientOf = options.client === undefined ? programKubeClient : options.client;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
        if (timer !== undefined) {
            clearInterval(timer);
            timer = undefined;
        }
    };
    const start = (args: pulumi.ResourceHookArgs) => {
        stop();
        const target = targetOfReleaseInputs(args.newInputs);
        if (target === undefined || args.newInputs?.skipAwait === true || clientOf === null) {
            return;
        }
        const began = Date.now();
        let busy = false;
        const own = setInterval(() => {
            if (busy) {
                return;
            }
            busy = true;
            // Once the release is done (or waits again), a look already under way reads nothing more
            // and logs nothing: `stop` does not wait for it.
            const current = () => timer === own;
            const client = clientOf();
            const guarded: KubeReader = {
                get: (apiPath, opts) =>
                    current() ? client.get(apiPath, opts) : Promise.reject(new Error("the release is done")),
            };
            void (async () => {
                try {
                    const report = await diagnose(target, { client: guarded });
                    if (!current()) {
                        return;
                    }
                    await pulumi.log.info(progressLine(report, (Date.now() - began) / 1000), resource());
                } catch {
                    // The cluster or the engine cannot be reached right now: no progress line this time.
                } finally {
                    busy = false;
                }
            })();
        }, every);
        timer = own;
        // Never keep the program alive for the poller.
        own.unref();
    };
    const explain = new pulumi.ErrorHook(`${name}-explain`, async (args) => {
        stop();
        if (args.failedOperation !== "create" && args.failedOperation !== "update") {
            return false;
        }
        const target = targetOfReleaseInputs(args.newInputs);
        if (target === undefined) {
            return false;
        }
        if (clientOf === null) {
            void pulumi.log.warn(
                `the release uses a Kubernetes provider passed in by the program, which the program cannot read back; run the doctor with that cluster's kubeconfig (npm run doctor -- --stack ${pulumi.getStack()} --kubeconfig FILE) to see why`,
                resource(),
            );
            return false;
        }
        try {
            const recoverCommand = `npm run recover -- --stack ${pulumi.getStack()}`;
            const report = await diagnose({ ...target, recoverCommand }, { client: clientOf() });
            // Not awaited: the engine answers log calls after the hook returns.
            void pulumi.log.error(failureExplanation(report, pulumi.getStack()), resource());
        } catch (err) {
            void pulumi.log.warn(`could not examine the cluster to explain the failure: ${String(err)}`, resource());
        }
        return false;
    });
    const done = new pulumi.ResourceHook(`${name}-wait-done`, stop);
    return {
        beforeCreate: [new pulumi.ResourceHook(`${name}-wait-progress`, start)],
        beforeUpdate: [new pulumi.ResourceHook(`${name}-wait-progress-update`, start)],
        afterCreate: [done],
        afterUpdate: [done],
        onError: [explain],
    };
}
