// Config pieces every cloud branch shares: object key prefixes in the XCom store, and the connections
// and variables seeded into the cloud secret store from secret config.
import { z } from "zod";
import { configPath, connectionId, identifier, secretString, strictObject } from "../../schema/primitives";

/** One part of an object key (or blob name) prefix: the characters S3, GCS and Blob Storage call safe. */
const OBJECT_PREFIX_PART = /^[A-Za-z0-9!_.'()-]+$/;

/**
 * A key prefix in the agent's bucket or container (`what`: "an S3 key prefix", "a blob name prefix"):
 * the role or grant is scoped to it, so it names one folder (no `..`, no wildcard).
 */
export function objectPrefix(what: string, example: string) {
    return configPath({
        what,
        example,
        form: "relative",
        segment: { pattern: OBJECT_PREFIX_PART, rule: "parts of letters, digits and !_.'()-" },
        max: 512,
    });
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

/**
 * The `taskLogs` block every object-store backend has: Airflow remote task logging into `<prefix>` of
 * the agent's bucket or container (`location`, e.g. "`s3://<bucket>/<prefix>`"), the grant scoped to it.
 */
export function taskLogsSchema(p: TaskLogsKeys) {
    return strictObject(taskLogsShape(p)).prefault({}).describe("Remote task logs in the agent's bucket.");
}

/** What {@link taskLogsShape} describes: where the logs go, the prefix schema and who is granted it. */
interface TaskLogsKeys {
    location: string;
    prefix: ReturnType<typeof objectPrefix>;
    grantee: string;
}

/** The keys of {@link taskLogsSchema}, for a backend that adds its own (AWS: a separate log bucket). */
export function taskLogsShape(p: TaskLogsKeys) {
    return {
        enabled: z
            .boolean()
            .default(false)
            .describe(`Airflow remote task logging to ${p.location} (\`AIRFLOW__LOGGING__REMOTE_*\`).`),
        prefix: p.prefix.default("logs").describe(`Key prefix of task logs; ${p.grantee} may read and write it.`),
        expirationDays: z
            .int()
            .min(1, "must be at least 1 day")
            .default(90)
            .describe("Lifecycle expiry of task logs (created bucket only)."),
    };
}
