// Timing marks for `npm run bench`, preloaded into a Pulumi program's node process with
// NODE_OPTIONS=--require <this file>. Plain CommonJS because it runs before ts-node or tsx is registered.
// With ASTRO_TIMING_DIR set, it writes <dir>/<pid>.json when the process exits (only for the process
// that loaded a program entry): when the process started (epoch ms), how long node took to reach this
// file, how long the language runtime took to reach the program (ts-node/tsx registration, engine
// connection), the program's module loading, its evaluation (the exported function, when there is
// one, until its promise settles when it returns one), the wait for the engine afterwards, the module loading of each phase as exclusive time per
// package (project files together as `program`, TypeScript transpilation included), and each
// RegisterResource round trip (what the engine and the provider did for that resource). The entry is
// ASTRO_TIMING_ENTRY, or else the first .ts/.js file loaded from outside node_modules (the ts-node
// transpiler, a .cjs file, loads before it).
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const dir = process.env.ASTRO_TIMING_DIR;
const entryFile = process.env.ASTRO_TIMING_ENTRY;
const probeLoaded = performance.now();

/** The package a file belongs to (`@scope/name`, `name`), `program` for project files, else `node`. */
function group(filename) {
    const i = filename.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (i < 0) {
        return "program";
    }
    const parts = filename.slice(i + 14).split(path.sep);
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? "node");
}

/** Exclusive module-loading time per package, by phase. */
const phases = { runtime: new Map(), load: new Map(), evaluate: new Map(), after: new Map() };
const frames = [];
/** Exclusive load time of each project file. */
const programFiles = new Map();
const marks = { entryStart: undefined, entryEnd: undefined, evalStart: undefined, evalEnd: undefined };
const rpcs = [];

/** Wraps the monitor client so every RegisterResource round trip is timed. */
function patchMonitor(exports) {
    const proto = exports.ResourceMonitorClient?.prototype;
    const original = proto?.registerResource;
    if (typeof original !== "function") {
        return;
    }
    proto.registerResource = function (req, ...rest) {
        const start = performance.now();
        const callback = rest[rest.length - 1];
        if (typeof callback === "function") {
            rest[rest.length - 1] = (...args) => {
                rpcs.push({ type: req.getType(), name: req.getName(), start, ms: performance.now() - start });
                return callback(...args);
            };
        }
        return original.call(this, req, ...rest);
    };
}

/** The program entry: its exported function is wrapped to time the evaluation. */
function isEntry(filename) {
    if (marks.entryStart !== undefined) {
        return false;
    }
    if (entryFile !== undefined) {
        return filename === entryFile;
    }
    return group(filename) === "program" && /\.[jt]s$/.test(filename);
}

/** The phase a module load that started at `t` belongs to. */
function phaseAt(t) {
    if (marks.entryStart === undefined || t < marks.entryStart) {
        return phases.runtime;
    }
    if (marks.entryEnd === undefined) {
        return phases.load;
    }
    if (marks.evalStart !== undefined && marks.evalEnd === undefined) {
        return phases.evaluate;
    }
    return phases.after;
}

const load = Module.prototype.load;
Module.prototype.load = function (filename) {
    const entry = isEntry(filename);
    const frame = { child: 0 };
    frames.push(frame);
    const start = performance.now();
    if (entry) {
        marks.entryStart = start;
    }
    try {
        return load.call(this, filename);
    } finally {
        const end = performance.now();
        frames.pop();
        const parent = frames[frames.length - 1];
        if (parent !== undefined) {
            parent.child += end - start;
        }
        const g = group(filename);
        const phase = phaseAt(start);
        phase.set(g, (phase.get(g) ?? 0) + (end - start - frame.child));
        if (g === "program") {
            programFiles.set(filename, end - start - frame.child);
        }
        if (filename.endsWith(path.join("@pulumi", "pulumi", "proto", "resource_grpc_pb.js"))) {
            patchMonitor(this.exports);
        }
        if (entry) {
            marks.entryEnd = end;
            const program = this.exports;
            if (typeof program === "function") {
                this.exports = function (...args) {
                    marks.evalStart = performance.now();
                    let result;
                    try {
                        result = program.apply(this, args);
                    } finally {
                        marks.evalEnd = performance.now();
                    }
                    // An async program has evaluated when its promise settles.
                    if (typeof result?.then === "function") {
                        return result.then(
                            (value) => {
                                marks.evalEnd = performance.now();
                                return value;
                            },
                            (err) => {
                                marks.evalEnd = performance.now();
                                throw err;
                            },
                        );
                    }
                    return result;
                };
            }
        }
    }
};

process.on("exit", () => {
    if (dir === undefined || marks.entryStart === undefined) {
        return;
    }
    const exit = performance.now();
    const evalEnd = marks.evalEnd ?? marks.entryEnd;
    fs.writeFileSync(
        path.join(dir, `${process.pid}.json`),
        JSON.stringify({
            timeOrigin: performance.timeOrigin,
            nodeStart: probeLoaded,
            runtime: marks.entryStart - probeLoaded,
            load: marks.entryEnd - marks.entryStart,
            evaluate: marks.evalStart === undefined ? 0 : marks.evalEnd - marks.evalStart,
            engineWait: exit - evalEnd,
            exit,
            packages: Object.fromEntries(
                Object.entries(phases).map(([name, m]) => [
                    name,
                    Object.fromEntries([...m].sort((a, b) => b[1] - a[1])),
                ]),
            ),
            programFiles: Object.fromEntries(
                [...programFiles]
                    .sort((a, b) => b[1] - a[1])
                    .slice(0, 10)
                    .map(([f, t]) => [path.relative(process.cwd(), f), t]),
            ),
            rpcs,
        }),
    );
});
