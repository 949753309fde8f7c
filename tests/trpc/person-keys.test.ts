import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../server/auth/auth";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { seedTenant } from "../support/fixtures";
import { callerAs, expectCode, makeUser, tenantState } from "./support";

// The dashboard side of "a key acts for a person": a signed-in admin makes a key that votes as
// themselves; making one for another member is refused; the key list says whom each key votes as.
let db: Db;
let admin: SessionUser;
let operator: SessionUser;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedTenant(db, "pk");
  admin = await makeUser(db, "pk-admin", { pk: "admin" });
  operator = await makeUser(db, "pk-op", { pk: "operator" });
});

afterAll(async () => {
  await db?.$disconnect();
});

describe("tenants.createApiKey with forUser", () => {
  it("an admin's own session makes a key that acts for them; the list shows whom it votes as", async () => {
    const created = await callerAs(db, { user: admin }).tenants.createApiKey({
      tenantId: "pk",
      key: { name: "my voting key", role: "operator", forUser: admin.email },
    });
    expect(created).toMatchObject({ role: "operator", forUser: admin.email });
    const { keys } = await callerAs(db, { user: admin }).tenants.apiKeys({ tenantId: "pk" });
    expect(keys.find((k) => k.id === created.id)?.forUser).toBe(admin.email);
  });

  it("an admin cannot make a key that acts for another member: FORBIDDEN, nothing written", async () => {
    const before = await tenantState(db, "pk");
    await expectCode(
      callerAs(db, { user: admin }).tenants.createApiKey({
        tenantId: "pk",
        key: { name: "sock", role: "operator", forUser: operator.email },
      }),
      "FORBIDDEN",
    );
    expect(await tenantState(db, "pk")).toEqual(before);
  });
});
