// Runs the real program under Pulumi's mock runtime: the offline renderer and the unit tests use it.
// Nothing here talks to an engine, a cloud or a cluster.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { STACK_FILE_ENV } from "../../config/secureLocations";

/** One resource the program registered, as the engine would have seen it. */
export interface RecordedResource {
    type: string;
    name: string;
    /** Logical name of the parent (undefined for the stack itself). */
    parent?: string;
    /** Type of the parent. */
    parentType?: string;
    /** Inputs as the engine receives them; secrets are wrapped as `{ [SECRET_SIG_KEY]: SECRET_SIG, value }`. */
    inputs: Record<string, unknown>;
    custom: boolean;
    /** For `.get()` reads: the id that was read. */
    readId?: string;
    /** Resource options the engine would honour on delete. */
    retainOnDelete?: boolean;
    protect?: boolean;
    /** Replacements delete the old resource first. */
    deleteBeforeReplace?: boolean;
    /** The provider reference (`urn::id`) the resource is managed by, when not the default. */
    provider?: string;
    /** Logical names of the resources in its `dependsOn` option (when given as a plain list). */
    dependsOn?: string[];
}

/** The signature key/value the SDK uses to mark a serialized secret. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True for a serialized secret wrapper. */
export function isSecretWrapper(v: unknown): v is { value: unknown } {
    return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Removes secret wrappers (for reading values that are known not to be secret). */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecretWrapper(v)) {
        return unwrapSecrets(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** Options of {@link runUnderMocks}. */
export interface MockRunOptions {
    project: string;
    stack: string;
    /** Config values by key without the project prefix (structured values as JSON strings). */
    config: Record<string, string>;
    /** Keys (without prefix) set with `--secret`. */
    secretKeys?: string[];
    /**
     * The stack file the config was read from: the program reads the exact `secure:` leaves from it
     * (under the engine, from Pulumi.<stack>.yaml in the working directory).
     */
    file?: string;
    /** Extra fully-qualified config (e.g. `kubernetes:context`). */
    providerConfig?: Record<string, string>;
    /** The program: the default export of index.ts, or any function creating resources. */
    program: () => unknown;
    /** Receives each registration as it happens (useful when the program fails part-way). */
    sink?: RecordedResource[];
    /** Receives each invoke as it happens (the result's `invokes`). */
    invokeSink?: MockRunResult["invokes"];
    /**
     * The stack's outputs as of its "last update", which the program reads from the engine
     * (program/reshape.ts). Default none: a stack never deployed.
     */
    previousOutputs?: Record<string, unknown>;
    /** Run as a preview (`pulumi preview`): values not known yet stay unknown. Default false. */
    preview?: boolean;
}

/** What a mock run produced. */
export interface MockRunResult {
    resources: RecordedResource[];
    /** The program's return value (stack outputs), Outputs intact so secretness can be checked. */
    outputs: Record<string, unknown>;
    /** Stack outputs as the SDK sends them to the engine (serialized; secrets wrapped). */
    storedOutputs: Record<string, unknown>;
    /** Names of the resource and error hooks the program registered (accepted in the engine's place). */
    hooks: string[];
    /** The invokes the program made, in order, with how many resources were registered before each. */
    invokes: { token: string; inputs: Record<string, unknown>; afterResources: number }[];
}

/** The engine's read of a stack's outputs (the program reads its own stack's last outputs). */
const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/** Account id the mock runtime answers with (renders show it in ARNs: it is a placeholder). */
export const MOCK_ACCOUNT_ID = "123456789012";

/** Subscription and tenant the mock runtime answers with (renders show them in ids: placeholders). */
export const MOCK_AZURE_SUBSCRIPTION_ID = "00000000-0000-0000-0000-00000000a5b1";
export const MOCK_AZURE_TENANT_ID = "00000000-0000-0000-0000-00000000e17a";

/**
 * The tenant the mock runtime answers with: the stack's configured `backend.tenantId` (else the
 * azure-native provider's `tenantId`), so an offline render shows the tenant the stack names; the
 * placeholder only when neither is set.
 */
export function mockAzureTenant(config: Record<string, string>, providerConfig: Record<string, string> = {}): string {
    let backend: unknown;
    try {
        backend = JSON.parse(config.backend ?? "null");
    } catch {
        backend = undefined;
    }
    const configured =
        backend !== null && typeof backend === "object" ? (backend as Record<string, unknown>).tenantId : undefined;
    return typeof configured === "string"
        ? configured
        : (providerConfig["azure-native:tenantId"] ?? MOCK_AZURE_TENANT_ID);
}

/** A stable placeholder GUID for a mock Azure identity's ids. */
function mockGuid(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** ARM id of a resource in the mock subscription. */
function armId(resourceGroup: unknown, provider: string, ...parts: unknown[]): string {
    return `/subscriptions/${MOCK_AZURE_SUBSCRIPTION_ID}/resourceGroups/${String(resourceGroup)}/providers/${provider}/${parts.map(String).join("/")}`;
}

/** Computed state of the azure-native types the program creates (ids, names, client ids, URIs). */
function azureState(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    tenantId: string,
): Record<string, unknown> | undefined {
    const rg = inputs.resourceGroupName;
    switch (type) {
        case "azure-native:resources:ResourceGroup":
            return {
                ...inputs,
                name: inputs.resourceGroupName,
                id: `/subscriptions/${MOCK_AZURE_SUBSCRIPTION_ID}/resourceGroups/${String(inputs.resourceGroupName)}`,
            };
        case "azure-native:managedidentity:UserAssignedIdentity": {
            const resourceName = typeof inputs.resourceName === "string" ? inputs.resourceName : name;
            return {
                ...inputs,
                name: resourceName,
                id: armId(rg, "Microsoft.ManagedIdentity", "userAssignedIdentities", resourceName),
                clientId: mockGuid(`client/${resourceName}`),
                principalId: mockGuid(`principal/${resourceName}`),
                tenantId,
            };
        }
        case "azure-native:keyvault:Vault":
            return {
                ...inputs,
                name: inputs.vaultName,
                id: armId(rg, "Microsoft.KeyVault", "vaults", inputs.vaultName),
                properties: {
                    ...(inputs.properties as Record<string, unknown>),
                    vaultUri: `https://${String(inputs.vaultName)}.vault.azure.net/`,
                },
            };
        case "azure-native:keyvault:Secret":
            return {
                ...inputs,
                name: inputs.secretName,
                id: armId(rg, "Microsoft.KeyVault", "vaults", inputs.vaultName, "secrets", inputs.secretName),
            };
        case "azure-native:storage:StorageAccount":
            return {
                ...inputs,
                name: inputs.accountName,
                id: armId(rg, "Microsoft.Storage", "storageAccounts", inputs.accountName),
            };
        case "azure-native:storage:BlobContainer":
            return {
                ...inputs,
                name: inputs.containerName,
                id: armId(
                    rg,
                    "Microsoft.Storage",
                    "storageAccounts",
                    inputs.accountName,
                    "blobServices",
                    "default",
                    "containers",
                    inputs.containerName,
                ),
            };
        default:
            return undefined;
    }
}

/** Project number the mock runtime answers for every Google Cloud project (a placeholder in renders). */
export const MOCK_GCP_PROJECT_NUMBER = "987654321098";

/** Ids a real provider would assign, where the program uses them (GCP ids are resource names). */
function computedId(type: string, name: string, inputs: Record<string, unknown>): string {
    const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
    switch (type) {
        case "gcp:kms/keyRing:KeyRing":
            return `projects/${str(inputs.project, "mock-project")}/locations/${str(inputs.location, "global")}/keyRings/${str(inputs.name, name)}`;
        case "gcp:kms/cryptoKey:CryptoKey":
            return `${str(inputs.keyRing, "keyRing")}/cryptoKeys/${str(inputs.name, name)}`;
        case "gcp:secretmanager/secret:Secret":
            return `projects/${str(inputs.project, "mock-project")}/secrets/${str(inputs.secretId, name)}`;
        case "gcp:storage/bucket:Bucket":
            return str(inputs.name, name);
        default:
            return `${name}-id`;
    }
}

/** Outputs a real provider would compute, for the types the program uses. */
function computedState(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    id?: string,
    tenantId = MOCK_AZURE_TENANT_ID,
): Record<string, unknown> {
    const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);
    switch (type) {
        case "kubernetes:core/v1:Namespace":
            return id !== undefined && id !== ""
                ? { apiVersion: "v1", kind: "Namespace", metadata: { name: id } }
                : inputs;
        case "kubernetes:helm.sh/v3:Release":
            return {
                ...inputs,
                status: { name: inputs.name, namespace: inputs.namespace, status: "deployed", revision: 1 },
            };
        case "aws:iam/role:Role": {
            const roleName = str(inputs.name, name);
            return { ...inputs, name: roleName, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${roleName}` };
        }
        case "aws:s3/bucket:Bucket": {
            const bucket = str(inputs.bucket, name);
            return { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` };
        }
        case "aws:kms/key:Key":
            return { ...inputs, keyId: `${name}-id`, arn: `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/${name}-id` };
        case "gcp:serviceaccount/account:Account": {
            const email = `${str(inputs.accountId, name)}@${str(inputs.project, "mock-project")}.iam.gserviceaccount.com`;
            return {
                ...inputs,
                email,
                member: `serviceAccount:${email}`,
                name: `projects/${str(inputs.project, "mock-project")}/serviceAccounts/${email}`,
            };
        }
        case "gcp:storage/bucket:Bucket": {
            const bucket = str(inputs.name, name);
            return { ...inputs, name: bucket, url: `gs://${bucket}` };
        }
        case "gcp:projects/iAMCustomRole:IAMCustomRole":
            return {
                ...inputs,
                name: `projects/${str(inputs.project, "mock-project")}/roles/${str(inputs.roleId, name)}`,
            };
        case "gcp:projects/serviceIdentity:ServiceIdentity": {
            const service = str(inputs.service, "service.googleapis.com").split(".")[0] ?? "service";
            const email = `service-${MOCK_GCP_PROJECT_NUMBER}@gcp-sa-${service}.iam.gserviceaccount.com`;
            return { ...inputs, email, member: `serviceAccount:${email}` };
        }
        case "aws:secretsmanager/secret:Secret":
            return {
                ...inputs,
                arn: `arn:aws:secretsmanager:eu-west-1:${MOCK_ACCOUNT_ID}:secret:${str(inputs.name, name)}-AbCdEf`,
            };
        default:
            return azureState(type, name, inputs, tenantId) ?? inputs;
    }
}

/** Invoke answers for the lookups the program makes (placeholders: nothing is looked up for real). */
export function mockInvoke(
    token: string,
    inputs: Record<string, unknown>,
    tenantId = MOCK_AZURE_TENANT_ID,
): Record<string, unknown> {
    switch (token) {
        case "kubernetes:yaml:decode":
            // The program's provider warm-up decodes an empty document: no objects.
            return { result: [] };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: MOCK_ACCOUNT_ID,
                arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/render`,
                userId: "AIDAMOCK",
                id: MOCK_ACCOUNT_ID,
            };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
        case "aws:eks/getCluster:getCluster": {
            const region = typeof inputs.region === "string" ? inputs.region : "eu-west-1";
            return {
                name: inputs.name,
                arn: `arn:aws:eks:${region}:${MOCK_ACCOUNT_ID}:cluster/${String(inputs.name)}`,
                identities: [
                    {
                        oidcs: [
                            { issuer: `https://oidc.eks.${region}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE` },
                        ],
                    },
                ],
            };
        }
        case "gcp:organizations/getProject:getProject":
            return {
                projectId: inputs.projectId,
                number: MOCK_GCP_PROJECT_NUMBER,
                name: inputs.projectId,
                id: `projects/${String(inputs.projectId)}`,
            };
        case "gcp:container/getCluster:getCluster":
            return {
                name: inputs.name,
                location: inputs.location,
                project: inputs.project,
                workloadIdentityConfigs: [{ workloadPool: `${String(inputs.project)}.svc.id.goog` }],
            };
        case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": {
            const emailAddress = `service-${MOCK_GCP_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`;
            return {
                project: inputs.project,
                emailAddress,
                member: `serviceAccount:${emailAddress}`,
                id: emailAddress,
            };
        }
        case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
            const url = String(inputs.url).replace(/^https:\/\//, "");
            return {
                arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${url}`,
                url,
                clientIdLists: ["sts.amazonaws.com"],
            };
        }
        case "azure-native:authorization:getClientConfig":
            return {
                clientId: mockGuid("render-client"),
                objectId: mockGuid("render-object"),
                subscriptionId: MOCK_AZURE_SUBSCRIPTION_ID,
                tenantId,
            };
        case "azure-native:containerservice:getManagedCluster":
            return {
                id: armId(
                    inputs.resourceGroupName,
                    "Microsoft.ContainerService",
                    "managedClusters",
                    inputs.resourceName,
                ),
                name: inputs.resourceName,
                oidcIssuerProfile: {
                    enabled: true,
                    issuerURL: `https://westeurope.oic.prod-aks.azure.com/${tenantId}/${mockGuid(`issuer/${String(inputs.resourceName)}`)}/`,
                },
                securityProfile: { workloadIdentity: { enabled: true } },
            };
        case "azure-native:keyvault:getVault":
            return {
                id: armId(inputs.resourceGroupName, "Microsoft.KeyVault", "vaults", inputs.vaultName),
                name: inputs.vaultName,
                properties: {
                    // A vault named `kv-policy…` stands for one that uses access policies (the AKS tutorial's).
                    enableRbacAuthorization: !String(inputs.vaultName).startsWith("kv-policy"),
                    tenantId,
                    vaultUri: `https://${String(inputs.vaultName)}.vault.azure.net/`,
                },
            };
        case "azure-native:storage:getStorageAccount":
            return {
                id: armId(inputs.resourceGroupName, "Microsoft.Storage", "storageAccounts", inputs.accountName),
                name: inputs.accountName,
            };
        default:
            throw new Error(`unexpected invoke ${token}`);
    }
}

