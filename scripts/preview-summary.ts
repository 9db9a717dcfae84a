// `npm run preview:summary -- --stack NAME [--input FILE|-] [--policy-pack DIR [--policy-pack-config FILE]]
//                                          [--cwd DIR] [--out FILE]`
// The short Markdown a reviewer reads on a pull request (see scripts/lib/previewSummary.ts). Without
// --input it runs `pulumi preview --json` itself (event stream, so policy violations are included) and
// exits with the preview's exit code after printing the summary; with --input it summarises a captured
// `pulumi preview --json` output (digest or event stream) and exits 0.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { parsePreviewOutput, renderSummary } from "./lib/previewSummary";

const USAGE =
    "usage: npm run preview:summary -- --stack NAME [--input FILE|-] [--policy-pack DIR [--policy-pack-config FILE]] [--cwd DIR] [--out FILE]\n";

/** Runs `pulumi preview --json` as an event stream; returns its stdout and exit code. */
function runPreview(args: {
    stack: string;
    cwd: string;
    policyPack?: string | undefined;
    policyPackConfig?: string | undefined;
}): { output: string; code: number } {
    const argv = ["preview", "--json", "--non-interactive", "--stack", args.stack];
    if (args.policyPack !== undefined) {
        argv.push("--policy-pack", args.policyPack);
        if (args.policyPackConfig !== undefined) {
            argv.push("--policy-pack-config", args.policyPackConfig);
        }
    }
    const r = spawnSync("pulumi", argv, {
        cwd: args.cwd,
        env: { ...process.env, PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" },
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.error !== undefined) {
        throw new Error(`could not run pulumi: ${r.error.message}`);
    }
    return { output: r.stdout, code: r.status ?? 1 };
}

function main(): number {
    const { values: args } = parseArgs({
        options: {
            stack: { type: "string" },
            input: { type: "string" },
            "policy-pack": { type: "string" },
            "policy-pack-config": { type: "string" },
            cwd: { type: "string" },
            out: { type: "string" },
        },
        allowPositionals: false,
    });
    if (args.stack === undefined || (args.input !== undefined && args["policy-pack"] !== undefined)) {
        process.stderr.write(USAGE);
        return 2;
    }
    let output: string;
    let code = 0;
    if (args.input !== undefined) {
        output = fs.readFileSync(args.input === "-" ? 0 : args.input, "utf8");
    } else {
        ({ output, code } = runPreview({
            stack: args.stack,
            cwd: args.cwd ?? process.cwd(),
            policyPack: args["policy-pack"],
            policyPackConfig: args["policy-pack-config"],
        }));
    }
    const markdown = renderSummary(parsePreviewOutput(output), { stack: args.stack });
    if (args.out === undefined) {
        process.stdout.write(markdown);
    } else {
        fs.writeFileSync(args.out, markdown);
    }
    return code;
}

try {
    process.exitCode = main();
} catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
}
