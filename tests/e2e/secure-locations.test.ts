// Secure values located the way Pulumi locates them, by property: stack files are built the way users
// build them (`pulumi config set --secret --path` on the real CLI, every key spelling the CLI accepts),
// then reshaped with YAML the CLI reads the same way (anchors, merge keys, flow style, the legacy
// `<project>:config:<key>` spelling) or refuses (special floats). For every generated case no secret
// value and no secret placeholder reaches chart values, outputs or messages, through `npm run render`
// and through `pulumi preview` on the engine, and both decide the same way: same refusal, same keys.
// Cases come from fast-check; SECURE_LOCATIONS_SEED and SECURE_LOCATIONS_CASES replay or widen a run.
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import { e2eWorld, readExample, ROOT, STAND_IN_CHART, withConfig, writeStackFile } from "./harness";

const PROJECT = "astro-agent";
const PLACEHOLDER = "<secret-placeholder>";

/** Where a generated secret is set, as the `--path` the user types (without the key prefix). */
const TARGETS = {
    /** An env value: routed into a Kubernetes Secret. */
    commonEnvValue: "commonEnv[0].value",
    /** An env var name: must be a plain value, refused. */
    commonEnvName: "commonEnv[1].name",
    workerEnvValue: "workers[0].env[0].value",
    workerEnvName: "workers[0].env[1].name",
    /** A secrets-backend variable: a secret setting of the schema. */
    variable: "backend.variables.gen_var",
    pullPassword: "imagePullCredentials.password",
    /** Settings that reach the chart values (any string is valid there): refused. */
    annotation: "annotations.gen-note",
    nodeSelector: "workers[0].nodeSelector.pool",
    dagSubdir: "dagBundles[0].subdir",
} as const;
type Target = keyof typeof TARGETS;
/** Targets where a plain value is required: a secret there is refused. */
const PLAIN_ONLY: readonly Target[] = ["commonEnvName", "workerEnvName", "annotation", "nodeSelector", "dagSubdir"];

/** Ways to write the key: every spelling `pulumi config set` accepts. */
const SPELLINGS = ["", `${PROJECT}:`, `${PROJECT}:config:`] as const;

/** How the stack file is reshaped around the first secret after the CLI wrote it. */
const VARIANTS = ["none", "flow", "anchor", "merge", "legacyKey", "specialFloat"] as const;
type Variant = (typeof VARIANTS)[number];

interface Case {
    placements: { target: Target; spelling: number }[];
    variant: Variant;
}

/** The i-th case reshapes with the i-th variant (every variant in a default run); its placements are generated. */
const caseArb = (variant: Variant): fc.Arbitrary<Case> =>
    fc.record({
        variant: fc.constant(variant),
        placements: fc.uniqueArray(
            fc.record({
                target: fc.constantFrom(...(Object.keys(TARGETS) as Target[])),
                spelling: fc.integer({ min: 0, max: SPELLINGS.length - 1 }),
            }),
            { minLength: 1, maxLength: 4, selector: (p) => p.target },
        ),
    });

/** The top-level config key of a `--path`. */
function topKey(p: string): string {
    return /^[A-Za-z]+/.exec(p)?.[0] ?? p;
}

/** The YAML path (keys and indices) of a `--path` below its top-level key. */
function yamlPath(p: string): (string | number)[] {
    return [...p.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? (m[1] ?? "") : Number(m[2])));
}

function configPair(doc: Document, key: string): Pair<Node, Node> | undefined {
    const config = doc.get("config", true) as YAMLMap<Node, Node>;
    return config.items.find(
        (p) => isScalar(p.key) && (p.key.value === `${PROJECT}:${key}` || p.key.value === `${PROJECT}:config:${key}`),
    );
}

/** The node at a path below a config key's value. */
function nodeAt(value: Node, p: (string | number)[]): Node | undefined {
    let node: unknown = value;
    for (const part of p) {
        if (isMap(node) || isSeq(node)) {
            node = node.get(part, true);
        } else {
            return undefined;
        }
    }
    return node as Node | undefined;
}

/** A top-level mapping placed before `config:` (an anchor must come before its aliases); the CLI ignores it. */
function anchors(doc: Document): YAMLMap {
    const root = doc.contents as YAMLMap;
    const holder: unknown = root.get("x-generated-anchors", true);
    if (isMap(holder)) {
        return holder;
    }
    const created = doc.createNode({}) as YAMLMap;
    root.items.unshift(doc.createPair("x-generated-anchors", created));
    return created;
}

