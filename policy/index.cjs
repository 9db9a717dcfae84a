// The pack's entry (package.json "main"); the pack itself is pack.ts.
// `@pulumi/pulumi/cmd/run-policy-pack` registers ts-node WITH type-checking for every .ts file the pack
// loads, whatever PULUMI_NODEJS_TRANSPILE_ONLY says (`npm test` type-checks the pack instead). So the
// pack runs compiled: dist/pack.js, one file bundled from pack.ts and everything it imports, built on
// first use and rebuilt when any input changed (./bundle.cjs). Where it cannot be built (no esbuild, a
// read-only checkout), the sources load through the project's own transform (scripts/lib/register.cjs:
// esbuild, no type-check), which takes over the .ts hook ts-node installed.
"use strict";
const bundle = require("./bundle.cjs").packBundle();
if (bundle !== undefined) {
    require(bundle.file);
} else {
    require("../scripts/lib/register.cjs");
    require("./pack.ts");
}
