// The server's Ed25519 evidence-signing key, shared by every app instance through the database
// (or given as EXOARMUR_SIGNING_KEY, 64 hex digits, to keep it out of the database). Created once,
// under an advisory lock so two instances starting together agree on one key.

import { keyIdOf, type Signer } from "../../core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../crypto/node";
import type { Db } from "../../db/client";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

const holder = globalThis as unknown as { __exoarmurSigner?: Signer };

export async function getSigner(db: Db): Promise<Signer> {
  if (holder.__exoarmurSigner) return holder.__exoarmurSigner;
  const fromEnv = process.env.EXOARMUR_SIGNING_KEY;
  if (fromEnv) {
    holder.__exoarmurSigner = nodeSigner(fromEnv.trim());
    return holder.__exoarmurSigner;
  }
  const secret = await db.$transaction(async (tx: Tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7260417002)`;
    const active = await tx.signingKey.findFirst({ where: { active: true }, orderBy: { createdAt: "asc" } });
    if (active) return active.secretKey;
    const secretKey = generateSecretKeyHex();
    const publicKey = nodeSigner(secretKey).publicKeyHex;
    await tx.signingKey.create({ data: { id: keyIdOf(nodeCrypto, publicKey), publicKey, secretKey } });
    return secretKey;
  }, TX_OPTIONS);
  holder.__exoarmurSigner = nodeSigner(secret);
  return holder.__exoarmurSigner;
}

export async function publicKeyInfo(db: Db) {
  const signer = await getSigner(db);
  return { alg: "Ed25519", keyId: keyIdOf(nodeCrypto, signer.publicKeyHex), publicKey: signer.publicKeyHex };
}
