// Config pieces every cloud branch shares: object key prefixes in the XCom store, and the connections
// and variables seeded into the cloud secret store from secret config.
import { z } from "zod";
import { connectionId, identifier, secretString } from "../../schema/primitives";

/** Object key (or blob name) prefixes: URL-safe parts separated by `/`, no leading or trailing `/`. */
export const OBJECT_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

/** A key prefix in the agent's bucket or container (`what`: "an S3 key prefix", "a blob name prefix"). */
export function objectPrefix(what: string, example: string) {
    return identifier(what, example, { pattern: OBJECT_PREFIX, rule: "without leading or trailing '/'" });
}

/** Connections to seed, by connection id, each a secret (JSON or URI). */
export function seededConnections(description: string, example = "git_default") {
    return z.record(connectionId(example), secretString()).default({}).describe(description);
}

/** Variables to seed, by key, each a secret. */
export function seededVariables(description: string) {
    return z
        .record(identifier("an Airflow variable key", "my_variable"), secretString())
        .default({})
        .describe(description);
}
