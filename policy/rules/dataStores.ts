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
const forceDestroy = (p: Record<string, unknown>) =>
    p.forceDestroy === true ? ["forceDestroy: true would delete its objects with it; set it to false"] : [];

/** Data stores by resource type. */
export const DATA_STORES: ReadonlyMap<string, DataStoreKind> = new Map<string, DataStoreKind>([
    [
        "aws:s3/bucket:Bucket",
        {
            what: "S3 bucket",
            markerEntries: (p) => p.tags,
            dataLoss: forceDestroy,
        },
    ],
    ["aws:kms/key:Key", { what: "KMS key", markerEntries: (p) => p.tags }],
    // Azure: a created resource group holds everything else. A blob container takes no tags and its
    // metadata keys must be C# identifiers, so it carries no marker: it is retained with retainOnDelete
    // (which policies cannot see) and lives in the account, which is checked.
    ["azure-native:resources:ResourceGroup", { what: "resource group", markerEntries: (p) => p.tags }],
    ["azure-native:storage:StorageAccount", { what: "storage account", markerEntries: (p) => p.tags }],
    ["azure-native:keyvault:Vault", { what: "key vault", markerEntries: (p) => p.tags }],
    // GCP: key rings cannot be deleted at all, so only the key and the bucket carry the marker.
    ["gcp:storage/bucket:Bucket", { what: "GCS bucket", markerEntries: (p) => p.labels, dataLoss: forceDestroy }],
    ["gcp:kms/cryptoKey:CryptoKey", { what: "KMS crypto key", markerEntries: (p) => p.labels }],
    ["kubernetes:core/v1:Namespace", { what: "namespace", markerEntries: k8sAnnotations }],
    ["kubernetes:core/v1:PersistentVolumeClaim", { what: "persistent volume claim", markerEntries: k8sAnnotations }],
]);

/** The name to show for a store: its cloud / Kubernetes name when known, else the logical name. */
function displayName(props: Record<string, unknown>, logical: string): string {
    for (const key of ["bucket", "containerName", "vaultName", "accountName", "resourceGroupName", "name"]) {
        const value = asString(props[key]);
        if (value !== undefined) {
            return value;
        }
    }
    return asString(asRecord(props.metadata)?.name) ?? logical;
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
