// `npm run doctor -- --stack NAME [--cluster NAME] [--json] [--objects-only] [--kubeconfig FILE] [--context NAME] [--cwd DIR]`
// Reads the stack's outputs (namespace, chart values) and config (backend, kubernetes provider
// settings) with the Pulumi CLI, then the cluster, and reports per agent component what is wrong, the
// likely cause and the config key that fixes it. A fleet stack (a `clusters` block) is checked cluster
// by cluster, each through its own kubeconfig / context; a cluster that cannot be reached is marked
// UNREACHABLE and the others are still reported.
// Exit 0 healthy, 1 problems found, 2 cannot check (usage, stack), 3 a fleet cluster was unreachable
// (3 wins over 1: the reachable clusters' problems are printed all the same).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { diagnose, formatReport, type DiagnoseTarget, type DoctorReport } from "../doctor";

const USAGE =
    "usage: npm run doctor -- --stack NAME [--cluster NAME] [--json] [--objects-only] [--kubeconfig FILE] [--context NAME] [--cwd PROJECT_DIR]\n";

interface ConfigEntry {
    value?: string;
    objectValue?: unknown;
    secret?: boolean;
}

function pulumi(cwd: string, args: string[]): string {
    return execFileSync("pulumi", [...args, "--non-interactive"], {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
    });
}

function configValue(entry: ConfigEntry | undefined): unknown {
    if (entry === undefined || entry.secret === true) {
        return undefined;
    }
    if (entry.objectValue !== undefined) {
        return entry.objectValue;
    }
    try {
        return JSON.parse(entry.value ?? "");
    } catch {
        return entry.value;
    }
}

/** Config key per identity annotation, from the backend's own declaration (loads the backend registry). */
async function identityKeys(backend: unknown): Promise<Record<string, string> | undefined> {
    try {
        const { backendFor, backendSchema } = await import("../backends/registry.js");
        const { formatPath } = await import("../config/errors.js");
        const parsed = backendSchema.parse(backend);
        const impl = backendFor(parsed.kind);
        return Object.fromEntries(
            impl.serviceAccountAnnotationKeys(parsed as never).map((k) => [k.name, formatPath(k.setBy)]),
        );
    } catch {
        return undefined;
    }
}

/** The kubeconfig the stack's kubernetes provider uses (`kubernetes:kubeconfig`, a path or the document). */
function providerKubeconfig(cwd: string, stack: string, config: Record<string, ConfigEntry>): string | undefined {
    const entry = config["kubernetes:kubeconfig"];
    if (entry === undefined) {
        return undefined;
    }
    const value =
        entry.secret === true ? pulumi(cwd, ["config", "get", "kubernetes:kubeconfig", "--stack", stack]) : entry.value;
    if (value === undefined || value.trim() === "") {
        return undefined;
    }
    return kubeconfigFile(value);
}

