// The layering lint (eslint.config.mjs): schema/ → backends/ → config/ → chart/ → doctor/ → components/ →
// program/ + index.ts, each layer importing only those below it. The repository's own ESLint config lints
// snippets placed (by file path) in each layer; only the layering rules run, without type information.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ESLint } from "eslint";

const ROOT = path.join(__dirname, "..", "..");
const LAYER_RULES = new Set(["no-restricted-imports", "no-restricted-syntax"]);

let eslint: ESLint;

/** The layering errors ESLint reports for `code` as the file `file` (relative to the repository root). */
async function layerErrors(file: string, code: string): Promise<{ rule: string | null; message: string }[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    assert.ok(result, `no lint result for ${file}`);
    assert.deepEqual(
        result.messages.filter((m) => m.fatal === true),
        [],
        `${file} did not parse`,
    );
    return result.messages.map((m) => ({ rule: m.ruleId, message: m.message }));
}

/** Asserts exactly one layering error, naming `layer` and the layer order. */
async function assertRefused(file: string, code: string, layer: string): Promise<void> {
    const errors = await layerErrors(file, code);
    assert.equal(errors.length, 1, `${file}: ${code}\n${JSON.stringify(errors)}`);
    assert.ok(LAYER_RULES.has(errors[0]!.rule ?? ""), errors[0]!.rule ?? "");
    // no-restricted-imports puts "'<path>' import is restricted from being used by a pattern." first
    const expected = `${layer}/ may import only the layers below it (schema/ → backends/ → config/ → chart/ → doctor/ → components/ → program/ + index.ts): this import reaches up.`;
    assert.ok(errors[0]!.message.endsWith(expected), errors[0]!.message);
}

describe("layering lint (eslint.config.mjs)", function () {
    this.timeout(60000);

    before(() => {
        eslint = new ESLint({
            cwd: ROOT,
            // the real config, without type information (snippets are not in the TypeScript project)
            overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
            ruleFilter: ({ ruleId }) => LAYER_RULES.has(ruleId),
        });
    });

    it("config/ may not import components/", async () => {
        await assertRefused(
            "config/probe.ts",
            'import { RemoteExecutionAgent } from "../components/remoteExecutionAgent";\nexport const x = RemoteExecutionAgent;\n',
            "config",
        );
    });

    it("config/ may not import chart/, not even a type", async () => {
        await assertRefused(
            "config/probe.ts",
            'import { buildChartValues } from "../chart/values";\nexport const x = buildChartValues;\n',
            "config",
        );
        await assertRefused(
            "config/probe.ts",
            'import type { ChartValues } from "../chart/values";\nexport type X = ChartValues;\n',
            "config",
        );
    });

    it("backends/ may not import config/ (nor re-export it, nor require components/ lazily)", async () => {
        await assertRefused(
            "backends/aws/probe.ts",
            'import { agentConfigSchema } from "../../config/schema";\nexport const x = agentConfigSchema;\n',
            "backends",
        );
        await assertRefused("backends/probe.ts", 'export * from "../config/errors";\n', "backends");
        await assertRefused(
            "backends/aws/probe.ts",
            'export const load = (): unknown => require("../../components/backends/aws");\n',
            "backends",
        );
        await assertRefused(
            "backends/aws/probe.ts",
            'export type M = typeof import("../../components/backends/aws");\n',
            "backends",
        );
        await assertRefused(
            "backends/aws/probe.ts",
            'export const load = (): Promise<unknown> => import("../../components/backends/aws");\n',
            "backends",
        );
    });

    it("chart/ may not import components/", async () => {
        await assertRefused(
            "chart/probe.ts",
            'import { AgentRelease } from "../components/agentRelease";\nexport const x = AgentRelease;\n',
            "chart",
        );
    });

    it("doctor/ may not import components/", async () => {
        await assertRefused(
            "doctor/probe.ts",
            'import { RemoteAgent } from "../components/remoteAgent";\nexport const x = RemoteAgent;\n',
            "doctor",
        );
    });

    it("schema/ may import no other layer, nor the program", async () => {
        for (const target of [
            "../backends/types",
            "../config/errors",
            "../chart/values",
            "../doctor",
            "../components",
            "../program/stackTraces",
            "../index",
        ]) {
            await assertRefused("schema/probe.ts", `import * as m from "${target}";\nexport const x = m;\n`, "schema");
        }
    });

    it("components/ may not import the program (index.ts), at any depth", async () => {
        await assertRefused(
            "components/probe.ts",
            'import program from "../index";\nexport const x = program;\n',
            "components",
        );
        await assertRefused(
            "components/backends/aws/probe.ts",
            'import { cacheStackTraces } from "../../../program/stackTraces";\nexport const x = cacheStackTraces;\n',
            "components",
        );
    });

    it("the SDK-free layers may not import a cloud SDK or @pulumi/kubernetes", async () => {
        for (const [file, sdk] of [
            ["backends/aws/probe.ts", "@pulumi/aws"],
            ["config/probe.ts", "@pulumi/kubernetes"],
            ["chart/probe.ts", "@pulumi/gcp/storage"],
        ] as const) {
            const errors = await layerErrors(file, `import * as sdk from "${sdk}";\nexport const x = sdk;\n`);
            assert.equal(errors.length, 1, JSON.stringify(errors));
            assert.match(errors[0]!.message, /loads no cloud SDK and no @pulumi\/kubernetes/);
        }
    });

    it("allows imports of the same layer and the layers below", async () => {
        const allowed: [string, string][] = [
            ["schema/probe.ts", 'import { parseImageRef } from "./pins";\nimport { z } from "zod";'],
            [
                "backends/aws/probe.ts",
                'import { strictObject } from "../../schema/primitives";\nimport { stableHex } from "../shared";\nimport { awsBackendSchema } from "./schema";\nimport type * as pulumi from "@pulumi/pulumi";',
            ],
            [
                "config/probe.ts",
                'import { backendFor } from "../backends/registry";\nimport { strictObject } from "../schema/primitives";\nimport { formatPath } from "./errors";',
            ],
            [
                "chart/probe.ts",
                'import { agentConfigSchema } from "../config/schema";\nimport type { BackendContribution } from "../backends/types";\nimport { agentObjectNames } from "./names";',
            ],
            [
                "doctor/probe.ts",
                'import { buildChartValues } from "../chart/values";\nimport { formatPath } from "../config/errors";',
            ],
            [
                "components/backends/aws/probe.ts",
                'import { componentSlug } from "../../../chart/names";\nimport { diagnose } from "../../../doctor";\nimport * as aws from "@pulumi/aws";\nimport * as k8s from "@pulumi/kubernetes";\nimport { cloudBackendScope } from "../../backends/shared";\nimport { createBackend } from "../create";\nimport * as c from "../../index";',
            ],
            [
                "program/probe.ts",
                'import { RemoteExecutionAgent } from "../components";\nimport program from "../index";',
            ],
            [
                "index.ts",
                'import { AgentFleet } from "./components";\nimport { loadStackConfig } from "./chart/validate";',
            ],
        ];
        for (const [file, code] of allowed) {
            assert.deepEqual(await layerErrors(file, `${code}\n`), [], file);
        }
    });
});
