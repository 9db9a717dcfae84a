// `npm run bench`: not a test. Measures, in one run on the same engine and cluster, the agent program
// against a floor program (one Namespace): `up` from empty and a no-op `preview`, each repeated and
// reported as medians and ratios; and the dependency depth of the program's resource graph.
// `npm run bench -- --fleet`: `up` from empty of a 1-cluster and a 3-cluster fleet (three local API
// servers), repeated and interleaved, and their ratio (clusters deploy in parallel: well under 3x).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { Stack } from "@pulumi/pulumi/automation";
import {
    LocalCluster,
    openStack,
    pulumiEnv,
    readExample,
    ROOT,
    scratchProject,
    secure,
    STAND_IN_CHART,
    useToolchain,
    withConfig,
} from "../tests/e2e/harness";

const REPEATS = Number(process.env.BENCH_REPEATS ?? "3");

interface StateResource {
    urn: string;
    type: string;
    parent?: string;
    dependencies?: string[];
}

/** Longest chain of `dependencies` edges (resources only, parents not counted), in resources. */
export function dependencyDepth(resources: StateResource[]): number {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const memo = new Map<string, number>();
    const depth = (urn: string): number => {
        const known = memo.get(urn);
        if (known !== undefined) {
            return known;
        }
        memo.set(urn, 1); // cycle guard
        const deps = byUrn.get(urn)?.dependencies ?? [];
        const d = 1 + Math.max(0, ...deps.filter((u) => byUrn.has(u)).map(depth));
        memo.set(urn, d);
        return d;
    };
    return Math.max(0, ...resources.map((r) => depth(r.urn)));
}

function floorProject(): string {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "astro-bench-floor-")), "floor");
    fs.mkdirSync(dir);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.symlinkSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "floor", main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: floor\nruntime: nodejs\n");
    fs.writeFileSync(
        path.join(dir, "index.ts"),
        'import * as k8s from "@pulumi/kubernetes";\nexport const ns = new k8s.core.v1.Namespace("floor", { metadata: { name: "bench-floor" } }).metadata.name;\n',
    );
    return dir;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? NaN;
}

async function measure(stack: Stack): Promise<{ up: number[]; preview: number[] }> {
    const up: number[] = [];
    const preview: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
        up.push(await timed(() => stack.up()));
        preview.push(await timed(() => stack.preview({ expectNoChanges: true })));
        await stack.destroy();
    }
    return { up, preview };
}

async function main(): Promise<void> {
    const missing = useToolchain();
    if (missing !== undefined) {
        throw new Error(`${missing} (npm run bench needs the offline toolchain)`);
    }
    const cluster = LocalCluster.start();
    try {
        const project = scratchProject();
        const env = pulumiEnv(project.stateDir, cluster.kubeconfig);
        const agent = await openStack(
            project.dir,
            "bench",
            withConfig(readExample("dev"), {
                namespace: "bench-agent",
                chart: { path: STAND_IN_CHART },
                release: { skipAwait: true },
            }),
            env,
        );
        const floor = await openStack(floorProject(), "bench", { config: {} }, env);

        // Interleave so both see the same machine load.
        const floorTimes = await measure(floor);
        const agentTimes = await measure(agent);

        await agent.up();
        const state = (await agent.exportStack()) as { deployment: { resources: StateResource[] } };
        const resources = state.deployment.resources.filter((r) => !r.type.startsWith("pulumi:"));
        const depth = dependencyDepth(resources);
        await agent.destroy();

        const fmt = (x: number) => x.toFixed(2).padStart(6);
        const row = (label: string, a: number[], f: number[]) =>
            `${label.padEnd(22)} agent ${fmt(median(a))} s   floor ${fmt(median(f))} s   ratio ${(median(a) / median(f)).toFixed(2)}x   (agent runs: ${a.map((x) => x.toFixed(1)).join(", ")})`;
        console.log(`\nbench: ${REPEATS} runs each, medians, same engine and cluster`);
        console.log(row("up from empty", agentTimes.up, floorTimes.up));
        console.log(row("no-op preview", agentTimes.preview, floorTimes.preview));
        console.log(`resources (excluding stack/providers): ${resources.length}`);
        console.log(`dependency depth (longest dependsOn/input chain): ${depth}`);
    } finally {
        cluster.stop();
    }
}

/** `up` from empty of a fleet of 1 and of 3 clusters (each its own API server), interleaved. */
async function fleetMain(): Promise<void> {
    const missing = useToolchain();
    if (missing !== undefined) {
        throw new Error(`${missing} (npm run bench needs the offline toolchain)`);
    }
    const clusters: LocalCluster[] = [];
    try {
        for (let i = 0; i < 3; i++) {
            clusters.push(LocalCluster.start());
        }
        const project = scratchProject();
        const env = pulumiEnv(project.stateDir, clusters[0]?.kubeconfig ?? "");
        const fleetStack = (n: number) =>
            openStack(
                project.dir,
                `bench-fleet-${n}`,
                withConfig(readExample("dev"), {
                    namespace: `bench-fleet-${n}`,
                    chart: { path: STAND_IN_CHART },
                    release: { skipAwait: true },
                    clusters: clusters.slice(0, n).map((c, i) => ({
                        name: `c${i + 1}`,
                        kubeconfig: secure(fs.readFileSync(c.kubeconfig, "utf8")),
                    })),
                }),
                env,
            );
        const one = await fleetStack(1);
        const three = await fleetStack(3);
        const times: Record<1 | 3, number[]> = { 1: [], 3: [] };
        let resources: Record<1 | 3, number> = { 1: 0, 3: 0 };
        for (let i = 0; i < REPEATS; i++) {
            // Interleaved, so both see the same machine load.
            for (const [n, stack] of [
                [1, one],
                [3, three],
            ] as const) {
                times[n].push(await timed(() => stack.up()));
                const state = (await stack.exportStack()) as { deployment: { resources: StateResource[] } };
                resources = { ...resources, [n]: state.deployment.resources.length };
                await stack.destroy();
            }
        }
        const fmt = (xs: number[]) => `${median(xs).toFixed(2)} s (runs: ${xs.map((x) => x.toFixed(1)).join(", ")})`;
        console.log(`\nbench --fleet: ${REPEATS} runs each, medians, same engine, one local API server per cluster`);
        console.log(`up from empty, 1 cluster:  ${fmt(times[1])}, ${resources[1]} resources in state`);
        console.log(`up from empty, 3 clusters: ${fmt(times[3])}, ${resources[3]} resources in state`);
        console.log(`ratio 3 / 1 clusters: ${(median(times[3]) / median(times[1])).toFixed(2)}x (serial would be ~3x)`);
    } finally {
        for (const c of clusters) {
            c.stop();
        }
    }
}

if (require.main === module) {
    (process.argv.includes("--fleet") ? fleetMain() : main()).catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
    });
}
