// Creates the backend's resources from the parsed `backend` block: one factory per kind, next to the
// components it builds (the SDK-free descriptors the config validates with are in backends/). A cloud
// factory loads its component, and with it the cloud SDK, on first use, so a stack with another
// backend never loads that SDK (tests/unit/lazy-sdk.test.ts).
import type { BackendConfig } from "../../backends/registry";
import type { BackendContext, BackendContribution } from "../../backends/types";
import { cloudComponents } from "./cloudComponents";
import { externalContribution } from "./external";
import { LocalBackend } from "./local";
import { cloudBackendArgs } from "./shared";

type Factory<K extends BackendConfig["kind"]> = (
    backend: Extract<BackendConfig, { kind: K }>,
    ctx: BackendContext,
) => BackendContribution;

const FACTORIES: { [K in BackendConfig["kind"]]: Factory<K> } = {
    local: (backend, ctx) =>
        new LocalBackend(
            `${ctx.name}-local`,
            {
                config: backend,
                namespace: ctx.namespace,
                resourceNamePrefix: ctx.resourceNamePrefix,
                labels: ctx.labels,
            },
            { parent: ctx.parent },
        ).contribution,
    external: (backend) => externalContribution(backend),
    aws: (backend, ctx) =>
        new (cloudComponents.aws().AwsBackend)(`${ctx.name}-aws`, cloudBackendArgs(backend, ctx), {
            parent: ctx.parent,
        }).contribution,
    azure: (backend, ctx) =>
        new (cloudComponents.azure().AzureBackend)(`${ctx.name}-azure`, cloudBackendArgs(backend, ctx), {
            parent: ctx.parent,
        }).contribution,
    gcp: (backend, ctx) =>
        new (cloudComponents.gcp().GcpBackend)(`${ctx.name}-gcp`, cloudBackendArgs(backend, ctx), {
            parent: ctx.parent,
        }).contribution,
    vault: (backend, ctx) =>
        new (cloudComponents.vault().VaultBackend)(`${ctx.name}-vault`, cloudBackendArgs(backend, ctx), {
            parent: ctx.parent,
        }).contribution,
};

/** Creates the resources of the backend a parsed `backend` block selects and returns what the chart needs. */
export function createBackend(backend: BackendConfig, ctx: BackendContext): BackendContribution {
    return (FACTORIES[backend.kind] as Factory<BackendConfig["kind"]>)(backend, ctx);
}
