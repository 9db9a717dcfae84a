// `npm run doctor -- --stack NAME [--cluster NAME] [--json] [--objects-only] [--kubeconfig FILE] [--context NAME] [--cwd DIR]`
// Reads the stack's outputs (namespace, chart values, release name), state (which releases it holds) and
// config (backend, kubernetes provider settings) with the Pulumi CLI, then the cluster, and reports per agent component what is wrong, the
// likely cause and the config key that fixes it. A fleet stack (a `clusters` block) is checked cluster
// by cluster, each through its own kubeconfig / context; a cluster that cannot be reached is marked
// UNREACHABLE and the others are still reported. Before any `up` finished (no outputs), what the config
// deploys is evaluated offline, as `npm run render` does.
// Exit 0 healthy, 1 problems found, 2 cannot check (usage, stack), 3 a fleet cluster was unreachable
// (3 wins over 1: the reachable clusters' problems are printed all the same).
import * as path from "node:path";
import { parseArgs } from "node:util";
import { diagnose, formatReport, type DiagnoseTarget, type DoctorReport } from "../doctor";
import {
    clusterEntries,
    configValue,
    kubeconfigFile,
    providerKubeconfig,
    pulumi,
    readWithCli,
    STACK_OPTIONS,
    stackArgs,
    type ConfigEntry,
} from "./lib/stackCli";
import { RELEASE_TYPE, stackReleases, type StackRelease } from "./lib/stackReleases";

/** `namespace/name` of every Helm release the stack's state holds (from `pulumi stack export`). */
function releasesInState(exported: string): string[] {
    const doc = JSON.parse(exported) as {
        deployment?: { resources?: { type: string; outputs?: Record<string, unknown> }[] };
    };
    return (doc.deployment?.resources ?? [])
        .filter((r) => r.type === RELEASE_TYPE)
        .map((r) => `${String(r.outputs?.namespace)}/${String(r.outputs?.name)}`);
}

const USAGE =
    "usage: npm run doctor -- --stack NAME [--cluster NAME] [--json] [--objects-only] [--kubeconfig FILE] [--context NAME] [--cwd PROJECT_DIR]\n";

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

async function main(): Promise<number> {
    const args = stackArgs(
        () =>
            parseArgs({
                options: {
                    ...STACK_OPTIONS,
                    json: { type: "boolean", default: false },
                    "objects-only": { type: "boolean", default: false },
                },
                allowPositionals: false,
            }),
        USAGE,
    );
    if (args === undefined) {
        return 2;
    }
    const stack = args.stack;
    const cwd = args.cwd ?? path.join(__dirname, "..");
    const read = readWithCli(stack, () => ({
        outputs: JSON.parse(pulumi(cwd, ["stack", "output", "--json", "--stack", stack])) as Record<string, unknown>,
        config: JSON.parse(pulumi(cwd, ["config", "--json", "--stack", stack])) as Record<string, ConfigEntry>,
        stateReleases: releasesInState(pulumi(cwd, ["stack", "export", "--stack", stack])),
    }));
    if (read === undefined) {
        return 2;
    }
    const { config, stateReleases } = read;
    let outputs = read.outputs;
    const backend = configValue(config["astro-agent:backend"]) as { kind?: string } | undefined;
    const base = {
        ...(typeof backend?.kind === "string" ? { backendKind: backend.kind } : {}),
    };
    /** A target from one agent's outputs (the stack's, or one fleet cluster's). */
    const targetOf = async (agent: string, out: Record<string, unknown>, cluster?: string): Promise<DiagnoseTarget> => {
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
            ...(typeof out.releaseName === "string"
                ? {
                      releaseName: out.releaseName,
                      releaseInState: stateReleases.includes(`${String(out.namespace)}/${out.releaseName}`),
                  }
                : {}),
            recoverCommand: `npm run recover -- --stack ${stack}${cluster === undefined ? "" : ` --cluster ${cluster}`}`,
        };
    };
    const hasValues = (out: unknown) => {
        const v = (out as { chartValues?: unknown } | undefined)?.chartValues;
        return v !== undefined && v !== null && typeof v === "object";
    };
    /**
     * When no `up` finished yet (no outputs), or one was cut off: what the config deploys (evaluated
     * offline as `npm run render` does), as outputs.
     */
    let evaluated: StackRelease[] | undefined;
    const fromConfig = async (cluster: string | undefined): Promise<Record<string, unknown> | undefined> => {
        evaluated ??= await stackReleases(cwd, stack).catch(() => []);
        const r = evaluated.find((x) => x.cluster === cluster);
        return r === undefined ? undefined : { chartValues: r.values, namespace: r.namespace, releaseName: r.release };
    };
    const providerContext = configValue(config["kubernetes:context"]) as string | undefined;
    const runs: { target: DiagnoseTarget; kubeconfig?: string | undefined; context?: string | undefined }[] = [];
    const fleet = outputs.clusters as Record<string, Record<string, unknown>> | null | undefined;
    const isFleet = fleet !== undefined && fleet !== null && typeof fleet === "object";
    if (isFleet) {
        // A fleet: each cluster through its own connection (the `clusters` entry's kubeconfig / context).
        const entries = clusterEntries(cwd, stack, config);
        const names = Object.keys(fleet).filter((n) => args.cluster === undefined || n === args.cluster);
        if (names.length === 0) {
            process.stderr.write(
                `stack '${stack}' has no cluster '${args.cluster ?? ""}': its clusters are ${Object.keys(fleet).join(", ")}\n`,
            );
            return 2;
        }
        for (const name of names) {
            if (!hasValues(fleet[name])) {
                fleet[name] = (await fromConfig(name)) ?? {};
            }
            if (!hasValues(fleet[name])) {
                process.stderr.write(
                    `stack '${stack}' has no chart values for cluster '${name}': run \`pulumi up\` first\n`,
                );
                return 2;
            }
            const entry = entries.find((e) => e.name === name) ?? {};
            runs.push({
                target: await targetOf(`${stack}/${name}`, fleet[name] as Record<string, unknown>, name),
                kubeconfig:
                    args.kubeconfig ?? (entry.kubeconfig === undefined ? undefined : kubeconfigFile(entry.kubeconfig)),
                context:
                    args.context ?? entry.context ?? (entry.kubeconfig === undefined ? providerContext : undefined),
            });
        }
    } else {
        if (!hasValues(outputs) && outputs.chartValues !== "[secret]") {
            const configured = await fromConfig(undefined);
            if (configured !== undefined) {
                process.stderr.write(
                    `stack '${stack}' has no outputs yet (no \`pulumi up\` finished): checking what its config deploys\n`,
                );
                outputs = configured;
            }
        }
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
