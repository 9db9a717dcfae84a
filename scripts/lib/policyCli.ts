// The command line both `scripts/aws-policy.ts` and `scripts/gcp-policy.ts` share: evaluate the stack
// (lib/stackScript.ts: `--stack`, `--stack-file`, `--set`, mocks), print the cloud's documents as JSON.
import type { RecordedResource } from "./mockRun";
import { evaluateStackArgs, runScript } from "./stackScript";

export { applySet } from "./stackScript";

/**
 * Runs the CLI of `scripts/<script>`: `documents` builds the JSON; `empty` says why a stack has
 * nothing to print (then exit 1).
 */
export function policyCli(
    script: string,
    documents: (resources: readonly RecordedResource[]) => Record<string, unknown>,
    empty: (docs: Record<string, unknown>) => string | undefined,
): void {
    runScript(async () => {
        const run = await evaluateStackArgs(script.replace(/\.ts$/, ""));
        if (typeof run === "number") {
            return run;
        }
        const docs = documents(run.resources);
        const why = empty(docs);
        if (why !== undefined) {
            process.stderr.write(`stack '${run.stack}' ${why}\n`);
            return 1;
        }
        process.stdout.write(`${JSON.stringify({ stack: run.stack, ...docs }, null, 2)}\n`);
        return 0;
    });
}
