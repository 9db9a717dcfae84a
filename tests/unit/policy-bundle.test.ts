// policy/bundle.cjs: the compiled pack (dist/pack.js) is built when missing, reused while every input is
// unchanged, rebuilt when one changes, and leaves only the pack's SDKs (@pulumi/*) to be resolved at run time.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the pack's own CommonJS helper
const { packBundle } = require("../../policy/bundle.cjs") as {
    packBundle: (dir?: string) => { file: string; built: boolean } | undefined;
};

const ROOT = path.join(__dirname, "..", "..");

/** A pack directory with pack.ts importing ./lib/dep.ts. */
function miniPack(marker: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-pack-bundle-"));
    fs.mkdirSync(path.join(dir, "lib"));
    fs.writeFileSync(path.join(dir, "pack.ts"), 'import { marker } from "./lib/dep";\nconsole.log(marker);\n');
    fs.writeFileSync(path.join(dir, "lib", "dep.ts"), `export const marker: string = "${marker}";\n`);
    return dir;
}

describe("compiled policy pack (policy/bundle.cjs)", () => {
    it("builds when missing, reuses while inputs are unchanged, rebuilds when one changes", () => {
        const dir = miniPack("first-marker");
        try {
            const first = packBundle(dir);
            assert.ok(first !== undefined);
            assert.equal(first.built, true);
            assert.equal(first.file, path.join(dir, "dist", "pack.js"));
            assert.match(fs.readFileSync(first.file, "utf8"), /first-marker/);
            assert.match(fs.readFileSync(first.file, "utf8"), /\/\/# sourceMappingURL=pack\.js\.map\n$/);
            assert.ok(fs.existsSync(`${first.file}.map`));
            assert.equal(packBundle(dir)?.built, false, "nothing changed: the bundle is reused");

            // A changed import (another size, so no reliance on timestamp resolution).
            fs.writeFileSync(path.join(dir, "lib", "dep.ts"), 'export const marker: string = "second-marker-x";\n');
            const second = packBundle(dir);
            assert.ok(second !== undefined);
            assert.equal(second.built, true);
            assert.match(fs.readFileSync(second.file, "utf8"), /second-marker-x/);
            assert.doesNotMatch(fs.readFileSync(second.file, "utf8"), /first-marker/);

            // A stale bundle is never served: with an input gone the build fails and the entry falls back.
            fs.rmSync(path.join(dir, "lib", "dep.ts"));
            assert.equal(packBundle(dir), undefined);
            assert.equal(fs.readdirSync(path.join(dir, "dist")).filter((f) => f.endsWith(".tmp")).length, 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the pack's bundle requires only the pack's SDKs (@pulumi/*) and node built-ins", () => {
        const bundle = packBundle(path.join(ROOT, "policy"));
        assert.ok(bundle !== undefined);
        const requires = new Set(
            [...fs.readFileSync(bundle.file, "utf8").matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? ""),
        );
        const outside = [...requires].filter(
            (r) =>
                !r.startsWith("@pulumi/") &&
                !r.startsWith("node:") &&
                !["crypto", "path", "fs", "process", "buffer"].includes(r),
        );
        assert.deepEqual(outside, []);
        assert.ok(requires.has("@pulumi/policy") && requires.has("@pulumi/pulumi"));
        // Every source of the pack is an input, so editing any of them rebuilds.
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "dist", "manifest.json"), "utf8")) as {
            inputs: Record<string, string>;
        };
        const sources = [
            "pack.ts",
            "policies.ts",
            ...fs.readdirSync(path.join(ROOT, "policy", "rules")).map((f) => `rules/${f}`),
        ];
        for (const s of sources) {
            assert.ok(path.join(ROOT, "policy", s) in manifest.inputs, s);
        }
    });
});
