import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle, verifyOutcome } from "../../server/core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../server/crypto/node";
import { createDb, type Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { exportEvidence } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { getSigner, publicKeyInfo, rotateSigningKey } from "../../server/services/keys/signing-key";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { refusal } from "../support/refusal";

/**
 * Signing-key rotation against a real PostgreSQL: a new active key, the old one retired and kept,
 * another instance (here: a second client, as the CLI or a second server would be) picking the new
 * key up on its next bundle, and bundles signed before the rotation still verifiable by whoever
 * trusts the published keys.
 */
let url: string;
let db: Db;
/** A second connection pool: another instance of the app, or the operator's CLI. */
let other: Db;
let acme: TenantFixture;
const pinnedBefore = process.env.EXOARMUR_SIGNING_KEY;

beforeAll(async () => {
  delete process.env.EXOARMUR_SIGNING_KEY;
  ({ url, db } = await createTestDatabase());
  other = createDb(url, 2);
  acme = await seedTenant(db, "acme");
});
afterEach(() => {
  delete process.env.EXOARMUR_SIGNING_KEY;
});
afterAll(async () => {
  if (pinnedBefore !== undefined) process.env.EXOARMUR_SIGNING_KEY = pinnedBefore;
  await other.$disconnect();
  await db.$disconnect();
});

async function decisionBundle(target: string) {
  const { result } = await submitIntent(db, acme.keys.client.principal, intentBody({ target }));
  return exportEvidence(db, acme.keys.auditor.principal, result.decisionId);
}

const trustedBy = (bundle: unknown, keys: string[]) =>
  verifyOutcome(verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto, trustedKeys: keys }));

describe("signing keys", () => {
  it("the first use creates one active key, published with the top-level fields clients pin", async () => {
    const signer = await getSigner(db);
    const info = await publicKeyInfo(db);
    expect(info).toMatchObject({ alg: "Ed25519", publicKey: signer.publicKeyHex });
    expect(info.keys).toEqual([
      { keyId: info.keyId, publicKey: signer.publicKeyHex, active: true, createdAt: expect.any(String) },
    ]);
    expect(await db.signingKey.count()).toBe(1);
    // The list is public: nothing secret in it.
    const secret = (await db.signingKey.findFirstOrThrow()).secretKey;
    expect(JSON.stringify(info)).not.toContain(secret);
  });

  it("rotate: a new active key, the old one retired and kept; a running instance signs with the new one next", async () => {
    const before = await decisionBundle("web-before");
    const oldKey = before.signature.publicKey;
    expect(oldKey).toBe((await getSigner(db)).publicKeyHex); // this instance now holds the old signer
    const oldRow = await db.signingKey.findUniqueOrThrow({ where: { id: before.signature.keyId } });

    const rotated = await rotateSigningKey(other, PLATFORM_ADMIN);
    expect(rotated.current).toMatchObject({ active: true });
    expect(rotated.current.publicKey).not.toBe(oldKey);
    expect(rotated.retired).toEqual([
      { keyId: oldRow.id, publicKey: oldKey, active: false, createdAt: oldRow.createdAt.toISOString() },
    ]);

    // The very next bundle this instance signs carries the new key: no restart, no waiting.
    const after = await decisionBundle("web-after");
    expect(after.signature.publicKey).toBe(rotated.current.publicKey);
    expect(
      (await exportEvidence(db, acme.keys.auditor.principal, before.subject.decisionId)).signature.publicKey,
    ).toBe(rotated.current.publicKey);

    // The old key is kept, retired, with its secret unchanged.
    expect(await db.signingKey.findUniqueOrThrow({ where: { id: oldRow.id } })).toEqual({
      ...oldRow,
      active: false,
    });
    const info = await publicKeyInfo(db);
    expect(info.keyId).toBe(rotated.current.keyId);
    expect(info.publicKey).toBe(rotated.current.publicKey);
    expect(info.keys.map((k) => [k.publicKey, k.active])).toEqual([
      [rotated.current.publicKey, true],
      [oldKey, false],
    ]);

    // Whoever trusts the published keys verifies bundles from before and after the rotation.
    const published = info.keys.map((k) => k.publicKey);
    expect(trustedBy(before, published)).toBe("verified");
    expect(trustedBy(after, published)).toBe("verified");
    expect(trustedBy(before, [rotated.current.publicKey])).toBe("untrusted");
    expect(trustedBy(after, [oldKey])).toBe("untrusted");
  });

  it("two rotations at the same time leave exactly one active key and retire the rest", async () => {
    const total = await db.signingKey.count();
    const [a, b] = await Promise.all([
      rotateSigningKey(db, PLATFORM_ADMIN),
      rotateSigningKey(other, PLATFORM_ADMIN),
    ]);
    expect(await db.signingKey.count()).toBe(total + 2);
    const active = await db.signingKey.findMany({ where: { active: true } });
    expect(active).toHaveLength(1);
    // The one that committed second is the active key, and it retired the first one's.
    const last = active[0]!.id === a.current.keyId ? a : b;
    const first = last === a ? b : a;
    expect(last.retired.map((k) => k.keyId)).toContain(first.current.keyId);
    expect((await getSigner(db)).publicKeyHex).toBe(last.current.publicKey);
    expect((await publicKeyInfo(db)).keys.filter((k) => k.active)).toHaveLength(1);
  });

  it("only the platform admin rotates", async () => {
    const total = await db.signingKey.count();
    const refused = await refusal(rotateSigningKey(db, acme.keys.admin.principal));
    expect(refused.code).toBe("FORBIDDEN");
    expect(await db.signingKey.count()).toBe(total);
  });

  it("EXOARMUR_SIGNING_KEY pins the key: rotation is refused with a clear message and writes nothing", async () => {
    const stored = await db.signingKey.findMany({ orderBy: { id: "asc" } });
    const secret = generateSecretKeyHex();
    const pinned = nodeSigner(secret).publicKeyHex;
    process.env.EXOARMUR_SIGNING_KEY = secret;
    const refused = await refusal(rotateSigningKey(db, PLATFORM_ADMIN));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toContain("EXOARMUR_SIGNING_KEY");
    expect(await db.signingKey.findMany({ orderBy: { id: "asc" } })).toEqual(stored);

    // The pinned key signs and is published as the current one; the stored ones as retired.
    expect((await getSigner(db)).publicKeyHex).toBe(pinned);
    const info = await publicKeyInfo(db);
    expect(info.publicKey).toBe(pinned);
    expect(info.keys[0]).toMatchObject({ publicKey: pinned, active: true, createdAt: null });
    expect(info.keys.slice(1).every((k) => !k.active)).toBe(true);
    expect(info.keys).toHaveLength(stored.length + 1);

    delete process.env.EXOARMUR_SIGNING_KEY;
    expect((await getSigner(db)).publicKeyHex).toBe((await publicKeyInfo(db)).publicKey);
  });
});
