// The config reference (docs/config-reference.md) and Pulumi.yaml's typed config are generated from the schema.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../config/schema";
import {
    renderConfigReference,
    renderExtraValuesDoc,
    renderPackagesDoc,
    renderPulumiYaml,
} from "../../scripts/gen-config-docs";

const ROOT = path.join(__dirname, "..", "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

describe("generated docs", () => {
    it("docs/packages.md lists the wiring keys of the schema (run npm run docs)", async () => {
        assert.equal(read("docs/packages.md"), await renderPackagesDoc(read("docs/packages.md")));
        assert.match(read("docs/packages.md"), /^- `namespace`$/m);
    });

    it("docs/config-reference.md is up to date (run npm run docs)", async () => {
        assert.equal(read("docs/config-reference.md"), await renderConfigReference(read("docs/config-reference.md")));
    });

    it("the README links the config reference instead of carrying it", () => {
        const readme = read("README.md");
        assert.match(readme, /\[docs\/config-reference\.md\]\(docs\/config-reference\.md\)/);
        assert.doesNotMatch(readme, /config-reference:start/);
    });

    it("Pulumi.yaml config block is up to date (run npm run docs)", async () => {
        assert.equal(read("Pulumi.yaml"), await renderPulumiYaml(read("Pulumi.yaml")));
    });

    it("docs/extra-values.md is up to date (run npm run docs)", async () => {
        assert.equal(read("docs/extra-values.md"), await renderExtraValuesDoc());
    });

    it("Pulumi.yaml declares only schema keys and the Kubernetes provider's in-place Secret updates, and every required one", () => {
        const config = (parse(read("Pulumi.yaml")) as { config: Record<string, unknown> }).config;
        const declared = Object.keys(config);
        assert.deepEqual(
            declared.filter((k) => !CONFIG_KEYS.includes(k)),
            ["kubernetes:enableSecretMutable"],
        );
        // Rotations update the agent's Secrets in place (config/providerConfig.ts).
        assert.deepEqual(config["kubernetes:enableSecretMutable"], { value: true });
        for (const k of [
            "resourceNamePrefix",
            "namespace",
            "astroDeploymentAPIURL",
            "astro",
            "image",
            "backend",
            "dagBundles",
        ]) {
            assert.ok(declared.includes(k), k);
        }
    });

    it("documents every top-level key in the config reference", () => {
        const readme = read("docs/config-reference.md");
        for (const k of CONFIG_KEYS) {
            assert.match(readme, new RegExp(`^\\| \`${k}\` +\\|`, "m"), k);
        }
    });

    it("the example stacks only use keys the schema knows", () => {
        for (const stack of ["dev", "prod"]) {
            const cfg = (parse(read(`Pulumi.${stack}.yaml`)) as { config: Record<string, unknown> }).config;
            const keys = Object.keys(cfg).map((k) => k.replace(/^astro-agent:/, ""));
            assert.deepEqual(
                keys.filter((k) => !CONFIG_KEYS.includes(k)),
                [],
                stack,
            );
        }
    });
});
