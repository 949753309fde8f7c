import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../server/auth/auth";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { createTestDatabase } from "../support/db";
import { seedTenant } from "../support/fixtures";
import { callerAs, expectCode, fieldsOf, makeUser, tenantState } from "./support";

/**
 * Issue 11 §3 and §6 through the dashboard API: limits are the platform admin's; members join by
 * invitation, accepted by the invited person; the answers do not tell whether an email has an account.
 */
let db: Db;
const users = {} as Record<"admin" | "operator" | "globexAuditor" | "platform" | "nobody", SessionUser>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedTenant(db, "acme");
  await seedTenant(db, "globex");
  users.admin = await makeUser(db, "admin", { acme: "admin" });
  users.operator = await makeUser(db, "operator", { acme: "operator" });
  users.globexAuditor = await makeUser(db, "globex-auditor", { globex: "auditor" });
  users.platform = await makeUser(db, "root", {}, true);
  users.nobody = await makeUser(db, "nobody");
});
afterAll(async () => {
  await db.$disconnect();
});

const as = (user: SessionUser | null, untrustedOrigin = false) => callerAs(db, { user, untrustedOrigin });

describe("limits", () => {
  it("a tenant admin (session) is FORBIDDEN to change limits, and nothing changes; the platform admin may", async () => {
    const before = await tenantState(db, "acme");
    const error = await expectCode(
      as(users.admin).tenants.update({
        tenantId: "acme",
        changes: { limits: { ratePerSecond: 100_000, burst: 1_000_000 } },
      }),
      "FORBIDDEN",
    );
    expect(error.message).toContain("platform admin");
    expect(await tenantState(db, "acme")).toEqual(before);
    // Through an admin API key too.
    const key = await db.apiKey.findFirstOrThrow({ where: { tenantId: "acme", role: "admin" } });
    const keyCaller = callerAs(db, {
      bearer: { kind: "api-key", id: key.id, tenantId: "acme", role: "admin", name: key.name },
    });
    await expectCode(
      keyCaller.tenants.update({ tenantId: "acme", changes: { limits: { burst: 5 } } }),
      "FORBIDDEN",
    );
    expect(await tenantState(db, "acme")).toEqual(before);

    for (const caller of [as(users.platform), callerAs(db, { bearer: PLATFORM_ADMIN })]) {
      const updated = await caller.tenants.update({
        tenantId: "acme",
        changes: { limits: { ratePerSecond: 300, burst: 600 } },
      });
      expect(updated.limits).toMatchObject({ ratePerSecond: 300, burst: 600 });
    }
  });
});

