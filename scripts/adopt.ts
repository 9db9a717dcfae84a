// `npm run adopt -- --stack NAME [--dry-run] [--kubeconfig FILE] [--context NAME] [--cwd DIR]`
// Brings an agent installed with `helm install` (and the namespace, Secrets and ServiceAccounts around
// it) under a stack without deleting or recreating anything (docs/adoption.md):
//   1. evaluates the program for the stack's config (as `npm run render` does) and looks up, for every
//      Kubernetes object and Helm release it declares, whether the cluster already holds it;
//   2. annotates the objects Helm made that the program takes over (the chart's ServiceAccounts)
//      `helm.sh/resource-policy: keep`, so the release's next upgrade leaves them in place;
//   3. imports what exists, each under the URN the program gives it, with its components, in one
//      `pulumi import --file` (not protected; no code generated);
//   4. hands the fields Helm's field manager owns on those objects to the stack's field manager, so the
//      first `pulumi up` applies without server-side-apply conflicts.
// Then `pulumi preview` shows what the first `up` changes, and `pulumi up` does it (one Helm upgrade).
// --dry-run prints the plan and the import file and changes nothing. Objects the program declares that
// the cluster does not hold are created by `up`; Secrets the config names but does not declare
// (`agentTokenSecretName`…) stay yours: never imported, never deleted.
// Exit 0 done (or nothing to do), 1 refused or failed, 2 cannot check (usage, stack, cluster).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { KubeClient, readReleaseRevisions } from "../doctor";
import {
    ADOPT_FIELD_MANAGER,
    ancestorEntries,
    KEEP_ANNOTATION,
    RELEASE_TYPE,
    declaredObject,
    handOverFields,
    planAdoption,
    resourceKey,
    urnOf,
    type DeclaredObject,
    type ImportFile,
    type ImportSpec,
    type LiveObject,
    type ManagedField,
} from "./lib/adoption";
import { SECRET_SIG, SIG_KEY, isSecretWrapper, type RecordedResource } from "./lib/mockRun";
import {
    STACK_OPTIONS,
    configValue,
    providerKubeconfig,
    pulumi,
    readWithCli,
    stackArgs,
    type ConfigEntry,
} from "./lib/stackCli";
import { readProject } from "./lib/stackFile";
import { stackResources } from "./lib/stackReleases";

const USAGE =
    "usage: npm run adopt -- --stack NAME [--dry-run] [--kubeconfig FILE] [--context NAME] [--cwd PROJECT_DIR]\n";

interface StateResource {
    urn: string;
    type: string;
    outputs?: Record<string, unknown>;
}

interface KubeObject {
    metadata: {
        uid: string;
        resourceVersion: string;
        annotations?: Record<string, string>;
        managedFields?: ManagedField[];
    };
}

function out(line: string): void {
    process.stdout.write(`${line}\n`);
}

function toLive(o: KubeObject): LiveObject {
    return {
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        annotations: o.metadata.annotations ?? {},
        managedFields: o.metadata.managedFields ?? [],
    };
}

/** The @pulumi/kubernetes version the program registers its resources with (its default provider's). */
function kubernetesSdkVersion(): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file, read once
    return (require("@pulumi/kubernetes/package.json") as { version: string }).version;
}