/**
 * Resolves once the SDK's callback server (a gRPC server in this process) answers. It must answer
 * before it is stopped: until then the SDK keeps trying to reach it, once a second, and the process
 * never exits. A callback registration resolves only once the server's address is known; the no-op
 * transform registered here is never called (no resource refers to it).
 */
async function callbackServerReady(
    callbacks: NonNullable<ReturnType<typeof pulumi.runtime.getCallbacks>>,
): Promise<void> {
    await callbacks.registerTransform(() => undefined);
}

/** What the stack transformation saw of one resource's options (before the SDK fills in defaults). */
interface Observed {
    parent?: pulumi.Resource;
    dependsOn?: unknown[];
    retainOnDelete?: boolean;
    protect?: boolean;
    deleteBeforeReplace?: boolean;
}

/**
 * Runs `program` inside a mock stack and records every registration. Public SDK APIs only:
 * `setMocks` answers registrations and invokes; a stack transformation (`registerStackTransformation`,
 * which runs in this process under mocks) sees each resource's options; the stack outputs are
 * serialized with `serializeProperties`; `disconnect` waits for outstanding RPCs. Each run starts
 * from a fresh runtime state: `setMocks` installs a new mock monitor and resets the deployment
 * (stack resource, callback server, feature flags), `setAllConfig` replaces the whole config.
 */
