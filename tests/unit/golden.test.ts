// Every stack file of the repository (the example stacks at the root and the fixture stacks) renders
// the chart values and the resource plan recorded in tests/fixtures/golden, byte for byte: a refactor
// that changes what Helm would be given, or which resources exist under which names, fails here. The
// files were written by `npm run render -- --stack NAME --out …` before the change they guard; when a
// change is meant to alter them, regenerate with that command and explain the diff in the commit.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import agentProgram from "../../index";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";

const ROOT = path.join(__dirname, "..", "..");
const GOLDEN = path.join(ROOT, "tests", "fixtures", "golden");
const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** stack name, stack file (undefined: the root's Pulumi.<stack>.yaml), fleet cluster (undefined: single). */
const CASES: [string, string | undefined, string | undefined][] = [
    ["dev", undefined, undefined],
    ["prod", undefined, undefined],
    ["azure", undefined, undefined],
    ["gcp", undefined, undefined],
    ["vault", undefined, undefined],
    ["aws-dr", "tests/fixtures/stacks/Pulumi.aws-dr.yaml", undefined],
    ["webinar-eks", "tests/fixtures/stacks/Pulumi.webinar-eks.yaml", undefined],
    ["openshift", "tests/fixtures/stacks/Pulumi.openshift.yaml", undefined],
    ["tenant-proxy", "tests/fixtures/stacks/Pulumi.tenant-proxy.yaml", undefined],
    ["fleet-dr", "tests/fixtures/stacks/Pulumi.fleet-dr.yaml", "primary"],
    ["fleet-dr", "tests/fixtures/stacks/Pulumi.fleet-dr.yaml", "dr"],
];

function planRows(resources: readonly RecordedResource[]): string[] {
    return resources.map((r) =>
        [r.type + (r.readId === undefined ? "" : " (read)"), r.name, r.parent ?? "-"].join(" "),
    );
}

describe("golden: every stack file renders the recorded chart values and plan", () => {
    for (const [stack, file, cluster] of CASES) {
        const id = cluster === undefined ? stack : `${stack}.${cluster}`;
        it(`${id}: values and plan as recorded`, async () => {
            const stackFile = readStackFile(ROOT, stack, file === undefined ? undefined : path.join(ROOT, file));
            const { resources } = await runUnderMocks({ ...stackFile, program: agentProgram });
            const releases = resources.filter((r) => r.type === RELEASE_TYPE);
            const release =
                cluster === undefined ? releases[0] : releases.find((r) => r.name === `astro-agent-${cluster}-release`);
            assert.ok(release !== undefined, `no release for ${id}: ${releases.map((r) => r.name).join(", ")}`);
            const values = stringify(release.inputs.values, { lineWidth: 0 });
            assert.equal(values, fs.readFileSync(path.join(GOLDEN, `${id}.values.yaml`), "utf8"));
            const recorded = fs
                .readFileSync(path.join(GOLDEN, `${id}.plan.txt`), "utf8")
                .split("\n")
                .filter((l) => l.trim() !== "")
                .map((l) =>
                    l
                        .trim()
                        .split(/\s{2,}/)
                        .join(" "),
                );
            assert.deepEqual(planRows(resources), recorded);
        });
    }
});