/** Reshapes the stack file's YAML around the first secret; the value the CLI reads stays the same (but for specialFloat). */
function reshape(source: string, variant: Variant, first: string): string {
    const doc = parseDocument(source);
    const key = topKey(first);
    const pair = configPair(doc, key);
    if (pair === undefined || variant === "none") {
        return source;
    }
    const value = pair.value as Node;
    const leafPath = yamlPath(first);
    switch (variant) {
        case "flow":
            if (isMap(value) || isSeq(value)) {
                value.flow = true;
            }
            break;
        case "legacyKey":
            (pair.key as { value: string }).value = `${PROJECT}:config:${key}`;
            break;
        case "anchor": {
            // The secure node moves under an anchor at the top of the file; aliases put it back and
            // repeat it as the value of another env entry.
            const secure = nodeAt(value, leafPath);
            const parent = leafPath.length === 1 ? value : nodeAt(value, leafPath.slice(0, -1));
            if ((!isMap(parent) && !isSeq(parent)) || (!isScalar(secure) && !isMap(secure) && !isSeq(secure))) {
                return source;
            }
            secure.anchor = "gen_secret";
            anchors(doc).set("secret", secure);
            parent.set(leafPath[leafPath.length - 1], doc.createAlias(secure));
            const entry = doc.createNode({ name: "GEN_ALIAS", value: null }) as YAMLMap;
            entry.set("value", doc.createAlias(secure));
            const envPair = configPair(doc, "commonEnv");
            if (envPair === undefined) {
                (doc.get("config", true) as YAMLMap).set(`${PROJECT}:commonEnv`, doc.createNode([entry]));
            } else {
                (envPair.value as unknown as { items: unknown[] }).items.push(entry);
            }
            break;
        }
        case "merge": {
            // The mapping holding the secure value moves under a top-level anchor and is merged back in.
            const parentPath = leafPath.slice(0, -1);
            const parent = parentPath.length === 0 ? value : nodeAt(value, parentPath);
            if (!isMap(parent)) {
                return source;
            }
            const moved = parent.clone() as unknown as YAMLMap;
            moved.anchor = "gen_merged";
            anchors(doc).set("merged", moved);
            parent.items = [];
            parent.set(doc.createNode("<<"), doc.createAlias(moved));
            break;
        }
        case "specialFloat": {
            // A plain value of the same key becomes .inf, which the CLI cannot hand a program.
            const secure = nodeAt(value, leafPath);
            const state = { replaced: false };
            const swap = (node: unknown): void => {
                if (state.replaced || node === secure) {
                    return;
                }
                if (isMap(node)) {
                    for (const item of node.items) {
                        if (isScalar(item.value) && typeof item.value.value !== "object" && !state.replaced) {
                            item.value = doc.createNode(Infinity);
                            state.replaced = true;
                        } else {
                            swap(item.value);
                        }
                    }
                } else if (isSeq(node)) {
                    node.items.forEach(swap);
                }
            };
            swap(value);
            if (!state.replaced) {
                (doc.get("config", true) as YAMLMap).set(`${PROJECT}:resourceNamePrefix`, doc.createNode(Infinity));
            }
            break;
        }
    }
    return doc.toString();
}

interface Outcome {
    ok: boolean;
    /** Refused config keys (a stack-file problem as `<file name>:<line>`). */
    keys: string[];
    text: string;
}

/** Keys of the `  - key: message` lines of a refusal. */
function refusedKeys(text: string): string[] {
    return [...text.matchAll(/^\s*- (\S+?): /gm)].map((m) => path.basename(m[1] ?? "")).sort();
}

