// The chart source line `npm run render` prints, for a reviewer who checks the chart offline.

/**
 * Where the release's chart comes from, as the release is given it (local path, OCI reference, or
 * repository + version), with the Helm command that fetches the same chart for an offline review.
 */
export function chartSourceLine(inputs: Record<string, unknown>): string {
    const chart = String(inputs.chart);
    const version = typeof inputs.version === "string" ? inputs.version : undefined;
    const repoOpts = inputs.repositoryOpts as { repo?: unknown } | undefined;
    const repo = typeof repoOpts?.repo === "string" ? repoOpts.repo : undefined;
    const v = version === undefined ? "" : ` --version ${version}`;
    if (repo !== undefined) {
        return `# Chart source: ${chart} ${version ?? "(no version)"} from ${repo} (fetch it: helm pull ${chart} --repo ${repo}${v})`;
    }
    if (chart.startsWith("oci://")) {
        return `# Chart source: OCI ${chart} ${version ?? "(no version)"} (fetch it: helm pull ${chart}${v})`;
    }
    return `# Chart source: local chart ${chart} (inspect it: helm show chart ${chart})`;
}
