// The reviewer summary's parsing and rendering rules on small synthetic inputs (the e2e suite runs it
// on the engine's real `pulumi preview --json` output).
import * as assert from "node:assert/strict";
import { diffValues, parsePreviewOutput, renderSummary, showValue, UNKNOWN } from "../../scripts/lib/previewSummary";

const PROVIDER = "urn:pulumi:prod::astro-agent::pulumi:providers:kubernetes::default::id";
const urn = (types: string, name: string) => `urn:pulumi:prod::astro-agent::${types}::${name}`;
const NS_URN = urn(
    "astro-remote-agent:index:RemoteExecutionAgent$astro-remote-agent:index:AgentNamespace$kubernetes:core/v1:Namespace",
    "ns",
);
const PVC_URN = urn(
    "astro-remote-agent:index:RemoteExecutionAgent$astro-remote-agent:index:LocalBackend$kubernetes:core/v1:PersistentVolumeClaim",
    "xcom",
);
const REL_URN = urn(
    "astro-remote-agent:index:RemoteExecutionAgent$astro-remote-agent:index:AgentRelease$kubernetes:helm.sh/v3:Release",
    "rel",
);
const COMPONENT_URN = urn("astro-remote-agent:index:RemoteExecutionAgent", "agent");

/** One line of the event stream. */
const event = (sequence: number, body: Record<string, unknown>) => JSON.stringify({ sequence, timestamp: 0, ...body });
const pre = (sequence: number, op: string, u: string, extra: Record<string, unknown> = {}) =>
    event(sequence, { resourcePreEvent: { metadata: { op, urn: u, provider: PROVIDER, ...extra } } });

describe("preview summary: parsing both JSON forms", () => {
    it("reads the accepted prod risks recorded on the release, changed or not, and lists them under the heading", () => {
        const description =
            "astro-agent accepted risks: unrestrictedPods (restricted); floatingImageTag (image, sentinel.image)";
        const stream = [
            pre(1, "same", REL_URN, {
                type: "kubernetes:helm.sh/v3:Release",
                new: { inputs: { description, values: {} } },
            }),
            pre(2, "delete", PVC_URN),
        ].join("\n");
        const report = parsePreviewOutput(stream);
        assert.deepEqual(report.acceptedRisks, [
            { risk: "unrestrictedPods", keys: ["restricted"] },
            { risk: "floatingImageTag", keys: ["image", "sentinel.image"] },
        ]);
        const md = renderSummary(report, { stack: "prod" }).split("\n");
        assert.equal(md[0], "### ✅ `pulumi preview` of stack `prod`: 1 to delete");
        assert.equal(
            md[2],
            "**Accepted prod risks** (`acceptRisks`, 2): `unrestrictedPods` (`restricted`); `floatingImageTag` (`image`, `sentinel.image`)",
        );
        const digest = JSON.stringify({
            steps: [
                {
                    op: "same",
                    urn: REL_URN,
                    provider: PROVIDER,
                    newState: { type: "kubernetes:helm.sh/v3:Release", inputs: { description } },
                },
            ],
        });
        assert.deepEqual(parsePreviewOutput(digest).acceptedRisks, report.acceptedRisks);
        assert.doesNotMatch(
            renderSummary(parsePreviewOutput(pre(1, "delete", PVC_URN)), { stack: "prod" }),
            /Accepted/,
        );
    });

    it("folds a replacement's steps into one change and skips components and the stack", () => {
        const stream = [
            event(0, { resourcePreEvent: { metadata: { op: "create", urn: COMPONENT_URN, provider: "" } } }),
            pre(1, "create-replacement", NS_URN, { keys: ["metadata.name"] }),
            pre(2, "replace", NS_URN, {
                keys: ["metadata.name"],
                old: { inputs: { metadata: { name: "a" } } },
                new: { inputs: { metadata: { name: "b" } } },
            }),
            pre(3, "delete-replaced", NS_URN),
            pre(4, "delete", PVC_URN),
            pre(5, "same", REL_URN),
            event(6, {
                policyEvent: {
                    resourceUrn: NS_URN,
                    message: "Description.\nthe message\n",
                    policyName: "agent-namespace-restricted",
                    policyPackName: "astro-agent",
                    policyPackVersion: "0.1.0",
                    enforcementLevel: "mandatory",
                },
            }),
            event(7, { diagnosticEvent: { prefix: "error: ", message: "preview failed\n", severity: "error" } }),
        ].join("\n");
        const report = parsePreviewOutput(stream);
        assert.deepEqual(
            report.changes.map((c) => [c.op, c.type, c.name, c.reasons]),
            [
                ["replace", "kubernetes:core/v1:Namespace", "ns", ["metadata.name"]],
                ["delete", "kubernetes:core/v1:PersistentVolumeClaim", "xcom", []],
            ],
        );
        assert.deepEqual(report.changes[0]?.oldInputs, { metadata: { name: "a" } });
        assert.deepEqual(report.violations, [
            {
                policy: "agent-namespace-restricted",
                pack: "astro-agent@0.1.0",
                level: "mandatory",
                urn: NS_URN,
                message: "Description.\nthe message",
            },
        ]);
        assert.deepEqual(report.errors, ["error: preview failed"]);
    });

    it("reads the digest, which carries no policy events", () => {
        const digest = JSON.stringify(
            {
                steps: [
                    { op: "create", urn: urn("pulumi:pulumi:Stack", "s") },
                    {
                        op: "update",
                        urn: REL_URN,
                        provider: PROVIDER,
                        diffReasons: ["values"],
                        newState: { type: "kubernetes:helm.sh/v3:Release" },
                    },
                ],
                diagnostics: [{ message: "error: boom\n", severity: "error" }],
            },
            null,
            4,
        );
        const report = parsePreviewOutput(digest);
        assert.deepEqual(
            report.changes.map((c) => [c.op, c.name, c.reasons]),
            [["update", "rel", ["values"]]],
        );
        assert.equal(report.violations, undefined);
        assert.deepEqual(report.errors, ["error: boom"]);
    });

    it("refuses empty or broken input", () => {
        assert.throws(() => parsePreviewOutput("  \n"), /empty preview output/);
        assert.throws(() => parsePreviewOutput('{"sequence":0}\nnot json'), /line 2 is not JSON/);
    });
});

