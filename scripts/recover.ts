// `npm run recover -- --stack NAME [--cluster NAME] [--dry-run] [--force] [--kubeconfig FILE] [--context NAME] [--cwd DIR]`
// Makes a stack whose `pulumi up` was cut off (engine killed, API server down during the Helm install)
// deployable again, so that the next `pulumi up` converges (docs/recovery.md):
//   1. refuses while a `pulumi` process holds the stack's lock (local file backend: the lock file's PID
//      on this host; a lock from another host unless --force); a stale lock (its process is gone) is
//      removed with `pulumi cancel`. A stuck release is left alone while a Kubernetes provider left by
//      a killed engine still runs in the project (it may still be installing);
//   2. per Helm release of the stack (names from the config, evaluated as `npm run render` does):
//      a release stuck in pending-install / pending-upgrade / pending-rollback gets its pending
//      revision Secrets deleted (each only if unchanged since read), so the last deployed revision is
//      current again, as `helm rollback` would leave it; nothing when there is none (the next `up`
//      installs afresh). A deployed revision and other releases' Secrets are never touched;
//   3. a release the cluster holds but the stack's state does not (the engine died after Helm finished)
//      is imported into the state under the Release's own URN (`pulumi import`), so `up` upgrades it.
// Prints each thing it does; --dry-run prints what it would do and changes nothing.
// Exit 0 done (or nothing to do), 1 refused or failed, 2 cannot check (usage, stack, cluster).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { KubeClient, applyRecovery, planRecovery, readReleaseRevisions, type RecoveryPlan } from "../doctor";
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
import { readProject } from "./lib/stackFile";
import { classifyLocks, localLocks } from "./lib/stackLock";
import { RELEASE_TYPE, stackReleases, type StackRelease } from "./lib/stackReleases";

const USAGE =
    "usage: npm run recover -- --stack NAME [--cluster NAME] [--dry-run] [--force] [--kubeconfig FILE] [--context NAME] [--cwd PROJECT_DIR]\n";

interface StateResource {
    urn: string;
    type: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

function out(line: string): void {
    process.stdout.write(`${line}\n`);
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * Kubernetes provider plugins running in `projectDir` whose parent is no `pulumi` process: left by a
 * killed engine, and possibly still installing or upgrading a release (Linux /proc; none elsewhere).
 */
function orphanedProviders(projectDir: string): number[] {
    if (!fs.existsSync("/proc")) {
        return [];
    }
    const real = fs.realpathSync(projectDir);
    const found: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const argv0 = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[0] ?? "";
            if (path.basename(argv0) !== "pulumi-resource-kubernetes") {
                continue;
            }
            if (fs.realpathSync(`/proc/${entry}/cwd`) !== real) {
                continue;
            }
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            const parent = fs.existsSync(`/proc/${ppid}/comm`)
                ? fs.readFileSync(`/proc/${ppid}/comm`, "utf8").trim()
                : "";
            if (parent !== "pulumi") {
                found.push(Number(entry));
            }
        } catch {
            // gone meanwhile, or not ours to read
        }
    }
    return found;
}

function describePlan(plan: RecoveryPlan): string {
    const current =
        plan.current === undefined
            ? "none (the next `up` installs it afresh)"
            : `revision ${plan.current.revision} (${plan.current.status})`;
    return `release ${plan.namespace}/${plan.release}: stuck in ${plan.stuck?.status ?? "?"} at revision ${plan.stuck?.revision ?? "?"}; current afterwards: ${current}`;
}

