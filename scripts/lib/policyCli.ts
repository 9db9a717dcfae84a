// The command line both `scripts/aws-policy.ts` and `scripts/gcp-policy.ts` share: read a stack file,
// apply `--set` assignments, run the program under mocks, print the cloud's documents as JSON.
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
 * Runs the CLI: `--stack NAME [--stack-file FILE] [--set k.p=v ...]`. `documents` builds the JSON;
 * `empty` says why a stack has nothing to print (then exit 1).
 */
export function policyCli(
    script: string,
    documents: (resources: readonly RecordedResource[]) => Record<string, unknown>,
    empty: (docs: Record<string, unknown>) => string | undefined,
): void {
    const main = async (): Promise<number> => {
        const { values: args } = parseArgs({
            options: {
                stack: { type: "string" },
                "stack-file": { type: "string" },
                set: { type: "string", multiple: true },
            },
            allowPositionals: false,
        });
        if (args.stack === undefined) {
            process.stderr.write(`usage: npx tsx scripts/${script} --stack NAME [--stack-file FILE] [--set k.p=v]\n`);
            return 2;
        }
        const stackFile = readStackFile(path.join(__dirname, "..", ".."), args.stack, args["stack-file"]);
        for (const assignment of args.set ?? []) {
            applySet(stackFile, assignment);
        }
        const result = await runUnderMocks({ ...stackFile, program: agentProgram });
        const docs = documents(result.resources);
        const why = empty(docs);
        if (why !== undefined) {
            process.stderr.write(`stack '${args.stack}' ${why}\n`);
            return 1;
        }
        process.stdout.write(`${JSON.stringify({ stack: args.stack, ...docs }, null, 2)}\n`);
        return 0;
    };
    main().then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
