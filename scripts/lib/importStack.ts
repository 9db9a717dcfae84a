// What `npm run import` does with the Pulumi CLI and the files: the stack file text, the secrets set
// through `pulumi config set --secret` (value on stdin, never in argv), and the offline render of the
// written stack. The mapping itself is chart/importValues.ts (pure).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify } from "yaml";
import type { ImportResult } from "../../chart/importValues";
import { RELEASE_TYPE } from "./stackReleases";
import { readStackFile } from "./stackFile";
import { encryptValue, newEncryptionSalt } from "./passphrase";

/** `Pulumi.<stack>.yaml` text: the header keys `stack init` wrote (secrets provider) and the imported config. */
export function stackFileText(
    project: string,
    result: Pick<ImportResult, "config">,
    header: Record<string, unknown>,
    source: string,
): string {
    const config = Object.fromEntries(Object.entries(result.config).map(([k, v]) => [`${project}:${k}`, v]));
    const comment = [
        `# Imported from ${source} by \`npm run import\`. Secret values are not in this file: they were set`,
        "# with `pulumi config set --secret` and appear below as `secure:` entries.",
    ].join("\n");
    return `${comment}\n${stringify({ ...header, config }, { lineWidth: 0 })}`;
}

/** Runs the Pulumi CLI in `cwd` with `input` on stdin; throws with its stderr on failure. */
export function pulumiWithInput(cwd: string, args: string[], input?: string): string {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], {
        cwd,
        encoding: "utf8",
        input: input ?? "",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error !== undefined) {
        throw new Error(`pulumi ${args[0] ?? ""}: ${r.error.message}`);
    }
    if (r.status !== 0) {
        throw new Error(`pulumi ${args.slice(0, 2).join(" ")} failed: ${r.stderr.trim()}`);
    }
    return r.stdout;
}

/** Whether the stack exists in the current backend. */
export function stackExists(cwd: string, stack: string): boolean {
    const out = pulumiWithInput(cwd, ["stack", "ls", "--json"]);
    const list = JSON.parse(out) as { name: string }[];
    return list.some((s) => s.name === stack || s.name.endsWith(`/${stack}`));
}

/**
 * Sets each secret with `pulumi config set --secret --path <key> --stack <stack>`; the value goes on
 * stdin (`--raw`: as is), so it never shows in the process list.
 */
export function setSecrets(cwd: string, stack: string, secrets: readonly { path: string; value: string }[]): void {
    for (const s of secrets) {
        pulumiWithInput(cwd, ["config", "set", "--secret", "--raw", "--path", s.path, "--stack", stack], s.value);
    }
}

/** The header keys of a stack file (everything but `config`), e.g. what `pulumi stack init` wrote. */
export function stackFileHeader(file: string): Record<string, unknown> {
    if (!fs.existsSync(file)) {
        return {};
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- yaml's parse, only here
    const { parse } = require("yaml") as typeof import("yaml");
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(doc).filter(([k]) => k !== "config"));
}

/**
 * The chart values the program renders for a stack file (the real program under the mock runtime, as
 * `npm run render` does); throws the program's error (a `ConfigValidationError` for bad config).
 */
export async function renderStackValues(
    projectDir: string,
    stack: string,
    file?: string,
): Promise<Record<string, unknown>> {
    const stackFile = readStackFile(projectDir, stack, file);
    /* eslint-disable @typescript-eslint/no-require-imports -- the SDK and the program load only now */
    const { runUnderMocks, unwrapSecrets } = require("./mockRun") as typeof import("./mockRun");
    const agentProgram = require("../../index") as typeof import("../../index");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const result = await runUnderMocks({ ...stackFile, program: agentProgram });
    const release = result.resources.find((r) => r.type === RELEASE_TYPE);
    if (release === undefined) {
        throw new Error("the program registered no Helm release");
    }
    const inputs = unwrapSecrets(release.inputs) as Record<string, unknown>;
    return (inputs.values ?? {}) as Record<string, unknown>;
}

/** The project name of Pulumi.yaml in `projectDir`. */
export function projectName(projectDir: string): string {
    const text = fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
    const m = /^name:\s*(\S+)/m.exec(text);
    if (m?.[1] === undefined) {
        throw new Error(`${path.join(projectDir, "Pulumi.yaml")}: no project name`);
    }
    return m[1];
}

/** The config with each secret encrypted in place as a `secure:` leaf. */
export function withSecureLeaves(
    result: Pick<ImportResult, "config" | "secrets">,
    key: Buffer,
): Record<string, unknown> {
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

/**
 * Renders an import without writing the project's stack file or calling the Pulumi CLI: the stack file
 * goes to a temporary folder, its secrets encrypted with a fresh salt for `passphrase` (the passphrase
 * provider's format, so the program reads them as `pulumi` would hand them over).
 */
export async function renderImported(
    projectDir: string,
    stack: string,
    project: string,
    result: Pick<ImportResult, "config" | "secrets">,
    passphrase: string,
): Promise<Record<string, unknown>> {
    const { encryptionSalt, key } = newEncryptionSalt(passphrase);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-import-"));
    try {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        const config = withSecureLeaves(result, key);
        fs.writeFileSync(file, stackFileText(project, { config }, { encryptionsalt: encryptionSalt }, "a dry run"));
        return await renderStackValues(projectDir, stack, file);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export const IMPORT_USAGE =
    "usage: npm run import -- --values <values.yaml> --stack <NAME> [--namespace <NS>] [--dry-run] [--force]\n";

/** The parsed arguments of `npm run import`, the values file read and checked. */
export interface ImportArgs {
    args: { values: string; stack: string; namespace?: string | undefined; "dry-run": boolean; force: boolean };
    values: Record<string, unknown>;
    project: string;
    projectDir: string;
    stackPath: string;
}

/** Reads the arguments, or says what is wrong with them (the script exits 2): nothing is written. */
export function readImportArgs(argv: string[], projectDir: string): ImportArgs | { error: string } {
    let args;
    try {
        ({ values: args } = parseArgs({
            args: argv,
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
        return { error: err instanceof Error ? err.message : String(err) };
    }
    if (args.values === undefined || args.stack === undefined) {
        return { error: "--values and --stack are required" };
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(args.stack)) {
        return { error: `--stack '${args.stack}' is not a stack name (letters, digits, '_', '.', '-')` };
    }
    let values: unknown;
    try {
        values = parseYaml(fs.readFileSync(args.values, "utf8"));
    } catch (err) {
        return { error: `${args.values}: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
        return { error: `${args.values}: not a values file (a YAML mapping)` };
    }
    const stackPath = path.join(projectDir, `Pulumi.${args.stack}.yaml`);
    if (!args["dry-run"] && fs.existsSync(stackPath) && !args.force) {
        return { error: `${stackPath} exists; pass --force to replace it` };
    }
    let project: string;
    try {
        project = projectName(projectDir);
    } catch (err) {
        return { error: `run from the project folder: ${err instanceof Error ? err.message : String(err)}` };
    }
    return {
        args: { ...args, values: args.values, stack: args.stack },
        values: values as Record<string, unknown>,
        project,
        projectDir,
        stackPath,
    };
}