/** Runs `fn` with a private temporary directory, removed afterwards. */
function withTempDir<T>(fn: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-adopt-"));
    fs.chmodSync(dir, 0o700);
    try {
        return fn(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The Pulumi CLI with its own environment and stdin; stdout. */
function pulumiWith(cwd: string, env: NodeJS.ProcessEnv, args: string[], input?: string): string {
    return execFileSync("pulumi", [...args, "--non-interactive"], {
        cwd,
        env,
        encoding: "utf8",
        input: input ?? "",
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
    });
}

/**
 * Imports the file's Helm releases (with the components above them) into a throwaway stack of the same
 * name on a private file backend (random passphrase, the stack's `kubernetes:*` provider config), wraps
 * each release's `values` as secrets, and adds what the stack lacks to its state with `stack import`:
 * the stack's backend never holds the live values in plain text, not even in its history.
 */
function importReleasesAside(
    cwd: string,
    stack: string,
    config: Record<string, ConfigEntry>,
    releases: ImportSpec[],
    ancestors: ImportSpec[],
): void {
    withTempDir((dir) => {
        const project = path.join(dir, "project");
        fs.mkdirSync(project);
        // Same project name (so the URNs are the stack's), none of its config declarations.
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), `name: ${readProject(cwd).name}\nruntime: nodejs\n`);
        fs.mkdirSync(path.join(dir, "state"));
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("hex"),
        };
        delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
        pulumiWith(project, env, ["stack", "init", stack]);
        for (const [key, entry] of Object.entries(config)) {
            if (!key.startsWith("kubernetes:")) {
                continue;
            }
            const value =
                entry.secret === true
                    ? pulumi(cwd, ["config", "get", key, "--stack", stack])
                    : entry.objectValue !== undefined
                      ? JSON.stringify(entry.objectValue)
                      : (entry.value ?? "");
            pulumiWith(
                project,
                env,
                ["config", "set", key, ...(entry.secret === true ? ["--secret"] : []), "--stack", stack],
                value,
            );
        }
        // The releases and the components above them, as entries (none of the stack's state is here).
        const aside: ImportFile = { resources: [] };
        for (const e of [...ancestors, ...releases]) {
            if (!aside.resources.some((x) => x.name === e.name)) {
                aside.resources.push(e);
            }
        }
        const f = path.join(dir, "import.json");
        fs.writeFileSync(f, JSON.stringify(aside), { mode: 0o600 });
        pulumiWith(project, env, [
            "import",
            "--protect=false",
            "--generate-code=false",
            "--yes",
            "--stack",
            stack,
            "--file",
            f,
        ]);
        const taken = (
            JSON.parse(pulumiWith(project, env, ["stack", "export", "--show-secrets", "--stack", stack])) as {
                deployment: { resources: StateEntry[] };
            }
        ).deployment.resources;

        // Into the stack's own state: ciphertexts stay, the plaintext secrets are encrypted by `stack import`.
        const real = JSON.parse(pulumi(cwd, ["stack", "export", "--stack", stack])) as {
            deployment: { resources?: StateEntry[] } & Record<string, unknown>;
        };
        const resources = real.deployment.resources ?? [];
        const have = new Map(resources.map((r) => [r.urn, r]));
        for (const r of taken) {
            if (have.has(r.urn) || r.type === "pulumi:pulumi:Stack") {
                continue;
            }
            const entry: StateEntry = { ...r };
            if (entry.type === RELEASE_TYPE) {
                for (const side of ["inputs", "outputs"] as const) {
                    const props = entry[side];
                    if (props !== undefined && props.values !== undefined && !isSecretWrapper(props.values)) {
                        entry[side] = { ...props, values: plaintextSecret(props.values) };
                    }
                }
            }
            if (typeof entry.provider === "string") {
                const providerUrn = entry.provider.slice(0, entry.provider.lastIndexOf("::"));
                const mine = have.get(providerUrn);
                if (mine !== undefined) {
                    entry.provider = `${providerUrn}::${mine.id ?? ""}`;
                }
            }
            resources.push(entry);
            have.set(entry.urn, entry);
        }
        real.deployment.resources = resources;
        const out = path.join(dir, "state.json");
        fs.writeFileSync(out, JSON.stringify(real), { mode: 0o600 });
        pulumi(cwd, ["stack", "import", "--file", out, "--stack", stack]);
    });
}

/** One resource of an exported deployment. */
interface StateEntry {
    urn: string;
    type: string;
    id?: string;
    provider?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    [key: string]: unknown;
}

/** A secret in an exported deployment, in plain text (`stack import` encrypts it). */
function plaintextSecret(value: unknown): Record<string, string> {
    return { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(value) };
}

