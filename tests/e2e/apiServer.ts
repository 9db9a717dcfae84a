// Stops and restarts the kube-apiserver of a local cluster (scripts/cluster.sh), keeping etcd and the
// other processes running: an API outage that ends with the cluster's objects intact. The process is
// restarted with the exact command line it had, and its new PID is recorded where `cluster.sh down`
// finds it.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Kube } from "./kube";

/** A stopped API server: `start()` brings it back and waits until it answers. */
export interface StoppedApiServer {
    start(kube: Kube): Promise<void>;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Stops the API server of the cluster whose state dir is `clusterDir` (SIGTERM, then SIGKILL after 10 s). */
export async function stopApiServer(clusterDir: string): Promise<StoppedApiServer> {
    const pidFile = path.join(clusterDir, "pids", "kube-apiserver.pid");
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    const argv = fs
        .readFileSync(`/proc/${pid}/cmdline`, "utf8")
        .split("\0")
        .filter((a) => a !== "");
    if (!(argv[0] ?? "").endsWith("kube-apiserver")) {
        throw new Error(`pid ${pid} (${pidFile}) is not a kube-apiserver: ${argv[0] ?? "?"}`);
    }
    const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && alive(pid); i++) {
        await new Promise((r) => setTimeout(r, 100));
    }
    if (alive(pid)) {
        process.kill(pid, "SIGKILL");
    }
    return {
        async start(kube: Kube): Promise<void> {
            const log = fs.openSync(path.join(clusterDir, "logs", "kube-apiserver.log"), "a");
            const child = spawn(argv[0] as string, argv.slice(1), { cwd, detached: true, stdio: ["ignore", log, log] });
            child.unref();
            fs.writeFileSync(pidFile, `${child.pid ?? ""}\n`);
            await kube.waitFor(
                "the restarted API server to answer",
                async () => {
                    try {
                        return (await kube.request("GET", "/api/v1/namespaces/default")).status === 200;
                    } catch {
                        return false;
                    }
                },
                90,
            );
        },
    };
}
