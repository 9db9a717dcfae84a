// Checks a stack file's `secure:` values the way `pulumi preview` would need them: each must be a
// well-formed ciphertext of the stack's secrets provider and, when the passphrase is at hand
// (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), decrypt with it. Offline renders then
// fail on garbage instead of printing placeholders and exiting 0.
import * as fs from "node:fs";
import { decryptValue, keyFromSalt } from "./passphrase";

/** One `secure:` leaf: its config key path as written (`project:key.path[0]`) and its ciphertext. */
export interface SecureLeaf {
    where: string;
    ciphertext: unknown;
}

function formatLeaf(key: string, path: (string | number)[]): string {
    return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : `${acc}.${p}`), key);
}

/** Every `secure:` leaf of a stack file's `config:` mapping. */
export function secureLeavesOf(config: Record<string, unknown>): SecureLeaf[] {
    const out: SecureLeaf[] = [];
    const walk = (key: string, v: unknown, path: (string | number)[]) => {
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
            const keys = Object.keys(v);
            if (keys.length === 1 && keys[0] === "secure") {
                out.push({ where: formatLeaf(key, path), ciphertext: (v as { secure: unknown }).secure });
                return;
            }
            for (const [k, x] of Object.entries(v)) {
                walk(key, x, [...path, k]);
            }
        } else if (Array.isArray(v)) {
            v.forEach((x, i) => {
                walk(key, x, [...path, i]);
            });
        }
    };
    for (const [key, v] of Object.entries(config)) {
        walk(key, v, []);
    }
    return out;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Why a passphrase-provider ciphertext is malformed, or undefined when it is well-formed. */
function malformed(ciphertext: unknown): string | undefined {
    if (typeof ciphertext !== "string" || ciphertext.trim() === "") {
        return "is empty";
    }
    const [version, nonce, body, ...rest] = ciphertext.split(":");
    if (version !== "v1" || nonce === undefined || body === undefined || rest.length > 0) {
        return "is not a Pulumi ciphertext (v1:<nonce>:<ciphertext>)";
    }
    if (!B64.test(nonce) || Buffer.from(nonce, "base64").length !== 12 || !B64.test(body)) {
        return "is not a Pulumi ciphertext (bad base64 nonce or body)";
    }
    if (Buffer.from(body, "base64").length < 16) {
        return "is truncated";
    }
    return undefined;
}

/** The passphrase from the environment, as the CLI reads it; undefined when none is set. */
export function passphraseFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
        return env.PULUMI_CONFIG_PASSPHRASE;
    }
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    return file !== undefined && fs.existsSync(file) ? fs.readFileSync(file, "utf8").replace(/\r?\n$/, "") : undefined;
}

/**
 * Problems with the stack file's secure values, one line each, naming the config key. Only the
 * passphrase provider is checked in depth (other providers need their cloud KMS).
 */
export function checkSecureValues(
    doc: { config?: Record<string, unknown> | null; encryptionsalt?: unknown; secretsprovider?: unknown },
    passphrase: string | undefined = passphraseFromEnv(),
): string[] {
    const leaves = secureLeavesOf(doc.config ?? {});
    if (leaves.length === 0) {
        return [];
    }
    const provider = typeof doc.secretsprovider === "string" ? doc.secretsprovider : "passphrase";
    if (provider !== "passphrase" && provider !== "default") {
        return leaves
            .filter((l) => typeof l.ciphertext !== "string" || l.ciphertext.trim() === "")
            .map((l) => `${l.where}: secure value is empty; set it again with 'pulumi config set --secret'`);
    }
    const problems: string[] = [];
    const salt = doc.encryptionsalt;
    if (typeof salt !== "string" || !/^v1:[A-Za-z0-9+/]+={0,2}:v1:/.test(salt)) {
        problems.push(
            `encryptionsalt: ${salt === undefined ? "is missing" : "is malformed"}, but the stack has secure values (${leaves.map((l) => l.where).join(", ")}); they cannot be decrypted: restore the stack file's encryptionsalt or set each secret again with 'pulumi config set --secret'`,
        );
    }
    const fix = (where: string) =>
        `set it again with 'pulumi config set --secret --path ${where.replace(/^[^:]+:/, "")} <value>'`;
    for (const l of leaves) {
        const why = malformed(l.ciphertext);
        if (why !== undefined) {
            problems.push(`${l.where}: secure value ${why}; ${fix(l.where)}`);
        }
    }
    if (problems.length > 0 || passphrase === undefined || typeof salt !== "string") {
        return problems;
    }
    let key: Buffer;
    try {
        key = keyFromSalt(passphrase, salt);
    } catch {
        return [
            "encryptionsalt: does not match the passphrase in PULUMI_CONFIG_PASSPHRASE / PULUMI_CONFIG_PASSPHRASE_FILE; use this stack's passphrase",
        ];
    }
    for (const l of leaves) {
        try {
            decryptValue(key, l.ciphertext as string);
        } catch {
            problems.push(`${l.where}: secure value does not decrypt with this stack's passphrase; ${fix(l.where)}`);
        }
    }
    return problems;
}
