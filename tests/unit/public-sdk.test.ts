// `npm run render` and the unit harness stay on the Pulumi SDK's public API: scripts/render.ts,
// scripts/lib/mockRun.ts and every file of scripts/lib they import (transitively) name none of the
// SDK's private fields, internal state or deep modules, so an SDK minor release cannot break them.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const LIB = path.join(ROOT, "scripts", "lib");
const ENTRIES = [path.join(ROOT, "scripts", "render.ts"), path.join(LIB, "mockRun.ts")];

/** Private Resource fields, the runtime's internal store and monitor, and its deep modules. */
const FORBIDDEN: [string, RegExp][] = [
    ["__name", /__name\b/],
    ["__pulumiType", /__pulumiType\b/],
    ["getStore", /\bgetStore\b/],
    ["getMonitor", /\bgetMonitor\b/],
    ["monitor.resources", /monitor\.resources\b/],
    ["/runtime/state", /\/runtime\/state\b/],
    ["/runtime/settings", /\/runtime\/settings\b/],
    ["a deep @pulumi/pulumi module", /["']@pulumi\/pulumi\/[^"']+["']/],
];

/** Relative modules a TypeScript file imports or requires (static, type-only and deferred). */
function relativeImports(source: string): string[] {
    const specs = [
        ...source.matchAll(/\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g),
        ...source.matchAll(/\b(?:require|import)\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g),
    ];
    return specs.map((m) => m[1] ?? "");
}

/** The entries and every file under scripts/lib they reach through relative imports. */
function closure(entries: string[]): string[] {
    const seen = new Set<string>();
    const queue = [...entries];
    while (queue.length > 0) {
        const file = queue.shift() ?? "";
        if (seen.has(file)) {
            continue;
        }
        seen.add(file);
        for (const spec of relativeImports(fs.readFileSync(file, "utf8"))) {
            const base = path.resolve(path.dirname(file), spec);
            const target = [`${base}.ts`, path.join(base, "index.ts"), base].find(
                (f) => fs.existsSync(f) && fs.statSync(f).isFile(),
            );
            if (target !== undefined && path.dirname(target) === LIB) {
                queue.push(target);
            }
        }
    }
    return [...seen].sort();
}

/** `file:line: what` for each forbidden access in `source`. */
function findings(file: string, source: string): string[] {
    return source
        .split("\n")
        .flatMap((line, i) => FORBIDDEN.filter(([, re]) => re.test(line)).map(([what]) => `${file}:${i + 1}: ${what}`));
}

describe("render and the mock harness use only public Pulumi SDK APIs", () => {
    const files = closure(ENTRIES);
    const rel = (f: string) => path.relative(ROOT, f);

    it("scans render, the harness and the scripts/lib files they import", () => {
        const scanned = files.map(rel);
        for (const f of ["scripts/render.ts", "scripts/lib/mockRun.ts", "scripts/lib/stackFile.ts"]) {
            assert.ok(scanned.includes(f), `${f} not scanned: ${scanned.join(", ")}`);
        }
    });

    it("the scan recognises each forbidden access", () => {
        const sample = [
            'import * as settings from "@pulumi/pulumi/runtime/settings";',
            'import * as state from "@pulumi/pulumi/runtime/state";',
            "const parent = t.opts.parent as unknown as { __name?: string; __pulumiType?: string };",
            "state.getStore().callbacks?.shutdown();",
            "const monitor = pulumi.runtime.getMonitor();",
            "[...monitor.resources.values()];",
            'import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";',
        ].join("\n");
        assert.deepEqual(
            findings("sample", sample)
                .map((f) => f.replace(/^sample:\d+: /, ""))
                .sort(),
            [
                "/runtime/settings",
                "/runtime/state",
                "__name",
                "__pulumiType",
                "a deep @pulumi/pulumi module",
                "a deep @pulumi/pulumi module",
                "a deep @pulumi/pulumi module",
                "getMonitor",
                "getStore",
                "monitor.resources",
            ].sort(),
        );
    });

    it("finds no private field, internal state or deep module in them", () => {
        assert.deepEqual(
            files.flatMap((f) => findings(rel(f), fs.readFileSync(f, "utf8"))),
            [],
        );
    });
});
