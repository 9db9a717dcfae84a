// Lint: typescript-eslint (type-aware), Pulumi's Output-in-template rules, Prettier owns formatting.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * The layers, lowest first (README, "Layers"): a file may import its own layer and those below it,
 * never one above. Each is a top-level folder; program/ and the root index.ts are the top layer.
 * scripts/ and tests/ may import anything; policy/ is its own package.
 */
const LAYERS = ["schema", "backends", "config", "chart", "doctor", "components", "program"];
const LAYER_ORDER = `${LAYERS.join("/ → ")}/ + index.ts`;
/** Layers that load no cloud SDK and no @pulumi/kubernetes (validating any config loads none: lazy-sdk.test.ts). */
const SDK_FREE = ["schema", "backends", "config", "chart"];
/** Deepest folder nesting under a layer folder the rule covers (components/backends/aws/x.ts is 3). */
const MAX_DEPTH = 6;

/**
 * The layering rule for the files `depth` folders below the root in `layer`: a relative import that climbs
 * to the root (`../` × depth) and enters a higher layer's folder (or the root index.ts) is refused, as an
 * import, an `export … from`, a `require()`, an `import()` or a `typeof import()` type.
 */
function layerRule(layer, depth) {
    const above = [...LAYERS.slice(LAYERS.indexOf(layer) + 1), "index(\\.js)?$"];
    // `\x2F` is "/": esquery's regex literals cannot hold an escaped slash.
    const up = `^(\\.\\.\\x2F){${depth}}(${above.join("|")})(\\x2F|$)`;
    const sdk = "^@pulumi\\x2F(aws|azure-native|gcp|vault|kubernetes)(\\x2F|$)";
    const upMessage = `${layer}/ may import only the layers below it (${LAYER_ORDER}): this import reaches up.`;
    const sdkMessage = `${layer}/ loads no cloud SDK and no @pulumi/kubernetes: only components/ may (lazily).`;
    const refused = [
        { regex: up, message: upMessage },
        ...(SDK_FREE.includes(layer) ? [{ regex: sdk, message: sdkMessage }] : []),
    ];
    return {
        files: [`${layer}/${"*/".repeat(depth - 1)}*.ts`],
        rules: {
            "no-restricted-imports": ["error", { patterns: refused }],
            "no-restricted-syntax": [
                "error",
                ...refused.flatMap(({ regex, message }) => [
                    { selector: `CallExpression[callee.name='require'][arguments.0.value=/${regex}/]`, message },
                    { selector: `ImportExpression[source.value=/${regex}/]`, message },
                    { selector: `TSImportType[source.value=/${regex}/]`, message },
                ]),
            ],
        },
    };
}

const layerRules = LAYERS.slice(0, -1).flatMap((layer) =>
    Array.from({ length: MAX_DEPTH }, (_, i) => layerRule(layer, i + 1)),
);

export default tseslint.config(
    {
        // dist/: compiled output (the package's, the policy pack's); examples/ and component/ type-check
        // against the built package (e2e)
        ignores: [
            "node_modules/",
            "bin/",
            "dist/",
            "policy/dist/",
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
                projectService: true,
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
        // Plain JavaScript (configs, loaders, the policy pack's entry): linted without type information,
        // so no tsconfig has to list them.
        languageOptions: {
            sourceType: "commonjs",
            globals: { ...globals.node },
            parserOptions: { projectService: false },
        },
        rules: {
            ...tseslint.configs.disableTypeChecked.rules,
            "@pulumi/no-output-in-template-literal": "off",
            "@pulumi/no-output-instance-in-template-literal": "off",
        },
    },
    { files: ["**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
    {
        files: ["tests/**/*.ts"],
        rules: {
            "@typescript-eslint/no-non-null-assertion": "off",
            "@typescript-eslint/no-floating-promises": "off",
        },
    },
    ...layerRules,
    prettier,
);