async function main(): Promise<number> {
    const args = stackArgs(
        () =>
            parseArgs({
                options: {
                    ...STACK_OPTIONS,
                    "dry-run": { type: "boolean", default: false },
                    force: { type: "boolean", default: false },
                },
                allowPositionals: false,
            }),
        USAGE,
    );
    if (args === undefined) {
        return 2;
    }
    const stack = args.stack;
    const cwd = path.resolve(args.cwd ?? path.join(__dirname, ".."));
    const dry = args["dry-run"];
    const would = dry ? "would " : "";
    type State = { resources?: StateResource[]; pending_operations?: { type: string; resource: StateResource }[] };
    const read = readWithCli(stack, () => ({
        config: JSON.parse(pulumi(cwd, ["config", "--json", "--stack", stack])) as Record<string, ConfigEntry>,
        state:
            (JSON.parse(pulumi(cwd, ["stack", "export", "--stack", stack])) as { deployment?: State }).deployment ?? {},
        backendUrl: (JSON.parse(pulumi(cwd, ["whoami", "--verbose", "--json"])) as { url?: string }).url ?? "",
    }));
    if (read === undefined) {
        return 2;
    }
    const { config, state, backendUrl } = read;

    // 1. Nothing may still be running an update of this stack.
    const project = readProject(cwd).name;
    const locks = localLocks(backendUrl, project, stack);
    const { stale, refusals } =
        locks === undefined ? { stale: [], refusals: [] } : classifyLocks(locks, stack, os.hostname(), processAlive);
    if (locks === undefined) {
        out(
            `backend ${backendUrl}: its lock cannot be read here; if an update of '${stack}' was cut off, run \`pulumi cancel --stack ${stack}\` first (only once you are sure no \`pulumi\` runs on it)`,
        );
    }
    // Checked per stuck release below: once no release is pending, a left-over provider is idle.
    const orphans = orphanedProviders(cwd);
    if (refusals.length > 0 && !args.force) {
        for (const r of refusals) {
            process.stderr.write(`refusing: ${r}\n`);
        }
        return 1;
    }
    for (const lock of stale) {
        out(
            `${would}remove the stale lock of stack '${stack}' (pid ${lock.pid ?? "?"} is gone): pulumi cancel --yes --stack ${stack}`,
        );
        if (!dry) {
            pulumi(cwd, ["cancel", "--yes", "--stack", stack]);
        }
    }

    // 2. and 3. Per release.
    let releases: StackRelease[];
    try {
        releases = await stackReleases(cwd, stack);
    } catch (err) {
        process.stderr.write(
            `cannot evaluate stack '${stack}' to find its releases: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        return 2;
    }
    if (args.cluster !== undefined) {
        releases = releases.filter((r) => r.cluster === args.cluster);
        if (releases.length === 0) {
            process.stderr.write(`stack '${stack}' has no cluster '${args.cluster}'\n`);
            return 2;
        }
    }
    const resources = state.resources ?? [];
    const inState = (r: StackRelease) =>
        resources.some((s) => {
            const o = s.outputs ?? s.inputs ?? {};
            return s.type === RELEASE_TYPE && o.name === r.release && o.namespace === r.namespace;
        });
    const providerContext = configValue(config["kubernetes:context"]) as string | undefined;
    const entries = releases.some((r) => r.cluster !== undefined) ? clusterEntries(cwd, stack, config) : [];
    let failed = false;
    for (const r of releases) {
        const entry = entries.find((e) => e.name === r.cluster);
        const kubeconfig =
            args.kubeconfig ??
            (entry === undefined
                ? providerKubeconfig(cwd, stack, config)
                : entry.kubeconfig === undefined
                  ? undefined
                  : kubeconfigFile(entry.kubeconfig));
        const context =
            args.context ?? entry?.context ?? (entry?.kubeconfig === undefined ? providerContext : undefined);
        const client = new KubeClient({
            ...(kubeconfig === undefined ? {} : { kubeconfig }),
            ...(context === undefined ? {} : { context }),
        });
        try {
            const revisions = await readReleaseRevisions(client, r.namespace, r.release);
            if (revisions === undefined) {
                process.stderr.write(
                    `release ${r.namespace}/${r.release}: these credentials may not list Secrets in ${r.namespace}\n`,
                );
                failed = true;
                continue;
            }
            const plan = planRecovery(r.namespace, r.release, revisions);
            if (plan.stuck === undefined) {
                out(
                    `release ${r.namespace}/${r.release}: not stuck (${plan.current === undefined ? "not installed" : `revision ${plan.current.revision} ${plan.current.status}`})`,
                );
            } else if (orphans.length > 0 && !args.force) {
                process.stderr.write(
                    `refusing: release ${r.namespace}/${r.release} is ${plan.stuck.status} and a Kubernetes provider left by a killed \`pulumi\` still runs in ${cwd} (pid ${orphans.join(", ")}): it may still be installing or upgrading it. Wait until the release is no longer pending-* (the provider finishes within release.timeoutSeconds) or stop it (kill ${orphans.join(" ")}), then run this again\n`,
                );
                failed = true;
                continue;
            } else {
                out(describePlan(plan));
                for (const d of plan.deletes) {
                    out(`  ${would}delete Secret ${r.namespace}/${d.secret} (revision ${d.revision}, ${d.status})`);
                }
                if (!dry) {
                    const { changed } = await applyRecovery(client, plan);
                    for (const c of changed) {
                        process.stderr.write(
                            `  Secret ${r.namespace}/${c.secret} changed or went away meanwhile: not deleted; run this again\n`,
                        );
                        failed = true;
                    }
                }
            }
            if (plan.current !== undefined && !inState(r)) {
                const parent = resources.find(
                    (s) =>
                        s.type === "astro-remote-agent:index:AgentRelease" && s.urn.endsWith(`::${r.parentName ?? ""}`),
                );
                const id = `${r.namespace}/${r.release}`;
                if (parent === undefined) {
                    process.stderr.write(
                        `release ${id} is installed but the stack's state holds neither it nor its component '${r.parentName ?? "?"}': run \`pulumi up\` once (it fails on the release), then this again\n`,
                    );
                    failed = true;
                    continue;
                }
                const importArgs = [
                    "import",
                    RELEASE_TYPE,
                    r.resourceName,
                    id,
                    "--parent",
                    `parent=${parent.urn}`,
                    "--protect=false",
                    "--generate-code=false",
                    "--yes",
                    "--stack",
                    stack,
                ];
                out(
                    `release ${id}: installed in the cluster but not in the stack's state; ${would}import it: pulumi ${importArgs.join(" ")}`,
                );
                if (!dry) {
                    pulumi(cwd, importArgs);
                }
            }
        } finally {
            client.close();
        }
    }
    if (!failed) {
        out(dry ? "dry run: nothing changed" : `done: now run \`pulumi up --stack ${stack}\``);
    }
    return failed ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`recover: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(2);
    },
);
