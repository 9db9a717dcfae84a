// The pack's entry (package.json "main"); the pack itself is pack.ts.
// `@pulumi/pulumi/cmd/run-policy-pack` registers ts-node WITH type-checking for every .ts file the pack
// loads, whatever PULUMI_NODEJS_TRANSPILE_ONLY says, and the pack loads the program's own config, chart
// and pod-guard modules: type-checking them was most of each `preview --policy-pack` (docs/policy-pack.md).
// `npm test` type-checks the pack (tsc over policy/**/*.ts), so here it loads through the project's own
// transform instead (scripts/lib/register.cjs: esbuild, no type-check, the loader of the tests and
// scripts), which takes over the .ts hook ts-node installed.
"use strict";
require("../scripts/lib/register.cjs");
require("./pack.ts");
