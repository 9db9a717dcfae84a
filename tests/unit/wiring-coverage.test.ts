// Every wiring key of the schema (a key that takes an Output in component args) has its three mock
// tests: a `describeWiring` case (tests/lib/wiring.ts) with its key path, in wiring.test.ts (top level
// and the external backend) or wiring-<kind>.test.ts (a backend's keys). Adding a wiring key without
// its tests fails here.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { wiringKeyPaths } from "../../config/docs";

const DIR = __dirname;

/**
 * `["backend", "oidcProvider", "arn"` as the test files write a case's path (prettier's one-line form),
 * open-ended so a map key may follow; `[[…], invalid]` rows of a table of cases count too.
 */
function literal(parts: string[]): string {
    return `[${parts.map((p) => JSON.stringify(p)).join(", ")}`;
}

describe("wiring keys: each one has its mock tests", () => {
    it("the schema has wiring keys at the top level and in every backend that names other resources", () => {
        const paths = wiringKeyPaths();
        assert.ok(paths.includes("namespace"));
        for (const kind of ["external", "aws", "azure", "gcp", "vault"]) {
            assert.ok(
                paths.some((p) => p.startsWith(`backend (kind=${kind})`)),
                kind,
            );
        }
    });

    for (const key of wiringKeyPaths()) {
        it(`${key} is a describeWiring case`, () => {
            const m = /^backend \(kind=([a-z]+)\)\.(.+)$/.exec(key);
            const kind = m?.[1];
            const rest = m?.[2] ?? key;
            const file = kind === undefined || kind === "external" ? "wiring.test.ts" : `wiring-${kind}.test.ts`;
            const source = fs.readFileSync(path.join(DIR, file), "utf8").replace(/\s+/g, " ");
            // `<key>` (a map entry) is any key of that map: the case names one.
            const parts = [...(kind === undefined ? [] : ["backend"]), ...rest.split(".").filter((p) => p !== "<key>")];
            assert.ok(
                source.includes(`path: ${literal(parts)}`) || source.includes(`[${literal(parts)}]`),
                `${file} has no describeWiring case with path ${literal(parts)}…]`,
            );
        });
    }
});
