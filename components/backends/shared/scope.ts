// Resource options every cloud backend gives its children: one parent, the provider it was handed or
// created, and prod retention for data stores. Built once per backend component.
import type * as pulumi from "@pulumi/pulumi";
import { retentionMarker } from "../../retention";

/** Environment of the stack: `prod` keeps data stores on destroy. */
export type Environment = "dev" | "prod";

/** Where a backend's children go and how they are created. */
export interface BackendScope {
    /** Logical-name prefix of every child (the backend component's name). */
    name: string;
    environment: Environment;
    /** Options of ordinary children: the backend component as parent, and its provider. */
    child: pulumi.CustomResourceOptions;
    /** Options of data stores (buckets, keys): `child` plus `retainOnDelete` in prod; tag them with `retainedTags`. */
    retained: pulumi.CustomResourceOptions;
    /** Options of data-source lookups (invokes). */
    invoke: pulumi.InvokeOutputOptions;
    /** Cloud tags/labels for every child that takes them. */
    tags: Record<string, string>;
    /** Tags/labels of data stores: `tags` plus the retention marker when `retained` keeps them (prod). */
    retainedTags: Record<string, string>;
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
    const retain = retainsDataStores(args.environment);
    return {
        name: args.name,
        environment: args.environment,
        child,
        retained: { ...child, retainOnDelete: retain },
        invoke: provider === undefined ? { parent } : { parent, provider },
        tags: args.tags,
        retainedTags: { ...args.tags, ...retentionMarker(retain) },
    };
}
