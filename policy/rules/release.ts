// The agent's Helm release: its values are stored in plain text (Helm's release Secret, Pulumi state,
// the chartValues output), so they must name Secrets, never hold secret material. The detector is the
// one config validation and the release guard use (config/credentials.ts).
import { guardChartValues, type PodSecurityLevel } from "../../chart/podGuard";
import { findCredentials } from "../../config/credentials";
import { EXACT_CHART_VERSION, parseImageRef, unpinnedImageProblem } from "../../schema/pins";
import type { ResourceRule, RuleInput } from "../lib/rules";
import { asRecord, asString, at, formatPath } from "../lib/values";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** Chart values that make the chart create a Secret from an inline value, and the reference to use instead. */
export const INLINE_SECRET_VALUES: readonly { path: string[]; what: string; instead: string }[] = [
    { path: ["agentToken"], what: "an inline agent token", instead: "agentTokenSecretName" },
    { path: ["imagePullSecretData"], what: "inline registry credentials", instead: "imagePullSecretName" },
    { path: ["openLineage", "apiKey"], what: "an inline OpenLineage API key", instead: "openLineage.apiKeySecret" },
];

const PLAIN_TEXT = "chart values are stored in plain text (Helm's release Secret, Pulumi state)";

/** No secret material in the release's values: inline secret keys, or anything credential-shaped. */
export const releaseValuesSecretFree: ResourceRule = ({ props }: RuleInput) => {
    const values: unknown = props.values;
    const problems: string[] = [];
    const inline = new Set<string>();
    for (const key of INLINE_SECRET_VALUES) {
        inline.add(key.path.join("."));
        const v = at(values, key.path);
        if (v !== undefined && v !== null && v !== "") {
            problems.push(
                `${formatPath("values", key.path)} holds ${key.what}: ${PLAIN_TEXT}; name a Kubernetes Secret with ${formatPath("values", key.instead.split("."))} instead`,
            );
        }
    }
    for (const found of findCredentials(values, [])) {
        if (!inline.has(found.path.join("."))) {
            problems.push(
                `${formatPath("values", found.path)} holds ${found.kind}: ${PLAIN_TEXT}; keep it in a Secret or the secrets backend and pass only its name`,
            );
        }
    }
    return problems;
};

/** Every image reference in chart values (`image: "<ref>"` or `image: {repository, tag, digest}`), with its path. */
export function imageReferences(
    value: unknown,
    path: (string | number)[] = [],
): { path: (string | number)[]; ref: string }[] {
    if (Array.isArray(value)) {
        return value.flatMap((v: unknown, i) => imageReferences(v, [...path, i]));
    }
    const obj = asRecord(value);
    if (obj === undefined) {
        return [];
    }
    return Object.entries(obj).flatMap(([key, v]) => {
        if (key === "image") {
            const ref = asString(v);
            if (ref !== undefined) {
                return [{ path: [...path, key], ref }];
            }
            const parts = asRecord(v);
            const repository = asString(parts?.repository);
            if (repository !== undefined) {
                const tag = asString(parts?.tag);
                const digest = asString(parts?.digest);
                return [
                    {
                        path: [...path, key],
                        ref: `${repository}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`,
                    },
                ];
            }
        }
        return imageReferences(v, [...path, key]);
    });
}

/** A chart given as a local directory or archive (pinned by the files themselves). */
function isLocalChart(chart: string, repo: string | undefined): boolean {
    return (
        repo === undefined &&
        !chart.startsWith("oci://") &&
        (chart.startsWith("/") || chart.startsWith("./") || chart.startsWith("../") || chart.endsWith(".tgz"))
    );
}

/** The chart version is exact (repository and OCI charts) and every image in the values is pinned. */
export const chartAndImagesPinned: ResourceRule = ({ props }: RuleInput) => {
    const problems: string[] = [];
    const chart = asString(props.chart) ?? "";
    const version = asString(props.version) ?? "";
    const repo = asString(asRecord(props.repositoryOpts)?.repo);
    if (version === "" && !isLocalChart(chart, repo)) {
        problems.push(
            `chart '${chart}' has no version, so the release follows whatever the repository serves next; pin the exact version (astro-agent:chart.version)`,
        );
    } else if (version !== "" && !EXACT_CHART_VERSION.test(version.replace(/^v/, ""))) {
        problems.push(
            `chart version '${version}' is a range, not an exact version (major.minor.patch); pin the exact version (astro-agent:chart.version)`,
        );
    }
    if (props.devel === true) {
        problems.push("devel: true lets Helm pick pre-release chart versions; remove it");
    }
    for (const { path, ref } of imageReferences(props.values)) {
        const parsed = parseImageRef(ref);
        const problem = parsed === undefined ? "is not a valid image reference" : unpinnedImageProblem(parsed);
        if (problem !== undefined) {
            problems.push(`${formatPath("values", path)} '${ref}' ${problem}`);
        }
    }
    return problems;
};

/**
 * The pods the chart builds from the release's final values pass the Pod Security Standards at
 * `level`: the same guard config validation runs (chart/podGuard.ts), here over what Helm is given.
 */
export function releasePodsPodSecurity(level: PodSecurityLevel): ResourceRule {
    return ({ props }: RuleInput) => {
        const values = asRecord(props.values);
        if (values === undefined) {
            return [];
        }
        return guardChartValues(values, level).map((f) => `${formatPath("values", f.at)}: ${f.message}`);
    };
}
