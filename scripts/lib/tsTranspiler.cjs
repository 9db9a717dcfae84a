// ts-node transpiler for the Pulumi program (tsconfig.json `"ts-node": { "transpiler": ... }`): esbuild's
// TypeScript transform, one file at a time, instead of TypeScript's transpileModule. Pulumi's nodejs
// runtime runs the program under ts-node; with this each file transpiles in about a millisecond, without
// type-checking (`npm test` type-checks). Outputs are cached by content under
// node_modules/.cache/astro-agent/ts, so an unchanged file is read, not transformed. CommonJS output;
// class fields follow the tsconfig target as tsc does; ts-node maps stack traces through the returned
// source map, which names the source file but does not embed it (`sourcesContent: false`: ts-node
// base64-encodes every map into the module it compiles, so an embedded copy of each source cost ~45 ms
// of a preview's module loading). The tests and scripts load TypeScript with the same transform
// (./register.cjs). Measured in docs/performance.md.
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const CACHE = path.join(__dirname, "..", "..", "node_modules", ".cache", "astro-agent", "ts");

/**
 * A cached `(source, fileName) => { outputText, sourceMapText }` for the given compiler options
 * (tsconfig.json's; `useDefineForClassFields` as its target implies it).
 */
function transpiler({ esModuleInterop = true, useDefineForClassFields = true } = {}) {
    const transformOptions = {
        format: "cjs",
        target: "node20",
        sourcemap: "external",
        sourcesContent: false,
        tsconfigRaw: { compilerOptions: { esModuleInterop, useDefineForClassFields } },
    };
    const salt = JSON.stringify([esbuild.version, transformOptions]);
    return function transpile(input, fileName) {
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
    };
}

exports.transpiler = transpiler;

/** ts-node's transpiler interface. */
exports.create = function create({ service }) {
    const options = service.config.options;
    // ts.ScriptTarget.ES2022 is 9: class fields are defined (not assigned) from that target on, as tsc does.
    const target = options.target ?? 9;
    const transpile = transpiler({
        esModuleInterop: options.esModuleInterop ?? false,
        useDefineForClassFields: options.useDefineForClassFields ?? target >= 9,
    });
    return {
        transpile(input, { fileName }) {
            return transpile(input, fileName);
        },
    };
};
