import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { rotateSigningKey } from "../../server/services/keys/signing-key";
import { createTestDatabase } from "../support/db";
import { seedTenant, type TenantFixture } from "../support/fixtures";
import { callerAs, expectCode, makeUser } from "./support";

/** `signingKeys.list`, what the verify page trusts: every published key, for anyone signed in. */
let db: Db;
let acme: TenantFixture;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  acme = await seedTenant(db, "acme");
});
afterAll(async () => {
  await db.$disconnect();
});

describe("signingKeys.list", () => {
  it("answers the current key and the retired ones to a signed-in user of no tenant, and to an API key", async () => {
    const nobody = await makeUser(db, "nobody");
    const first = await callerAs(db, { user: nobody }).signingKeys.list();
    expect(first.keys).toHaveLength(1);
    const rotated = await rotateSigningKey(db, PLATFORM_ADMIN);
    const listed = await callerAs(db, { bearer: acme.keys.auditor.principal }).signingKeys.list();
    expect(listed).toMatchObject({
      alg: "Ed25519",
      keyId: rotated.current.keyId,
      publicKey: rotated.current.publicKey,
    });
    expect(listed.keys.map((k) => [k.keyId, k.active])).toEqual([
      [rotated.current.keyId, true],
      [first.keyId, false],
    ]);
    const stored = await db.signingKey.findMany();
    for (const { secretKey } of stored) expect(JSON.stringify(listed)).not.toContain(secretKey);
  });

  it("refuses an anonymous caller", async () => {
    await expectCode(callerAs(db).signingKeys.list(), "UNAUTHORIZED");
  });
});
