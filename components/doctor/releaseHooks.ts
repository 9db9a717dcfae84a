// The Helm release's wait, explained: resource hooks on the `helm.v3.Release` that (1) while Helm
// waits, log which components are ready every few seconds, and (2) when the install or upgrade
// fails, run the doctor and log the failing pods, their causes and the config keys that fix them.
//
// What the engine allows (Pulumi 3.248): hooks cannot change the provider's error text, so the
// explanation is a second error diagnostic on the release, printed next to Helm's message. Hooks run
// in the program process, so they reach the cluster through the stack's `kubernetes:kubeconfig` /
// `kubernetes:context` config or `$KUBECONFIG` (not through an explicit provider's kubeconfig).
import * as pulumi from "@pulumi/pulumi";
import { diagnose, type DiagnoseTarget } from "./index";
import { formatReport } from "./format";
import { KubeClient, type KubeReader } from "./kube";
import type { DoctorReport } from "./types";

/** Seconds between progress lines while Helm waits. */
export const PROGRESS_INTERVAL_SECONDS = 20;

/** The doctor target of a Release's inputs (`values`, `namespace`), or undefined when they are not plain. */
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
    return { agent: typeof inputs?.name === "string" ? inputs.name : namespace, chartValues: v, namespace };
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

/** A client from the stack's kubernetes provider config, else the current kubeconfig. */
export function programKubeClient(): KubeReader {
    const k8s = new pulumi.Config("kubernetes");
    const kubeconfig = k8s.get("kubeconfig");
    const context = k8s.get("context");
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
    /** The cluster client. Default {@link programKubeClient}. */
    client?: () => KubeReader;
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
    const clientOf = options.client ?? programKubeClient;
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
        if (target === undefined || args.newInputs?.skipAwait === true) {
            return;
        }
        const began = Date.now();
        let busy = false;
        timer = setInterval(() => {
            if (busy) {
                return;
            }
            busy = true;
            void (async () => {
                try {
                    const report = await diagnose(target, { client: clientOf() });
                    await pulumi.log.info(progressLine(report, (Date.now() - began) / 1000), resource());
                } catch {
                    // The cluster or the engine cannot be reached right now: no progress line this time.
                } finally {
                    busy = false;
                }
            })();
        }, every);
        // Never keep the program alive for the poller.
        timer.unref();
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
        try {
            const report = await diagnose(target, { client: clientOf() });
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
