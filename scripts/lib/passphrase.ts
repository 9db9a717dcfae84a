// Pulumi's passphrase secrets provider, in Node: PBKDF2-SHA256 (1,000,000 rounds) → AES-256-GCM,
// values `v1:<nonce>:<ciphertext+tag>` (pulumi/pulumi sdk/go/common/resource/config/crypt.go).
// Used to check the example dev stack's `secure:` entries and by the end-to-end tests.
import * as crypto from "node:crypto";

const ROUNDS = 1_000_000;

/** The 32-byte key for a passphrase and an `encryptionsalt` (`v1:<salt>:<sentinel>`). */
export function keyFromSalt(passphrase: string, encryptionSalt: string): Buffer {
    const [version, salt, ...sentinel] = encryptionSalt.split(":");
    if (version !== "v1" || salt === undefined) {
        throw new Error("unsupported encryptionsalt");
    }
    const key = crypto.pbkdf2Sync(passphrase, Buffer.from(salt, "base64"), ROUNDS, 32, "sha256");
    if (decryptValue(key, sentinel.join(":")) !== "pulumi") {
        throw new Error("wrong passphrase for this encryptionsalt");
    }
    return key;
}

export function encryptValue(key: Buffer, plaintext: string, nonce = crypto.randomBytes(12)): string {
    const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${body.toString("base64")}`;
}

export function decryptValue(key: Buffer, value: string): string {
    const [version, nonce, body] = value.split(":");
    if (version !== "v1" || nonce === undefined || body === undefined) {
        throw new Error("bad secure value");
    }
    const raw = Buffer.from(body, "base64");
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64"));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString("utf8");
}

/** A new `encryptionsalt` for a passphrase, with its key. */
export function newEncryptionSalt(passphrase: string): { encryptionSalt: string; key: Buffer } {
    const salt = crypto.randomBytes(8);
    const key = crypto.pbkdf2Sync(passphrase, salt, ROUNDS, 32, "sha256");
    return { encryptionSalt: `v1:${salt.toString("base64")}:${encryptValue(key, "pulumi")}`, key };
}
