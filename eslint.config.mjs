// Lint: typescript-eslint (type-aware), Pulumi's Output-in-template rules, Prettier owns formatting.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        // dist/: compiled output; examples/ and component/ type-check against the built package (e2e)
        ignores: [
            "node_modules/",
            "bin/",
            "dist/",
            "examples/",
            "component/",
            "tests/airflow/",
            "tests/fixtures/charts/",
        ],
    },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    {
        languageOptions: {
            parserOptions: {
                projectService: {
                    allowDefaultProject: [
                        "*.mjs",
                        ".mocharc.cjs",
                        "scripts/*.mjs",
                        "tests/reporter.cjs",
                        "scripts/lib/*.cjs",
                    ],
                },
                tsconfigRootDir: import.meta.dirname,
            },
            globals: { ...globals.node },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
            curly: "error",
            eqeqeq: "error",
            "prefer-const": "error",
            "no-var": "error",
        },
    },
    {
        files: ["**/*.cjs", "**/*.mjs"],
        ...tseslint.configs.disableTypeChecked,
        languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    },
    { files: ["**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
    {
        files: ["tests/**/*.ts"],
        rules: {
            "@typescript-eslint/no-non-null-assertion": "off",
            "@typescript-eslint/no-floating-promises": "off",
        },
    },
    prettier,
);