describe("invitations", () => {
  it("invite: the same answer for an email with an account (another tenant's auditor) and without; nobody added", async () => {
    const before = await tenantState(db, "acme");
    const a = await as(users.admin).tenants.invite({
      tenantId: "acme",
      invitation: { email: users.globexAuditor.email, role: "auditor" },
    });
    const b = await as(users.admin).tenants.invite({
      tenantId: "acme",
      invitation: { email: "no-account@example.com", role: "auditor" },
    });
    const shape = (x: typeof a) => ({
      keys: Object.keys(x).sort(),
      invitationKeys: Object.keys(x.invitation).sort(),
      status: x.invitation.status,
      role: x.invitation.role,
      invitedBy: x.invitation.invitedBy,
      tokenLength: x.token.length,
    });
    expect(shape(a)).toEqual(shape(b));
    expect((await tenantState(db, "acme")).memberships).toEqual(before.memberships);
    const listed = await as(users.admin).tenants.invitations({ tenantId: "acme" });
    expect(listed.map((i) => i.email)).toEqual(
      expect.arrayContaining([users.globexAuditor.email, "no-account@example.com"]),
    );
  });

  it("setMember by a tenant admin no longer adds anyone: the same refusal for an account and a stranger", async () => {
    const before = await tenantState(db, "acme");
    const answers = [];
    for (const email of [users.globexAuditor.email, users.nobody.email, "stranger@example.com"]) {
      const error = await expectCode(
        as(users.admin).tenants.setMember({ tenantId: "acme", member: { email, role: "auditor" } }),
        "BAD_REQUEST",
      );
      answers.push(JSON.stringify({ message: error.message, fields: fieldsOf(error) }));
    }
    expect(new Set(answers).size).toBe(1);
    expect(await tenantState(db, "acme")).toEqual(before);
    // The platform admin (signed in) still adds directly.
    await as(users.platform).tenants.setMember({
      tenantId: "acme",
      member: { email: users.nobody.email, role: "auditor" },
    });
    expect(
      await db.membership.findUnique({
        where: { userId_tenantId: { userId: users.nobody.id, tenantId: "acme" } },
      }),
    ).toMatchObject({ role: "auditor" });
    await as(users.platform).tenants.removeMember({ tenantId: "acme", userId: users.nobody.id });
  });

  it("operators may not invite or list; other tenants are not found; bad input is BAD_REQUEST", async () => {
    const before = await tenantState(db, "acme");
    await expectCode(
      as(users.operator).tenants.invite({
        tenantId: "acme",
        invitation: { email: "x@example.com", role: "admin" },
      }),
      "FORBIDDEN",
    );
    await expectCode(as(users.operator).tenants.invitations({ tenantId: "acme" }), "FORBIDDEN");
    await expectCode(
      as(users.admin).tenants.invite({
        tenantId: "globex",
        invitation: { email: "x@example.com", role: "admin" },
      }),
      "NOT_FOUND",
    );
    for (const invitation of [
      { email: "x@example.com", role: "platformAdmin" },
      { email: "x".repeat(1_000_000), role: "auditor" },
      { email: "x@example.com", role: "auditor", tenantId: "globex" },
    ])
      await expectCode(as(users.admin).tenants.invite({ tenantId: "acme", invitation }), "BAD_REQUEST");
    await expectCode(as(users.admin).invitations.accept({ token: "x".repeat(100_000) }), "BAD_REQUEST");
    expect(await tenantState(db, "acme")).toEqual(before);
  });

  it("accept: the invitee joins; someone else is refused; anonymous callers must sign in; reuse is a conflict", async () => {
    const invitee = await makeUser(db, "invitee");
    const { token } = await as(users.admin).tenants.invite({
      tenantId: "acme",
      invitation: { email: invitee.email, role: "operator" },
    });
    expect(await as(null).invitations.describe({ token })).toMatchObject({
      tenantId: "acme",
      role: "operator",
      status: "PENDING",
      viewer: "anonymous",
    });
    await expectCode(as(null).invitations.accept({ token }), "UNAUTHORIZED");
    // A cookie from another site is dropped, and the accept refused as cross-site.
    await expectCode(as(null, true).invitations.accept({ token }), "FORBIDDEN");
    const wrong = await expectCode(as(users.globexAuditor).invitations.accept({ token }), "FORBIDDEN");
    expect(wrong.message).toContain(invitee.email);
    expect(await as(invitee).invitations.accept({ token })).toMatchObject({
      tenantId: "acme",
      role: "operator",
    });
    expect((await as(invitee).me.get()).memberships.map((m) => m.tenantId)).toEqual(["acme"]);
    await expectCode(as(invitee).invitations.accept({ token }), "CONFLICT");
    await expectCode(as(null).invitations.describe({ token: "A".repeat(43) }), "NOT_FOUND");
  });

  it("set a password through the link: a new account joins; signed-in callers and cross-site posts are refused", async () => {
    const { token } = await as(users.admin).tenants.invite({
      tenantId: "acme",
      invitation: { email: "brand-new@example.com", role: "auditor" },
    });
    const person = { name: "Brand New", password: "a long enough password" };
    await expectCode(as(users.operator).invitations.acceptAsNewPerson({ token, person }), "CONFLICT");
    await expectCode(as(null, true).invitations.acceptAsNewPerson({ token, person }), "FORBIDDEN");
    const short = await expectCode(
      as(null).invitations.acceptAsNewPerson({ token, person: { name: "X", password: "short" } }),
      "BAD_REQUEST",
    );
    expect(fieldsOf(short).map((f) => f.path)).toEqual(["password"]);
    expect(await db.user.count({ where: { email: "brand-new@example.com" } })).toBe(0);
    expect(await as(null).invitations.acceptAsNewPerson({ token, person })).toMatchObject({
      tenantId: "acme",
      role: "auditor",
    });
    await expectCode(as(null).invitations.acceptAsNewPerson({ token, person }), "CONFLICT");
  });

  it("revoke: the admin revokes a pending invitation; it can no longer be accepted", async () => {
    const invitee = await makeUser(db, "revoked");
    const { token, invitation } = await as(users.admin).tenants.invite({
      tenantId: "acme",
      invitation: { email: invitee.email, role: "admin" },
    });
    await as(users.admin).tenants.revokeInvitation({ tenantId: "acme", invitationId: invitation.id });
    expect((await as(invitee).invitations.describe({ token })).status).toBe("REVOKED");
    const error = await expectCode(as(invitee).invitations.accept({ token }), "CONFLICT");
    expect(error.message).toContain("revoked");
  });
});
