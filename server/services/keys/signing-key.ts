// The server's Ed25519 evidence-signing keys, shared by every app instance through the database
// (or one key given as EXOARMUR_SIGNING_KEY, 64 hex digits, to keep it out of the database).
//
// One key is active: it signs every bundle exported from now on. `rotateSigningKey` (the CLI's
// `exoarmur signing-key rotate`) creates a new active key and retires the old one (active=false,
// kept), so reviewers who trust the retired key still verify the bundles it signed. Creation and
// rotation take the same advisory lock, so instances starting together agree on one key and two
// rotations never leave two active keys.
//
// Other running instances pick a rotation up on their next export: `getSigner` re-reads the active
// key's id (one read of a table of a few rows) on every call and keeps only the derived signer in
// memory, keyed by that id. The bound is therefore "the next bundle signed after the rotation
// commits"; a bundle being signed while it commits may still carry the old key, which stays
// published and trusted.
//
// At rest, a key's secret half is sealed under EXOARMUR_SECRET_KEY (server/crypto/secret-box.ts,
// bound to the key id): whoever reads a database backup cannot sign bundles. A row stored in
// plaintext by an earlier release is still read, and re-sealed at start-up
// (server/services/secrets/seal-at-rest.ts).

import { z } from "zod";
import { keyIdOf, type Signer } from "../../core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../crypto/node";
import { openSecret, sealSecret } from "../../crypto/secret-box";
import type { Db } from "../../db/client";
import { requirePlatformAdmin } from "../access/authorize";
import type { Principal } from "../access/principal";
import { conflict } from "../shared/errors";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

/** Creation and rotation of keys, one at a time across every instance. */
const lockSigningKeys = (tx: Tx) => tx.$executeRaw`SELECT pg_advisory_xact_lock(7260417002)`;

interface CachedSigner {
  keyId: string;
  signer: Signer;
}

const holder = globalThis as unknown as {
  __exoarmurSigner?: CachedSigner;
  __exoarmurPinnedSigner?: CachedSigner & { secret: string };
};

/** The key EXOARMUR_SIGNING_KEY pins, if it is set. */
function pinnedSigner(): CachedSigner | null {
  const secret = process.env.EXOARMUR_SIGNING_KEY?.trim();
  if (!secret) return null;
  const cached = holder.__exoarmurPinnedSigner;
  if (cached?.secret === secret) return cached;
  const signer = nodeSigner(secret);
  holder.__exoarmurPinnedSigner = { secret, keyId: keyIdOf(nodeCrypto, signer.publicKeyHex), signer };
  return holder.__exoarmurPinnedSigner;
}

const newestActive = (db: Db) =>
  db.signingKey.findFirst({ where: { active: true }, orderBy: { createdAt: "desc" }, select: { id: true } });

/** What a sealed secret key is bound to: its own row. */
export const signingKeyContext = (keyId: string) => `signing-key:${keyId}`;

/** A new key row, active. */
async function createKey(tx: Tx): Promise<{ id: string; secretKey: string }> {
  const secretKey = generateSecretKeyHex();
  const publicKey = nodeSigner(secretKey).publicKeyHex;
  const id = keyIdOf(nodeCrypto, publicKey);
  await tx.signingKey.create({
    data: { id, publicKey, secretKey: sealSecret(secretKey, signingKeyContext(id)), active: true },
  });
  return { id, secretKey };
}

/** The signer of the active key, creating the first key if there is none. */
async function loadActiveSigner(db: Db): Promise<CachedSigner> {
  const row = await db.$transaction(async (tx: Tx) => {
    await lockSigningKeys(tx);
    const active = await tx.signingKey.findFirst({
      where: { active: true },
      orderBy: { createdAt: "desc" },
      select: { id: true, secretKey: true },
    });
    return active ?? (await createKey(tx));
  }, TX_OPTIONS);
  holder.__exoarmurSigner = {
    keyId: row.id,
    signer: nodeSigner(openSecret(row.secretKey, signingKeyContext(row.id))),
  };
  return holder.__exoarmurSigner;
}

