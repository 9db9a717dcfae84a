// ts-node transpiler for the Pulumi program (tsconfig.json `"ts-node": { "transpiler": ... }`): esbuild's
// TypeScript transform, one file at a time, instead of TypeScript's transpileModule. Pulumi's nodejs
// runtime runs the program under ts-node; with this each file transpiles in about a millisecond, with
// the same esbuild transform tsx applies in the unit tests, and without type-checking (`npm test`
// type-checks). CommonJS output; class fields follow the tsconfig target as tsc does; ts-node maps stack
// traces through the returned source map. Measured in docs/performance.md.
"use strict";
const esbuild = require("esbuild");
const ts = require("typescript");

exports.create = function create({ service }) {
    const options = service.config.options;
    const target = options.target ?? ts.ScriptTarget.ES2022;
    const tsconfigRaw = {
        compilerOptions: {
            esModuleInterop: options.esModuleInterop ?? false,
            useDefineForClassFields: options.useDefineForClassFields ?? target >= ts.ScriptTarget.ES2022,
        },
    };
    return {
        transpile(input, { fileName }) {
            const out = esbuild.transformSync(input, {
                loader: fileName.endsWith(".tsx") ? "tsx" : "ts",
                format: "cjs",
                target: "node20",
                sourcemap: "external",
                sourcefile: fileName,
                tsconfigRaw,
            });
            return { outputText: out.code, sourceMapText: out.map };
        },
    };
};