export async function runUnderMocks(opts: MockRunOptions): Promise<MockRunResult> {
    const resources: RecordedResource[] = opts.sink ?? [];
    const hooks: string[] = [];
    const invokes: MockRunResult["invokes"] = opts.invokeSink ?? [];
    const observed = new Map<string, Observed>();
    /** Name and type of every Resource object the transformation saw (parents and dependsOn are objects). */
    const identities = new WeakMap<pulumi.Resource, { name: string; type: string }>();
    const STACK_TYPE = pulumi.runtime.rootPulumiStackTypeName;
    let stackName: string | undefined;
    const prefixed = Object.fromEntries(Object.entries(opts.config).map(([k, v]) => [`${opts.project}:${k}`, v]));
    const tenantId = mockAzureTenant(opts.config, opts.providerConfig);
    pulumi.runtime.setAllConfig(
        { ...prefixed, ...(opts.providerConfig ?? {}) },
        (opts.secretKeys ?? []).map((k) => `${opts.project}:${k}`),
    );
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const inputs = args.inputs as Record<string, unknown>;
                if (args.type === STACK_TYPE) {
                    stackName = args.name;
                }
                resources.push({
                    type: args.type,
                    name: args.name,
                    inputs,
                    custom: args.custom ?? false,
                    ...(args.provider ? { provider: args.provider } : {}),
                    ...(args.id === undefined || args.id === "" ? {} : { readId: args.id }),
                });
                const id = args.id !== undefined && args.id !== "" ? args.id : computedId(args.type, args.name, inputs);
                const computed = computedState(args.type, args.name, inputs, args.id, tenantId);
                // Azure resources carry their ARM id (role assignment scopes are built from it).
                return { id: typeof computed.id === "string" ? computed.id : id, state: computed };
            },
            call(args) {
                if (args.token === READ_STACK_OUTPUTS) {
                    // The engine answers it from the last checkpoint: here, the outputs the test gives.
                    const name = String((args.inputs as Record<string, unknown>).name);
                    return { name, outputs: opts.previousOutputs ?? {}, secretOutputNames: [] };
                }
                invokes.push({
                    token: args.token,
                    inputs: args.inputs as Record<string, unknown>,
                    afterResources: resources.filter((r) => r.type !== STACK_TYPE).length,
                });
                return mockInvoke(args.token, args.inputs as Record<string, unknown>, tenantId);
            },
        },
        opts.project,
        opts.stack,
        opts.preview ?? false,
        "organization",
    );
    // Resource hooks (the release's XCom-move warning, its wait and failure explanation) register
    // through the SDK's callback server, which forwards them to the engine; the SDK's mock monitor
    // has no hook registration (pulumi/pulumi#20874), and under mocks no engine would call a hook
    // anyway. The harness stands in for the engine here: it accepts each registration and records
    // the hook's name. `getCallbacks` and the interface it returns are in the SDK's typings.
    const callbacks = pulumi.runtime.getCallbacks();
    if (callbacks === undefined) {
        throw new Error("the Pulumi SDK started no callback server under mocks");
    }
    callbacks.registerResourceHook = (hook) => {
        hooks.push(hook.name);
        return Promise.resolve();
    };
    callbacks.registerErrorHook = (hook) => {
        hooks.push(hook.name);
        return Promise.resolve();
    };
    await callbackServerReady(callbacks);
    let outputs: Record<string, unknown> = {};
    let storedOutputs: Record<string, unknown>;
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((t) => {
                identities.set(t.resource, { name: t.name, type: t.type });
                const key = `${t.type}::${t.name}`;
                if (observed.has(key)) {
                    // Registrations are matched to these options by type and name.
                    throw new Error(`mock run: two resources of type ${t.type} are named ${t.name}`);
                }
                const o = t.opts as pulumi.CustomResourceOptions;
                observed.set(key, {
                    ...(o.parent === undefined ? {} : { parent: o.parent }),
                    ...(Array.isArray(o.dependsOn) ? { dependsOn: o.dependsOn } : {}),
                    ...(o.retainOnDelete === undefined ? {} : { retainOnDelete: o.retainOnDelete }),
                    ...(o.protect === undefined ? {} : { protect: o.protect }),
                    ...(o.deleteBeforeReplace === undefined ? {} : { deleteBeforeReplace: o.deleteBeforeReplace }),
                });
                return undefined;
            });
            // The program reads secure locations when it starts (config/secureLocations.ts).
            const savedFile = process.env[STACK_FILE_ENV];
            if (opts.file !== undefined) {
                process.env[STACK_FILE_ENV] = opts.file;
            }
            let result;
            try {
                result = await Promise.resolve(opts.program());
            } finally {
                if (savedFile === undefined) {
                    Reflect.deleteProperty(process.env, STACK_FILE_ENV);
                } else {
                    process.env[STACK_FILE_ENV] = savedFile;
                }
            }
            outputs = (result ?? {}) as Record<string, unknown>;
            return outputs;
        });
        // The stack outputs as the SDK sends them to the engine: serialized, secrets wrapped.
        storedOutputs = await pulumi.runtime.serializeProperties("stack outputs", outputs);
    } catch (err) {
        // At once: awaiting anything here would let the SDK's own rejected promises of the failed
        // stack surface as unhandled rejections.
        callbacks.shutdown();
        throw err;
    }
    // Wait for every outstanding RPC (the stack's own output registration included); this also stops
    // the callback server (the next run starts its own).
    await pulumi.runtime.disconnect();
    // The stack itself is constructed before the transformation exists (a parent only when named).
    const stack = pulumi.runtime.getStackResource();
    if (stack !== undefined && stackName !== undefined) {
        identities.set(stack, { name: stackName, type: STACK_TYPE });
    }
    const identityOf = (r: pulumi.Resource, of: RecordedResource) => {
        const id = identities.get(r);
        if (id === undefined) {
            throw new Error(`mock run: the parent of ${of.type} ${of.name} was never constructed in this run`);
        }
        return id;
    };
    for (const r of resources) {
        const o = observed.get(`${r.type}::${r.name}`);
        if (o === undefined) {
            continue;
        }
        if (o.parent !== undefined) {
            const parent = identityOf(o.parent, r);
            r.parent = parent.name;
            r.parentType = parent.type;
        }
        if (o.retainOnDelete !== undefined) {
            r.retainOnDelete = o.retainOnDelete;
        }
        if (o.protect !== undefined) {
            r.protect = o.protect;
        }
        if (o.deleteBeforeReplace !== undefined) {
            r.deleteBeforeReplace = o.deleteBeforeReplace;
        }
        const dependsOn = o.dependsOn?.map((d) =>
            pulumi.Resource.isInstance(d) ? (identities.get(d)?.name ?? "?") : "?",
        );
        if (dependsOn !== undefined && dependsOn.length > 0) {
            r.dependsOn = dependsOn;
        }
    }
    return {
        resources: resources.filter((r) => r.type !== STACK_TYPE),
        outputs,
        storedOutputs,
        hooks,
        invokes,
    };
}

/**
 * Paths at which `needle` occurs in `value` outside any secret wrapper: where a secret would be
 * stored or shown in plain text. Empty means every occurrence is protected.
 */
export function plaintextPaths(value: unknown, needle: string, path = ""): string[] {
    if (isSecretWrapper(value)) {
        return [];
    }
    if (typeof value === "string") {
        return value.includes(needle) ? [path === "" ? "(value)" : path] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => plaintextPaths(v, needle, `${path}[${i}]`));
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => plaintextPaths(v, needle, path === "" ? k : `${path}.${k}`));
    }
    return [];
}
