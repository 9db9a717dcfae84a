// Where the agent's release comes from, beyond pinning (release.ts): no image that floats (any tag
// other than a full version, unless digest-pinned) and no chart fetched over plain http://; and the
// prod risks the stack acknowledged (recorded in the release description), reported as advisory.
import { floatingTagProblem, parseImageRef, unpinnedImageProblem } from "../../schema/pins";
import { parseAcceptedRisks } from "../../schema/riskRecord";
import type { ResourceRule, RuleInput } from "../lib/rules";
import { asRecord, asString, formatPath } from "../lib/values";
import { imageReferences } from "./release";

/** The `acceptRisks` ids of these two rules (config/risks.ts; a unit test holds them to the enum). */
export const FLOATING_IMAGE_RISK = "floatingImageTag";
export const PLAIN_HTTP_CHART_RISK = "plainHttpChartRepo";

function accepts(props: RuleInput["props"], risk: string): boolean {
    return parseAcceptedRisks(props.description).some((a) => a.risk === risk);
}

/** No image in the values floats (a missing tag and `latest` are chart-and-images-pinned's). */
export const imagesNotFloating: ResourceRule = ({ props }: RuleInput) => {
    if (accepts(props, FLOATING_IMAGE_RISK)) {
        return [];
    }
    return imageReferences(props.values).flatMap(({ path, ref }) => {
        const parsed = parseImageRef(ref);
        const problem =
            parsed === undefined || unpinnedImageProblem(parsed) !== undefined ? undefined : floatingTagProblem(parsed);
        return problem === undefined
            ? []
            : [
                  `${formatPath("values", path)} '${ref}' ${problem}: the registry can move it; pin a full version or a digest (or acknowledge with astro-agent:acceptRisks [${FLOATING_IMAGE_RISK}])`,
              ];
    });
};

/** The chart is not fetched over plain http:// (repository URL or chart URL). */
export const chartOverHttps: ResourceRule = ({ props }: RuleInput) => {
    if (accepts(props, PLAIN_HTTP_CHART_RISK)) {
        return [];
    }
    return [
        ["repositoryOpts.repo", asString(asRecord(props.repositoryOpts)?.repo)],
        ["chart", asString(props.chart)],
    ].flatMap(([key, url]) =>
        url !== undefined && /^http:\/\//i.test(url)
            ? [
                  `${key} '${url}' fetches the chart over plain http://, so anyone on the path can replace it; use https:// or oci:// (or acknowledge with astro-agent:acceptRisks [${PLAIN_HTTP_CHART_RISK}])`,
              ]
            : [],
    );
};

/** Each prod risk the stack acknowledged (advisory: it is known, not hidden). */
export const acceptedRisksRecorded: ResourceRule = ({ props }: RuleInput) =>
    parseAcceptedRisks(props.description).map(
        (a) => `the stack acknowledges the prod risk '${a.risk}' (astro-agent:acceptRisks) at ${a.keys.join(", ")}`,
    );
