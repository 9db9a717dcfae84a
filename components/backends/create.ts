// Creates the backend's resources from the parsed `backend` block: one factory per kind, next to the
// components it builds (the SDK-free descriptors the config validates with are in backends/). A cloud
// factory loads its component, and with it the cloud SDK, on first use, so a stack with another
// backend never loads that SDK (tests/unit/lazy-sdk.test.ts).
import type { BackendConfig } from "../../backends/registry";
import type { BackendContext, BackendContribution } from "../../backends/types";
import type * as aws from "./aws";
import type * as azure from "./azure";
import { externalContribution } from "./external";
import type * as gcp from "./gcp";
import { LocalBackend } from "./local";
import { cloudBackendArgs, deferredCreate } from "./shared";
import type * as vault from "./vault";

type Factory<K extends BackendConfig["kind"]> = (
    backend: Extract<BackendConfig, { kind: K }>,
    ctx: BackendContext,
) => BackendContribution;

/* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose: see the file comment */
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
    aws: deferredCreate(
        () => require("./aws") as typeof aws,
        (m, backend, ctx) =>
            new m.AwsBackend(`${ctx.name}-aws`, cloudBackendArgs(backend, ctx), { parent: ctx.parent }).contribution,
    ),
    azure: deferredCreate(
        () => require("./azure") as typeof azure,
        (m, backend, ctx) =>
            new m.AzureBackend(
                `${ctx.name}-azure`,
                {
                    config: backend,
                    namespace: ctx.namespaceName,
                    serviceAccounts: ctx.serviceAccounts,
                    resourceNamePrefix: ctx.resourceNamePrefix,
                    environment: ctx.environment,
                },
                { parent: ctx.parent },
            ).contribution,
    ),
    gcp: deferredCreate(
        () => require("./gcp") as typeof gcp,
        (m, backend, ctx) =>
            new m.GcpBackend(`${ctx.name}-gcp`, cloudBackendArgs(backend, ctx), { parent: ctx.parent }).contribution,
    ),
    vault: deferredCreate(
        () => require("./vault") as typeof vault,
        (m, backend, ctx) =>
            new m.VaultBackend(`${ctx.name}-vault`, cloudBackendArgs(backend, ctx), { parent: ctx.parent })
                .contribution,
    ),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Creates the resources of the backend a parsed `backend` block selects and returns what the chart needs. */
export function createBackend(backend: BackendConfig, ctx: BackendContext): BackendContribution {
    return (FACTORIES[backend.kind] as Factory<BackendConfig["kind"]>)(backend, ctx);
}
