// Rules every cloud's data stores share: an existing bucket is only referenced (so it needs a name and
// takes no bucket settings), prod never force-destroys it, a customer key is either created or named,
// and a list setting names each entry once.
import type { BackendIssue } from "../types";

/** Environment of the stack: `prod` keeps data stores on destroy. */
export type Environment = "dev" | "prod";

/** The bucket settings every cloud's `xcom` block has. */
export interface BucketSettings {
    bucketName?: string | undefined;
    existingBucket: boolean;
    versioning: boolean;
    forceDestroy: boolean;
}

/** Issues of a cloud's `xcom` block; `at` builds the issue path (`at("xcom", "bucketName")`). */
export function bucketIssues(
    xcom: BucketSettings,
    environment: Environment,
    at: (...path: (string | number)[]) => (string | number)[],
): BackendIssue[] {
    const issues: BackendIssue[] = [];
    if (xcom.existingBucket && xcom.bucketName === undefined) {
        issues.push({
            path: at("xcom", "bucketName"),
            message: "is required with xcom.existingBucket: name the bucket",
        });
    }
    if (xcom.existingBucket && (xcom.versioning || xcom.forceDestroy)) {
        issues.push({
            path: at("xcom", "existingBucket"),
            message: "an existing bucket is not managed here: drop xcom.versioning and xcom.forceDestroy",
        });
    }
    if (environment === "prod" && xcom.forceDestroy) {
        issues.push({
            path: at("xcom", "forceDestroy"),
            message: "is refused in prod: the XCom bucket must survive destroy",
        });
    }
    return issues;
}

/** Issues of an `encryption` block whose `kind: existingKey` needs the key named in `keyField`. */
export function customerKeyIssues(
    kind: string,
    keyField: string,
    key: string | undefined,
    at: (...path: (string | number)[]) => (string | number)[],
): BackendIssue[] {
    if (kind === "existingKey" && key === undefined) {
        return [{ path: at("encryption", keyField), message: "is required with encryption.kind 'existingKey'" }];
    }
    if (kind !== "existingKey" && key !== undefined) {
        return [{ path: at("encryption", keyField), message: "is only used with encryption.kind 'existingKey'" }];
    }
    return [];
}

/** One issue per entry of a list that repeats an earlier one. */
export function repeatIssues(values: readonly string[], at: (i: number) => (string | number)[]): BackendIssue[] {
    return values.flatMap((v, i) => (values.indexOf(v) === i ? [] : [{ path: at(i), message: `lists '${v}' twice` }]));
}
