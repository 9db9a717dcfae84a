// What the offline document printers (scripts/aws-policy.ts, scripts/vault-policy.ts) share: the
// `--stack NAME [--stack-file FILE] [--set key.path=value ...]` arguments, the program evaluated under
// Pulumi's mock runtime, and the exit code handling.
import * as path from "node:path";
import { parseArgs } from "node:util";
import agentProgram from "../../index";
import { runUnderMocks, type RecordedResource } from "./mockRun";
import { readStackFile, type StackFileConfig } from "./stackFile";

/** `--set a.b.c=<JSON or string>`: sets a nested key of a structured config value. */
export function applySet(config: StackFileConfig, assignment: string): void {
    const eq = assignment.indexOf("=");
    if (eq < 1) {
        throw new Error(`--set needs key.path=value, got '${assignment}'`);
    }
    const [top, ...rest] = assignment.slice(0, eq).split(".");
    const raw = assignment.slice(eq + 1);
    let value: unknown;
    try {
        value = JSON.parse(raw);
    } catch {
        value = raw;
    }
    if (top === undefined || top === "") {
        throw new Error(`--set needs a key: '${assignment}'`);
    }
    if (rest.length === 0) {
        config.config[top] = typeof value === "string" ? value : JSON.stringify(value);
        return;
    }
    const root = JSON.parse(config.config[top] ?? "{}") as Record<string, unknown>;
    let node = root;
    for (const k of rest.slice(0, -1)) {
        node[k] ??= {};
        node = node[k] as Record<string, unknown>;
    }
    node[rest[rest.length - 1] as string] = value;
    config.config[top] = JSON.stringify(root);
}

/**
 * Parses the arguments and evaluates the stack (with the `--set` overrides) under mocks; on bad usage
 * prints the usage of `scripts/<script>.ts` and returns exit code 2.
 */
export async function evaluateStackArgs(
    script: string,
): Promise<{ stack: string; resources: RecordedResource[] } | number> {
    const { values: args } = parseArgs({
        options: {
            stack: { type: "string" },
            "stack-file": { type: "string" },
            set: { type: "string", multiple: true },
        },
        allowPositionals: false,
    });
    if (args.stack === undefined) {
        process.stderr.write(`usage: npx tsx scripts/${script}.ts --stack NAME [--stack-file FILE] [--set k.p=v]\n`);
        return 2;
    }
    const stackFile = readStackFile(path.join(__dirname, "..", ".."), args.stack, args["stack-file"]);
    for (const assignment of args.set ?? []) {
        applySet(stackFile, assignment);
    }
    const result = await runUnderMocks({ ...stackFile, program: agentProgram });
    return { stack: args.stack, resources: result.resources };
}

/** Runs a script's `main`, exiting with its code (1 with the message on an error). */
export function runScript(main: () => Promise<number>): void {
    main().then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
