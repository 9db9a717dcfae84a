// `npx tsx scripts/azure-documents.ts --stack NAME [--stack-file FILE] [--set k.p=v ...]`
// Runs the real program offline (Pulumi mock runtime, like `npm run render`) and prints, as one JSON
// document, what it grants and federates on Azure: role assignments (role, definition id, scope),
// federated identity credentials, the storage account and container settings, seeded secret names,
// what each granted built-in role allows, and the chart's Airflow settings and workload-identity
// annotations. The Airflow XCom proof (tests/airflow/test_azure_xcom.py) judges exactly these.
import * as path from "node:path";
import { parseArgs } from "node:util";
import { BUILTIN_ROLES, ROLE_PERMISSIONS } from "../backends/azure/roles";
import agentProgram from "../index";
import { applySet } from "./aws-policy";
import { runUnderMocks, unwrapSecrets, type RecordedResource } from "./lib/mockRun";
import { readStackFile } from "./lib/stackFile";

/** The Azure picture of a mock run. */
export function azureDocuments(resources: readonly RecordedResource[]): Record<string, unknown> {
    const of = (type: string) => resources.filter((r) => r.type === type);
    const roleByGuid = Object.fromEntries(Object.entries(BUILTIN_ROLES).map(([k, v]) => [v, k]));
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    const values = (release?.inputs.values ?? {}) as {
        secretBackend?: string;
        xcomBackend?: string;
        commonEnv?: { name: string; value?: string }[];
        labels?: Record<string, string>;
        serviceAccount?: { annotations?: Record<string, string> };
    };
    return {
        serviceAccounts: of("kubernetes:core/v1:ServiceAccount").map((sa) => {
            const m = sa.inputs.metadata as { name: string; namespace: string };
            return { name: m.name, namespace: m.namespace };
        }),
        identities: of("azure-native:managedidentity:UserAssignedIdentity").map((i) => i.inputs),
        federatedCredentials: of("azure-native:managedidentity:FederatedIdentityCredential").map((f) => f.inputs),
        roleAssignments: of("azure-native:authorization:RoleAssignment").map((a) => ({
            logicalName: a.name,
            ...a.inputs,
            role: roleByGuid[String(a.inputs.roleDefinitionId).split("/").pop() ?? ""],
        })),
        rolePermissions: ROLE_PERMISSIONS,
        storageAccounts: of("azure-native:storage:StorageAccount").map((s) => s.inputs),
        containers: of("azure-native:storage:BlobContainer").map((c) => c.inputs),
        vaults: of("azure-native:keyvault:Vault").map((v) => v.inputs),
        secrets: of("azure-native:keyvault:Secret").map((s) => ({
            vaultName: s.inputs.vaultName,
            name: s.inputs.secretName,
        })),
        chart: {
            secretBackend: values.secretBackend,
            xcomBackend: values.xcomBackend,
            commonEnv: Object.fromEntries((values.commonEnv ?? []).map((e) => [e.name, unwrapSecrets(e.value)])),
            labels: values.labels ?? {},
            serviceAccountAnnotations: values.serviceAccount?.annotations ?? {},
        },
    };
}

async function main(): Promise<number> {
    const { values: args } = parseArgs({
        options: {
            stack: { type: "string" },
            "stack-file": { type: "string" },
            set: { type: "string", multiple: true },
        },
        allowPositionals: false,
    });
    if (args.stack === undefined) {
        process.stderr.write(
            "usage: npx tsx scripts/azure-documents.ts --stack NAME [--stack-file FILE] [--set k.p=v]\n",
        );
        return 2;
    }
    const stackFile = readStackFile(path.join(__dirname, ".."), args.stack, args["stack-file"]);
    for (const assignment of args.set ?? []) {
        applySet(stackFile, assignment);
    }
    const result = await runUnderMocks({ ...stackFile, program: agentProgram });
    const docs = azureDocuments(result.resources);
    if ((docs.identities as unknown[]).length === 0) {
        process.stderr.write(`stack '${args.stack}' creates no managed identity (backend.kind is not azure)\n`);
        return 1;
    }
    process.stdout.write(`${JSON.stringify({ stack: args.stack, ...docs }, null, 2)}\n`);
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
        },
    );
}
