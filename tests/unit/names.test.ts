// Names by the platforms' own rules (#23 item 8): each schema is compared, over generated names, with
// an oracle written here from the platform's documentation (cited at each oracle), not from the code
// under test. Plus the judgement calls (warnings naming the key) and a null where a name belongs.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import type { z } from "zod";
import { validateStackConfig } from "../../chart/validate";
import { schemaAt } from "../../config/introspect";
import { agentConfigSchema } from "../../config/schema";
import { annotationsSchema, labelsSchema } from "../../schema/primitives";
import { baseValues, raw } from "../fixtures/config";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const isIn = (set: string) => (ch: string) => ch.length === 1 && set.includes(ch);
const lowerOrDigit = isIn(LOWER + DIGITS);
const alnum = isIn(LOWER + LOWER.toUpperCase() + DIGITS);

/** Names joined from `pieces` (each a run of characters a rule is about), up to `max` pieces. */
function names(pieces: string[], max = 8) {
    return fc.array(fc.constantFrom(...pieces), { minLength: 0, maxLength: max }).map((p) => p.join(""));
}

function leaf(path: string[], backend: Record<string, unknown>): z.ZodType {
    const schema = schemaAt(agentConfigSchema, path, { backend });
    assert.ok(schema !== undefined, `no schema at ${path.join(".")}`);
    return schema as z.ZodType;
}

/** Asserts the schema accepts exactly what the oracle accepts, and that both verdicts occur often. */
function agrees(schema: z.ZodType, oracle: (n: string) => boolean, gen: fc.Arbitrary<string>, what: string) {
    let yes = 0;
    let no = 0;
    fc.assert(
        fc.property(gen, (name) => {
            const expected = oracle(name);
            assert.equal(
                schema.safeParse(name).success,
                expected,
                `${what} ${JSON.stringify(name)}: docs say ${expected}`,
            );
            if (expected) {
                yes++;
            } else {
                no++;
            }
        }),
        { numRuns: 2000, seed: 8 },
    );
    assert.ok(yes > 50 && no > 50, `${what}: only ${yes} valid and ${no} invalid names generated`);
}

/**
 * S3 general purpose bucket naming rules (Amazon S3 User Guide, "General purpose bucket naming
 * rules", docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3-63 characters;
 * lowercase letters, numbers, periods and hyphens; begin and end with a letter or number; no two
 * adjacent periods; not formatted as an IP address; not starting with xn--, sthree-, amzn-s3-demo-;
 * not ending with -s3alias, --ol-s3, .mrap, --x-s3, --table-s3.
 */
function s3Oracle(n: string): boolean {
    const chars = Array.from(n);
    if (chars.length < 3 || chars.length > 63 || !chars.every(isIn(`${LOWER}${DIGITS}.-`))) {
        return false;
    }
    if (!lowerOrDigit(chars[0] ?? "") || !lowerOrDigit(chars[chars.length - 1] ?? "")) {
        return false;
    }
    const labels = n.split(".");
    if (labels.some((l) => l === "")) {
        return false;
    }
    const ipForm = labels.length === 4 && labels.every((l) => l.length <= 3 && Array.from(l).every(isIn(DIGITS)));
    const reservedStart = ["xn--", "sthree-", "amzn-s3-demo-"].some((p) => n.slice(0, p.length) === p);
    const reservedEnd = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].some((s) => n.slice(-s.length) === s);
    return !ipForm && !reservedStart && !reservedEnd;
}

/**
 * Cloud Storage bucket names (cloud.google.com/storage/docs/buckets#naming): lowercase letters,
 * numbers, dashes and underscores (dots need a verified domain: this program refuses them); start and
 * end with a number or letter; 3-63 characters; not beginning with "goog"; not containing "google" or
 * close misspellings such as "g00gle".
 */
function gcsOracle(n: string): boolean {
    const chars = Array.from(n);
    if (chars.length < 3 || chars.length > 63 || !chars.every(isIn(`${LOWER}${DIGITS}-_`))) {
        return false;
    }
    if (!lowerOrDigit(chars[0] ?? "") || !lowerOrDigit(chars[chars.length - 1] ?? "")) {
        return false;
    }
    const spelled = n.replace(/0/g, "o").replace(/1/g, "l").replace(/3/g, "e");
    return !n.startsWith("goog") && !spelled.includes("google");
}

