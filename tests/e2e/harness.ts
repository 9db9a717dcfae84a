// Shared setup for the end-to-end suite and the benchmark: the offline toolchain on PATH, a local
// control plane, a scratch copy of the project, stack files derived from the examples, and Automation
// API stacks on a local file backend.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { parse, parseAllDocuments, stringify } from "yaml";
import { encryptValue, keyFromSalt } from "../../scripts/lib/passphrase";
import { Kube } from "./kube";

export const ROOT = path.join(__dirname, "..", "..");
export const STAND_IN_CHART = path.join(ROOT, "tests", "fixtures", "charts", "astro-remote-execution-agent");
/** The dev example's passphrase (its secure values are placeholders encrypted with an empty one). */
export const PASSPHRASE = "";

/** Applies `export NAME="value"` lines printed by a script to this process's environment. */
function applyExports(text: string): void {
    for (const line of text.split("\n")) {
        const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
        if (m?.[1] !== undefined && m[2] !== undefined) {
            const value = m[2].replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
            process.env[m[1]] = value.replace(
                /\$\{?([A-Z_][A-Z0-9_]*)\}?/g,
                (_all, name: string) => process.env[name] ?? "",
            );
        }
    }
}

/**
 * Puts the offline toolchain (built by scripts/toolchain.sh) on PATH. Returns a reason when it is
 * missing: callers skip locally and fail in CI, so a missing toolchain never passes silently.
 */
