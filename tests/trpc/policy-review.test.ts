import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../server/auth/auth";
import type { Db } from "../../server/db/client";
import { authenticate } from "../../server/services/keys/api-keys";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, seedTenant } from "../support/fixtures";
import { callerAs, expectCode, fieldsOf, makeUser } from "./support";

/**
 * Changing a policy (issue 14 §3): a change note is required, the change's warnings are returned and
 * recorded in the chain, and a tenant may require four eyes — a version is then activated by an
 * admin other than its author (not through a key of theirs either), or rejected.
 */
let db: Db;
let alice: SessionUser;
let bob: SessionUser;
let root: SessionUser;
const T = "review";

const weaker = {
  rules: DEMO_POLICY.rules.map((r) => (r.approval ? { ...r, approval: { ...r.approval, quorum: 1 } } : r)),
};
const as = (user: SessionUser) => callerAs(db, { user });
const events = async (type: string) =>
  db.event.findMany({ where: { tenantId: T, type }, orderBy: { seq: "asc" } });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedTenant(db, T);
  alice = await makeUser(db, "alice", { [T]: "admin" });
  bob = await makeUser(db, "bob", { [T]: "admin" });
  root = await makeUser(db, "root", {}, true);
});
afterAll(async () => {
  await db.$disconnect();
});

describe("policies.save: note and warnings", () => {
  it("refuses a save without a note, with a blank one or an overlong one, naming the field; nothing is stored", async () => {
    const before = await db.policyVersion.count({ where: { tenantId: T } });
    for (const note of [undefined, "", "   ", "x".repeat(1001), 42]) {
      const error = await expectCode(
        as(alice).policies.save({
          tenantId: T,
          document: DEMO_POLICY,
          ...(note !== undefined ? { note } : {}),
        }),
        "BAD_REQUEST",
      );
      expect(
        fieldsOf(error).map((f) => f.path),
        String(note),
      ).toEqual(["note"]);
    }
    expect(await db.policyVersion.count({ where: { tenantId: T } })).toBe(before);
  });

  it("saves with the note; a weaker quorum comes back as a warning and is recorded in the chain event", async () => {
    const saved = await as(alice).policies.save({
      tenantId: T,
      document: weaker,
      note: "  one approver at night  ",
    });
    expect(saved).toMatchObject({ active: true, review: null });
    expect(saved.warnings.map((w) => w.kind)).toEqual(["weaker-quorum"]);
    const [event] = (await events("policy.activated")).slice(-1);
    expect(event?.payload).toMatchObject({
      version: saved.version,
      note: "one approver at night",
      warnings: [saved.warnings[0]!.message],
    });
    const listed = await as(bob).policies.versions({ tenantId: T });
    expect(listed.versions[0]).toMatchObject({
      version: saved.version,
      note: "one approver at night",
      review: null,
    });
  });
});

