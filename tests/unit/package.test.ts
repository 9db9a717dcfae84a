// The npm package: what `npm pack` publishes. Packs into a temporary directory (prepack builds dist/)
// and reads the file list and the packed package.json, so a test, fixture, stack file or TypeScript
// source that slips into the tarball, or an install-time script every consumer would run, fails here.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { builtinModules } from "node:module";

const ROOT = path.join(__dirname, "..", "..");

interface PackResult {
    name: string;
    version: string;
    /** The tarball's file name (in --pack-destination). */
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
}

interface PackageJson {
    version: string;
    exports: Record<string, string | { types: string; default: string }>;
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    devDependencies: Record<string, string>;
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;

/** Bare module names a compiled file requires (`@scope/name/sub` → `@scope/name`). */
function requiredPackages(js: string): string[] {
    const names = new Set<string>();
    for (const m of js.matchAll(/require\("([^".][^"]*)"\)/g)) {
        const spec = m[1]!;
        const parts = spec.split("/");
        names.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
    return [...names].filter((n) => !n.startsWith("node:") && !builtinModules.includes(n));
}

describe("npm package (npm pack --dry-run)", function () {
    this.timeout(180_000);
    let pack: PackResult;
    let files: string[];
    /** package.json as the tarball holds it. */
    let packed: { scripts?: Record<string, string> };

    before(() => {
        const dest = fs.mkdtempSync(path.join(os.tmpdir(), "astro-pack-"));
        const out = execFileSync("npm", ["pack", "--json", "--no-audit", "--no-fund", "--pack-destination", dest], {
            cwd: ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        // prepack's tsc output precedes the JSON document on stdout
        pack = (JSON.parse(out.slice(out.indexOf("[\n"))) as PackResult[])[0]!;
        files = pack.files.map((f) => f.path).sort();
        const tarball = path.join(dest, pack.filename);
        packed = JSON.parse(
            execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }),
        ) as typeof packed;
        fs.rmSync(dest, { recursive: true, force: true });
    });

    it("the built detector loads secretlint's ESM-only preset with require() and runs it synchronously", () => {
        // prepack (in before) built dist/; a plain CommonJS process on this Node, as a consumer's program is
        const script = `const c = require(${JSON.stringify(path.join(ROOT, "dist", "config", "credentials.js"))});
            const found = c.findCredentials({ key: "-----BEGIN RSA PRIVATE KEY-----\\n" + "MIIEowIBAAKCAQEAu1SU1LfVLPHC".repeat(6) + "\\n-----END RSA PRIVATE KEY-----" });
            process.stdout.write(JSON.stringify({ rules: c.SECRETLINT_RULES.length, found }));`;
        const out = JSON.parse(
            execFileSync(process.execPath, ["-e", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
        ) as { rules: number; found: unknown[] };
        assert.equal(out.rules, 14);
        assert.deepEqual(out.found, [{ path: ["key"], kind: "a private key" }]);
    });

    it("is astro-remote-agent at the package.json version", () => {
        assert.equal(pack.name, "astro-remote-agent");
        assert.equal(pack.version, pkg.version);
        assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    });

    it("runs nothing when installed: the packed package.json has no install-time script", () => {
        // npm runs these in every consumer's install (and warns about them); the policy pack's own
        // dependencies are installed by `npm run policy:deps`, pretest and pretest:e2e instead
        assert.ok(packed.scripts !== undefined, "the packed package.json has its scripts");
        assert.deepEqual(
            Object.keys(packed.scripts).filter((s) => ["preinstall", "install", "postinstall", "prepare"].includes(s)),
            [],
        );
    });

    it("holds only compiled code, the component package, README, CHANGELOG and package.json", () => {
        const allowed =
            /^(dist\/(schema|backends|config|chart|doctor|components)\/.+\.(js|d\.ts)|component\/(PulumiPlugin\.yaml|package\.json|tsconfig\.json|index\.ts)|README\.md|CHANGELOG\.md|package\.json)$/;
        assert.deepEqual(
            files.filter((f) => !allowed.test(f)),
            [],
        );
    });

    it("holds no tests, fixtures, stack files, scripts, policy pack or TypeScript sources", () => {
        const forbidden = [
            /(^|\/)tests?\//,
            /fixtures/,
            /(^|\/)Pulumi(\.[^/]+)?\.yaml$/,
            /^(scripts|policy|docs|examples|\.ci|\.github)\//,
            /(?<!\.d)\.ts$/,
        ];
        const leaks = files.filter((f) => f !== "component/index.ts" && forbidden.some((re) => re.test(f)));
        assert.deepEqual(leaks, []);
        // the program's own entry and stack files are not library code
        assert.ok(!files.includes("index.ts") && !files.includes("dist/index.js"));
    });

    it("ships every exports target, JavaScript and declarations", () => {
        for (const [subpath, target] of Object.entries(pkg.exports)) {
            const targets = typeof target === "string" ? [target] : [target.types, target.default];
            for (const t of targets) {
                assert.ok(files.includes(t.replace(/^\.\//, "")), `exports["${subpath}"] → ${t} is not in the tarball`);
            }
        }
    });

    it("holds every file the compiled code requires by relative path (e.g. components/index.js → ../doctor)", () => {
        const missing: string[] = [];
        for (const f of files.filter((x) => x.endsWith(".js"))) {
            const js = fs.readFileSync(path.join(ROOT, f), "utf8");
            for (const m of js.matchAll(/require\("(\.\.?\/[^"]*)"\)/g)) {
                const target = path.posix.join(path.posix.dirname(f), m[1]!);
                if (![target, `${target}.js`, `${target}/index.js`].some((t) => files.includes(t))) {
                    missing.push(`${f} → ${m[1]!}`);
                }
            }
        }
        assert.deepEqual(missing, []);
        assert.ok(files.includes("dist/doctor/index.js") && files.includes("dist/doctor/index.d.ts"));
    });

    it("exports one subpath per backend folder", () => {
        const dir = path.join(ROOT, "components", "backends");
        const kinds = fs
            .readdirSync(dir, { withFileTypes: true })
            .filter((d) => d.isDirectory() && d.name !== "shared")
            .map((d) => d.name)
            .sort();
        assert.deepEqual(
            Object.keys(pkg.exports)
                .filter((k) => k.startsWith("./backends/"))
                .map((k) => k.slice("./backends/".length))
                .sort(),
            kinds,
        );
        for (const kind of kinds) {
            assert.deepEqual(pkg.exports[`./backends/${kind}`], {
                types: `./dist/components/backends/${kind}/index.d.ts`,
                default: `./dist/components/backends/${kind}/index.js`,
            });
        }
    });

    it("declares every package the compiled code requires: runtime deps, or peers (cloud SDKs optional)", () => {
        const required = new Set<string>();
        for (const f of files.filter((x) => x.endsWith(".js"))) {
            for (const n of requiredPackages(fs.readFileSync(path.join(ROOT, f), "utf8"))) {
                required.add(n);
            }
        }
        const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
        assert.deepEqual([...required].filter((n) => !declared.has(n)).sort(), []);
        assert.deepEqual(Object.keys(pkg.peerDependencies).sort(), [
            "@pulumi/aws",
            "@pulumi/azure-native",
            "@pulumi/gcp",
            "@pulumi/kubernetes",
            "@pulumi/pulumi",
            "@pulumi/vault",
        ]);
        assert.deepEqual(
            Object.entries(pkg.peerDependenciesMeta)
                .filter(([, m]) => m.optional === true)
                .map(([n]) => n)
                .sort(),
            ["@pulumi/aws", "@pulumi/azure-native", "@pulumi/gcp", "@pulumi/vault"],
        );
        // no peer is also a runtime dependency (a consumer would get a second copy), and each peer
        // range admits the exact version this repo develops and tests against
        for (const [name, range] of Object.entries(pkg.peerDependencies)) {
            assert.equal(pkg.dependencies[name], undefined, name);
            assert.equal(range, `^${pkg.devDependencies[name]!}`, name);
        }
    });

    it('the README\'s "Using the components in your own program" code is examples/consumer-ts/index.ts, verbatim', () => {
        // the e2e suite deploys that file from the packed tarball (tests/e2e/consumer.test.ts)
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const section = /## Using the components in your own program\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme);
        assert.ok(section, "README has the section with a ts code block");
        assert.equal(section[1], fs.readFileSync(path.join(ROOT, "examples", "consumer-ts", "index.ts"), "utf8"));
    });

    it("the example consumers install this version with the peers at the versions tested here", () => {
        const deps = (name: string) =>
            (
                JSON.parse(fs.readFileSync(path.join(ROOT, "examples", name, "package.json"), "utf8")) as {
                    dependencies: Record<string, string>;
                }
            ).dependencies;
        for (const name of ["consumer-ts", "consumer-yaml", "consumer-python"]) {
            const d = deps(name);
            assert.equal(d["astro-remote-agent"], pkg.version, name);
            for (const peer of ["@pulumi/pulumi", "@pulumi/kubernetes"]) {
                assert.equal(d[peer], pkg.devDependencies[peer], `${name}: ${peer}`);
            }
            // backends load lazily: a consumer of the local backend installs no cloud SDK at all
            assert.deepEqual(
                Object.keys(d).filter((k) =>
                    ["@pulumi/aws", "@pulumi/azure-native", "@pulumi/gcp", "@pulumi/vault"].includes(k),
                ),
                [],
                name,
            );
        }
        // the e2e suite runs the Python consumer on the YAML consumer's node_modules
        assert.deepEqual(deps("consumer-python"), deps("consumer-yaml"));
    });

    it("has a CHANGELOG entry for this version", () => {
        const changelog = fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8");
        assert.match(changelog, new RegExp(`^## ${pkg.version.replace(/\./g, "\\.")} `, "m"));
    });

    it("stays small: under 400 kB packed", () => {
        assert.ok(pack.size < 400_000, `packed size ${pack.size} B`);
    });
});
