// `npm run doctor -- --stack NAME [--json] [--objects-only] [--kubeconfig FILE] [--context NAME] [--cwd DIR]`
// Reads the stack's outputs (namespace, chart values) and config (backend, kubernetes provider
// settings) with the Pulumi CLI, then the cluster, and reports per agent component what is wrong, the
// likely cause and the config key that fixes it. Exit 0 healthy, 1 problems found, 2 cannot check.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { diagnose, formatReport, type DiagnoseTarget } from "../components/doctor";

const USAGE =
    "usage: npm run doctor -- --stack NAME [--json] [--objects-only] [--kubeconfig FILE] [--context NAME] [--cwd PROJECT_DIR]\n";

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
        const { backendFor, backendSchema } = await import("../components/backends/registry.js");
        const { formatPath } = await import("../config/errors.js");
        const parsed = backendSchema.parse(backend);
        const impl = backendFor(parsed.kind);
        if (impl === undefined) {
            return undefined;
        }
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
    const chartValues = outputs.chartValues;
    if (chartValues === undefined || chartValues === null || typeof chartValues !== "object") {
        process.stderr.write(
            `stack '${stack}' has no chartValues output${chartValues === "[secret]" ? " in plain text" : ""}: run \`pulumi up\` first\n`,
        );
        return 2;
    }
    const backend = configValue(config["astro-agent:backend"]) as { kind?: string } | undefined;
    // The backend registry loads the cloud SDKs: only for a stack whose ServiceAccounts carry identity annotations.
    const annotations = (chartValues as { serviceAccount?: { annotations?: Record<string, unknown> } }).serviceAccount
        ?.annotations;
    const keys =
        annotations !== undefined && Object.keys(annotations).length > 0 ? await identityKeys(backend) : undefined;
    const target: DiagnoseTarget = {
        agent: stack,
        chartValues: chartValues as Record<string, unknown>,
        ...(typeof outputs.namespace === "string" ? { namespace: outputs.namespace } : {}),
        ...(typeof backend?.kind === "string" ? { backendKind: backend.kind } : {}),
        ...(keys === undefined ? {} : { identityKeys: keys }),
    };
    const kubeconfig = args.kubeconfig ?? providerKubeconfig(cwd, stack, config);
    const context = args.context ?? (configValue(config["kubernetes:context"]) as string | undefined);
    const report = await diagnose(target, {
        objectsOnly: args["objects-only"],
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
        ...(context === undefined ? {} : { context }),
    });
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.ok ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`doctor: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(2);
    },
);