/** A kubeconfig path as is, or kubeconfig content written to a private temporary file. */
function kubeconfigFile(value: string): string {
    if (!value.includes("\n") && fs.existsSync(value.trim())) {
        return value.trim();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-doctor-"));
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(file, value, { mode: 0o600 });
    process.on("exit", () => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return file;
}

async function main(): Promise<number> {
    let args;
    try {
        ({ values: args } = parseArgs({
            options: {
                stack: { type: "string" },
                json: { type: "boolean", default: false },
                "objects-only": { type: "boolean", default: false },
                kubeconfig: { type: "string" },
                context: { type: "string" },
                cluster: { type: "string" },
                cwd: { type: "string" },
            },
            allowPositionals: false,
        }));
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
        return 2;
    }
    if (args.stack === undefined) {
        process.stderr.write(USAGE);
        return 2;
    }
    const stack = args.stack;
    const cwd = args.cwd ?? path.join(__dirname, "..");
    let outputs: Record<string, unknown>;
    let config: Record<string, ConfigEntry>;
    try {
        outputs = JSON.parse(pulumi(cwd, ["stack", "output", "--json", "--stack", stack])) as Record<string, unknown>;
        config = JSON.parse(pulumi(cwd, ["config", "--json", "--stack", stack])) as Record<string, ConfigEntry>;
    } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? String(err);
        process.stderr.write(`cannot read stack '${stack}' with the Pulumi CLI: ${stderr.trim()}\n`);
        return 2;
    }
    const backend = configValue(config["astro-agent:backend"]) as { kind?: string } | undefined;
    const base = {
        ...(typeof backend?.kind === "string" ? { backendKind: backend.kind } : {}),
    };
    /** A target from one agent's outputs (the stack's, or one fleet cluster's). */
    const targetOf = async (agent: string, out: Record<string, unknown>): Promise<DiagnoseTarget> => {
        const chartValues = out.chartValues as Record<string, unknown>;
        // The backend registry loads the cloud SDKs: only for agents whose ServiceAccounts carry identity annotations.
        const annotations = (chartValues as { serviceAccount?: { annotations?: Record<string, unknown> } })
            .serviceAccount?.annotations;
        const keys =
            annotations !== undefined && Object.keys(annotations).length > 0 ? await identityKeys(backend) : undefined;
        return {
            agent,
            chartValues,
            ...(typeof out.namespace === "string" ? { namespace: out.namespace } : {}),
            ...base,
            ...(keys === undefined ? {} : { identityKeys: keys }),
        };
    };
    const hasValues = (out: unknown) => {
        const v = (out as { chartValues?: unknown } | undefined)?.chartValues;
        return v !== undefined && v !== null && typeof v === "object";
    };
    const providerContext = configValue(config["kubernetes:context"]) as string | undefined;
    const runs: { target: DiagnoseTarget; kubeconfig?: string | undefined; context?: string | undefined }[] = [];
    const fleet = outputs.clusters as Record<string, Record<string, unknown>> | null | undefined;
    const isFleet = fleet !== undefined && fleet !== null && typeof fleet === "object";
    if (isFleet) {
        // A fleet: each cluster through its own connection (the `clusters` entry's kubeconfig / context).
        const entries = (JSON.parse(
            config["astro-agent:clusters"]?.secret === true
                ? pulumi(cwd, ["config", "get", "astro-agent:clusters", "--stack", stack])
                : JSON.stringify(configValue(config["astro-agent:clusters"]) ?? []),
        ) ?? []) as { name?: string; kubeconfig?: string; context?: string }[];
        const names = Object.keys(fleet).filter((n) => args.cluster === undefined || n === args.cluster);
        if (names.length === 0) {
            process.stderr.write(
                `stack '${stack}' has no cluster '${args.cluster ?? ""}': its clusters are ${Object.keys(fleet).join(", ")}\n`,
            );
            return 2;
        }
        for (const name of names) {
            if (!hasValues(fleet[name])) {
                process.stderr.write(
                    `stack '${stack}' has no chart values for cluster '${name}': run \`pulumi up\` first\n`,
                );
                return 2;
            }
            const entry = entries.find((e) => e.name === name) ?? {};
            runs.push({
                target: await targetOf(`${stack}/${name}`, fleet[name] as Record<string, unknown>),
                kubeconfig:
                    args.kubeconfig ?? (entry.kubeconfig === undefined ? undefined : kubeconfigFile(entry.kubeconfig)),
                context:
                    args.context ?? entry.context ?? (entry.kubeconfig === undefined ? providerContext : undefined),
            });
        }
    } else {
        if (!hasValues(outputs)) {
            process.stderr.write(
                `stack '${stack}' has no chartValues output${outputs.chartValues === "[secret]" ? " in plain text" : ""}: run \`pulumi up\` first\n`,
            );
            return 2;
        }
        runs.push({
            target: await targetOf(stack, outputs),
            kubeconfig: args.kubeconfig ?? providerKubeconfig(cwd, stack, config),
            context: args.context ?? providerContext,
        });
    }
    const reports: DoctorReport[] = [];
    const unreachable: Unreachable[] = [];
    for (const run of runs) {
        const connection = {
            ...(run.kubeconfig === undefined ? {} : { kubeconfig: run.kubeconfig }),
            ...(run.context === undefined ? {} : { context: run.context }),
        };
        try {
            reports.push(await diagnose(run.target, { objectsOnly: args["objects-only"], ...connection }));
        } catch (err) {
            // One cluster that cannot be read does not hide the others: mark it and go on.
            if (!isFleet) {
                throw err;
            }
            unreachable.push(await unreachableOf(run.target.agent ?? "", connection, err));
        }
    }
    const report: DoctorReport = { ok: reports.every((r) => r.ok), agents: reports.flatMap((r) => r.agents) };
    if (args.json) {
        const out = unreachable.length === 0 ? report : { ...report, ok: false, unreachable };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
        process.stdout.write(
            (report.agents.length === 0 ? "" : formatReport(report)) + unreachable.map(formatUnreachable).join(""),
        );
    }
    return unreachable.length > 0 ? 3 : report.ok ? 0 : 1;
}

/** A fleet cluster the doctor could not read. `server` is redacted; `error` never holds a credential. */
interface Unreachable {
    agent: string;
    server?: string;
    failure: string;
    error: string;
}

/** Why one cluster could not be read: its API server probed (refused, DNS, TLS, timeout), else the error. */
async function unreachableOf(
    agent: string,
    connection: { kubeconfig?: string; context?: string },
    err: unknown,
): Promise<Unreachable> {
    const { probeApiServer } = await import("../doctor/reachability.js");
    const { redactCredentials } = await import("../config/credentials.js");
    const error = redactCredentials(err instanceof Error ? err.message : String(err));
    const probe = await probeApiServer(connection);
    return probe.reachable === false
        ? { agent, server: probe.server, failure: probe.failure, error: probe.code }
        : {
              agent,
              ...(probe.reachable === true ? { server: probe.server } : {}),
              failure: "could not be read",
              error,
          };
}

function formatUnreachable(u: Unreachable): string {
    const where = u.server === undefined ? "its API server" : `API server ${u.server}`;
    return `agent ${u.agent}: UNREACHABLE, ${where}: ${u.failure} (${u.error}); not checked\n`;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`doctor: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(2);
    },
);
