// `npm run import -- --values <file> --stack <NAME> [--namespace <NS>] [--dry-run] [--force]`
// Turns a values file as the Astro UI generates it (the one `helm install -f` used) into
// `Pulumi.<NAME>.yaml` in the project folder (the working directory): literal secrets go into secret
// config through `pulumi config set --secret` (value on stdin), never into the file; what the program
// does not model is listed (and kept under `extraValues` where safe); then the written stack is
// rendered offline and compared with the input values, each difference with its reason.
// --dry-run writes nothing and calls no Pulumi CLI: it prints the stack file it would write.
// Exit 0 written (or dry run) and valid; 1 the written stack fails validation, or a difference has no
// reason; 2 usage errors (bad arguments, unreadable values file, an existing stack file without --force).
import * as fs from "node:fs";
import * as path from "node:path";
import { importValues, type ImportResult } from "../chart/importValues";
import { formatDiff, formatRestarts, importDiff, podRestarts } from "../chart/importDiff";
import { agentObjectNames } from "../chart/names";
import { passphraseFromEnv } from "./lib/secureValues";
import {
    IMPORT_USAGE,
    pulumiWithInput,
    readImportArgs,
    renderImported,
    renderStackValues,
    setSecrets,
    stackExists,
    stackFileHeader,
    stackFileText,
} from "./lib/importStack";

function printReport(result: ImportResult): void {
    const out: string[] = [];
    out.push(`Secrets set as secret config (${result.secrets.length}):`);
    out.push(...(result.secrets.length === 0 ? ["  (none)"] : result.secrets.map((s) => `  ${s.path}`)));
    out.push(`Values the program does not model (${result.unmapped.length}):`);
    out.push(
        ...(result.unmapped.length === 0
            ? ["  (none)"]
            : result.unmapped.map(
                  (u) => `  ${u.path}: ${u.why}${u.keptInExtraValues ? " (kept under extraValues)" : " (dropped)"}`,
              )),
    );
    if (result.notes.length > 0) {
        out.push("Notes:", ...result.notes.map((n) => `  - ${n}`));
    }
    process.stdout.write(`${out.join("\n")}\n`);
}

async function main(): Promise<number> {
    const usage = readImportArgs(process.argv.slice(2), process.cwd());
    if ("error" in usage) {
        process.stderr.write(`${usage.error}\n${IMPORT_USAGE}`);
        return 2;
    }
    const { args, values, project, projectDir, stackPath } = usage;
    const stack = args.stack;
    const result = importValues(values, { namespace: args.namespace, stack });
    const source = path.basename(args.values);
    printReport(result);

    let rendered: Record<string, unknown>;
    try {
        if (args["dry-run"]) {
            process.stdout.write(
                `--- Pulumi.${stack}.yaml (dry run: not written; secrets would be set with pulumi config set --secret)\n${stackFileText(project, result, {}, source)}---\n`,
            );
            rendered = await renderImported(projectDir, stack, project, result, passphraseFromEnv() ?? "");
        } else {
            if (fs.existsSync(stackPath)) {
                fs.rmSync(stackPath); // --force: `stack init` or our header below writes it anew
            }
            if (!stackExists(projectDir, stack)) {
                pulumiWithInput(projectDir, ["stack", "init", stack]);
            }
            fs.writeFileSync(stackPath, stackFileText(project, result, stackFileHeader(stackPath), source));
            setSecrets(projectDir, stack, result.secrets);
            process.stdout.write(`Wrote ${stackPath}\n`);
            rendered = await renderStackValues(projectDir, stack);
        }
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
    }

    const prefix = typeof result.config.resourceNamePrefix === "string" ? result.config.resourceNamePrefix : "";
    const workers = Array.isArray(result.config.workers) ? (result.config.workers as { name: string }[]) : [];
    const diff = importDiff(values, rendered, {
        names: agentObjectNames({ resourceNamePrefix: prefix, workers }),
        namespace: args.namespace,
        dropped: result.unmapped.filter((u) => !u.keptInExtraValues).map((u) => u.at),
    });
    process.stdout.write(`${formatDiff(diff)}\n${formatRestarts(podRestarts(diff, rendered))}\n`);
    return diff.some((d) => d.reason === undefined) ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    },
);
