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

function row(r: RecordedResource): string {
    return `${r.type} ${r.name} ${r.parent ?? "-"}`;
}

/**
 * The resources in a fixed order. Under mocks a resource is recorded when its inputs have resolved, and
 * an Output arg resolves a few ticks after a literal, so two runs of the same plan may record it in
 * different orders: the plan is the set of resources (each with its parent), not that order.
 */
function ordered(resources: readonly RecordedResource[]): RecordedResource[] {
    return [...resources].sort((a, b) => (row(a) < row(b) ? -1 : row(a) > row(b) ? 1 : 0));
}

function plan(resources: readonly RecordedResource[]): string[] {
    return ordered(resources).map(row);
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
                        ordered(unknown.resources).map((r) => r.inputs),
                        ordered(plain.resources).map((r) => r.inputs),
                        "the value is unknown in some resource's inputs",
                    );
                });
                it("known and valid: every resource gets exactly the inputs of the plain value", async () => {
                    const value = valueAt(c.args(), c.path);
                    const plain = await run(c.args());
                    const wired = await run(withValueAt(c.args(), c.path, pulumi.output(value)));
                    assert.equal(wired.error, undefined, wired.error);
                    assert.deepEqual(plan(wired.resources), plan(plain.resources));
                    const expected = ordered(plain.resources);
                    for (const [i, r] of ordered(wired.resources).entries()) {
                        assert.deepEqual(r.inputs, expected[i]?.inputs, `inputs of ${r.type} ${r.name}`);
                    }
                });
                it("known and invalid: fails naming the key with the plain value's message; nothing gets it", async () => {
                    const expected = constructionProblem(c);
                    const wired = await run(withValueAt(c.args(), c.path, pulumi.output(c.invalid)));
                    assert.ok(wired.error !== undefined, "the run failed");
                    assert.ok(wired.error.includes(expected), `${wired.error}\n  does not include\n${expected}`);
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
