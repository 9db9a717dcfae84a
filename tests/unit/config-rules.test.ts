// config/rules/: one cross-key rule per file, each listed once in CONFIG_RULES (the order they run and
// report in), and the schema runs exactly those.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_RULES } from "../../config/rules";
import type { ConfigRule } from "../../config/rules/rule";
import { CONFIG_KEYS } from "../../config/schema";

const RULES_DIR = path.join(__dirname, "..", "..", "config", "rules");
/** Files of config/rules/ that are not a schema rule: the list, the rule type, shared parts, a warning. */
const NOT_RULES = ["index.ts", "rule.ts", "parts.ts", "xcomExpiry.ts", "judgements.ts"];

function isRule(v: unknown): v is ConfigRule {
    return (
        v !== null &&
        typeof v === "object" &&
        Array.isArray((v as ConfigRule).reads) &&
        typeof (v as ConfigRule).check === "function"
    );
}

describe("config rules (config/rules/)", () => {
    const files = fs
        .readdirSync(RULES_DIR)
        .filter((f) => f.endsWith(".ts") && !NOT_RULES.includes(f))
        .sort();

    it("each rule file exports exactly one rule, and CONFIG_RULES lists each once", () => {
        const exported = files.map((f) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- every file of the folder, by name
            const rules = Object.values(require(path.join(RULES_DIR, f)) as Record<string, unknown>).filter(isRule);
            assert.equal(rules.length, 1, `${f} exports ${rules.length} rules`);
            return rules[0]!;
        });
        assert.equal(files.length, 25);
        assert.equal(CONFIG_RULES.length, exported.length);
        assert.equal(new Set(CONFIG_RULES).size, CONFIG_RULES.length);
        for (const [i, rule] of exported.entries()) {
            assert.ok(CONFIG_RULES.includes(rule), `${files[i]} is not in CONFIG_RULES`);
        }
    });

    it("every rule reads only top-level config keys", () => {
        for (const rule of CONFIG_RULES) {
            assert.deepEqual(
                rule.reads.filter((k) => !CONFIG_KEYS.includes(k)),
                [],
            );
        }
    });
});
