// The local (file) backend's stack lock: `pulumi` writes `.pulumi/locks/<org>/<project>/<stack>/<id>.json`
// (its PID and host) for the length of an update and deletes it at the end; a killed engine leaves it,
// and every later `up` refuses until `pulumi cancel` deletes it.
import * as fs from "node:fs";
import * as path from "node:path";

/** One lock file. */
export interface LockInfo {
    file: string;
    pid?: number;
    hostname?: string;
}

/** The stack's lock files on a file backend; undefined for any other backend (its locks cannot be read). */
export function localLocks(backendUrl: string, project: string, stack: string): LockInfo[] | undefined {
    if (!backendUrl.startsWith("file://")) {
        return undefined;
    }
    const root = decodeURIComponent(new URL(backendUrl).pathname);
    const dirs = [
        path.join(root, ".pulumi", "locks", "organization", project, stack),
        path.join(root, ".pulumi", "locks", stack),
    ];
    const locks: LockInfo[] = [];
    for (const dir of dirs) {
        if (!fs.existsSync(dir)) {
            continue;
        }
        for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".json"))) {
            const file = path.join(dir, name);
            try {
                const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number; hostname?: string };
                locks.push({
                    file,
                    ...(doc.pid === undefined ? {} : { pid: doc.pid }),
                    ...(doc.hostname === undefined ? {} : { hostname: doc.hostname }),
                });
            } catch {
                locks.push({ file });
            }
        }
    }
    return locks;
}

/**
 * Stale locks (this host, their process gone: safe to remove) and why the others forbid touching the
 * stack (this host and alive: an update runs; another host or unreadable: this host cannot tell).
 */
export function classifyLocks(
    locks: readonly LockInfo[],
    stack: string,
    hostname: string,
    alive: (pid: number) => boolean,
): { stale: LockInfo[]; refusals: string[] } {
    const stale: LockInfo[] = [];
    const refusals: string[] = [];
    for (const lock of locks) {
        const mine = lock.hostname === hostname;
        if (mine && lock.pid !== undefined && !alive(lock.pid)) {
            stale.push(lock);
        } else if (mine && lock.pid !== undefined) {
            refusals.push(
                `\`pulumi\` (pid ${lock.pid}) holds the lock of stack '${stack}' (${lock.file}): wait for it to end`,
            );
        } else {
            refusals.push(
                `stack '${stack}' is locked by ${lock.hostname ?? "an unknown host"}${lock.pid === undefined ? "" : ` (pid ${lock.pid})`} (${lock.file}): this host cannot tell whether it still runs; once you are sure it does not, run with --force`,
            );
        }
    }
    return { stale, refusals };
}
