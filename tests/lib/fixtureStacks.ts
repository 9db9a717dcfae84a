// The stack files under tests/fixtures/stacks, validated as the program validates stack config.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { validateStackConfig } from "../../chart/validate";
import type { AgentConfig } from "../../config/schema";
import { readStackFile } from "../../scripts/lib/stackFile";

const ROOT = path.join(__dirname, "..", "..");

/**
 * The validated config of `tests/fixtures/stacks/Pulumi.<name>.yaml`, with top-level keys replaced by
 * `overrides` (each given as the value a stack file would hold); fails the test when it is refused.
 */
export function fixtureConfig(name: string, overrides: Record<string, unknown> = {}): AgentConfig {
    const file = readStackFile(ROOT, name, path.join(ROOT, "tests", "fixtures", "stacks", `Pulumi.${name}.yaml`));
    const values = { ...file.config };
    for (const [key, value] of Object.entries(overrides)) {
        values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const r = validateStackConfig({
        project: file.project,
        stack: file.stack,
        values,
        secretKeys: new Set(file.secretKeys),
    });
    assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.problems));
    return r.config;
}
