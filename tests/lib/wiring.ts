// The mock tests every wiring key gets (issue: "Inputs where resources meet"). For a key given as an
// Output in component args, three runs of the real component under Pulumi's mock runtime:
//   - unknown at preview: the program registers exactly the plan it registers with the plain value
//     (same types, names, parents), without error;
//   - known and valid: every resource receives exactly the inputs it receives with the plain value;
//   - known and invalid: the deployment fails with the message the plain value gets at construction
//     (same full key path, same text), and no resource receives the invalid value.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { RemoteExecutionAgent } from "../../components";
import { withValueAt } from "../../config/wiring";
import { runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { PROJECT } from "../fixtures/config";

/** One wiring key to test. */
export interface WiringCase {
    /** Key path from the args root, e.g. `["backend", "oidcProvider", "arn"]`. */
    path: (string | number)[];
    /** Component args with a valid plain value at `path`. */
    args: () => Record<string, unknown>;
    /** Another value the key rejects (checked to be rejected as a plain value too). */
    invalid: unknown;
}

function program(args: Record<string, unknown>): () => void {
    return () => {
        new RemoteExecutionAgent("agent", args as never);
    };
}

const planKey = (r: RecordedResource) => `${r.type} ${r.name} ${r.parent ?? "-"}`;

/**
 * The resources sorted by type, name and parent. Registration order is not part of the plan: a
 * resource registers once its inputs resolve, so one whose inputs wait on lookups registers later
 * with known values than with unknown ones.
 */
function inPlanOrder(resources: readonly RecordedResource[]): RecordedResource[] {
    const keyed = resources.map((r) => ({ key: planKey(r), r }));
    return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.r);
}

function plan(resources: readonly RecordedResource[]): string[] {
    return inPlanOrder(resources).map(planKey);
}

function valueAt(args: Record<string, unknown>, path: readonly (string | number)[]): unknown {
    return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], args);
}

/**
 * One mock run of the agent. A value that fails its check after resolving makes the resource that
 * needed it fail to register; the language host reports that as the program's failure (an unhandled
 * rejection ends the program, as on the real engine), so the run ends at the first one.
 */
async function run(args: Record<string, unknown>, preview = false) {
    const sink: RecordedResource[] = [];
    const previous = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    let error: string | undefined;
    const failed = new Promise<void>((resolve) =>
        process.on("unhandledRejection", (reason) => {
            error ??= reason instanceof Error ? reason.message : String(reason);
            resolve();
        }),
    );
    try {
        await Promise.race([
            runUnderMocks({ project: PROJECT, stack: "wiring", config: {}, program: program(args), preview, sink }),
            failed,
        ]);
    } catch (err) {
        error ??= err instanceof Error ? err.message : String(err);
    } finally {
        if (error !== undefined) {
            // Registrations already under way when the first failure ended the program still land (the
            // mock monitor answers in this process): wait until none has landed for 50 ms, at most
            // 500 ms, so "nothing received the value" looks at all of them.
            for (let waited = 0; waited < 500; waited += 50) {
                const landed = sink.length;
                await new Promise((resolve) => setTimeout(resolve, 50));
                if (sink.length === landed) {
                    break;
                }
            }
        }
        process.removeAllListeners("unhandledRejection");
        for (const l of previous) {
            process.on("unhandledRejection", l);
        }
    }
    return { resources: sink.filter((r) => r.type !== "pulumi:pulumi:Stack"), error };
}

/** The message line(s) construction gives for the plain invalid value. */
function constructionProblem(c: WiringCase): string {
    const args = withValueAt(c.args(), c.path, c.invalid);
    try {
        new RemoteExecutionAgent("agent", args as never);
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const lines = message.split("\n").filter((l) => l.startsWith("  - "));
        assert.ok(lines.length > 0, `no problem lines in: ${message}`);
        return lines.join("\n");
    }
    assert.fail(`the plain value ${JSON.stringify(c.invalid)} at ${c.path.join(".")} was accepted`);
}

/** Registers the three tests of each case. */
export function describeWiring(title: string, cases: readonly WiringCase[]): void {
    describe(title, () => {
        for (const c of cases) {
            const key = c.path.join(".");
            describe(`${key} as an Output`, () => {
                it("unknown at preview: the same plan as the plain value, no error", async () => {
                    const plain = await run(c.args(), true);
                    assert.equal(plain.error, undefined);
                    const unknown = await run(
                        withValueAt(c.args(), c.path, pulumi.output(pulumi.unknown as unknown as string)),
                        true,
                    );
                    assert.equal(unknown.error, undefined, unknown.error);
                    assert.deepEqual(plan(unknown.resources), plan(plain.resources));
                    assert.notDeepEqual(
                        inPlanOrder(unknown.resources).map((r) => r.inputs),
                        inPlanOrder(plain.resources).map((r) => r.inputs),
                        "the value is unknown in some resource's inputs",
                    );
                });
                it("known and valid: every resource gets exactly the inputs of the plain value", async () => {
                    const value = valueAt(c.args(), c.path);
                    const plain = await run(c.args());
                    const wired = await run(withValueAt(c.args(), c.path, pulumi.output(value)));
                    assert.equal(wired.error, undefined, wired.error);
                    assert.deepEqual(plan(wired.resources), plan(plain.resources));
                    const plainInputs = new Map(plain.resources.map((r) => [planKey(r), r.inputs]));
                    for (const r of wired.resources) {
                        assert.deepEqual(r.inputs, plainInputs.get(planKey(r)), `inputs of ${r.type} ${r.name}`);
                    }
                });
                it("known and invalid: fails naming the key with the plain value's message; nothing gets it", async () => {
                    const expected = constructionProblem(c);
                    const wired = await run(withValueAt(c.args(), c.path, pulumi.output(c.invalid)));
                    assert.ok(wired.error !== undefined, "the run failed");
                    // Whole lines: an Output refused at construction gets the same text plus "(got a mapping)".
                    const lines = wired.error.split("\n");
                    for (const line of expected.split("\n")) {
                        assert.ok(lines.includes(line), `${wired.error}\n  does not have the line\n${line}`);
                    }
                    const needle = JSON.stringify(c.invalid);
                    for (const r of wired.resources) {
                        assert.ok(
                            !JSON.stringify(r.inputs).includes(needle),
                            `${r.type} ${r.name} got the invalid value`,
                        );
                    }
                });
            });
        }
    });
}
