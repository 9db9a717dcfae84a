// Starts the stack's default Kubernetes provider while the program is still building its resources.
//
// The engine starts a provider when the first request needs it. For this program that was the
// Namespace's registration, sent only once the whole program had been built (its JavaScript runs
// without yielding), and starting the provider (spawning it, configuring it) then took ~90 ms more
// than any other registration, with every Kubernetes resource waiting behind it (docs/performance.md).
// An invoke the provider answers without the cluster (`kubernetes:yaml:decode` of an empty document),
// sent as soon as the config is valid, starts it while the components are constructed. It goes to the
// default provider at the version @pulumi/kubernetes registers its resources with, the provider those
// resources use, so nothing new appears in the plan or the state; its answer is not used and its
// failure is ignored (a provider that cannot start fails the resources, with its own message).
import * as pulumi from "@pulumi/pulumi";

/** The warm-up request: the invoke's token, arguments and options. */
export function warmupRequest(): { token: string; args: { text: string }; opts: pulumi.InvokeOptions } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed SDK's own version, read as it reads it
    const { version } = require("@pulumi/kubernetes/package.json") as { version: string };
    return {
        token: "kubernetes:yaml:decode",
        args: { text: "" },
        opts: { version: version.replace(/^v/, ""), async: true },
    };
}

/**
 * Sends the warm-up invoke and yields once, so that the request leaves before the program goes on
 * building its (synchronous) components. Only for a program whose Kubernetes resources use the
 * default provider.
 */
export async function startDefaultKubernetesProvider(): Promise<void> {
    const { token, args, opts } = warmupRequest();
    pulumi.runtime.invoke(token, args, opts).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
}