/** The signer of the key that signs new bundles now (see the file comment for how a rotation reaches it). */
export async function getSigner(db: Db): Promise<Signer> {
  const pinned = pinnedSigner();
  if (pinned) return pinned.signer;
  const active = await newestActive(db);
  const cached = holder.__exoarmurSigner;
  if (active && cached?.keyId === active.id) return cached.signer;
  return (await loadActiveSigner(db)).signer;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const signingKeyInfoSchema = z.object({
  keyId: hex64.describe("sha256 of the public key"),
  publicKey: hex64.describe("Ed25519 public key"),
  active: z.boolean().describe("whether it signs new bundles now (exactly one key is)"),
  createdAt: z
    .string()
    .nullable()
    .describe("when it was created; null for a key pinned by EXOARMUR_SIGNING_KEY (not stored)"),
});
export type SigningKeyInfo = z.infer<typeof signingKeyInfoSchema>;

/** What `GET /api/v1/signing-key` (and the dashboard's `signingKeys.list`) answers. */
export const signingKeysSchema = z.object({
  alg: z.literal("Ed25519"),
  keyId: hex64.describe("the current key's id"),
  publicKey: hex64.describe("the current key"),
  keys: z.array(signingKeyInfoSchema).describe("the current key first, then the retired ones, newest first"),
});

/** What a rotation answers: the new active key and the ones it retired. */
export const rotatedSigningKeySchema = z.object({
  current: signingKeyInfoSchema,
  retired: z.array(signingKeyInfoSchema),
});

/**
 * The published keys: the current one at the top level (`{alg, keyId, publicKey}`, as before
 * rotation existed) and `keys`, the current one first, then the retired ones, newest first —
 * everything a reviewer needs to trust to verify any bundle this server ever signed.
 */
export async function publicKeyInfo(db: Db): Promise<z.infer<typeof signingKeysSchema>> {
  const pinned = pinnedSigner();
  if (!pinned) await getSigner(db); // the first key is created on first use
  // Never select secretKey: this list is public.
  const rows = await db.signingKey.findMany({
    select: { id: true, publicKey: true, active: true, createdAt: true },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
  const stored: SigningKeyInfo[] = rows.map((row) => ({
    keyId: row.id,
    publicKey: row.publicKey,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
  }));
  let keys: SigningKeyInfo[];
  if (pinned) {
    // The pinned key signs; whatever the database holds (say, from before it was pinned) is retired.
    const own = stored.find((k) => k.keyId === pinned.keyId);
    keys = [
      {
        keyId: pinned.keyId,
        publicKey: pinned.signer.publicKeyHex,
        active: true,
        createdAt: own?.createdAt ?? null,
      },
      ...stored.filter((k) => k.keyId !== pinned.keyId).map((k) => ({ ...k, active: false })),
    ];
  } else {
    // One read gives both the current key and the list, so they agree even during a rotation.
    const current = stored.find((k) => k.active) ?? stored[0]!;
    keys = [current, ...stored.filter((k) => k !== current).map((k) => ({ ...k, active: false }))];
  }
  const current = keys[0]!;
  return { alg: "Ed25519", keyId: current.keyId, publicKey: current.publicKey, keys };
}

/**
 * Creates a new active signing key and retires every other one (kept, active=false). Refused when
 * EXOARMUR_SIGNING_KEY pins the key: the database key is then not what signs, so rotating it would
 * change nothing but look as if it had.
 */
export async function rotateSigningKey(
  db: Db,
  principal: Principal,
): Promise<z.infer<typeof rotatedSigningKeySchema>> {
  requirePlatformAdmin(principal);
  if (process.env.EXOARMUR_SIGNING_KEY?.trim())
    throw conflict(
      "the signing key is pinned by EXOARMUR_SIGNING_KEY, not stored in the database: rotate it by setting a new secret key in EXOARMUR_SIGNING_KEY on every instance (and keep the old public key trusted by reviewers)",
      "SIGNING_KEY_PINNED",
    );
  return db.$transaction(async (tx: Tx) => {
    await lockSigningKeys(tx);
    const retired = await tx.signingKey.updateManyAndReturn({
      where: { active: true },
      data: { active: false },
      select: { id: true, publicKey: true, createdAt: true },
    });
    const created = await createKey(tx);
    const row = await tx.signingKey.findUniqueOrThrow({
      where: { id: created.id },
      select: { id: true, publicKey: true, createdAt: true },
    });
    const info = (r: typeof row, active: boolean): SigningKeyInfo => ({
      keyId: r.id,
      publicKey: r.publicKey,
      active,
      createdAt: r.createdAt.toISOString(),
    });
    return { current: info(row, true), retired: retired.map((r) => info(r, false)) };
  }, TX_OPTIONS);
}
