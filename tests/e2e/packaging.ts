// The npm package as another project gets it: `npm pack` of this repo and a copy of an example
// consumer under examples/ with the tarball installed (shared by the consumer suites).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./harness";

let tarball: string | undefined;

/** Packs the repo once per test process (prepack builds dist/); returns the .tgz path. */
export function packTarball(): string {
    if (tarball === undefined) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-pack-"));
        execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], {
            cwd: ROOT,
            stdio: ["ignore", "ignore", "inherit"],
        });
        const [file] = fs.readdirSync(dir).filter((f) => f.endsWith(".tgz"));
        if (file === undefined) {
            throw new Error(`npm pack wrote no tarball into ${dir}`);
        }
        tarball = path.join(dir, file);
    }
    return tarball;
}

/** Copies examples/<name> (without node_modules) to a temp dir; returns the copy. */
function copyExample(name: string): string {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `astro-${name}-`)), name);
    fs.cpSync(path.join(ROOT, "examples", name), dir, {
        recursive: true,
        filter: (src) => !src.includes(`${path.sep}node_modules`),
    });
    return dir;
}

/**
 * A copy of examples/<name> whose node_modules is the one of an example already installed (same
 * dependencies), which saves an install.
 */
export function exampleSharingModules(name: string, installed: string): string {
    const dir = copyExample(name);
    fs.symlinkSync(path.join(installed, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/**
 * Copies examples/<name> to a temp dir, points its `astro-remote-agent` dependency at the packed
 * tarball and runs `npm install` (registry metadata from npm's cache when it is there).
 */
export function installExample(name: string): string {
    const dir = copyExample(name);
    const manifest = path.join(dir, "package.json");
    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { dependencies: Record<string, string> };
    if (pkg.dependencies["astro-remote-agent"] === undefined) {
        throw new Error(`examples/${name}/package.json does not depend on astro-remote-agent`);
    }
    pkg.dependencies["astro-remote-agent"] = `file:${packTarball()}`;
    fs.writeFileSync(manifest, JSON.stringify(pkg, null, 2));
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: dir,
        stdio: ["ignore", "ignore", "inherit"],
    });
    return dir;
}
