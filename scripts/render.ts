// `npm run render -- --stack NAME [--stack-file FILE] [--out FILE] [--cluster NAME]`
// Evaluates the real program offline (Pulumi mock runtime: no credentials, no cluster) and prints the
// chart values as YAML, usable as-is with `helm install -f`, followed by the resource plan as YAML
// comments, after the chart source (repository + version, OCI reference or local path). With --out the
// values go to FILE and the chart source and plan to stdout. Bad config: errors on stderr, exit 1.
// A stack with several `clusters` renders the values of the one named by --cluster.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { componentType } from "../components/typeTokens";
import { parseAcceptedRisks } from "../schema/riskRecord";
import type { RecordedResource } from "./lib/mockRun";
import { chartSourceLine } from "./lib/chartSourceLine";
import { readStackFile, StackFileError } from "./lib/stackFile";

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

function containsSecret(v: unknown, isSecret: (v: unknown) => boolean): boolean {
    if (isSecret(v)) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some((x) => containsSecret(x, isSecret));
    }
    return v !== null && typeof v === "object" && Object.values(v).some((x) => containsSecret(x, isSecret));
}

/** The plan as aligned `type name parent` rows. */
export function formatPlan(resources: readonly RecordedResource[]): string[] {
    const rows = resources.map((r) => [r.type + (r.readId === undefined ? "" : " (read)"), r.name, r.parent ?? "-"]);
    const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
    return rows.map(
        (row) => `${(row[0] ?? "").padEnd(widths[0] ?? 0)}  ${(row[1] ?? "").padEnd(widths[1] ?? 0)}  ${row[2] ?? ""}`,
    );
}

async function main(): Promise<number> {
    const { values: args } = parseArgs({
        options: {
            stack: { type: "string" },
            "stack-file": { type: "string" },
            out: { type: "string" },
            "project-dir": { type: "string" },
            cluster: { type: "string" },
        },
        allowPositionals: false,
    });
    if (args.stack === undefined) {
        process.stderr.write("usage: npm run render -- --stack NAME [--stack-file FILE] [--out FILE]\n");
        return 2;
    }
    const projectDir = path.resolve(args["project-dir"] ?? path.join(__dirname, ".."));
    let stackFile;
    try {
        stackFile = readStackFile(projectDir, args.stack, args["stack-file"]);
    } catch (err) {
        if (err instanceof StackFileError) {
            process.stderr.write(`${err.message}\n`);
            return 1;
        }
        throw err;
    }
    // The program and the Pulumi SDK load only now: a usage or stack-file error answers at once.
    /* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose, see above */
    const { isSecretWrapper, runUnderMocks } = require("./lib/mockRun") as typeof import("./lib/mockRun");
    const agentProgram = require("../index") as typeof import("../index");
    /* eslint-enable @typescript-eslint/no-require-imports */
    let result;
    try {
        result = await runUnderMocks({ ...stackFile, program: agentProgram });
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
    }
    const releases = result.resources.filter((r) => r.type === RELEASE_TYPE);
    const fleet = result.resources.some((r) => r.type === componentType("AgentFleet"));
    const clusterOf = (r: RecordedResource) => r.name.replace(/^astro-agent-/, "").replace(/-release$/, "");
    if (fleet && args.cluster === undefined) {
        process.stderr.write(
            `stack '${args.stack}' deploys to several clusters: pass --cluster with one of ${releases
                .map((r) => `'${clusterOf(r)}'`)
                .sort()
                .join(", ")}\n`,
        );
        return 2;
    }
    const release =
        args.cluster === undefined ? releases[0] : releases.find((r) => fleet && clusterOf(r) === args.cluster);
    if (release === undefined && args.cluster !== undefined) {
        process.stderr.write(
            fleet
                ? `no cluster '${args.cluster}' in stack '${args.stack}'; use one of ${releases
                      .map((r) => `'${clusterOf(r)}'`)
                      .sort()
                      .join(", ")}\n`
                : `stack '${args.stack}' has no clusters block; leave out --cluster\n`,
        );
        return 2;
    }
    if (release === undefined) {
        process.stderr.write("the program registered no Helm release\n");
        return 1;
    }
    if (containsSecret(release.inputs.values, isSecretWrapper)) {
        process.stderr.write("refusing to print: the release values contain a secret\n");
        return 1;
    }
    const valuesYaml = stringify(release.inputs.values, { lineWidth: 0 });
    const accepted = parseAcceptedRisks(release.inputs.description);
    const plan = [
        chartSourceLine(release.inputs),
        ...(accepted.length === 0
            ? []
            : [
                  `# Accepted prod risks (acceptRisks): ${accepted.length}`,
                  ...accepted.map((a) => `#   ${a.risk}: ${a.keys.join(", ")}`),
              ]),
        `# Resource plan for stack '${args.stack}' (${result.resources.length} resources): type, name, parent`,
        ...formatPlan(result.resources).map((l) => `#   ${l}`),
    ].join("\n");
    if (args.out !== undefined) {
        fs.writeFileSync(args.out, valuesYaml);
        process.stdout.write(`# values written to ${args.out}\n${plan}\n`);
    } else {
        process.stdout.write(`# Chart values for stack '${args.stack}' (helm install -f)\n${valuesYaml}${plan}\n`);
    }
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    },
);
