// The type tokens the components register under: `astro-remote-agent:index:<Name>`, the npm and component
// package name (component/PulumiPlugin.yaml), so the facade and every component share one prefix.
// SDK-free, so the policy pack and the scripts can match on it.
import type * as pulumi from "@pulumi/pulumi";

/** The package every component belongs to (npm package, component package, type-token prefix). */
export const PACKAGE_NAME = "astro-remote-agent";

/** Prefix of every component's type token. */
export const COMPONENT_TYPE_PREFIX = `${PACKAGE_NAME}:index:`;

/**
 * The prefix the components registered under in 0.1 (`astro-agent:index:<Name>`). Every renamed
 * component aliases its old type, so stacks deployed then keep their resources (the engine carries a
 * parent's aliases to its children).
 */
export const LEGACY_COMPONENT_TYPE_PREFIX = "astro-agent:index:";

/** The type token of a component: `astro-remote-agent:index:<name>`. */
export function componentType(name: string): string {
    return `${COMPONENT_TYPE_PREFIX}${name}`;
}

/** `opts` plus an alias to the component's legacy type, after any aliases the caller gave. */
export function withLegacyAlias(
    name: string,
    opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.ComponentResourceOptions {
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type: `${LEGACY_COMPONENT_TYPE_PREFIX}${name}` }] };
}
