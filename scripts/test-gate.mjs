// `npm test`: the four gates (type-check, lint, format, unit tests) started at once, so they overlap on
// the cores instead of running one after the other. Each keeps its own cache under
// node_modules/.cache/astro-agent (tsc --incremental, eslint and prettier --cache), so a warm clone only
// redoes what changed; a fresh clone (CI) runs everything. Each gate's output is printed whole, in a
// fixed order, when all have finished; the unit tests' output comes last and ends with their closing
// line. Exits 1 when any gate failed, and then prints a last `N passed, N failed` line counting each
// failed gate as a failure (also in TEST_RESULTS_DIR/<suite>.json when .ci/run collects it).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const GATES = [
    ["typecheck", "npm", ["run", "--silent", "typecheck"]],
    ["lint", "npm", ["run", "--silent", "lint"]],
    ["format", "npm", ["run", "--silent", "format:check"]],
    ["unit", "npm", ["run", "--silent", "test:unit"]],
];

fs.mkdirSync(path.join("node_modules", ".cache", "astro-agent"), { recursive: true });

function run([name, cmd, args]) {
    const start = performance.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        child.on("close", (code) => resolve({ name, code, output, seconds: (performance.now() - start) / 1000 }));
    });
}

const results = await Promise.all(GATES.map(run));
for (const r of results) {
    process.stdout.write(
        `\n=== ${r.name}: ${r.code === 0 ? "ok" : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(1)} s\n`,
    );
    process.stdout.write(r.output.endsWith("\n") || r.output === "" ? r.output : `${r.output}\n`);
}
const failedGates = results.filter((r) => r.code !== 0 && r.name !== "unit").map((r) => r.name);
const unitFailed = results.find((r) => r.name === "unit")?.code !== 0;
if (failedGates.length > 0) {
    const summary = /(\d+) passed, (\d+) failed/.exec(results.find((r) => r.name === "unit")?.output ?? "");
    const passed = Number(summary?.[1] ?? 0);
    const failed = Number(summary?.[2] ?? 0) + failedGates.length;
    const dir = process.env.TEST_RESULTS_DIR;
    if (dir) {
        const file = path.join(dir, `${process.env.TEST_SUITE || "unit"}.json`);
        const recorded = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { skipped: 0 };
        fs.writeFileSync(
            file,
            JSON.stringify({ ...recorded, suite: process.env.TEST_SUITE || "unit", passed, failed }) + "\n",
        );
    }
    process.stdout.write(`gates failed: ${failedGates.join(", ")}\n${passed} passed, ${failed} failed\n`);
}
process.exit(failedGates.length > 0 || unitFailed ? 1 : 0);
