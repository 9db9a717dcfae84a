// Data stores: what losing them loses. Prod keeps them when the stack is destroyed: `protect`, or
// `retainOnDelete`, which the program records as the RETAIN_ON_DELETE_MARKER tag / annotation (the
// policy engine shows policies `protect` but not `retainOnDelete`; see components/retention.ts).
// The preview summary calls out their replacement and deletion first, from the same table.
import { hasRetentionMarker, RETAIN_ON_DELETE_MARKER } from "../../components/retention";
import type { ResourceRule, RulesByType } from "../lib/rules";
import { asRecord, asString } from "../lib/values";

/** A kind of data store: what to call it, where its marker lives, and anything else that deletes data. */
export interface DataStoreKind {
    what: string;
    /** The tags / labels / annotations that carry the retention marker. */
    markerEntries(props: Record<string, unknown>): unknown;
    /** Settings that would take the data with the store even when it is retained. */
    dataLoss?(props: Record<string, unknown>): string[];
}

const k8sAnnotations = (props: Record<string, unknown>) => asRecord(props.metadata)?.annotations;

/** Data stores by resource type. */
export const DATA_STORES: ReadonlyMap<string, DataStoreKind> = new Map<string, DataStoreKind>([
    [
        "aws:s3/bucket:Bucket",
        {
            what: "S3 bucket",
            markerEntries: (p) => p.tags,
            dataLoss: (p) =>
                p.forceDestroy === true ? ["forceDestroy: true would delete its objects with it; set it to false"] : [],
        },
    ],
    ["aws:kms/key:Key", { what: "KMS key", markerEntries: (p) => p.tags }],
    ["kubernetes:core/v1:Namespace", { what: "namespace", markerEntries: k8sAnnotations }],
    ["kubernetes:core/v1:PersistentVolumeClaim", { what: "persistent volume claim", markerEntries: k8sAnnotations }],
]);

/** The name to show for a store: its cloud / Kubernetes name when known, else the logical name. */
function displayName(props: Record<string, unknown>, logical: string): string {
    return asString(props.bucket) ?? asString(asRecord(props.metadata)?.name) ?? logical;
}

const retained: ResourceRule = ({ type, name, props, opts }) => {
    const kind = DATA_STORES.get(type);
    if (kind === undefined) {
        return [];
    }
    const label = `${kind.what} '${displayName(props, name)}'`;
    const problems =
        opts.protect || hasRetentionMarker(kind.markerEntries(props))
            ? []
            : [
                  `${label} is a prod data store but would be deleted with the stack: set retainOnDelete (the program marks it ${RETAIN_ON_DELETE_MARKER}: "true") or protect`,
              ];
    return [...problems, ...(kind.dataLoss?.(props) ?? []).map((p) => `${label}: ${p}`)];
};

/** Retention, by resource type (every data store kind). */
export const RETENTION_RULES: RulesByType = new Map([...DATA_STORES.keys()].map((type) => [type, retained]));
