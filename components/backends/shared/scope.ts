// Resource options every cloud backend gives its children: one parent, the provider it was handed or
// created, and prod retention for data stores. Built once per backend component.
import type * as pulumi from "@pulumi/pulumi";
import type { AgentServiceAccountRef, BackendContext } from "../types";

/** Environment of the stack: `prod` keeps data stores on destroy. */
export type Environment = "dev" | "prod";

/** Where a backend's children go and how they are created. */
export interface BackendScope {
    /** Logical-name prefix of every child (the backend component's name). */
    name: string;
    environment: Environment;
    /** Options of ordinary children: the backend component as parent, and its provider. */
    child: pulumi.CustomResourceOptions;
    /** Options of data stores (buckets, keys): `child` plus `retainOnDelete` in prod. */
    retained: pulumi.CustomResourceOptions;
    /** Options of data-source lookups (invokes). */
    invoke: pulumi.InvokeOutputOptions;
    /** Cloud tags/labels for every child that takes them. */
    tags: Record<string, string>;
}

/** Data stores survive `pulumi destroy` in prod, so a destroyed stack never takes the data with it. */
export function retainsDataStores(environment: Environment): boolean {
    return environment === "prod";
}

/** Default soft-delete window of a seeded secret: 30 days in prod, immediate deletion in dev. */
export function secretRecoveryDays(configured: number | undefined, environment: Environment): number {
    return configured ?? (retainsDataStores(environment) ? 30 : 0);
}

/**
 * The scope of a backend component. `provider` is the one the backend created when none came down the
 * parent chain; when it is undefined the children inherit the parent's provider.
 */
export function backendScope(args: {
    parent: pulumi.Resource;
    name: string;
    environment: Environment;
    provider?: pulumi.ProviderResource | undefined;
    tags: Record<string, string>;
}): BackendScope {
    const { parent, provider } = args;
    const child: pulumi.CustomResourceOptions = provider === undefined ? { parent } : { parent, provider };
    return {
        name: args.name,
        environment: args.environment,
        child,
        retained: { ...child, retainOnDelete: retainsDataStores(args.environment) },
        invoke: provider === undefined ? { parent } : { parent, provider },
        tags: args.tags,
    };
}

/**
 * The scope of a backend component for one cloud package: its children use the provider passed down
 * the parent chain (`providers: [...]`) when there is one, else the one `create` makes (parented to
 * the component).
 */
export function providerScope(
    component: pulumi.ComponentResource,
    pkg: string,
    create: () => pulumi.ProviderResource,
    args: { name: string; environment: Environment; tags: Record<string, string> },
): BackendScope {
    const explicit = component.getProvider(`${pkg}::`);
    return backendScope({ parent: component, ...args, provider: explicit === undefined ? create() : undefined });
}

/** What every cloud backend component is built from: its config block and the agent's identity context. */
export interface CloudBackendArgs<C> {
    /** The parsed `backend` block. */
    config: C;
    /** Namespace of the agent's ServiceAccounts (part of every identity binding). */
    namespace: string;
    /** The exact ServiceAccounts to bind. */
    serviceAccounts: AgentServiceAccountRef[];
    /** Prefix of default names. */
    resourceNamePrefix: string;
    /** prod keeps data stores on destroy. */
    environment: Environment;
}

/** The component args of a cloud backend, from `create()`'s config and context. */
export function cloudBackendArgs<C>(config: C, ctx: BackendContext): CloudBackendArgs<C> {
    return {
        config,
        namespace: ctx.namespaceName,
        serviceAccounts: ctx.serviceAccounts,
        resourceNamePrefix: ctx.resourceNamePrefix,
        environment: ctx.environment,
    };
}
