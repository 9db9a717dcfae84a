// ts-node transpiler for the Pulumi program (tsconfig.json `"ts-node": { "transpiler": ... }`): esbuild's
// TypeScript transform, one file at a time, instead of TypeScript's transpileModule. Pulumi's nodejs
// runtime runs the program under ts-node; with this each file transpiles in about a millisecond, with
// the same esbuild transform tsx applies in the unit tests, and without type-checking (`npm test`
// type-checks). Outputs are cached by content under node_modules/.cache/astro-agent/ts, so an unchanged
// file is read, not transformed. CommonJS output; class fields follow the tsconfig target as tsc does;
// ts-node maps stack traces through the returned source map. Measured in docs/performance.md.
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");
const ts = require("typescript");

const CACHE = path.join(__dirname, "..", "..", "node_modules", ".cache", "astro-agent", "ts");

exports.create = function create({ service }) {
    const options = service.config.options;
    const target = options.target ?? ts.ScriptTarget.ES2022;
    const transformOptions = {
        format: "cjs",
        target: "node20",
        sourcemap: "external",
        tsconfigRaw: {
            compilerOptions: {
                esModuleInterop: options.esModuleInterop ?? false,
                useDefineForClassFields: options.useDefineForClassFields ?? target >= ts.ScriptTarget.ES2022,
            },
        },
    };
    const salt = JSON.stringify([esbuild.version, transformOptions]);
    return {
        transpile(input, { fileName }) {
            const key = createHash("sha256").update(salt).update(fileName).update("\0").update(input);
            const file = path.join(CACHE, `${key.digest("hex")}.json`);
            try {
                return JSON.parse(fs.readFileSync(file, "utf8"));
            } catch {
                // not cached yet (or unreadable): transform below
            }
            const out = esbuild.transformSync(input, {
                ...transformOptions,
                loader: fileName.endsWith(".tsx") ? "tsx" : "ts",
                sourcefile: fileName,
            });
            const result = { outputText: out.code, sourceMapText: out.map };
            try {
                fs.mkdirSync(CACHE, { recursive: true });
                const tmp = `${file}.${process.pid}.tmp`;
                fs.writeFileSync(tmp, JSON.stringify(result));
                fs.renameSync(tmp, file);
            } catch {
                // a read-only checkout: run uncached
            }
            return result;
        },
    };
};