describe("secure locations, by property: npm run render and pulumi preview on the engine", function () {
    this.timeout(600_000);
    const world = e2eWorld("secure-locations");
    const seed = Number(process.env.SECURE_LOCATIONS_SEED ?? Date.now() % 2 ** 31);
    const count = Number(process.env.SECURE_LOCATIONS_CASES ?? VARIANTS.length);
    const cases = Array.from(
        { length: count },
        (_, i) =>
            fc.sample(caseArb(VARIANTS[i % VARIANTS.length] ?? "none"), { seed: seed + i, numRuns: 1 })[0] as Case,
    );
    const stackName = "gen";
    let stackFile: string;

    before(() => {
        console.log(`    seed ${seed} (SECURE_LOCATIONS_SEED=${seed} replays it)`);
        stackFile = path.join(world.project.dir, `Pulumi.${stackName}.yaml`);
        pulumi(["stack", "init", stackName]);
    });

    function pulumi(args: string[]): ReturnType<typeof spawnSync> {
        const r = spawnSync("pulumi", [...args, "--non-interactive"], {
            cwd: world.project.dir,
            encoding: "utf8",
            env: { ...process.env, ...world.env },
        });
        return r;
    }

    /** The dev example on the stand-in chart, with two env entries each in commonEnv and the worker (the targets' places). */
    function baseDoc(): ReturnType<typeof readExample> {
        const dev = readExample("dev");
        const workers = structuredClone(dev.config[`${PROJECT}:workers`]) as Record<string, unknown>[];
        const env = (a: string, b: string) => [
            { name: a, value: "plain-a" },
            { name: b, value: "plain-b" },
        ];
        (workers[0] ?? {}).env = env("GEN_W", "GEN_X");
        return withConfig(dev, {
            namespace: "astro-gen",
            chart: { path: STAND_IN_CHART },
            release: { skipAwait: true },
            commonEnv: env("GEN_A", "GEN_B"),
            workers,
        });
    }

    /** Runs a command to its end: exit status and output (render and preview run side by side). */
    function run(
        cmd: string,
        args: string[],
        env: NodeJS.ProcessEnv,
    ): Promise<{ ok: boolean; stdout: string; stderr: string }> {
        return new Promise((resolve) => {
            execFile(
                cmd,
                args,
                { cwd: world.project.dir, encoding: "utf8", env, maxBuffer: 64 << 20 },
                (err, stdout, stderr) => {
                    resolve({ ok: err === null, stdout, stderr });
                },
            );
        });
    }

    async function render(): Promise<Outcome> {
        const r = await run(
            process.execPath,
            [
                "--require",
                path.join(ROOT, "scripts", "lib", "register.cjs"),
                path.join(ROOT, "scripts", "render.ts"),
                "--stack",
                stackName,
                "--project-dir",
                world.project.dir,
            ],
            { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
        );
        const text = `${r.stdout}\n${r.stderr}`;
        const fileProblem = /^(\S+):(\d+): /m.exec(r.stderr);
        const keys =
            fileProblem !== null && r.stderr.startsWith(fileProblem[0])
                ? [`${path.basename(fileProblem[1] ?? "")}:${fileProblem[2] ?? ""}`]
                : refusedKeys(r.stderr);
        return { ok: r.ok, keys, text };
    }

    async function preview(): Promise<Outcome> {
        const r = await run("pulumi", ["preview", "--json", "--non-interactive", "-s", stackName], {
            ...process.env,
            ...world.env,
        });
        const text = `${r.stdout}\n${r.stderr}`;
        let messages = text;
        try {
            const json = JSON.parse(r.stdout) as { diagnostics?: { message?: string }[] };
            messages = (json.diagnostics ?? []).map((d) => d.message ?? "").join("\n");
        } catch {
            // not JSON: the CLI failed before the engine ran (its message is on stderr)
        }
        return { ok: r.ok, keys: refusedKeys(messages), text };
    }

    for (const [i, c] of cases.entries()) {
        const label = `${c.placements.map((p) => `${SPELLINGS[p.spelling]}${TARGETS[p.target]}`).join(" + ")} [${c.variant}]`;
        it(`case ${i}: ${label}`, async () => {
            writeStackFile(world.project.dir, stackName, baseDoc());
            const secrets: string[] = [];
            for (const p of c.placements) {
                const secret = `ZQ_${crypto.randomBytes(6).toString("hex").toUpperCase()}`;
                secrets.push(secret);
                const r = pulumi([
                    "config",
                    "set",
                    "--secret",
                    "--path",
                    `${SPELLINGS[p.spelling] ?? ""}${TARGETS[p.target]}`,
                    secret,
                    "-s",
                    stackName,
                ]);
                assert.equal(r.status, 0, String(r.stderr));
            }
            const first = TARGETS[c.placements[0]?.target ?? "variable"];
            fs.writeFileSync(stackFile, reshape(fs.readFileSync(stackFile, "utf8"), c.variant, first));

            const [offline, engine] = await Promise.all([render(), preview()]);
            for (const [who, out] of [
                ["npm run render", offline],
                ["pulumi preview", engine],
            ] as const) {
                for (const s of secrets) {
                    assert.ok(!out.text.includes(s), `${who} shows a secret value:\n${out.text}`);
                }
                assert.ok(!out.text.includes(PLACEHOLDER), `${who} shows the secret placeholder:\n${out.text}`);
            }
            const file = fs.readFileSync(stackFile, "utf8");
            assert.equal(
                offline.ok,
                engine.ok,
                `render ${offline.ok ? "accepts" : "refuses"}, preview ${engine.ok ? "accepts" : "refuses"}:\n--- stack file\n${file}\n--- render\n${offline.text}\n--- preview\n${engine.text}`,
            );
            if (c.variant === "specialFloat") {
                // The CLI refuses before the program runs, without naming a key; render names file and line.
                assert.match(engine.text, /unsupported value: \+Inf/);
                assert.match(offline.text, /special YAML float/);
            } else if (!offline.ok && !/Invalid stack config/.test(engine.text)) {
                // The CLI refused before the program ran (e.g. a value against Pulumi.yaml's declared type).
                assert.match(engine.text, /validating stack config|getting stack configuration/);
            } else if (!offline.ok) {
                assert.deepEqual(
                    offline.keys,
                    engine.keys,
                    `different refusals:\n--- stack file\n${file}\n--- render\n${offline.text}\n--- preview\n${engine.text}`,
                );
            }
            // A secret where a plain value is required is refused, naming that setting.
            for (const p of c.placements) {
                if (PLAIN_ONLY.includes(p.target)) {
                    assert.ok(!offline.ok, `a secret at ${TARGETS[p.target]} was accepted:\n${offline.text}`);
                }
            }
        });
    }
});
