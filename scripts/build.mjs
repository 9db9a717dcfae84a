// `npm run build` (and `prepack`): compiles schema/, backends/, config/, chart/, doctor/ and components/ to
// dist/ (JavaScript and declarations, tsconfig.build.json). Incremental: `tsc -b` rebuilds only when a source, the config or
// an output changed (its build info lives in dist/, so deleting dist/ means a full build), and outputs
// whose source is gone are deleted, so dist/ always holds exactly what a clean build would.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");

execFileSync(
    process.execPath,
    [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b", "tsconfig.build.json"],
    {
        cwd: ROOT,
        stdio: "inherit",
    },
);

/** Deletes dist/ outputs (`x.js`, `x.d.ts`) whose `x.ts` no longer exists, and directories left empty. */
function prune(dir) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            prune(file);
            if (fs.readdirSync(file).length === 0) {
                fs.rmdirSync(file);
            }
            continue;
        }
        const stem = /^(.*)\.(js|d\.ts)$/.exec(entry.name)?.[1];
        if (stem !== undefined && !fs.existsSync(path.join(ROOT, path.relative(DIST, dir), `${stem}.ts`))) {
            fs.rmSync(file);
        }
    }
}
prune(DIST);
