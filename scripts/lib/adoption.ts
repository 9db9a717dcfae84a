// What `npm run adopt` does, as data: from the resources the program declares (evaluated offline, as
// `npm run render` does) and what the cluster already holds, the Pulumi import file that brings the
// existing objects under the stack with the URNs the program gives them, and the two hand-overs Helm
// needs (docs/adoption.md):
//   - keep: an object Helm made that the program takes over (the chart's ServiceAccounts once the program
//     sets `serviceAccount.*.create: false`) is annotated `helm.sh/resource-policy: keep` first, so the
//     release's next upgrade, whose manifest no longer holds it, leaves it in place (Helm deletes what
//     leaves its manifest unless the live object carries that annotation);
//   - fields: after the import, the fields Helm's field manager owns on such an object go to the stack's
//     field manager, so the first server-side apply neither conflicts with Helm nor keeps Helm's labels.
import type { RecordedResource } from "./mockRun";

import { RELEASE_TYPE } from "./stackReleases";
export { RELEASE_TYPE };
/** Helm's annotation that makes an upgrade or uninstall leave an object in place. */
export const KEEP_ANNOTATION = "helm.sh/resource-policy";
/** The field manager Helm's client records (`helm install`, `helm upgrade`). */
export const HELM_FIELD_MANAGER = "helm";
/** The field manager of the adopt command's own writes (the keep annotation). */
export const ADOPT_FIELD_MANAGER = "astro-agent-adopt";

/** Where an object of a Kubernetes type lives in the API. */
interface KubeKind {
    /** `/api/v1` or `/apis/<group>/<version>`. */
    prefix: string;
    plural: string;
    namespaced: boolean;
}

/** The Kubernetes types the program declares (components/, backends/), by Pulumi type token. */
export const KUBE_KINDS: Record<string, KubeKind> = {
    "kubernetes:core/v1:Namespace": { prefix: "/api/v1", plural: "namespaces", namespaced: false },
    "kubernetes:core/v1:ServiceAccount": { prefix: "/api/v1", plural: "serviceaccounts", namespaced: true },
    "kubernetes:core/v1:Secret": { prefix: "/api/v1", plural: "secrets", namespaced: true },
    "kubernetes:core/v1:PersistentVolumeClaim": {
        prefix: "/api/v1",
        plural: "persistentvolumeclaims",
        namespaced: true,
    },
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": {
        prefix: "/apis/networking.k8s.io/v1",
        plural: "networkpolicies",
        namespaced: true,
    },
    "kubernetes:cilium.io/v2:CiliumNetworkPolicy": {
        prefix: "/apis/cilium.io/v2",
        plural: "ciliumnetworkpolicies",
        namespaced: true,
    },
};

/** A Kubernetes object (or Helm release) the program declares, and where to find it in the cluster. */
export interface DeclaredObject {
    resource: RecordedResource;
    /** The import id: `namespace/name` (`name` for cluster-scoped objects; `namespace/release` for a release). */
    id: string;
    /** API path of the object; undefined for a Helm release (found through its revision Secrets). */
    apiPath: string | undefined;
    /** `Kind namespace/name`, for messages. */
    label: string;
}

/** A `managedFields` entry, as the API server returns it. */
export interface ManagedField {
    manager?: string;
    operation?: string;
    apiVersion?: string;
    fieldsType?: string;
    fieldsV1?: unknown;
    subresource?: string;
    time?: string;
}

/** What the adopt command learned about a declared object in the cluster. */
export interface LiveObject {
    uid: string;
    resourceVersion: string;
    annotations: Record<string, string>;
    managedFields: ManagedField[];
}

/** One entry of a `pulumi import --file` document (CLI 3.248: `component` entries are accepted). */
export interface ImportSpec {
    type: string;
    /** Key other entries name as `parent` (unique in the file). */
    name: string;
    logicalName: string;
    id?: string;
    parent?: string;
    component?: boolean;
    version?: string;
}

export interface ImportFile {
    nameTable?: Record<string, string>;
    resources: ImportSpec[];
}

/** The whole adoption, before anything is written. */
export interface AdoptionPlan {
    /** Objects found in the cluster and imported. */
    imports: DeclaredObject[];
    /** Declared objects not in the cluster: the first `up` creates them. */
    creates: DeclaredObject[];
    /** Declared objects already in the stack's state: left as they are. */
    inState: DeclaredObject[];
    /** Imported objects Helm made that leave the release's manifest: annotated `keep` first. */
    keep: DeclaredObject[];
    /** The `pulumi import --file` document (undefined when there is nothing to import). */
    importFile: ImportFile | undefined;
    /** Resources the adopt command cannot bring in (another provider, reads are fine): why, each. */
    refusals: string[];
}