export function useToolchain(): string | undefined {
    let env: string;
    try {
        env = execFileSync("bash", [path.join(ROOT, "scripts", "toolchain.sh"), "--print-env"], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (err) {
        return `scripts/toolchain.sh --print-env failed: ${String(err)}`;
    }
    applyExports(env);
    for (const bin of ["pulumi", "pulumi-language-nodejs", "kube-apiserver", "etcd", "kube-scheduler", "kwok"]) {
        try {
            execFileSync("bash", ["-c", `command -v ${bin}`], { stdio: "ignore" });
        } catch {
            return `${bin} is not built: run npm run toolchain`;
        }
    }
    return undefined;
}

/** How a local cluster starts. */
export interface LocalClusterOptions {
    /**
     * true (default): kube-scheduler and kwok's simulated node pool (scripts/cluster/node-pool.json), so
     * pods are scheduled and turn Running/Ready although no container runs; false: no scheduler and no
     * nodes, so every pod stays Pending.
     */
    nodes?: boolean;
    /**
     * kwok marks a scheduled pod Ready only this long after it is bound (a copy of the toolchain's Stage
     * file with a `delay` on its pod-ready Stage). The default Stages make a pod Ready at once, so an `up`
     * that did not wait for readiness could not be told from one that did.
     */
    podReadyDelayMs?: number;
}

/**
 * The pod-ready delay the suites that assert `up` waited for readiness use: long enough that an `up`
 * which did not wait returns before any agent pod is Ready, short enough to keep rollouts quick.
 */
export const POD_READY_DELAY_MS = 3000;

/**
 * The toolchain's kwok Stage file (next to kwok's bin/, as scripts/cluster.sh finds it) with `delay` on
 * the pod-ready Stage, written to `file`.
 */
function writeDelayedStages(file: string, delayMs: number): void {
    const kwok = execFileSync("bash", ["-c", "command -v kwok"], { encoding: "utf8" }).trim();
    const source = path.join(path.dirname(path.dirname(kwok)), "stages.yaml");
    const docs = parseAllDocuments(fs.readFileSync(source, "utf8")).map((d) => d.toJS() as Record<string, unknown>);
    const podReady = docs.find((d) => (d.metadata as { name?: string } | undefined)?.name === "pod-ready");
    if (podReady === undefined) {
        throw new Error(`${source} has no pod-ready Stage`);
    }
    (podReady.spec as Record<string, unknown>).delay = { durationMilliseconds: delayMs };
    fs.writeFileSync(file, docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n"));
}

/** A running local cluster (scripts/cluster.sh), stopped by `stop()`. */
export class LocalCluster {
    readonly dir: string;
    readonly kubeconfig: string;

    private constructor(dir: string) {
        this.dir = dir;
        this.kubeconfig = path.join(dir, "kubeconfig");
    }

    static start(options: LocalClusterOptions = {}): LocalCluster {
        const base = fs.mkdtempSync(path.join(os.tmpdir(), "astro-e2e-"));
        const dir = path.join(base, "cluster");
        const stages: Record<string, string> = {};
        if (options.podReadyDelayMs !== undefined) {
            stages.ASTRO_KWOK_STAGES = path.join(base, "kwok-stages.yaml");
            writeDelayedStages(stages.ASTRO_KWOK_STAGES, options.podReadyDelayMs);
        }
        execFileSync("bash", [path.join(ROOT, "scripts", "cluster.sh"), "up"], {
            env: {
                ...process.env,
                ...stages,
                ASTRO_CLUSTER_DIR: dir,
                ASTRO_CLUSTER_NODES: options.nodes === false ? "0" : "pool",
            },
            stdio: ["ignore", "ignore", "inherit"],
        });
        return new LocalCluster(dir);
    }

    stop(): void {
        this.run("down");
    }

    /** An API server outage: kube-apiserver (and the controllers, scheduler, kwok) stop; etcd keeps the data. */
    stopApiServer(): void {
        this.run("stop-apiserver");
    }

    /** Ends the outage: the API server on the same port and etcd, then what depends on it; waits until ready. */
    startApiServer(): void {
        this.run("start-apiserver");
    }

    private run(command: string): void {
        execFileSync("bash", [path.join(ROOT, "scripts", "cluster.sh"), command], {
            env: { ...process.env, ASTRO_CLUSTER_DIR: this.dir },
            stdio: ["ignore", "ignore", "inherit"],
        });
    }
}

/** What an e2e suite runs against: a local control plane, a client for it, a scratch project, its Pulumi env. */
export interface E2eWorld {
    /** The local control plane (to stop and start its API server). */
    cluster: LocalCluster;
    kube: Kube;
    project: { dir: string; stateDir: string };
    env: Record<string, string>;
}

/**
 * Registers `before`/`after` hooks in the calling `describe` that start and stop an {@link E2eWorld};
 * the returned object is filled in by `before`. A missing toolchain skips locally and fails in CI, so
 * it never passes silently.
 */
export function e2eWorld(suite: string, options: LocalClusterOptions = {}): E2eWorld {
    const one = e2eFleetWorld(suite, 1, options);
    const world = {} as E2eWorld;
    before(() => {
        Object.assign(world, { cluster: one.clusters[0], kube: one.kubes[0], project: one.project, env: one.env });
    });
    return world;
}

/** What a multi-cluster suite runs against: several control planes, a client for each, one scratch project. */
export interface E2eFleetWorld {
    clusters: LocalCluster[];
    kubes: Kube[];
    project: { dir: string; stateDir: string };
    /** Pulumi env; its KUBECONFIG (the ambient kubeconfig) is the last cluster's. */
    env: Record<string, string>;
}

/**
 * {@link e2eWorld} with `count` local control planes (each its own `scripts/cluster.sh` state dir and
 * ports), started side by side and all stopped by `after`.
 */
export function e2eFleetWorld(suite: string, count: number, options: LocalClusterOptions = {}): E2eFleetWorld {
    const world = {} as E2eFleetWorld;
    const started: LocalCluster[] = [];
    before(function () {
        const missing = useToolchain();
        if (missing !== undefined) {
            if (process.env.CI === "true") {
                throw new Error(`${suite}: e2e toolchain missing in CI: ${missing}`);
            }
            console.warn(`skipping ${suite}: ${missing}`);
            this.skip();
        }
        for (let i = 0; i < count; i++) {
            started.push(LocalCluster.start(options));
        }
        const project = scratchProject();
        const last = started[started.length - 1] as LocalCluster;
        Object.assign(world, {
            clusters: started,
            kubes: started.map((c) => new Kube(c.kubeconfig)),
            project,
            env: pulumiEnv(project.stateDir, last.kubeconfig),
        });
    });
    after(() => {
        for (const c of started) {
            c.stop();
        }
    });
    return world;
}

/**
 * A scratch copy of the project (sources linked, Pulumi.yaml copied), so stack files and state the
 * tests write never touch the checkout.
 */
export function scratchProject(): { dir: string; stateDir: string } {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "astro-e2e-project-"));
    const dir = path.join(base, "project");
    fs.mkdirSync(dir);
    for (const entry of [
        "index.ts",
        "program",
        "components",
        "config",
        "node_modules",
        "package.json",
        "tsconfig.json",
        "policy",
        "scripts", // the ts-node transpiler tsconfig.json names
    ]) {
        fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
    }
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stateDir = path.join(base, "state");
    fs.mkdirSync(stateDir);
    return { dir, stateDir };
}

/** A stack file doc: `encryptionsalt` and `config` with `astro-agent:`-prefixed keys. */
export interface StackDoc {
    encryptionsalt?: string;
    config: Record<string, unknown>;
}

export function readExample(stack: "dev" | "prod"): StackDoc {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as StackDoc;
}

/** Every file below `dir`, concatenated: what an attacker with the state backend would see. */
export function readTree(dir: string): string {
    let out = "";
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        out += entry.isDirectory() ? readTree(p) : fs.readFileSync(p, "utf8");
    }
    return out;
}