/**
 * Azure naming rules (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules):
 * storage accounts 3-24 lowercase letters and numbers; blob containers 3-63 lowercase letters,
 * numbers and hyphens, starting and ending with a letter or number, every hyphen between letters or
 * numbers; Key Vault vaults 3-24 alphanumerics and hyphens, starting with a letter, ending with a
 * letter or digit, no consecutive hyphens.
 */
function storageAccountOracle(n: string): boolean {
    return n.length >= 3 && n.length <= 24 && Array.from(n).every(lowerOrDigit);
}
function containerOracle(n: string): boolean {
    const chars = Array.from(n);
    return (
        chars.length >= 3 &&
        chars.length <= 63 &&
        chars.every(isIn(`${LOWER}${DIGITS}-`)) &&
        chars.every((c, i) => c !== "-" || (lowerOrDigit(chars[i - 1] ?? "") && lowerOrDigit(chars[i + 1] ?? "")))
    );
}
function keyVaultOracle(n: string): boolean {
    const chars = Array.from(n);
    const letter = isIn(LOWER + LOWER.toUpperCase());
    return (
        chars.length >= 3 &&
        chars.length <= 24 &&
        chars.every((c) => alnum(c) || c === "-") &&
        letter(chars[0] ?? "") &&
        alnum(chars[chars.length - 1] ?? "") &&
        !n.includes("--")
    );
}

/**
 * Kubernetes label keys and values (kubernetes.io/docs/concepts/overview/working-with-objects/labels,
 * "Syntax and character set"): an optional prefix, a DNS subdomain (DNS labels of lowercase
 * alphanumerics and '-', alphanumeric at both ends, separated by dots, at most 253 characters in all)
 * followed by '/'; a name of at most 63 characters, alphanumeric at both ends with '-', '_', '.'
 * and alphanumerics between. A value: empty, or a name's rules.
 */
function nameOracle(n: string): boolean {
    const chars = Array.from(n);
    return (
        chars.length >= 1 &&
        chars.length <= 63 &&
        alnum(chars[0] ?? "") &&
        alnum(chars[chars.length - 1] ?? "") &&
        chars.every((c) => alnum(c) || "-_.".includes(c))
    );
}
function labelKeyOracle(key: string): boolean {
    const slash = key.indexOf("/");
    if (slash < 0) {
        return nameOracle(key);
    }
    const prefix = key.slice(0, slash);
    const dnsLabels = prefix.split(".");
    const subdomain =
        prefix.length <= 253 &&
        dnsLabels.every(
            (l) =>
                l.length > 0 &&
                Array.from(l).every(isIn(`${LOWER}${DIGITS}-`)) &&
                lowerOrDigit(l[0] ?? "") &&
                lowerOrDigit(l[l.length - 1] ?? ""),
        );
    return subdomain && nameOracle(key.slice(slash + 1));
}
function labelValueOracle(v: string): boolean {
    return v === "" || nameOracle(v);
}