describe("preview summary: values", () => {
    it("diffs leaves, reporting added or removed subtrees whole", () => {
        assert.deepEqual(diffValues({ a: 1, list: [1, 2], obj: { x: "y" } }, { a: 2, list: [1], added: { k: true } }), [
            { path: "a", before: 1, after: 2 },
            { path: "added", before: undefined, after: { k: true } },
            { path: "list[1]", before: 2, after: undefined },
            { path: "obj", before: { x: "y" }, after: undefined },
        ]);
    });

    it("never prints secrets or credential-shaped values; marks unknowns", () => {
        assert.equal(
            showValue("x", { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" }),
            "[secret]",
        );
        assert.equal(showValue("x", "[secret]"), "[secret]");
        assert.equal(showValue("x", UNKNOWN), "(known after apply)");
        assert.equal(
            showValue("commonEnv[0].value", "postgres://u:hunter2@db/x"),
            "[masked: a password in a database connection string]",
        );
        assert.equal(showValue("extra.apiKey", "abc123"), "[masked: a credential under the key 'apiKey']");
        assert.equal(showValue("workers[0].queues", "default|x`y"), "`default x y`");
        assert.equal(showValue("a", undefined), "(absent)");
        assert.equal(showValue("a", "x".repeat(100)), `\`${"x".repeat(59)}…\``);
    });
});

describe("preview summary: Markdown", () => {
    const change = (op: "create" | "update" | "replace" | "delete", u: string, extra = {}) => {
        const [type, name] = [u.split("::")[2]?.split("$").pop() ?? "", u.split("::")[3] ?? ""];
        return { op, urn: u, type, name, reasons: [], ...extra };
    };

    it("puts data stores first and shows the status of the policy run", () => {
        const md = renderSummary(
            {
                changes: [
                    change("create", REL_URN),
                    change("delete", PVC_URN, { oldInputs: { metadata: { name: "astro-dev-xcom" } } }),
                ],
                violations: [{ policy: "p", pack: "a@1", level: "advisory", message: "careful" }],
                errors: [],
            },
            { stack: "dev" },
        );
        assert.equal(
            md,
            [
                "### ⚠️ `pulumi preview` of stack `dev`: 1 to delete, 1 to create",
                "",
                "**Data stores replaced or deleted** (their contents go with them unless retained):",
                "",
                "- ⚠️ **delete** persistent volume claim `astro-dev-xcom` — `kubernetes:core/v1:PersistentVolumeClaim` `xcom`",
                "",
                "| change | resource | type | why |",
                "| --- | --- | --- | --- |",
                "| delete | `xcom` | `kubernetes:core/v1:PersistentVolumeClaim` |  |",
                "| create | `rel` | `kubernetes:helm.sh/v3:Release` |  |",
                "",
                "**Policy violations** (1):",
                "",
                "- ⚠️ advisory `p`: careful",
                "",
            ].join("\n"),
        );
    });

    it("shows ❌ for a mandatory violation, caps long tables, and diffs the release values", () => {
        const md = renderSummary(
            {
                changes: [
                    change("update", REL_URN, {
                        oldInputs: { values: { a: 1, b: 1, c: 1 } },
                        newInputs: { values: { a: 2, b: 2, c: 2 } },
                    }),
                ],
                violations: [{ policy: "p", pack: "a@1", level: "mandatory", urn: NS_URN, message: "no\nway" }],
                errors: [],
            },
            { stack: "prod", maxRows: 2 },
        );
        const lines = md.split("\n");
        assert.equal(lines[0], "### ❌ `pulumi preview` of stack `prod`: 1 to update");
        assert.ok(lines.includes("- ❌ mandatory `p` on `kubernetes:core/v1:Namespace` `ns`: no — way"));
        assert.ok(lines.includes("**Chart values** of `rel` (3 changed):"));
        assert.deepEqual(
            lines.filter((l) => l.startsWith("| `") || l.startsWith("| …")),
            ["| `a` | `1` | `2` |", "| `b` | `1` | `2` |", "| … 1 more | | |"],
        );
    });
});