/** `<type>::<name>`: how the program's resources are told apart (a name is unique per type). */
export function resourceKey(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

/** The URN the engine gives `r` in `stack` of `project` (parents' types chained with `$`). */
export function urnOf(
    r: RecordedResource,
    byKey: Map<string, RecordedResource>,
    project: string,
    stack: string,
): string {
    const types: string[] = [r.type];
    let parent = r.parent === undefined ? undefined : byKey.get(`${r.parentType ?? ""}::${r.parent}`);
    while (parent !== undefined) {
        types.unshift(parent.type);
        parent = parent.parent === undefined ? undefined : byKey.get(`${parent.parentType ?? ""}::${parent.parent}`);
    }
    return `urn:pulumi:${stack}::${project}::${types.join("$")}::${r.name}`;
}

function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

/** The Kubernetes object (or release) `r` declares; undefined for components and non-Kubernetes resources. */
export function declaredObject(r: RecordedResource): DeclaredObject | undefined {
    if (!r.custom || r.readId !== undefined) {
        return undefined;
    }
    if (r.type === RELEASE_TYPE) {
        const name = str(r.inputs.name);
        const ns = str(r.inputs.namespace);
        if (name === undefined || ns === undefined) {
            return undefined;
        }
        return { resource: r, id: `${ns}/${name}`, apiPath: undefined, label: `Helm release ${ns}/${name}` };
    }
    const kind = KUBE_KINDS[r.type];
    if (kind === undefined) {
        return undefined;
    }
    const md = (r.inputs.metadata ?? {}) as Record<string, unknown>;
    const name = str(md.name);
    const ns = str(md.namespace);
    if (name === undefined || (kind.namespaced && ns === undefined)) {
        return undefined;
    }
    const kindName = r.type.split(":").pop() ?? r.type;
    if (!kind.namespaced) {
        return {
            resource: r,
            id: name,
            apiPath: `${kind.prefix}/${kind.plural}/${name}`,
            label: `${kindName} ${name}`,
        };
    }
    return {
        resource: r,
        id: `${ns}/${name}`,
        apiPath: `${kind.prefix}/namespaces/${ns}/${kind.plural}/${name}`,
        label: `${kindName} ${ns}/${name}`,
    };
}

/**
 * Plans the adoption. `live` answers per declared object (by {@link resourceKey}) what the cluster holds
 * (undefined: absent); `stateUrns` are the URNs already in the stack's state; `release` is Helm's
 * release name (objects it made carry `meta.helm.sh/release-name`); `k8sVersion` pins the default
 * provider the program's resources use (its URN names the version).
 */
export function planAdoption(args: {
    resources: RecordedResource[];
    live: Map<string, LiveObject | undefined>;
    stateUrns: Set<string>;
    project: string;
    stack: string;
    k8sVersion: string;
}): AdoptionPlan {
    const { resources, live, stateUrns, project, stack } = args;
    const byKey = new Map(resources.map((r) => [resourceKey(r), r]));
    const refusals: string[] = [];
    const imports: DeclaredObject[] = [];
    const creates: DeclaredObject[] = [];
    const inState: DeclaredObject[] = [];
    const keep: DeclaredObject[] = [];
    for (const r of resources) {
        if (!r.custom || r.readId !== undefined) {
            continue;
        }
        if (r.provider !== undefined) {
            refusals.push(
                `${r.type} '${r.name}' is managed by an explicit provider (${r.provider}): adopt brings in single-cluster stacks on the default provider only`,
            );
            continue;
        }
        const obj = declaredObject(r);
        if (obj === undefined) {
            if (r.type.startsWith("kubernetes:")) {
                refusals.push(`${r.type} '${r.name}': adopt does not know where this type lives in the API`);
            } else {
                // Cloud resources (buckets, roles, keys…) are not the release's: the first `up` creates them.
                creates.push({ resource: r, id: "", apiPath: undefined, label: `${r.type} ${r.name}` });
            }
            continue;
        }
        if (stateUrns.has(urnOf(r, byKey, project, stack))) {
            inState.push(obj);
            continue;
        }
        const found = live.get(resourceKey(r));
        if (found === undefined) {
            creates.push(obj);
            continue;
        }
        imports.push(obj);
        if (r.type !== RELEASE_TYPE && found.annotations["meta.helm.sh/release-name"] !== undefined) {
            keep.push(obj);
        }
    }
    if (imports.length === 0) {
        return { imports, creates, inState, keep, importFile: undefined, refusals };
    }

    // Components on the path from each imported object to the stack: entries (or nameTable rows when
    // they are already in the state), so every object gets exactly the URN the program gives it.
    const needed = new Map<string, RecordedResource>();
    for (const obj of imports) {
        let p = obj.resource.parent === undefined ? undefined : byKey.get(parentKey(obj.resource));
        while (p !== undefined && !needed.has(resourceKey(p))) {
            needed.set(resourceKey(p), p);
            p = p.parent === undefined ? undefined : byKey.get(parentKey(p));
        }
    }
    const nameTable: Record<string, string> = {};
    const entries: ImportSpec[] = [];
    const parentRef = (r: RecordedResource) =>
        r.parent === undefined ? {} : { parent: resourceKey({ type: r.parentType ?? "", name: r.parent }) };
    // Parents first (the CLI resolves any order, but this reads better).
    const components = [...needed.values()].sort((a, b) => depth(a, byKey) - depth(b, byKey));
    for (const c of components) {
        const urn = urnOf(c, byKey, project, stack);
        if (stateUrns.has(urn)) {
            nameTable[resourceKey(c)] = urn;
        } else {
            entries.push({ type: c.type, name: resourceKey(c), logicalName: c.name, component: true, ...parentRef(c) });
        }
    }
    for (const obj of imports) {
        entries.push({
            type: obj.resource.type,
            name: resourceKey(obj.resource),
            logicalName: obj.resource.name,
            id: obj.id,
            version: args.k8sVersion,
            ...parentRef(obj.resource),
        });
    }
    return {
        imports,
        creates,
        inState,
        keep,
        importFile: { ...(Object.keys(nameTable).length > 0 ? { nameTable } : {}), resources: entries },
        refusals,
    };
}

/** Component entries for every component above `r`, outermost first (for an import file of its own). */
export function ancestorEntries(r: RecordedResource, byKey: Map<string, RecordedResource>): ImportSpec[] {
    const out: ImportSpec[] = [];
    let p = r.parent === undefined ? undefined : byKey.get(parentKey(r));
    while (p !== undefined) {
        out.unshift({
            type: p.type,
            name: resourceKey(p),
            logicalName: p.name,
            component: true,
            ...(p.parent === undefined ? {} : { parent: parentKey(p) }),
        });
        p = p.parent === undefined ? undefined : byKey.get(parentKey(p));
    }
    return out;
}

function parentKey(r: RecordedResource): string {
    return `${r.parentType ?? ""}::${r.parent ?? ""}`;
}

function depth(r: RecordedResource, byKey: Map<string, RecordedResource>): number {
    let d = 0;
    let p = r.parent === undefined ? undefined : byKey.get(parentKey(r));
    while (p !== undefined) {
        d++;
        p = p.parent === undefined ? undefined : byKey.get(parentKey(p));
    }
    return d;
}

/**
 * The `managedFields` after Helm hands an object over: Helm's entries (not a subresource's) become
 * the stack's server-side-apply entry, merged with one the stack already has. Undefined when Helm owns
 * nothing there.
 */
export function handOverFields(fields: ManagedField[], stackManager: string): ManagedField[] | undefined {
    const helm = fields.filter((f) => f.manager === HELM_FIELD_MANAGER && (f.subresource ?? "") === "");
    if (helm.length === 0) {
        return undefined;
    }
    const rest = fields.filter((f) => !helm.includes(f));
    const own = rest.filter((f) => f.manager === stackManager && f.operation === "Apply");
    const others = rest.filter((f) => !own.includes(f));
    const merged = [...own, ...helm].reduce<unknown>((acc, f) => mergeFieldSets(acc, f.fieldsV1), {});
    const template = own[0] ?? helm[0] ?? {};
    return [
        ...others,
        {
            manager: stackManager,
            operation: "Apply",
            ...(template.apiVersion === undefined ? {} : { apiVersion: template.apiVersion }),
            fieldsType: "FieldsV1",
            fieldsV1: merged,
            ...(template.time === undefined ? {} : { time: template.time }),
        },
    ];
}

/** Union of two FieldsV1 sets (nested maps whose leaves are `{}`). */
export function mergeFieldSets(a: unknown, b: unknown): unknown {
    const isObj = (v: unknown): v is Record<string, unknown> =>
        v !== null && typeof v === "object" && !Array.isArray(v);
    if (!isObj(a)) {
        return isObj(b) ? b : {};
    }
    if (!isObj(b)) {
        return a;
    }
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
        out[k] = k in out ? mergeFieldSets(out[k], v) : v;
    }
    return out;
}
