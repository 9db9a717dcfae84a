// Issue 29 item 7: `render` names the chart source, the refusal of an owned ServiceAccount value
// names the component's real annotations key, and the offline render of an Azure stack shows the
// configured tenant.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { validateStackConfig } from "../../chart/validate";
import agentProgram from "../../index";
import { chartSourceLine } from "../../scripts/lib/chartSourceLine";
import { MOCK_AZURE_TENANT_ID, runUnderMocks, type RecordedResource } from "../../scripts/lib/mockRun";
import { readStackFile } from "../../scripts/lib/stackFile";
import { baseValues, configStrings, PROJECT, raw } from "../fixtures/config";

const ROOT = path.join(__dirname, "..", "..");
const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

type Values = Record<string, unknown>;

async function release(config: Record<string, string>, stack = "dev"): Promise<RecordedResource> {
    const { resources } = await runUnderMocks({ project: PROJECT, stack, config, program: agentProgram });
    const r = resources.find((x) => x.type === RELEASE_TYPE);
    assert.ok(r !== undefined, "no release");
    return r;
}

describe("render: the chart source line (issue 29 item 7)", function () {
    this.timeout(60000);

    for (const [what, chart, line] of [
        [
            "repository + version",
            { version: "2.3.3" },
            "# Chart source: astro-remote-execution-agent 2.3.3 from https://helm.astronomer.io (fetch it: helm pull astro-remote-execution-agent --repo https://helm.astronomer.io --version 2.3.3)",
        ],
        [
            "a mirror repository",
            { version: "2.3.2", repo: "https://charts.example.com/astro" },
            "# Chart source: astro-remote-execution-agent 2.3.2 from https://charts.example.com/astro (fetch it: helm pull astro-remote-execution-agent --repo https://charts.example.com/astro --version 2.3.2)",
        ],
        [
            "an OCI reference",
            { name: "oci://registry.example.com/charts/astro-remote-execution-agent", version: "2.3.3" },
            "# Chart source: OCI oci://registry.example.com/charts/astro-remote-execution-agent 2.3.3 (fetch it: helm pull oci://registry.example.com/charts/astro-remote-execution-agent --version 2.3.3)",
        ],
        [
            "a local chart",
            { path: "./charts/astro-remote-execution-agent-2.3.3.tgz", version: "2.3.3" },
            "# Chart source: local chart ./charts/astro-remote-execution-agent-2.3.3.tgz (inspect it: helm show chart ./charts/astro-remote-execution-agent-2.3.3.tgz)",
        ],
    ] as const) {
        it(`names ${what} as the program gives it to the release`, async () => {
            const v = baseValues();
            v.chart = chart;
            assert.equal(chartSourceLine((await release(configStrings(v))).inputs), line);
        });
    }
});

describe("extraValues over the program's ServiceAccounts names the real key (issue 29 item 7)", () => {
    function problems(change: (v: Values) => void): { key: string; message: string }[] {
        const v = baseValues();
        change(v);
        const r = validateStackConfig(raw(v));
        assert.ok(!r.ok);
        return r.problems.map((p) => ({ key: p.key, message: p.message }));
    }
    const TAIL =
        "; set that config key instead (extraValues may only add chart values the program does not set: see docs/extra-values.md)";

    it("per worker, per component and for the shared annotations", () => {
        assert.deepEqual(
            problems((v) => {
                v.workers = [{ name: "w", extraValues: { serviceAccount: { name: "mine" } } }];
                v.extraValues = {
                    serviceAccount: { sentinel: { create: true }, workers: { name: "x" }, annotations: { a: "b" } },
                };
            }),
            [
                {
                    key: "workers[0].extraValues.serviceAccount.name",
                    message: `overrides the chart value 'workers[0].serviceAccount', which this program derives from 'the program's ServiceAccount of workers[0]; its annotations go in workers[0].serviceAccount.annotations'${TAIL}`,
                },
                {
                    key: "extraValues.serviceAccount.sentinel.create",
                    message: `overrides the chart value 'serviceAccount', which this program derives from 'the program's sentinel ServiceAccount; its annotations go in sentinel.serviceAccount.annotations'${TAIL}`,
                },
                {
                    key: "extraValues.serviceAccount.workers.name",
                    message: `overrides the chart value 'serviceAccount', which this program derives from 'the program's worker ServiceAccounts; their annotations go in workers[<i>].serviceAccount.annotations'${TAIL}`,
                },
                {
                    key: "extraValues.serviceAccount.annotations.a",
                    message: `overrides the chart value 'serviceAccount', which this program derives from 'the program's ServiceAccounts (one per component) and the backend's identity; per-component annotations go in <component>.serviceAccount.annotations (workers[<i>], dagProcessor, triggerer, sentinel)'${TAIL}`,
                },
            ],
        );
    });
});

describe("offline render of an Azure stack: the configured tenant (issue 29 item 7)", function () {
    this.timeout(60000);
    const TENANT = "11111111-2222-4333-8444-555555555555";

    async function azureRelease(tenantId: string | undefined): Promise<string> {
        const stackFile = readStackFile(ROOT, "azure", undefined);
        const backend = JSON.parse(stackFile.config.backend ?? "{}") as Values;
        const config = {
            ...stackFile.config,
            backend: JSON.stringify(tenantId === undefined ? backend : { ...backend, tenantId }),
        };
        const { resources } = await runUnderMocks({ ...stackFile, config, program: agentProgram });
        const r = resources.find((x) => x.type === RELEASE_TYPE);
        return JSON.stringify(r?.inputs.values);
    }

    it("shows backend.tenantId in the workload identity annotation and the kwargs, never the stand-in", async () => {
        const values = await azureRelease(TENANT);
        assert.ok(values.includes(`"azure.workload.identity/tenant-id":"${TENANT}"`), values);
        assert.equal(values.split(`workload_identity_tenant_id\\":\\"${TENANT}`).length - 1, 2);
        assert.ok(!values.includes(MOCK_AZURE_TENANT_ID));
    });

    it("keeps the stand-in only when the stack names no tenant", async () => {
        const values = await azureRelease(undefined);
        assert.ok(values.includes(`"azure.workload.identity/tenant-id":"${MOCK_AZURE_TENANT_ID}"`));
    });
});
