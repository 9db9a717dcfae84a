// `backend.grants`, the same key on every cloud backend: `create` (the program grants the agent's
// identity access to its stores) or `none` (another team owns the stores and grants; the program
// creates no grant and prints, as the stack output `ownerGrants`, the document that team applies).
import { z } from "zod";
import type { BackendIssue } from "../types";

/** The stack output holding what the store owner must grant when `backend.grants` is `none`. */
export const OWNER_GRANTS_OUTPUT = "ownerGrants";

/** `backend.grants`: `what` says what the grants are on this cloud (e.g. "the role's inline policy"). */
export function grantsSchema(what: string) {
    return z
        .enum(["create", "none"], { error: "must be 'create' or 'none'" })
        .default("create")
        .describe(
            `\`create\`: the program grants the agent's identity access to the stores (${what}). \`none\`: another team owns the (existing) stores and grants; the program creates the identity but no grant, and the stack output \`${OWNER_GRANTS_OUTPUT}\` is the document that team applies.`,
        );
}

/** A store (or store part) this config makes the program create, by its config key. */
export interface CreatedStore {
    /** Config key under `backend` that makes the program create it. */
    path: (string | number)[];
    /** What is created, e.g. "the XCom bucket". */
    what: string;
    /** How to use an existing one instead, e.g. "set xcom.existingBucket: true with xcom.bucketName". */
    instead: string;
}

/**
 * With `grants: none`, every store the program would create: refused, one issue each, because what the
 * program creates it owns, so it grants on it too.
 */
export function grantsNoneIssues(grants: "create" | "none", created: readonly CreatedStore[]): BackendIssue[] {
    if (grants === "create") {
        return [];
    }
    return created.map((store) => ({
        path: ["backend", ...store.path],
        message: `backend.grants: none leaves granting to the owner of existing stores, but ${store.what} is created by this program (which then owns it, so it grants on it): ${store.instead}, or set backend.grants: create`,
    }));
}