describe("names by the platforms' rules", function () {
    this.timeout(120000);

    it("S3 bucket names", () => {
        const schema = leaf(["backend", "xcom", "bucketName"], { kind: "aws" });
        const pieces = ["a", "b", "z", "0", "9", "-", ".", "..", "xn--", "sthree-", "amzn-s3-demo-", "-s3alias"];
        const more = [
            "--ol-s3",
            ".mrap",
            "--x-s3",
            "--table-s3",
            "192",
            "168.5.4",
            "A",
            "_",
            "agent-xcom",
            "x".repeat(30),
        ];
        agrees(schema, s3Oracle, names([...pieces, ...more]), "S3 bucket");
    });

    it("GCS bucket names", () => {
        const schema = leaf(["backend", "xcom", "bucketName"], { kind: "gcp" });
        const pieces = [
            "a",
            "q",
            "0",
            "9",
            "-",
            "_",
            ".",
            "goog",
            "google",
            "g00gle",
            "go0g1e",
            "gle",
            "A",
            "agent-xcom",
        ];
        agrees(schema, gcsOracle, names([...pieces, "x".repeat(30)]), "GCS bucket");
    });

    it("Azure storage account, blob container and Key Vault names", () => {
        const azure = { kind: "azure" };
        const pieces = ["a", "k", "0", "7", "-", "--", "A", "Z", "_", ".", "stxcom", "x".repeat(10), "y".repeat(25)];
        agrees(leaf(["backend", "storage", "accountName"], azure), storageAccountOracle, names(pieces, 5), "account");
        agrees(leaf(["backend", "storage", "containerName"], azure), containerOracle, names(pieces, 6), "container");
        agrees(leaf(["backend", "keyVault", "name"], azure), keyVaultOracle, names(pieces, 5), "Key Vault");
    });

    it("Kubernetes label keys and values", () => {
        const keySchema = labelsSchema.keyType as unknown as z.ZodType;
        const valueSchema = labelsSchema.valueType as unknown as z.ZodType;
        const pieces = [
            "a",
            "Z",
            "9",
            "-",
            "_",
            ".",
            "/",
            "example.com",
            "team",
            "k8s.io/",
            "x".repeat(60),
            "p".repeat(200),
        ];
        agrees(keySchema, labelKeyOracle, names(pieces, 5), "label key");
        agrees(
            valueSchema,
            labelValueOracle,
            names(["a", "Z", "9", "-", "_", ".", "/", " ", "x".repeat(31)], 5),
            "label value",
        );
    });

    it("annotations: keys as label keys, at most 256 KiB of keys and values in all", () => {
        const LIMIT = 256 * 1024;
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 4 }), (sizes) => {
                const annotations = Object.fromEntries(sizes.map((s, i) => [`example.com/a${i}`, "v".repeat(s)]));
                const total = Object.entries(annotations).reduce((n, [k, v]) => n + k.length + v.length, 0);
                const result = annotationsSchema.safeParse(annotations);
                assert.equal(result.success, total <= LIMIT, `total ${total}`);
                if (!result.success) {
                    const message = result.error.issues[0]?.message ?? "";
                    assert.match(message, /256 KiB/);
                    assert.doesNotMatch(message, /vvvv/, "the message must not print values");
                }
            }),
            { numRuns: 200, seed: 8 },
        );
        const values = baseValues();
        values.annotations = { "example.com/big": "v".repeat(LIMIT) };
        const result = validateStackConfig(raw(values));
        if (result.ok) {
            assert.fail("256 KiB of annotations accepted");
        }
        assert.deepEqual(
            result.problems.map((p) => p.key),
            ["annotations"],
        );
    });

    it("a dotted S3 bucket name and a plain-http Git repository in prod are warnings naming the key", () => {
        const dotted = baseValues();
        dotted.backend = {
            kind: "aws",
            region: "eu-west-1",
            eksClusterName: "c",
            xcom: { bucketName: "xcom.example.com" },
        };
        const warned = validateStackConfig(raw(dotted));
        assert.ok(warned.ok, JSON.stringify(warned));
        assert.ok(
            warned.warnings.some((w) => w.startsWith("backend.xcom.bucketName: 'xcom.example.com' contains '.'")),
        );
        const plain = baseValues();
        plain.dagBundles = [{ type: "git", name: "d", repoUrl: "http://git.example.com/d.git", trackingRef: "main" }];
        const dev = validateStackConfig(raw(plain));
        assert.ok(!dev.warnings.some((w) => w.startsWith("dagBundles[0].repoUrl")), "dev: no warning");
        const prodValues: Record<string, unknown> = {
            ...plain,
            environment: "prod",
            imagePullSecretName: "astro-image-pull",
            backend: {
                kind: "external",
                secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
                xcomPath: "s3://example-astro-xcom/xcom",
            },
        };
        delete prodValues.imagePullCredentials;
        const prod = validateStackConfig(raw(prodValues, ["agentToken"], "prod"));
        assert.ok(prod.ok, JSON.stringify(prod.ok ? [] : prod.problems));
        assert.ok(
            prod.warnings.some((w) => w.startsWith("dagBundles[0].repoUrl: plain http:// in prod")),
            JSON.stringify(prod.warnings),
        );
    });

    it("a null where a required name belongs gets the normal message", () => {
        const cases: [string, (v: Record<string, unknown>) => void][] = [
            [
                "dagBundles[0].name",
                (v) =>
                    (v.dagBundles = [
                        { type: "git", name: null, repoUrl: "https://g.example.com/d.git", trackingRef: "main" },
                    ]),
            ],
            ["workers[0].name", (v) => (v.workers = [{ name: null }])],
            [
                "backend.xcom.bucketName",
                (v) =>
                    (v.backend = { kind: "aws", region: "eu-west-1", eksClusterName: "c", xcom: { bucketName: null } }),
            ],
        ];
        for (const [key, set] of cases) {
            const values = baseValues();
            set(values);
            const result = validateStackConfig(raw(values));
            const hit = result.ok ? undefined : result.problems.find((p) => p.key === key);
            assert.ok(hit !== undefined, key);
            assert.match(hit.message, /^must be .*, for example '[^']+' \(got null\)$/);
        }
    });
});
