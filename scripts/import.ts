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
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { importValues, type ImportResult } from "../chart/importValues";
import { formatDiff, importDiff } from "../chart/importDiff";
import { agentObjectNames } from "../chart/names";
import { encryptValue, newEncryptionSalt } from "./lib/passphrase";
import { passphraseFromEnv } from "./lib/secureValues";
import {
    projectName,
    pulumiWithInput,
    renderStackValues,
    setSecrets,
    stackExists,
    stackFileHeader,
    stackFileText,
} from "./lib/importStack";

const USAGE =
    "usage: npm run import -- --values <values.yaml> --stack <NAME> [--namespace <NS>] [--dry-run] [--force]\n";

function usageError(message: string): number {
    process.stderr.write(`${message}\n${USAGE}`);
    return 2;
}

/** The config with each secret encrypted in place as a `secure:` leaf (dry run: a throwaway file). */
function withSecureLeaves(result: ImportResult, key: Buffer): Record<string, unknown> {
    const config = structuredClone(result.config);
    for (const s of result.secrets) {
        let node: Record<string | number, unknown> = config;
        s.at.forEach((p, i) => {
            if (i === s.at.length - 1) {
                node[p] = { secure: encryptValue(key, s.value) };
                return;
            }
            node[p] ??= typeof s.at[i + 1] === "number" ? [] : {};
            node = node[p] as Record<string | number, unknown>;
        });
    }
    return config;
}

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
    let args;
    try {
        ({ values: args } = parseArgs({
            options: {
                values: { type: "string" },
                stack: { type: "string" },
                namespace: { type: "string" },
                "dry-run": { type: "boolean", default: false },
                force: { type: "boolean", default: false },
            },
            allowPositionals: false,
        }));
    } catch (err) {
        return usageError(err instanceof Error ? err.message : String(err));
    }
    if (args.values === undefined || args.stack === undefined) {
        return usageError("--values and --stack are required");
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(args.stack)) {
        return usageError(`--stack '${args.stack}' is not a stack name (letters, digits, '_', '.', '-')`);
    }
    let values: unknown;
    try {
        values = parseYaml(fs.readFileSync(args.values, "utf8"));
    } catch (err) {
        return usageError(`${args.values}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
        return usageError(`${args.values}: not a values file (a YAML mapping)`);
    }
    const projectDir = process.cwd();
    const stack = args.stack;
    const stackPath = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!args["dry-run"] && fs.existsSync(stackPath) && !args.force) {
        return usageError(`${stackPath} exists; pass --force to replace it`);
    }
    let project: string;
    try {
        project = projectName(projectDir);
    } catch (err) {
        return usageError(`run from the project folder: ${err instanceof Error ? err.message : String(err)}`);
    }

    const result = importValues(values as Record<string, unknown>, { namespace: args.namespace, stack });
    const source = path.basename(args.values);
    printReport(result);

    let rendered: Record<string, unknown>;
    try {
        if (args["dry-run"]) {
            const passphrase = passphraseFromEnv() ?? "";
            const { encryptionSalt, key } = newEncryptionSalt(passphrase);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-import-"));
            try {
                const file = path.join(dir, `Pulumi.${stack}.yaml`);
                const config = withSecureLeaves(result, key);
                fs.writeFileSync(file, stackFileText(project, { config }, { encryptionsalt: encryptionSalt }, source));
                process.stdout.write(
                    `--- Pulumi.${stack}.yaml (dry run: not written; secrets would be set with pulumi config set --secret)\n${stackFileText(project, result, {}, source)}---\n`,
                );
                rendered = await renderStackValues(projectDir, stack, file);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
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
    const diff = importDiff(values as Record<string, unknown>, rendered, {
        names: agentObjectNames({ resourceNamePrefix: prefix, workers }),
        dropped: result.unmapped.filter((u) => !u.keptInExtraValues).map((u) => u.at),
    });
    process.stdout.write(`${formatDiff(diff)}\n`);
    return diff.some((d) => d.reason === undefined) ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    },
);