/** Encrypts a value for a stack file that uses the dev example's salt and passphrase. */
export function secure(plaintext: string): { secure: string } {
    const salt = readExample("dev").encryptionsalt;
    if (salt === undefined) {
        throw new Error("Pulumi.dev.yaml has no encryptionsalt");
    }
    return { secure: encryptValue(keyFromSalt(PASSPHRASE, salt), plaintext) };
}

/** Environment every Pulumi command of a test run gets. */
export function pulumiEnv(stateDir: string, kubeconfig: string): Record<string, string> {
    return {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        KUBECONFIG: kubeconfig,
    };
}

/** Writes Pulumi.<stack>.yaml into the scratch project and opens the stack with the Automation API. */
export async function openStack(
    projectDir: string,
    stackName: string,
    doc: StackDoc,
    env: Record<string, string>,
): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: projectDir }, { envVars: env });
    // Written after `stack init`, which writes a fresh encryptionsalt: the doc's salt must win so its
    // secure values decrypt.
    writeStackFile(projectDir, stackName, doc);
    return stack;
}

/** (Re)writes Pulumi.<stack>.yaml in the scratch project. */
export function writeStackFile(projectDir: string, stackName: string, doc: StackDoc): void {
    fs.writeFileSync(path.join(projectDir, `Pulumi.${stackName}.yaml`), stringify(doc));
}

/** Sets one top-level config key in a stack doc (structured values stay YAML structures). */
export function withConfig(doc: StackDoc, values: Record<string, unknown>): StackDoc {
    const overrides = Object.fromEntries(Object.entries(values).map(([k, v]) => [`astro-agent:${k}`, v]));
    const config = Object.fromEntries(
        Object.entries({ ...doc.config, ...overrides }).filter(([, v]) => v !== undefined),
    );
    return { ...doc, config };
}

/** Secret values of a prod-like stack (set as `secure:` config, so they must never appear in plain text). */
export interface ProdLikeSecrets {
    token: string;
    pull: string;
    lineage: string;
}

/**
 * The prod example on the local API server: restricted namespace, secrets as secure config, the
 * stand-in chart, and the AWS stores wired as a bring-your-own (`external`) backend, since no AWS
 * provider can run here.
 */
export function prodLikeStack(namespace: string, releaseName: string, secrets: ProdLikeSecrets): StackDoc {
    const dev = readExample("dev");
    const prod = readExample("prod");
    return withConfig(
        {
            ...(dev.encryptionsalt === undefined ? {} : { encryptionsalt: dev.encryptionsalt }),
            config: prod.config,
        },
        {
            namespace,
            chart: { path: STAND_IN_CHART },
            release: { name: releaseName },
            agentTokenSecretName: undefined,
            agentToken: secure(secrets.token),
            imagePullSecretName: undefined,
            imagePullCredentials: {
                registry: "registry.example.com",
                username: "ci",
                password: secure(secrets.pull),
            },
            openLineage: { enabled: true, apiKey: secure(secrets.lineage) },
            backend: {
                kind: "external",
                secretBackend: "airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend",
                secretBackendKwargs: {
                    connections_prefix: "astro-prod/connections",
                    variables_prefix: "astro-prod/variables",
                    region_name: "eu-west-1",
                },
                xcomPath: "s3://example-astro-prod-xcom/xcom",
                serviceAccountAnnotations: {
                    "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/astro-prod-agent",
                },
                env: [{ name: "AWS_REGION", value: "eu-west-1" }],
            },
        },
    );
}
