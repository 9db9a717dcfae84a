// `node --require ./scripts/lib/register.cjs file.ts`: how the tests (.mocharc.cjs), the scripts and
// their child processes run this project's TypeScript. The same transform as the Pulumi program
// (./tsTranspiler.cjs: esbuild, one file at a time, cached by content, no type-checking: `npm test`
// type-checks), hooked into `.ts` files only. JavaScript, the SDKs' included, loads exactly as node
// loads it: tsx, used before, ran its hooks over every JavaScript file and turned node's source maps
// on, so each SDK file's map was read and parsed as it loaded (about 0.8 s of CPU per process that
// loads the Pulumi SDK, and 14 s over the unit tests; docs/performance.md).
//
// Stack traces still point into the TypeScript: frames in a file loaded here are mapped through that
// file's source map (node's own `module.SourceMap`, parsed on first use), other frames are printed
// as V8 prints them.
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const { transpiler } = require("./tsTranspiler.cjs");

const transpile = transpiler();
/** Source maps of the files loaded here: the JSON text until a stack first needs it, then the parsed map. */
const maps = new Map();

function loadTs(module, filename) {
    const { outputText, sourceMapText } = transpile(fs.readFileSync(filename, "utf8"), filename);
    maps.set(filename, sourceMapText);
    module._compile(outputText, filename);
}

for (const ext of [".ts", ".cts", ".mts"]) {
    Module._extensions[ext] = loadTs;
}

function sourceMapOf(file) {
    let map = maps.get(file);
    if (typeof map === "string") {
        map = new Module.SourceMap(JSON.parse(map));
        maps.set(file, map);
    }
    return map;
}

/** One frame as V8 renders it, with the position in a file loaded here mapped to the TypeScript. */
function formatFrame(frame) {
    const text = frame.toString();
    const file = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    const map = file && line && column && maps.has(file) ? sourceMapOf(file) : undefined;
    const entry = map?.findEntry(line - 1, column - 1);
    if (entry === undefined || entry.originalLine === undefined) {
        return text;
    }
    const generated = `${file}:${line}:${column}`;
    const original = `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    const at = text.lastIndexOf(generated);
    return at < 0 ? text : text.slice(0, at) + original + text.slice(at + generated.length);
}

function header(error) {
    try {
        return Error.prototype.toString.call(error);
    } catch {
        return "Error";
    }
}

// Unless something else formats stack traces already (node's own default is replaced).
if (Error.prepareStackTrace === undefined || Error.prepareStackTrace.name === "ErrorPrepareStackTrace") {
    Error.prepareStackTrace = (error, frames) =>
        header(error) + frames.map((f) => `\n    at ${formatFrame(f)}`).join("");
}
