// The unit tests (`npm run test:unit`, a gate of `npm test`): TypeScript through ./scripts/lib/register.cjs,
// test files spread over one worker process per core (at least two: the render, package and lazy-SDK
// tests wait on child processes, and the other worker runs meanwhile). The e2e suite has its own
// config (.mocharc.e2e.json): one cluster, one file at a time.
"use strict";
const os = require("node:os");

module.exports = {
    require: ["./scripts/lib/register.cjs"],
    extension: ["ts"],
    spec: ["tests/unit/**/*.test.ts"],
    reporter: "./tests/reporter.cjs",
    timeout: 20000,
    parallel: true,
    jobs: Math.max(2, os.availableParallelism()),
};
