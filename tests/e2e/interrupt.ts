// Interrupting `pulumi up` on purpose (the recovery e2e and the doctor fixture recorder): the engine as a
// child process, its process tree, and the Kubernetes provider plugins a killed engine leaves running.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Every descendant of `pid` (Linux /proc), children before grandchildren. */
export function descendants(pid: number): number[] {
    const kids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) {
                kids.push(Number(entry));
            }
        } catch {
            // gone meanwhile
        }
    }
    return kids.flatMap((k) => [k, ...descendants(k)]);
}

/** SIGKILL to `pid` and every process it started (collected first): a runner that dies. */
export function killTree(pid: number): void {
    const tree = descendants(pid);
    for (const p of [pid, ...tree]) {
        try {
            process.kill(p, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

/** Kubernetes provider plugins whose working directory is `dir` (the engine starts them in the project). */
export function providersIn(dir: string): number[] {
    const real = fs.realpathSync(dir);
    return fs
        .readdirSync("/proc")
        .filter((e) => /^\d+$/.test(e))
        .filter((e) => {
            try {
                const argv0 = fs.readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0")[0] ?? "";
                return (
                    path.basename(argv0) === "pulumi-resource-kubernetes" && fs.realpathSync(`/proc/${e}/cwd`) === real
                );
            } catch {
                return false;
            }
        })
        .map(Number);
}

/** A running `pulumi up` (its PID is the engine's). */
export interface RunningUp {
    child: ChildProcess;
    exited: Promise<number | null>;
    output: () => string;
}

/** Starts `pulumi up --yes --skip-preview` for `stack` in `projectDir`. */
export function startUp(projectDir: string, stack: string, env: NodeJS.ProcessEnv): RunningUp {
    let output = "";
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], {
        cwd: projectDir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (d: Buffer) => {
        output += d.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const exited = new Promise<number | null>((resolve) => {
        child.on("exit", (code) => {
            resolve(code);
        });
    });
    return { child, exited, output: () => output };
}
