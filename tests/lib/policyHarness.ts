// Calls the policy pack's policies directly, the way the engine would, with synthetic resources or
// with the resources a mock run of the real program registered. Never constructs the PolicyPack (that
// starts a gRPC server).
import type {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "../../policy/lib/rules";
import { unwrapSecrets, type RecordedResource } from "../../scripts/lib/mockRun";

/** The top component every agent resource sits under. */
export const AGENT = "astro-remote-agent:index:RemoteExecutionAgent";

export function urnOf(types: readonly string[], name: string, stack = "prod"): string {
    return `urn:pulumi:${stack}::astro-agent::${types.join("$")}::${name}`;
}

/** The pack's policies take no config. */
const noConfig = (() => ({})) as ResourceValidationArgs["getConfig"];

function options(protect: boolean): PolicyResourceOptions {
    return {
        protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
}

/** A synthetic resource as a policy sees it; `parents` are its ancestor types (default: the agent component). */
export interface Synthetic {
    type: string;
    props: Record<string, unknown>;
    name?: string;
    parents?: readonly string[];
    protect?: boolean;
}

export function resourceArgs(r: Synthetic): ResourceValidationArgs {
    return asArgs(policyResource(r));
}

/** The messages `policy` reports for one resource. */
export async function resourceViolations(
    policy: ResourceValidationPolicy,
    args: ResourceValidationArgs,
): Promise<string[]> {
    const found: string[] = [];
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    for (const validate of validations) {
        await validate(args, (message) => found.push(message));
    }
    return found;
}

/** The violations a stack policy reports for `resources`. */
export async function stackViolations(
    policy: StackValidationPolicy,
    resources: PolicyResource[],
): Promise<{ message: string; urn: string | undefined }[]> {
    const found: { message: string; urn: string | undefined }[] = [];
    await policy.validateStack(
        {
            resources,
            stackTags: new Map(),
            getConfig: noConfig,
            notApplicable: (reason?: string) => {
                throw new Error(`not applicable: ${reason ?? ""}`);
            },
        },
        (message, urn) => found.push({ message, urn }),
    );
    return found;
}

/** A PolicyResource built from a synthetic resource (parent and dependencies optional). */
export function policyResource(
    r: Synthetic,
    links: { parent?: PolicyResource; dependencies?: PolicyResource[] } = {},
): PolicyResource {
    const name = r.name ?? "res";
    return {
        type: r.type,
        props: r.props,
        urn: urnOf([...(r.parents ?? [AGENT]), r.type], name),
        name,
        opts: options(r.protect ?? false),
        ...(links.parent === undefined ? {} : { parent: links.parent }),
        dependencies: links.dependencies ?? [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

/**
 * The custom resources of a mock run as the engine would show them to the pack: URNs with the full
 * parent type chain, plain inputs, `protect`, and parent links (`retainOnDelete` is not shown to
 * policies, exactly as on the engine).
 */
export function fromMockRun(recorded: readonly RecordedResource[], stack = "prod"): PolicyResource[] {
    const key = (type: string | undefined, name: string | undefined) => `${type ?? ""}::${name ?? ""}`;
    const byKey = new Map(recorded.map((r) => [key(r.type, r.name), r]));
    const chain = (r: RecordedResource): string[] => {
        const parent = r.parent === undefined ? undefined : byKey.get(key(r.parentType, r.parent));
        return parent === undefined ? [r.type] : [...chain(parent), r.type];
    };
    const built = new Map<RecordedResource, PolicyResource>();
    const build = (r: RecordedResource): PolicyResource => {
        const existing = built.get(r);
        if (existing !== undefined) {
            return existing;
        }
        const parentRecord = r.parent === undefined ? undefined : byKey.get(key(r.parentType, r.parent));
        const parent = parentRecord === undefined ? undefined : build(parentRecord);
        const res: PolicyResource = {
            type: r.type,
            props: unwrapSecrets(r.inputs) as Record<string, unknown>,
            urn: urnOf(chain(r), r.name, stack),
            name: r.name,
            opts: options(r.protect ?? false),
            ...(parent === undefined ? {} : { parent }),
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        };
        built.set(r, res);
        return res;
    };
    return recorded.filter((r) => r.readId === undefined).map(build);
}

/** A PolicyResource as the argument of a resource policy. */
export function asArgs(r: PolicyResource): ResourceValidationArgs {
    return {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: r.opts,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: noConfig,
        notApplicable: (reason?: string) => {
            throw new Error(`not applicable: ${reason ?? ""}`);
        },
    };
}
