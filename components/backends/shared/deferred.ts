// A cloud backend's factory that loads the backend's component module (and with it the cloud SDK) on
// first use, so the registry and a stack with another backend never load that SDK.
import type { BackendContext, BackendContribution } from "../../../backends/types";

/**
 * A backend factory (components/backends/create.ts): `load` requires the component module
 * (for example the AWS backend folder, with a lazy require), `create` builds the component from it.
 */
export function deferredCreate<M, C>(
    load: () => M,
    create: (module: M, backend: C, ctx: BackendContext) => BackendContribution,
): (backend: C, ctx: BackendContext) => BackendContribution {
    return (backend, ctx) => create(load(), backend, ctx);
}
