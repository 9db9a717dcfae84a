// Mocha's spec output, then the plain closing line CI reads: `N passed, N failed[, N skipped]`.
// With TEST_RESULTS_DIR set, the counts are also written to <dir>/<TEST_SUITE or "unit">.json so
// .ci/run can add up several suites.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const Mocha = require("mocha");

class PlainSummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = this.stats;
            const line = `${passes} passed, ${failures} failed${pending > 0 ? `, ${pending} skipped` : ""}`;
            const dir = process.env.TEST_RESULTS_DIR;
            if (dir) {
                fs.mkdirSync(dir, { recursive: true });
                const suite = process.env.TEST_SUITE || "unit";
                fs.writeFileSync(
                    path.join(dir, `${suite}.json`),
                    JSON.stringify({ suite, passed: passes, failed: failures, skipped: pending }),
                );
            }
            // After the spec reporter's epilogue.
            process.on("exit", () => process.stdout.write(`${line}\n`));
        });
    }
}
module.exports = PlainSummaryReporter;
