// What the four offline document printers share (scripts/aws-policy.ts, scripts/azure-documents.ts,
// scripts/gcp-policy.ts, scripts/vault-policy.ts): the `--stack NAME [--stack-file FILE] [--set
// key.path=value ...]` command line, the real program evaluated under Pulumi's mock runtime, lookups
// of the recorded resources, and the JSON printed. Each printer only says what it picks out.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { isMap, isScalar, parseDocument } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { OWNER_GRANTS_OUTPUT } from "../../backends/shared";
import { normalizeConfigKey } from "../../config/secureLocations";
import agentProgram from "../../index";
import { runUnderMocks, unwrapSecrets, type RecordedResource } from "./mockRun";
import { readStackFile, type StackFileConfig } from "./stackFile";

/** `a.b.c=<JSON or string>` as its key path and value. */
function parseAssignment(assignment: string): { top: string; rest: string[]; value: unknown } {
    const eq = assignment.indexOf("=");
    if (eq < 1) {
        throw new Error(`--set needs key.path=value, got '${assignment}'`);
    }
    const [top, ...rest] = assignment.slice(0, eq).split(".");
    const raw = assignment.slice(eq + 1);
    let value: unknown;
    try {
        value = JSON.parse(raw);
    } catch {
        value = raw;
    }
    if (top === undefined || top === "") {
        throw new Error(`--set needs a key: '${assignment}'`);
    }
    return { top, rest, value };
}

/** `--set a.b.c=<JSON or string>`: sets a nested key of a structured config value. */
export function applySet(config: StackFileConfig, assignment: string): void {
    const { top, rest, value } = parseAssignment(assignment);
    if (rest.length === 0) {
        config.config[top] = typeof value === "string" ? value : JSON.stringify(value);
        return;
    }
    const root = JSON.parse(config.config[top] ?? "{}") as Record<string, unknown>;
    let node = root;
    for (const k of rest.slice(0, -1)) {
        node[k] ??= {};
        node = node[k] as Record<string, unknown>;
    }
    node[rest[rest.length - 1] as string] = value;
    config.config[top] = JSON.stringify(root);
}

/**
 * A copy of the stack file with the `--set` assignments written into it, in a temporary folder: the
 * program proves where a secret key's `secure:` leaves are by comparing the stack file with the values
 * it was handed, so the file must say what the overridden values say (the encrypted leaves stay as
 * they are). Returns the copy's path.
 */
export function stackFileWithSets(config: StackFileConfig, assignments: readonly string[]): string {
    const doc = parseDocument(fs.readFileSync(config.file, "utf8"), { merge: true });
    const block = doc.get("config", true);
    for (const assignment of assignments) {
        const { top, rest, value } = parseAssignment(assignment);
        const wanted = `${config.project}:${top}`;
        const existing = isMap(block)
            ? block.items
                  .map((pair) => (isScalar(pair.key) ? pair.key.value : undefined))
                  .filter((k): k is string => typeof k === "string")
                  .filter((k) => normalizeConfigKey(k) === wanted)
                  .pop()
            : undefined;
        doc.setIn(["config", existing ?? wanted, ...rest], value);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "astro-agent-stack-"));
    const file = path.join(dir, path.basename(config.file));
    fs.writeFileSync(file, doc.toString());
    return file;
}

/** The recorded resources of one type, in registration order. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The values given to the Helm release (empty without one); `T` names the keys a printer reads. */
export function chartValues<T extends object>(resources: readonly RecordedResource[]): Partial<T> {
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    return release?.inputs.values ?? {};
}

/** A chart `commonEnv` list as a name → value map. */
export function envMap(env: readonly { name: string; value?: unknown }[] | undefined): Record<string, unknown> {
    return Object.fromEntries((env ?? []).map((e) => [e.name, unwrapSecrets(e.value)]));
}

/** The agent's ServiceAccounts: name and namespace, and their annotations when asked. */
export function serviceAccountsOf(
    resources: readonly RecordedResource[],
    withAnnotations = false,
): { name: string; namespace: string; annotations?: Record<string, string> }[] {
    return ofType(resources, "kubernetes:core/v1:ServiceAccount").map((sa) => {
        const m = sa.inputs.metadata as { name: string; namespace: string; annotations?: Record<string, string> };
        return {
            name: m.name,
            namespace: m.namespace,
            ...(withAnnotations ? { annotations: m.annotations ?? {} } : {}),
        };
    });
}

/** The stack outputs of a mock run with their values known. */
export function resolvedOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
        pulumi.output(outputs).apply((v) => {
            resolve(v);
        });
    });
}

/**
 * `{ownerGrants: <document>}` when the stack output `ownerGrants` is set (`backend.grants: none`): what
 * the stores' owner grants, parsed when it is JSON; else nothing.
 */
export function ownerGrantsOf(outputs: Record<string, unknown>): Record<string, unknown> {
    const doc = outputs[OWNER_GRANTS_OUTPUT];
    if (typeof doc !== "string") {
        return {};
    }
    try {
        return { [OWNER_GRANTS_OUTPUT]: JSON.parse(doc) as unknown };
    } catch {
        return { [OWNER_GRANTS_OUTPUT]: doc };
    }
}

/**
 * The command line of `scripts/<script>`: evaluates the stack given by the arguments (with the `--set`
 * overrides) under mocks and prints `{stack, ...documents(resources, outputs)}` as JSON. Exit codes: 2 on bad
 * usage (printing the usage), 1 with a message when `empty` says why the stack has nothing to print
 * or on any error, 0 otherwise.
 */
export function documentScript(
    script: string,
    documents: (resources: readonly RecordedResource[], outputs: Record<string, unknown>) => Record<string, unknown>,
    empty: (docs: Record<string, unknown>) => string | undefined,
): void {
    const main = async (): Promise<number> => {
        const { values: args } = parseArgs({
            options: {
                stack: { type: "string" },
                "stack-file": { type: "string" },
                set: { type: "string", multiple: true },
            },
            allowPositionals: false,
        });
        if (args.stack === undefined) {
            process.stderr.write(`usage: npx tsx scripts/${script} --stack NAME [--stack-file FILE] [--set k.p=v]\n`);
            return 2;
        }
        const stackFile = readStackFile(path.join(__dirname, "..", ".."), args.stack, args["stack-file"]);
        for (const assignment of args.set ?? []) {
            applySet(stackFile, assignment);
        }
        if ((args.set ?? []).length > 0) {
            stackFile.file = stackFileWithSets(stackFile, args.set ?? []);
        }
        const run = await runUnderMocks({ ...stackFile, program: agentProgram });
        const docs = documents(run.resources, await resolvedOutputs(run.outputs));
        const why = empty(docs);
        if (why !== undefined) {
            process.stderr.write(`stack '${args.stack}' ${why}\n`);
            return 1;
        }
        process.stdout.write(`${JSON.stringify({ stack: args.stack, ...docs }, null, 2)}\n`);
        return 0;
    };
    main().then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
