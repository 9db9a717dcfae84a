// Resource options every cloud backend gives its children: one parent, the provider it was handed or
// created, and prod retention for data stores. Built once per backend component.
import type * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../../../backends/shared/stores";
import type { AgentServiceAccountRef, BackendContext } from "../../../backends/types";
import { retentionMarker } from "../../retention";

/**
 * Tags/labels every cloud puts on what it creates. `separator` joins the prefix key: AWS allows
 * `astro-agent/prefix`; Azure tag names may not contain `/`, so it uses `-`.
 */
export function agentTags(resourceNamePrefix: string, separator: "/" | "-"): Record<string, string> {
    return {
        "managed-by": "pulumi",
        application: "astro-remote-execution-agent",
        [`astro-agent${separator}prefix`]: resourceNamePrefix,
    };
}

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
    return scopeWith(args, parent, provider);
}

function scopeWith(
    args: { name: string; environment: Environment; tags: Record<string, string> },
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource | undefined,
): BackendScope {
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

/** Args of every cloud backend component: its `backend` block and where the agent runs. */
export interface CloudBackendArgs<C> {
    /** The parsed `backend` block. */
    config: C;
    /** Namespace of the agent's ServiceAccounts (part of every identity subject): a string or an Output. */
    namespace: pulumi.Input<string>;
    /** The exact ServiceAccounts to bind. */
    serviceAccounts: AgentServiceAccountRef[];
    /** Prefix of the cloud-wide names the backend derives. */
    resourceNamePrefix: string;
    /** prod retains the data stores on destroy. */
    environment: Environment;
    /** The `caBundle` file every pod mounts, when set. */
    caBundleFile?: string;
}

/** The args of a cloud backend component, from the agent's context. */
export function cloudBackendArgs<C>(config: C, ctx: BackendContext): CloudBackendArgs<C> {
    return {
        config,
        namespace: ctx.namespaceName,
        serviceAccounts: ctx.serviceAccounts,
        resourceNamePrefix: ctx.resourceNamePrefix,
        environment: ctx.environment,
        ...(ctx.caBundleFile === undefined ? {} : { caBundleFile: ctx.caBundleFile }),
    };
}

/**
 * The scope of a cloud backend component: the `<pkg>` provider that came down the parent chain
 * (`providers: [...]`), else the one `newProvider` creates as its child; and the agent's tags, the prefix
 * under `astro-agent<separator>prefix` (clouds differ in which characters a tag key may hold).
 */
export function cloudBackendScope(
    component: pulumi.ComponentResource,
    args: {
        name: string;
        environment: Environment;
        pkg: string;
        newProvider: (opts: pulumi.CustomResourceOptions) => pulumi.ProviderResource;
        /** Joins the prefix tag key (`astro-agent/prefix`; `-` where a cloud forbids `/`). */
        tagSeparator: "/" | "-";
        resourceNamePrefix: string;
    },
): BackendScope {
    const explicit = component.getProvider(`${args.pkg}::`);
    return backendScope({
        parent: component,
        name: args.name,
        environment: args.environment,
        provider: explicit ? undefined : args.newProvider({ parent: component }),
        tags: agentTags(args.resourceNamePrefix, args.tagSeparator),
    });
}