describe("four eyes", () => {
  it("a tenant admin turns four eyes on; only a platform admin may turn them off", async () => {
    expect(await as(alice).tenants.update({ tenantId: T, changes: { policyFourEyes: true } })).toMatchObject({
      policyFourEyes: true,
    });
    await expectCode(
      as(bob).tenants.update({ tenantId: T, changes: { policyFourEyes: false } }),
      "FORBIDDEN",
    );
    const bad = await expectCode(
      as(bob).tenants.update({ tenantId: T, changes: { policyFourEyes: "no" } }),
      "BAD_REQUEST",
    );
    expect(fieldsOf(bad)[0]?.path).toBe("policyFourEyes");
    expect((await db.tenant.findUniqueOrThrow({ where: { id: T } })).policyFourEyes).toBe(true);
  });

  it("a saved version waits for another admin: its author cannot activate it, even through a key they made", async () => {
    const activeBefore = (await db.tenant.findUniqueOrThrow({ where: { id: T } })).activePolicyVersion;
    const saved = await as(alice).policies.save({
      tenantId: T,
      document: DEMO_POLICY,
      note: "back to quorum 2",
    });
    expect(saved).toMatchObject({ active: false, review: "PENDING" });
    expect((await db.tenant.findUniqueOrThrow({ where: { id: T } })).activePolicyVersion).toBe(activeBefore);
    expect((await events("policy.proposed")).at(-1)?.payload).toMatchObject({
      version: saved.version,
      note: "back to quorum 2",
    });

    await expectCode(as(alice).policies.activate({ tenantId: T, version: saved.version }), "FORBIDDEN");
    // An admin key Alice creates (acting for nobody) answers to Alice.
    const key = await as(alice).tenants.createApiKey({
      tenantId: T,
      key: { role: "admin", name: "alice-ci" },
    });
    const keyPrincipal = await authenticate(db, `Bearer ${key.key}`);
    await expectCode(
      callerAs(db, { bearer: keyPrincipal }).policies.activate({ tenantId: T, version: saved.version }),
      "FORBIDDEN",
    );
    expect((await db.tenant.findUniqueOrThrow({ where: { id: T } })).activePolicyVersion).toBe(activeBefore);

    expect(await as(bob).policies.activate({ tenantId: T, version: saved.version })).toMatchObject({
      active: true,
    });
    const row = await db.policyVersion.findUniqueOrThrow({
      where: { tenantId_version: { tenantId: T, version: saved.version } },
    });
    expect(row).toMatchObject({
      review: "APPROVED",
      reviewedBy: `user:${bob.id}`,
      author: `user:${alice.id}`,
    });
    expect((await events("policy.activated")).at(-1)?.payload).toMatchObject({
      version: saved.version,
      by: `user:${bob.id}`,
      proposedBy: `user:${alice.id}`,
    });
  });

  it("a rejected version can never be activated; rejecting needs a reason and happens once", async () => {
    const saved = await as(bob).policies.save({ tenantId: T, document: weaker, note: "try quorum 1 again" });
    const noReason = await expectCode(
      as(alice).policies.reject({ tenantId: T, version: saved.version, reason: " " }),
      "BAD_REQUEST",
    );
    expect(fieldsOf(noReason)[0]?.path).toBe("reason");
    await as(alice).policies.reject({
      tenantId: T,
      version: saved.version,
      reason: "quorum 1 is not acceptable",
    });
    await expectCode(as(alice).policies.activate({ tenantId: T, version: saved.version }), "CONFLICT");
    await expectCode(
      as(alice).policies.reject({ tenantId: T, version: saved.version, reason: "again" }),
      "CONFLICT",
    );
    expect((await events("policy.rejected")).at(-1)?.payload).toMatchObject({
      version: saved.version,
      by: `user:${alice.id}`,
      reason: "quorum 1 is not acceptable",
    });
    // An auditor or operator cannot review at all.
    const olga = await makeUser(db, "olga", { [T]: "operator" });
    await expectCode(
      as(olga).policies.reject({ tenantId: T, version: saved.version, reason: "no" }),
      "FORBIDDEN",
    );
  });

  it("an approval and a rejection of one proposal at once: exactly one of them happens", async () => {
    for (let round = 0; round < 5; round++) {
      const saved = await as(alice).policies.save({
        tenantId: T,
        document: DEMO_POLICY,
        note: `round ${round}`,
      });
      const results = await Promise.allSettled([
        as(bob).policies.activate({ tenantId: T, version: saved.version }),
        as(bob).policies.reject({ tenantId: T, version: saved.version, reason: "changed my mind" }),
      ]);
      expect(
        results.filter((r) => r.status === "fulfilled"),
        `round ${round}`,
      ).toHaveLength(1);
      const row = await db.policyVersion.findUniqueOrThrow({
        where: { tenantId_version: { tenantId: T, version: saved.version } },
      });
      const active = (await db.tenant.findUniqueOrThrow({ where: { id: T } })).activePolicyVersion;
      if (row.review === "APPROVED") expect(active).toBe(saved.version);
      else expect([row.review, active === saved.version]).toEqual(["REJECTED", false]);
    }
  });

  it("the platform admin turns four eyes off; a save is then active at once again", async () => {
    expect(await as(root).tenants.update({ tenantId: T, changes: { policyFourEyes: false } })).toMatchObject({
      policyFourEyes: false,
    });
    const saved = await as(alice).policies.save({ tenantId: T, document: DEMO_POLICY, note: "plain save" });
    expect(saved).toMatchObject({ active: true, review: null });
  });
});
