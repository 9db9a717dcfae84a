// `npm run recover`'s lock check (scripts/lib/stackLock.ts) over generated lock files on a temporary
// file backend: a stale lock is removed only when it is this host's and its process is gone.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { classifyLocks, localLocks } from "../../scripts/lib/stackLock";

const lock = fc.record({
    host: fc.constantFrom("this-host", "other-host", undefined),
    pid: fc.option(fc.integer({ min: 2, max: 99999 }), { nil: undefined }),
    alive: fc.boolean(),
    layout: fc.constantFrom("project", "legacy"),
});

describe("recover: the local backend's stack lock", () => {
    it("reads the lock files of this stack only (project and legacy layouts) and classifies each", () => {
        fc.assert(
            fc.property(fc.array(lock, { maxLength: 5 }), (locks) => {
                const root = fs.mkdtempSync(path.join(os.tmpdir(), "astro-lock-"));
                try {
                    const alive = new Set<number>();
                    const written = locks.map((l, i) => {
                        const dir =
                            l.layout === "project"
                                ? path.join(root, ".pulumi", "locks", "organization", "astro-agent", "dev")
                                : path.join(root, ".pulumi", "locks", "dev");
                        fs.mkdirSync(dir, { recursive: true });
                        const file = path.join(dir, `${String(i)}.json`);
                        fs.writeFileSync(file, JSON.stringify({ pid: l.pid, hostname: l.host }));
                        if (l.alive && l.pid !== undefined) {
                            alive.add(l.pid);
                        }
                        return { ...l, file };
                    });
                    // another stack's lock is never read
                    const other = path.join(root, ".pulumi", "locks", "organization", "astro-agent", "prod");
                    fs.mkdirSync(other, { recursive: true });
                    fs.writeFileSync(path.join(other, "x.json"), JSON.stringify({ pid: 1, hostname: "this-host" }));

                    const read = localLocks(`file://${root}`, "astro-agent", "dev") ?? [];
                    assert.deepEqual(read.map((r) => r.file).sort(), written.map((w) => w.file).sort());
                    const { stale, refusals } = classifyLocks(read, "dev", "this-host", (pid) => alive.has(pid));
                    const wantStale = written.filter(
                        (w) => w.host === "this-host" && w.pid !== undefined && !alive.has(w.pid),
                    );
                    assert.deepEqual(stale.map((s) => s.file).sort(), wantStale.map((w) => w.file).sort());
                    assert.equal(refusals.length, written.length - wantStale.length);
                    for (const w of written.filter((x) => !wantStale.includes(x))) {
                        const why = refusals.find((r) => r.includes(w.file));
                        assert.ok(why !== undefined, w.file);
                        assert.match(
                            why,
                            w.host === "this-host" && w.pid !== undefined
                                ? /holds the lock of stack 'dev'.*wait for it to end/
                                : /cannot tell whether it still runs; once you are sure it does not, run with --force/,
                        );
                    }
                } finally {
                    fs.rmSync(root, { recursive: true, force: true });
                }
            }),
            { numRuns: 50 },
        );
    });

    it("a service backend's lock cannot be read", () => {
        assert.equal(localLocks("https://api.pulumi.com", "astro-agent", "dev"), undefined);
    });
});
