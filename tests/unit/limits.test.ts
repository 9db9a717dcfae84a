// Size and count limits (#23 item 7), refused up front naming the key. The release-size bounds below
// do not come from the estimate under test: Helm stores base64(gzip(release JSON)) in a Secret of at
// most 1 MiB, and random hex cannot compress below 4 bits a character, so a payload of N random hex
// characters stores at least N/2 * 4/3 bytes: above 1.6 M characters no release fits, whatever the
// chart; below 150 k characters (at most ~200 kB stored even counted twice) every release fits.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { validateStackConfig } from "../../chart/validate";
import { baseValues, raw } from "../fixtures/config";

type Values = Record<string, unknown>;

/** Where a payload can be put, and the config key a refusal must name for it. */
const PLACES: { key: string; put: (v: Values, payload: string) => void }[] = [
    { key: "extraValues.blob", put: (v, p) => (v.extraValues = { blob: p }) },
    { key: "workers[0].extraValues.blob", put: (v, p) => (v.workers = [{ name: "w", extraValues: { blob: p } }]) },
    {
        key: "triggerer.extraValues.extraNote.note",
        put: (v, p) => (v.triggerer = { extraValues: { extraNote: { note: p } } }),
    },
];

const hex = (chars: number) =>
    randomBytes(Math.ceil(chars / 2))
        .toString("hex")
        .slice(0, chars);

describe("size and count limits", function () {
    this.timeout(120000);

    it("values too big for Helm's release Secret are refused naming the key that holds them; small ones pass", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...PLACES),
                fc.oneof(fc.integer({ min: 1_000, max: 150_000 }), fc.integer({ min: 1_600_000, max: 2_500_000 })),
                (place, size) => {
                    const values = baseValues();
                    place.put(values, hex(size));
                    const result = validateStackConfig(raw(values));
                    if (size <= 150_000) {
                        assert.ok(result.ok, `${size} characters at ${place.key} refused`);
                        return;
                    }
                    if (result.ok) {
                        assert.fail(`${size} characters at ${place.key} accepted`);
                    }
                    assert.deepEqual(
                        result.problems.map((p) => p.key),
                        [place.key],
                    );
                    const message = result.problems[0]?.message ?? "";
                    assert.match(message, /1 MiB/);
                    assert.match(
                        message,
                        new RegExp(`Largest config keys: ${place.key.replace(/[[\].]/g, "\\$&")} \\(`),
                    );
                    assert.ok(message.length < 2000, "the message must not print the payload");
                },
            ),
            { numRuns: 24, seed: 7 },
        );
    });

    it("queues past the per-worker bounds are refused naming the worker's key", () => {
        const seen = { count: 0, length: 0, fine: 0 };
        fc.assert(
            fc.property(
                fc.integer({ min: 0, max: 2 }),
                fc.integer({ min: 1, max: 1400 }),
                fc.integer({ min: 1, max: 256 }),
                (index, count, length) => {
                    const values = baseValues();
                    const workers: Values[] = [{ name: "w0" }, { name: "w1" }, { name: "w2" }];
                    const queues = Array.from({ length: count }, (_, i) => `${i}-`.padEnd(length, "q").slice(-length));
                    workers[index] = { name: `w${index}`, queues: [...new Set(queues)] };
                    values.workers = workers;
                    const distinct = new Set(queues);
                    const joined = [...distinct].join(",").length;
                    const result = validateStackConfig(raw(values));
                    const key = `workers[${index}].queues`;
                    const hit = result.ok ? undefined : result.problems.find((p) => p.key === key);
                    if (distinct.size > 1000) {
                        assert.match(hit?.message ?? "", /^lists \d+ queues; at most 1000 per worker/);
                        seen.count++;
                    } else if (joined > 128 * 1024) {
                        assert.match(hit?.message ?? "", /Linux refuses one longer than 131072 bytes/);
                        seen.length++;
                    } else {
                        assert.equal(hit, undefined, `${distinct.size} queues, ${joined} bytes refused`);
                        seen.fine++;
                    }
                },
            ),
            { numRuns: 60, seed: 7 },
        );
        assert.ok(seen.count > 3 && seen.length > 3 && seen.fine > 3, JSON.stringify(seen));
    });

    it("a queue name longer than Airflow's 256 characters is refused", () => {
        const values = baseValues();
        values.workers = [{ name: "w", queues: ["q".repeat(257)] }];
        const result = validateStackConfig(raw(values));
        const hit = result.ok ? undefined : result.problems.find((p) => p.key === "workers[0].queues[0]");
        assert.match(hit?.message ?? "", /at most 256 characters \(it has 257\)/);
    });
});
