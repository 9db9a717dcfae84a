// The value of the rollout annotation (SECRETS_VERSION_ANNOTATION) when it can be known at preview.
//
// The agent's pods must roll when a Secret the program manages gets a new value, and a reviewer must
// see that roll in `preview`. Nothing here is derived from a secret value (not even a keyed hash): the
// revision is a digest of the `secure:` CIPHERTEXTS of the secret config values, which the stack file
// already shows to anyone who can read it. `pulumi config set --secret` encrypts with a fresh nonce, so
// every set (every rotation) writes a new ciphertext, and a stack file nobody edited keeps its digest:
// a second `up` is a no-op. A re-encryption without a new value (`pulumi stack change-secrets-provider`,
// setting the same value again) rolls the pods once more; that is harmless.
//
// Only when EVERY secret leaf of the config has a proven ciphertext in the stack file is there a
// revision; otherwise (component args given as Outputs, values from an ESC environment, plain-text
// dev values) there is none, and the annotation follows the Secrets' resourceVersions, which change
// only once `up` wrote the Secret: the roll then shows in `up`, not in `preview`.
import { createHash } from "node:crypto";
import type { ConfigPath } from "./secrecy";

const revisions = new WeakMap<object, string>();

/** Records the revision of a validated config (the same object is later handed to the component); returns it. */
export function recordSecretRevision<T extends object>(config: T, revision: string | undefined): T {
    if (revision !== undefined) {
        revisions.set(config, revision);
    }
    return config;
}

/** The revision recorded for this config object, if any. */
export function secretRevisionOf(config: unknown): string | undefined {
    return config !== null && typeof config === "object" ? revisions.get(config) : undefined;
}

/**
 * The digest of the ciphertexts that hold `leaves` (a leaf is held by the ciphertext at its path or at
 * a prefix of it: a whole secret mapping), or undefined when some leaf has none. The `clusters` block
 * is left out: its secrets (kubeconfigs) never reach a Secret in the cluster.
 */
export function secretRevision(
    leaves: readonly ConfigPath[],
    ciphertexts: ReadonlyMap<string, string>,
): string | undefined {
    const used = new Map<string, string>();
    for (const leaf of leaves) {
        if (leaf[0] === "clusters") {
            continue;
        }
        let found = false;
        for (let n = leaf.length; n > 0 && !found; n--) {
            const at = JSON.stringify(leaf.slice(0, n));
            const ciphertext = ciphertexts.get(at);
            if (ciphertext !== undefined) {
                used.set(at, ciphertext);
                found = true;
            }
        }
        if (!found) {
            return undefined;
        }
    }
    const lines = [...used.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, c]) => `${p}=${c}`);
    return createHash("sha256")
        .update(`stack-file-ciphertexts\n${lines.join("\n")}`)
        .digest("hex")
        .slice(0, 16);
}
