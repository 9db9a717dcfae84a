// What "pinned" means for a chart version and an image reference: one definition, used by config
// validation and by the policy pack (which loads it without the config's dependencies).

/** An exact chart version: major.minor.patch with an optional pre-release, no ranges. */
export const EXACT_CHART_VERSION = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;

const IMAGE_REF =
    /^(?<name>[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z_0-9][A-Za-z0-9._-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Splits an image reference into repository, tag and digest; undefined when it is not a valid reference. */
export function parseImageRef(ref: string): { repository: string; tag?: string; digest?: string } | undefined {
    const m = IMAGE_REF.exec(ref);
    if (!m?.groups?.name) {
        return undefined;
    }
    return {
        repository: m.groups.name,
        ...(m.groups.tag ? { tag: m.groups.tag } : {}),
        ...(m.groups.digest ? { digest: m.groups.digest } : {}),
    };
}

/** Why an image reference is not pinned (no tag or digest, or `latest` without a digest); undefined when it is. */
export function unpinnedImageProblem(ref: {
    tag?: string | undefined;
    digest?: string | undefined;
}): string | undefined {
    if (ref.tag === undefined && ref.digest === undefined) {
        return "must pin a tag or digest (for example ':3.2-5-python-3.14-astro-agent-1.7.1')";
    }
    if (ref.tag === "latest" && ref.digest === undefined) {
        return "must not use the floating tag 'latest'; pin a fixed tag or a digest";
    }
    return undefined;
}

/** A full `major.minor.patch` version anywhere in a tag (`1.7.1`, `0.45.0-debian`, `…-astro-agent-1.7.1`). */
const FULL_VERSION = /(^|[^0-9.])[0-9]+\.[0-9]+\.[0-9]+([^0-9.]|$)/;

/**
 * Why an image reference floats (can point at another image tomorrow); undefined when it is fixed.
 * Fixed means a digest, or a tag that names a full `major.minor.patch` version: registries move
 * `latest`, branch and channel tags (`main`, `stable`) and partial versions (`3`, `3.1`) by design,
 * while a full version is by convention published once.
 */
export function floatingTagProblem(ref: { tag?: string | undefined; digest?: string | undefined }): string | undefined {
    if (ref.digest !== undefined) {
        return undefined;
    }
    if (ref.tag === undefined) {
        return "has no tag or digest";
    }
    return FULL_VERSION.test(ref.tag)
        ? undefined
        : `uses the floating tag '${ref.tag}' (no digest, no full major.minor.patch version)`;
}
