// The pack, compiled: pack.ts and everything it imports (the policies, the program modules they share,
// zod, yaml, the secret detector) bundled by esbuild into one CommonJS file, dist/pack.js, with only
// @pulumi/* left to the pack's own node_modules. Loading that file took ~0.9 s of the pack process
// where loading the sources through the esbuild hook took ~2.7 s (a busy machine, docs/performance.md):
// ~260 modules resolved and read instead of one, and the program modules no longer pull in a second
// copy of @pulumi/pulumi (the project's) next to the pack's.
//
// Built on first use and whenever an input changed: dist/manifest.json records every input esbuild
// read (its metafile) with its size and modification time, and `packBundle` rebuilds when any differs,
// when an input is gone, or when the build options or esbuild's version changed. `npm run policy:deps`
// (CI's setup, `pretest`) builds it ahead. Written to a temporary name and renamed, so concurrent packs
// never read half a file. Without esbuild or a writable dist/, `packBundle` returns undefined and the
// entry loads the sources as before.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** Where the bundle is built from and to (the defaults: this pack). */
function layout(dir = __dirname) {
    return {
        entry: path.join(dir, "pack.ts"),
        out: path.join(dir, "dist", "pack.js"),
        manifest: path.join(dir, "dist", "manifest.json"),
    };
}

/** esbuild's options; part of the manifest, so a change of options rebuilds. */
function buildOptions(entry, out) {
    return {
        entryPoints: [entry],
        outfile: out,
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node20",
        // The pack's SDKs stay external: the runtime that starts the pack (policy/node_modules) serves them.
        external: ["@pulumi/*"],
        // The map next to the file (its comment added below): stack traces point into the TypeScript.
        sourcemap: "external",
        sourcesContent: false,
        absWorkingDir: path.dirname(entry),
        metafile: true,
        logLevel: "silent",
    };
}

function fingerprint(file) {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
}

/** True when the manifest describes the current inputs, options and esbuild. */
function isCurrent(paths, key) {
    let manifest;
    try {
        manifest = JSON.parse(fs.readFileSync(paths.manifest, "utf8"));
        fs.accessSync(paths.out);
    } catch {
        return false;
    }
    if (manifest.key !== key) {
        return false;
    }
    try {
        return Object.entries(manifest.inputs).every(([file, print]) => fingerprint(file) === print);
    } catch {
        return false; // an input is gone
    }
}

/**
 * The path of the current bundle, built first when missing or stale; `built` says whether this call
 * built it. Undefined when it cannot be built here (no esbuild, a read-only checkout): load the sources.
 */
function packBundle(dir = __dirname) {
    const paths = layout(dir);
    let esbuild;
    try {
        esbuild = require("esbuild");
    } catch {
        return undefined;
    }
    const options = buildOptions(paths.entry, paths.out);
    const key = JSON.stringify([esbuild.version, options]);
    if (isCurrent(paths, key)) {
        return { file: paths.out, built: false };
    }
    try {
        const tmp = `${paths.out}.${process.pid}.tmp`;
        const result = esbuild.buildSync({ ...options, outfile: tmp });
        const inputs = Object.fromEntries(
            Object.keys(result.metafile.inputs).map((rel) => {
                const file = path.resolve(options.absWorkingDir, rel);
                return [file, fingerprint(file)];
            }),
        );
        const code = fs.readFileSync(tmp, "utf8");
        fs.writeFileSync(tmp, `${code}//# sourceMappingURL=${path.basename(paths.out)}.map\n`);
        fs.renameSync(`${tmp}.map`, `${paths.out}.map`);
        fs.renameSync(tmp, paths.out);
        const manifestTmp = `${paths.manifest}.${process.pid}.tmp`;
        fs.writeFileSync(manifestTmp, JSON.stringify({ key, inputs }));
        fs.renameSync(manifestTmp, paths.manifest);
        return { file: paths.out, built: true };
    } catch {
        return undefined;
    }
}

exports.packBundle = packBundle;

if (require.main === module) {
    const result = packBundle();
    if (result === undefined) {
        console.error("policy pack: could not build policy/dist/pack.js (esbuild missing or dist/ not writable)");
        process.exit(1);
    }
    if (result.built) {
        console.error(`policy pack: built ${path.relative(process.cwd(), result.file)}`);
    }
}
