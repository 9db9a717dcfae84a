// How a stack's accepted prod risks are recorded on its Helm release (`description`, also shown by
// `helm history`), so that `npm run preview:summary` and the policy pack can read them back. No
// dependencies: the policy pack loads it.

/** The description's prefix. */
export const ACCEPTED_RISKS_PREFIX = "astro-agent accepted risks: ";

/** One accepted risk and the config keys that take it. */
export interface AcceptedRisk {
    risk: string;
    keys: string[];
}

/** The release description recording `accepted` (undefined when none: the release gets no description). */
export function acceptedRisksDescription(accepted: readonly AcceptedRisk[]): string | undefined {
    return accepted.length === 0
        ? undefined
        : `${ACCEPTED_RISKS_PREFIX}${accepted.map((a) => `${a.risk} (${a.keys.join(", ")})`).join("; ")}`;
}

/** The accepted risks a release description records (none when it is not such a record). */
export function parseAcceptedRisks(description: unknown): AcceptedRisk[] {
    if (typeof description !== "string" || !description.startsWith(ACCEPTED_RISKS_PREFIX)) {
        return [];
    }
    return description
        .slice(ACCEPTED_RISKS_PREFIX.length)
        .split("; ")
        .map((entry) => {
            const m = /^([A-Za-z]+) \((.*)\)$/.exec(entry);
            return m === null ? { risk: entry, keys: [] } : { risk: m[1] ?? "", keys: (m[2] ?? "").split(", ") };
        });
}