async function main(): Promise<number> {
    const args = stackArgs(
        () =>
            parseArgs({
                options: { ...STACK_OPTIONS, "dry-run": { type: "boolean", default: false } },
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
    const read = readWithCli(stack, () => ({
        config: JSON.parse(pulumi(cwd, ["config", "--json", "--stack", stack])) as Record<string, ConfigEntry>,
        resources:
            (
                JSON.parse(pulumi(cwd, ["stack", "export", "--stack", stack])) as {
                    deployment?: { resources?: StateResource[] };
                }
            ).deployment?.resources ?? [],
    }));
    if (read === undefined) {
        return 2;
    }
    const project = readProject(cwd).name;

    let resources: RecordedResource[];
    try {
        resources = await stackResources(cwd, stack);
    } catch (err) {
        process.stderr.write(
            `cannot evaluate stack '${stack}': ${err instanceof Error ? err.message : String(err)}\n(fix the config first: npm run render -- --stack ${stack})\n`,
        );
        return 2;
    }
    const kubeconfig = args.kubeconfig ?? providerKubeconfig(cwd, stack, read.config);
    const context = args.context ?? (configValue(read.config["kubernetes:context"]) as string | undefined);
    const client = new KubeClient({
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
        ...(context === undefined ? {} : { context }),
    });
    try {
        // 1. What the cluster holds of what the program declares.
        const live = new Map<string, LiveObject | undefined>();
        for (const r of resources) {
            const obj = declaredObject(r);
            if (obj === undefined) {
                continue;
            }
            if (r.type === RELEASE_TYPE) {
                const [ns, name] = obj.id.split("/") as [string, string];
                const revisions = await readReleaseRevisions(client, ns, name);
                if (revisions === undefined) {
                    process.stderr.write(`${obj.label}: these credentials may not list Secrets in ${ns}\n`);
                    return 2;
                }
                const last = revisions[revisions.length - 1];
                if (last !== undefined && last.status.startsWith("pending-")) {
                    process.stderr.write(
                        `refusing: ${obj.label} is ${last.status} at revision ${last.revision}; let it finish (or run \`npm run recover -- --stack ${stack}\`), then adopt\n`,
                    );
                    return 1;
                }
                if (last !== undefined) {
                    live.set(resourceKey(r), {
                        uid: last.uid,
                        resourceVersion: last.resourceVersion,
                        annotations: {},
                        managedFields: [],
                    });
                }
                continue;
            }
            const found = await client.get<KubeObject>(obj.apiPath as string);
            if (found !== undefined) {
                live.set(resourceKey(r), toLive(found));
            }
        }
        const stateUrns = new Set(read.resources.map((s) => s.urn));
        const plan = planAdoption({ resources, live, stateUrns, project, stack, k8sVersion: kubernetesSdkVersion() });
        for (const refusal of plan.refusals) {
            process.stderr.write(`refusing: ${refusal}\n`);
        }
        if (plan.refusals.length > 0) {
            return 1;
        }
        const list = (what: string, objs: DeclaredObject[]) => {
            if (objs.length > 0) {
                out(`${what}:`);
                for (const o of objs) {
                    out(`  ${o.label}`);
                }
            }
        };
        list(`${would}import (found in the cluster)`, plan.imports);
        list("already in the stack's state (left as they are)", plan.inState);
        list("not in the cluster (the first `pulumi up` creates them)", plan.creates);
        if (plan.importFile === undefined) {
            out("nothing to import");
            return 0;
        }

        // 2. Objects leaving the release's manifest stay when Helm upgrades it.
        for (const o of plan.keep) {
            out(`${would}annotate ${o.label} ${KEEP_ANNOTATION}=keep (Helm made it; the program takes it over)`);
            if (!dry) {
                const before = live.get(resourceKey(o.resource)) as LiveObject;
                await client.patch(
                    o.apiPath as string,
                    "application/merge-patch+json",
                    // resourceVersion: refused (409) when the object changed since it was read.
                    {
                        metadata: {
                            resourceVersion: before.resourceVersion,
                            annotations: { [KEEP_ANNOTATION]: "keep" },
                        },
                    },
                    ADOPT_FIELD_MANAGER,
                );
            }
        }

        // 3. One import for all of them, components included, so each gets the program's URN. The Helm
        //    release is read aside: its live values may hold literal secrets (a token pasted into
        //    values.yaml), which `pulumi import` would write into the state in plain text.
        const importArgs = ["import", "--protect=false", "--generate-code=false", "--yes", "--stack", stack];
        const file = plan.importFile;
        const releaseEntries = file.resources.filter((e) => e.type === RELEASE_TYPE);
        const direct = { ...file, resources: file.resources.filter((e) => e.type !== RELEASE_TYPE) };
        if (dry) {
            out(`would run: pulumi ${importArgs.join(" ")} --file <import file>; the import file:`);
            out(JSON.stringify(direct, null, 2));
            for (const e of releaseEntries) {
                out(
                    `would import ${e.type} '${e.logicalName}' (${e.id ?? ""}) in a throwaway backend and add it to the state with its values as secrets`,
                );
            }
        } else {
            withTempDir((dir) => {
                const f = path.join(dir, "import.json");
                fs.writeFileSync(f, JSON.stringify(direct, null, 2), { mode: 0o600 });
                out(
                    `importing ${plan.imports.length - releaseEntries.length} object(s): pulumi ${importArgs.join(" ")} --file <file>`,
                );
                pulumi(cwd, [...importArgs, "--file", f]);
            });
            if (releaseEntries.length > 0) {
                out(
                    `importing ${releaseEntries.map((e) => `Helm release ${e.id ?? ""}`).join(", ")} (its values as secrets)`,
                );
                const byKey = new Map(resources.map((r) => [resourceKey(r), r]));
                const ancestors = plan.imports
                    .filter((o) => o.resource.type === RELEASE_TYPE)
                    .flatMap((o) => ancestorEntries(o.resource, byKey));
                importReleasesAside(cwd, stack, read.config, releaseEntries, ancestors);
            }
        }

        // 4. Helm's fields on the taken-over objects go to the stack's field manager (known after the import).
        if (dry) {
            for (const o of plan.imports.filter((i) => i.apiPath !== undefined)) {
                if (handOverFields(live.get(resourceKey(o.resource))?.managedFields ?? [], "stack") !== undefined) {
                    out(`would hand the fields Helm's field manager owns on ${o.label} to the stack's field manager`);
                }
            }
            out("dry run: nothing changed");
            return 0;
        }
        const state =
            (
                JSON.parse(pulumi(cwd, ["stack", "export", "--stack", stack])) as {
                    deployment?: { resources?: StateResource[] };
                }
            ).deployment?.resources ?? [];
        const byKey = new Map(resources.map((r) => [resourceKey(r), r]));
        for (const o of plan.imports) {
            if (o.apiPath === undefined) {
                continue;
            }
            const urn = urnOf(o.resource, byKey, project, stack);
            const manager = state.find((s) => s.urn === urn)?.outputs?.__fieldManager;
            if (typeof manager !== "string") {
                process.stderr.write(`${o.label}: imported, but the state names no field manager for ${urn}\n`);
                return 1;
            }
            const now = await client.get<KubeObject>(o.apiPath);
            const fields = now === undefined ? undefined : handOverFields(now.metadata.managedFields ?? [], manager);
            if (now === undefined || fields === undefined) {
                continue;
            }
            out(`hand the fields Helm's field manager owns on ${o.label} to ${manager}`);
            await client.patch(
                o.apiPath,
                "application/json-patch+json",
                [
                    { op: "test", path: "/metadata/resourceVersion", value: now.metadata.resourceVersion },
                    { op: "replace", path: "/metadata/managedFields", value: fields },
                ],
                ADOPT_FIELD_MANAGER,
            );
        }
        out(
            `done: \`pulumi preview --stack ${stack}\` shows what the first \`up\` changes (compare it with the importer's diff), then \`pulumi up --stack ${stack}\``,
        );
        return 0;
    } finally {
        client.close();
    }
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`adopt: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    },
);
