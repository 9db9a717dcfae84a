// What the stack scripts (doctor, recover) share: the Pulumi CLI, stack config entries, kubeconfig files.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** One entry of `pulumi config --json`. */
export interface ConfigEntry {
    value?: string;
    objectValue?: unknown;
    secret?: boolean;
}

/** Runs the Pulumi CLI non-interactively in `cwd`; stdout. */
export function pulumi(cwd: string, args: string[]): string {
    return execFileSync("pulumi", [...args, "--non-interactive"], {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
    });
}

/** A plain config entry's value (JSON decoded when it is JSON); undefined for a secret or a missing one. */
export function configValue(entry: ConfigEntry | undefined): unknown {
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

/** A kubeconfig path as is, or kubeconfig content written to a private temporary file. */
export function kubeconfigFile(value: string): string {
    if (!value.includes("\n") && fs.existsSync(value.trim())) {
        return value.trim();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-stack-"));
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(file, value, { mode: 0o600 });
    process.on("exit", () => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return file;
}

/** The kubeconfig the stack's kubernetes provider uses (`kubernetes:kubeconfig`, a path or the document). */
export function providerKubeconfig(
    cwd: string,
    stack: string,
    config: Record<string, ConfigEntry>,
): string | undefined {
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

/** The `clusters` entries of a fleet stack (read with the CLI when the block is secret). */
export function clusterEntries(
    cwd: string,
    stack: string,
    config: Record<string, ConfigEntry>,
): { name?: string; kubeconfig?: string; context?: string }[] {
    return (JSON.parse(
        config["astro-agent:clusters"]?.secret === true
            ? pulumi(cwd, ["config", "get", "astro-agent:clusters", "--stack", stack])
            : JSON.stringify(configValue(config["astro-agent:clusters"]) ?? []),
    ) ?? []) as { name?: string; kubeconfig?: string; context?: string }[];
}

/** The options every stack script takes: the stack, the project folder, the cluster to reach. */
export const STACK_OPTIONS = {
    stack: { type: "string" },
    cluster: { type: "string" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    cwd: { type: "string" },
} as const;

/**
 * A stack script's parsed arguments, or undefined after printing the parse error (or the usage when
 * `--stack` is missing) on stderr: the caller exits 2.
 */
export function stackArgs<V extends { stack?: string | undefined }>(
    parse: () => { values: V },
    usage: string,
): (V & { stack: string }) | undefined {
    let values: V;
    try {
        ({ values } = parse());
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
        return undefined;
    }
    if (values.stack === undefined) {
        process.stderr.write(usage);
        return undefined;
    }
    return values as V & { stack: string };
}

/**
 * Reads what a stack script needs from the Pulumi CLI (`read` calls {@link pulumi}); undefined after
 * printing why it could not on stderr: the caller exits 2.
 */
export function readWithCli<T>(stack: string, read: () => T): T | undefined {
    try {
        return read();
    } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? String(err);
        process.stderr.write(`cannot read stack '${stack}' with the Pulumi CLI: ${stderr.trim()}\n`);
        return undefined;
    }
}
