// `tsx scripts/lib/evaluateStacks.ts STACK...`: evaluates the real program for each stack file in turn
// under Pulumi's mock runtime, in one process, and prints one JSON line per stack: how many resources
// it registered and which `@pulumi/*` packages the process has loaded so far. npm run bench runs it with
// scripts/lib/timingProbe.cjs preloaded, for stacks whose cloud cannot be deployed here (their module
// loading and evaluation); tests/unit/lazy-sdk.test.ts uses it to prove each stack loads only its
// backend's SDK. The imports keep the order of a real run: the Pulumi SDK first (the language runtime
// loads it before the program), the program last.
import * as path from "node:path";
import { runUnderMocks } from "./mockRun";
import { readStackFile } from "./stackFile";
import agentProgram from "../../index";

/** The `@pulumi/*` packages with at least one module in the require cache. */
export function loadedPulumiPackages(): string[] {
    const loaded = new Set<string>();
    for (const file of Object.keys(require.cache)) {
        const m = /[\\/]node_modules[\\/]@pulumi[\\/]([^\\/]+)[\\/]/.exec(file);
        if (m?.[1] !== undefined) {
            loaded.add(`@pulumi/${m[1]}`);
        }
    }
    return [...loaded].sort();
}

async function main(stacks: string[]): Promise<void> {
    if (stacks.length === 0) {
        throw new Error("usage: tsx scripts/lib/evaluateStacks.ts STACK...");
    }
    const root = path.join(__dirname, "..", "..");
    for (const stack of stacks) {
        const { resources } = await runUnderMocks({ ...readStackFile(root, stack), program: agentProgram });
        process.stdout.write(
            `${JSON.stringify({ stack, resources: resources.length, sdks: loadedPulumiPackages() })}\n`,
        );
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    });
}
