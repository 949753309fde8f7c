// Secrets at rest (issue 11 §7): webhook HMAC secrets and the Ed25519 signing key are stored
// encrypted under a key-encryption key, EXOARMUR_SECRET_KEY (server/crypto/secret-key.ts says where
// it comes from), so that a database backup alone cannot forge signed bundles or webhook calls.
//
// Envelope: `enc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`, AES-256-GCM with a fresh 96-bit IV.
// The key id (8 hex digits of a hash of the key, not the key) says which key sealed a value, so a
// wrong key gets a clear error. `context` (e.g. `tenant:acme`) is bound as associated data: a
// ciphertext copied to another row does not open there. A value without the prefix was stored
// before encryption existed and is returned as it is (server/services/secrets/seal-at-rest.ts
// re-encrypts such rows at start-up).

import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";
const VARIABLE = "EXOARMUR_SECRET_KEY";

/** 32 bytes, written as 64 hex digits or as base64/base64url. Never echoes the text it was given. */
export function parseSecretKey(text: string, source = VARIABLE): Buffer {
  const trimmed = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) key = Buffer.from(trimmed, "base64");
  if (key?.length !== 32)
    throw new Error(
      `${source} must be 32 bytes, written as 64 hex digits or base64 (generate one with: openssl rand -hex 32)`,
    );
  return key;
}

let cached: { text: string; key: Buffer; id: string } | null = null;

function currentKey(): { key: Buffer; id: string } {
  const text = process.env[VARIABLE];
  if (!text)
    throw new Error(
      `${VARIABLE} is not set: it encrypts webhook secrets and the signing key at rest (generate one with: openssl rand -hex 32)`,
    );
  if (cached?.text !== text) {
    const key = parseSecretKey(text);
    const id = createHash("sha256").update("exoarmur-kek-id:").update(key).digest("hex").slice(0, 8);
    cached = { text, key, id };
  }
  return cached;
}

export const isSealed = (value: string) => value.startsWith(PREFIX);

export function sealSecret(plaintext: string, context: string): string {
  const { key, id } = currentKey();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${PREFIX}${id}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
}

export function openSecret(stored: string, context: string): string {
  if (!isSealed(stored)) return stored;
  const [sealedBy, payload = ""] = stored.slice(PREFIX.length).split(":");
  const { key, id } = currentKey();
  if (sealedBy !== id)
    throw new Error(
      `cannot decrypt a stored secret: it was encrypted under key ${sealedBy}, and ${VARIABLE} is key ${id}`,
    );
  const data = Buffer.from(payload, "base64url");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new Error(`cannot decrypt a stored secret (${context}): it was altered or moved from another row`);
  }
}
