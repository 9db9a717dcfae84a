// A stack loads only the SDK of the backend it uses: the example stacks evaluated in one fresh process
// (scripts/lib/evaluateStacks.ts, the real program under mocks), in an order where each stack adds
// exactly its own cloud SDK to what the process has loaded. The components module loads no cloud SDK
// until a cloud backend component is asked for.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import * as components from "../../components";
import { AwsBackend } from "../../components/backends/aws";
import { AzureBackend } from "../../components/backends/azure";
import { GcpBackend } from "../../components/backends/gcp";
import { VaultBackend } from "../../components/backends/vault";

const ROOT = path.join(__dirname, "..", "..");
const CLOUD_SDKS = ["@pulumi/aws", "@pulumi/azure-native", "@pulumi/gcp", "@pulumi/vault"];

interface StackLine {
    stack: string;
    resources: number;
    sdks: string[];
}

/** Runs the stacks in order in one new process; each line lists the `@pulumi/*` packages loaded so far. */
async function evaluateInFreshProcess(stacks: string[]): Promise<StackLine[]> {
    const { stdout } = await promisify(execFile)(
        process.execPath,
        [
            "--require",
            path.join(ROOT, "scripts", "lib", "register.cjs"),
            path.join(ROOT, "scripts", "lib", "evaluateStacks.ts"),
            ...stacks,
        ],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: undefined } },
    );
    return stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as StackLine);
}

describe("lazy SDK loading", function () {
    this.timeout(60000);

    it("each example stack loads only its backend's cloud SDK (dev: none)", async () => {
        const order = ["dev", "vault", "gcp", "prod", "azure"];
        const lines = await evaluateInFreshProcess(order);
        assert.deepEqual(
            lines.map((l) => l.stack),
            order,
        );
        const cloud = (l: StackLine | undefined) => (l?.sdks ?? []).filter((s) => CLOUD_SDKS.includes(s));
        // The dev stack (local backend) and everything it imports, including the registry of every backend.
        assert.deepEqual(cloud(lines[0]), []);
        assert.deepEqual(lines[0]?.sdks, ["@pulumi/kubernetes", "@pulumi/pulumi"]);
        const added = lines.slice(1).map((l, i) => cloud(l).filter((s) => !cloud(lines[i]).includes(s)));
        assert.deepEqual(added, [["@pulumi/vault"], ["@pulumi/gcp"], ["@pulumi/aws"], ["@pulumi/azure-native"]]);
        for (const l of lines) {
            assert.ok(l.resources > 10, `${l.stack} registered ${l.resources} resources`);
        }
    });

    it("the components module exports the cloud backend components lazily, as the same classes", () => {
        assert.equal(components.AwsBackend, AwsBackend);
        assert.equal(components.AzureBackend, AzureBackend);
        assert.equal(components.GcpBackend, GcpBackend);
        assert.equal(components.VaultBackend, VaultBackend);
        for (const name of ["AwsBackend", "AzureBackend", "GcpBackend", "VaultBackend"]) {
            const d = Object.getOwnPropertyDescriptor(components, name);
            assert.equal(typeof d?.get, "function", `${name} is a getter`);
            assert.equal(d?.enumerable, true);
        }
    });

    it("a cloud backend's folder is required in one place only (components/backends/cloudComponents.ts)", () => {
        const root = path.join(__dirname, "..", "..");
        const sources = ["schema", "backends", "config", "chart", "doctor", "components", "program"].flatMap((dir) =>
            fs
                .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
                .filter((f) => f.endsWith(".ts"))
                .map((f) => path.join(dir, f)),
        );
        const requiring = sources.filter((f) =>
            /require\(\s*["'][^"']*\b(aws|azure|gcp|vault)["']\s*\)/.test(fs.readFileSync(path.join(root, f), "utf8")),
        );
        assert.deepEqual(requiring, [path.join("components", "backends", "cloudComponents.ts")]);
    });
});
