import { randomBytes } from "node:crypto";
import { verifyPassword } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { verifyChain } from "../../server/services/chain/verify";
import type { ServiceError } from "../../server/services/shared/errors";
import {
  acceptInvitation,
  acceptInvitationAsNewPerson,
  describeInvitation,
  INVITATION_TTL_MS,
  inviteMember,
  listInvitations,
  MAX_PENDING_INVITATIONS,
  revokeInvitation,
} from "../../server/services/tenants/invitations";
import { createUser, setMembership } from "../../server/services/users/users";
import { createTestDatabase } from "../support/db";
import { seedTenant, type TenantFixture } from "../support/fixtures";
import { refusal } from "../support/refusal";

/**
 * Issue 11 §6: membership by invitation. A tenant admin invites; the answer never says whether the
 * email has an account; only the invited person, accepting, becomes a member; links are single-use,
 * expire, can be revoked, and cannot be forged or used by someone else.
 */
let db: Db;
let acme: TenantFixture;
let globex: TenantFixture;
const admin = () => acme.keys.admin.principal;
let existing: { id: string; email: string };
let outsider: { id: string; email: string };
let n = 0;
const fresh = () => `new-${++n}-${randomBytes(3).toString("hex")}@example.com`;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  acme = await seedTenant(db, "acme");
  globex = await seedTenant(db, "globex");
  const made = await createUser(db, {
    email: "gina@globex.test",
    name: "Gina (globex auditor)",
    password: "a long enough password",
    memberships: [{ tenantId: "globex", role: "auditor" }],
  });
  existing = { id: made.id, email: made.email };
  const other = await createUser(db, {
    email: "otto@example.com",
    name: "Otto",
    password: "a long enough password",
  });
  outsider = { id: other.id, email: other.email };
});
afterAll(async () => {
  await db.$disconnect();
});

const membership = (userId: string, tenantId = "acme") =>
  db.membership.findUnique({ where: { userId_tenantId: { userId, tenantId } } });
const everything = async () => ({
  users: await db.user.count(),
  accounts: await db.account.count(),
  memberships: await db.membership.findMany({ orderBy: [{ tenantId: "asc" }, { userId: "asc" }] }),
  invitations: await db.invitation.findMany({ orderBy: { id: "asc" } }),
  events: await db.event.count(),
});

/** An answer with what is random or per-email replaced, to compare two answers' shape and content. */
const normalized = (answer: Awaited<ReturnType<typeof inviteMember>>, email: string) =>
  JSON.parse(
    JSON.stringify(answer)
      .replaceAll(answer.token, "<token>")
      .replaceAll(answer.invitation.id, "<id>")
      .replaceAll(answer.invitation.createdAt, "<at>")
      .replaceAll(answer.invitation.expiresAt, "<expires>")
      .replaceAll(email, "<email>"),
  );

describe("inviting", () => {
  it("answers the same for an email with an account and one without; nobody is added; the token is stored hashed", async () => {
    const before = await everything();
    const withAccount = await inviteMember(db, admin(), "acme", { email: existing.email, role: "auditor" });
    const stranger = fresh();
    const without = await inviteMember(db, admin(), "acme", { email: stranger, role: "auditor" });
    expect(normalized(withAccount, existing.email)).toEqual(normalized(without, stranger));
    expect(Object.keys(withAccount).sort()).toEqual(["invitation", "path", "token"]);
    expect(withAccount.path).toBe(`/invite/${withAccount.token}`);
    expect(withAccount.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(withAccount.invitation).toMatchObject({ status: "PENDING", role: "auditor" });
    expect(Date.parse(withAccount.invitation.expiresAt) - Date.parse(withAccount.invitation.createdAt)).toBe(
      INVITATION_TTL_MS,
    );
    // Nobody joined: gina is still only globex's.
    expect(await membership(existing.id)).toBeNull();
    const after = await everything();
    expect(after.users).toBe(before.users);
    expect(after.memberships).toEqual(before.memberships);
    const rows = await db.invitation.findMany({
      where: { id: { in: [withAccount.invitation.id, without.invitation.id] } },
    });
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(withAccount.token);
      expect(JSON.stringify(row)).not.toContain(without.token);
      expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    }
    // Both are chain events.
    const events = await db.event.findMany({
      where: { subjectId: { in: [withAccount.invitation.id, without.invitation.id] } },
    });
    expect(events.map((e) => e.type)).toEqual(["invitation.created", "invitation.created"]);
    expect((await verifyChain(db, "acme")).ok).toBe(true);
  });

  it("refuses bad emails, bad roles, platform admin and unknown fields; changes nothing", async () => {
    const before = await everything();
    for (const body of [
      { email: "not an email", role: "auditor" },
      { email: `${"a".repeat(300)}@example.com`, role: "auditor" },
      { email: "x@example.com", role: "owner" },
      { email: "x@example.com", role: "platformAdmin" },
      { email: "x@example.com", role: "auditor", platformAdmin: true },
      { email: "x@example.com", role: "auditor", tenantId: "globex" },
      { email: ["x@example.com"], role: "auditor" },
      "x@example.com",
      null,
    ]) {
      const error = await refusal(inviteMember(db, admin(), "acme", body));
      expect(error.code, JSON.stringify(body)).toBe("INVALID");
    }
    expect(await everything()).toEqual(before);
  });

  it("a tenant admin cannot invite into, list or revoke in another tenant (not found); operators and auditors may not invite", async () => {
    const before = await everything();
    expect((await refusal(inviteMember(db, admin(), "globex", { email: fresh(), role: "admin" }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await refusal(listInvitations(db, admin(), "globex"))).code).toBe("NOT_FOUND");
    const theirs = await inviteMember(db, globex.keys.admin.principal, "globex", {
      email: fresh(),
      role: "operator",
    });
    const afterTheirs = await everything();
    expect((await refusal(revokeInvitation(db, admin(), "globex", theirs.invitation.id))).code).toBe(
      "NOT_FOUND",
    );
    // Their id under our tenant: not found either.
    expect((await refusal(revokeInvitation(db, admin(), "acme", theirs.invitation.id))).code).toBe(
      "NOT_FOUND",
    );
    for (const key of [acme.keys.operator.principal, acme.keys.auditor.principal])
      expect((await refusal(inviteMember(db, key, "acme", { email: fresh(), role: "admin" }))).code).toBe(
        "FORBIDDEN",
      );
    expect(await everything()).toEqual(afterTheirs);
    expect(afterTheirs.invitations.length).toBe(before.invitations.length + 1);
  });

  it("lists invitations for the admin; a revoked one cannot be accepted; re-inviting replaces the pending one", async () => {
    const email = fresh();
    const first = await inviteMember(db, admin(), "acme", { email, role: "operator" });
    const second = await inviteMember(db, admin(), "acme", { email, role: "auditor" });
    const listed = await listInvitations(db, admin(), "acme");
    expect(listed.find((i) => i.id === first.invitation.id)?.status).toBe("REVOKED");
    expect(listed.find((i) => i.id === second.invitation.id)?.status).toBe("PENDING");
    expect(JSON.stringify(listed)).not.toContain(second.token);
    const revoked = await revokeInvitation(db, admin(), "acme", second.invitation.id);
    expect(revoked.status).toBe("REVOKED");
    expect((await refusal(revokeInvitation(db, admin(), "acme", second.invitation.id))).code).toBe(
      "CONFLICT",
    );
    for (const token of [first.token, second.token]) {
      const error = await refusal(
        acceptInvitationAsNewPerson(db, token, { name: "Late", password: "a long enough password" }),
      );
      expect([error.code, error.details.reason]).toEqual(["CONFLICT", "INVITATION_REVOKED"]);
    }
    expect(await db.user.count({ where: { email } })).toBe(0);
    expect(
      (await db.event.findMany({ where: { subjectId: second.invitation.id } })).map((e) => e.type),
    ).toEqual(["invitation.created", "invitation.revoked"]);
  });

  it("caps pending invitations per tenant", async () => {
    await seedTenant(db, "capped");
    const capped = { kind: "platform-admin", id: "platform-admin" } as const;
    const open = await db.invitation.count({ where: { tenantId: "capped", status: "PENDING" } });
    for (let i = open; i < MAX_PENDING_INVITATIONS; i++)
      await inviteMember(db, capped, "capped", { email: `cap${i}@example.com`, role: "auditor" });
    const error = await refusal(
      inviteMember(db, capped, "capped", { email: "one-more@example.com", role: "auditor" }),
    );
    expect([error.code, error.details.reason]).toEqual(["CONFLICT", "TOO_MANY_INVITATIONS"]);
  });
});

describe("accepting", () => {
  it("signed in as the invited email: becomes a member with the invited role, once", async () => {
    const { token, invitation } = await inviteMember(db, admin(), "acme", {
      email: existing.email.toUpperCase(),
      role: "operator",
    });
    expect(invitation.email).toBe(existing.email);
    expect(await describeInvitation(db, token, existing)).toMatchObject({
      tenantId: "acme",
      email: existing.email,
      role: "operator",
      status: "PENDING",
      viewer: "invitee",
    });
    const accepted = await acceptInvitation(db, existing, token);
    expect(accepted).toMatchObject({ tenantId: "acme", role: "operator" });
    expect(await membership(existing.id)).toMatchObject({ role: "operator" });
    expect(await membership(existing.id, "globex")).toMatchObject({ role: "auditor" });
    const again = await refusal(acceptInvitation(db, existing, token));
    expect([again.code, again.details.reason]).toEqual(["CONFLICT", "INVITATION_USED"]);
    expect((await describeInvitation(db, token, null)).status).toBe("ACCEPTED");
    const events = await db.event.findMany({
      where: { tenantId: "acme", subjectId: { in: [invitation.id, existing.id] } },
      orderBy: { seq: "asc" },
    });
    expect(events.map((e) => e.type)).toEqual(["invitation.created", "invitation.accepted", "member.added"]);
    expect((await verifyChain(db, "acme")).ok).toBe(true);
  });

  it("signed in as someone else: refused clearly, nothing changes, the invitation stays usable", async () => {
    const email = fresh();
    const { token } = await inviteMember(db, admin(), "acme", { email, role: "admin" });
    expect((await describeInvitation(db, token, outsider)).viewer).toBe("someone-else");
    const before = await everything();
    const error = await refusal(acceptInvitation(db, outsider, token));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain(email);
    expect(error.message).toContain(outsider.email);
    expect(await everything()).toEqual(before);
    expect((await describeInvitation(db, token, null)).status).toBe("PENDING");
  });

  it("a new person sets a name and password: the account is created and joins; the password works", async () => {
    const email = fresh();
    const { token } = await inviteMember(db, admin(), "acme", { email, role: "auditor" });
    expect((await describeInvitation(db, token, null)).viewer).toBe("anonymous");
    const joined = await acceptInvitationAsNewPerson(db, token, {
      name: "Nia New",
      password: "correct horse battery",
    });
    expect(joined).toMatchObject({ tenantId: "acme", role: "auditor", email });
    const user = await db.user.findUniqueOrThrow({
      where: { email },
      include: { accounts: true, memberships: true },
    });
    expect(user.memberships).toMatchObject([{ tenantId: "acme", role: "auditor" }]);
    expect(user.platformAdmin).toBe(false);
    expect(
      await verifyPassword({ hash: user.accounts[0]!.password!, password: "correct horse battery" }),
    ).toBe(true);
    const reuse = await refusal(
      acceptInvitationAsNewPerson(db, token, { name: "Again", password: "another long password" }),
    );
    expect(reuse.details.reason).toBe("INVITATION_USED");
  });

  it("the set-password path never touches an existing account: it says to sign in, and writes nothing", async () => {
    const { token } = await inviteMember(db, admin(), "acme", { email: outsider.email, role: "admin" });
    const before = await everything();
    const passwordBefore = (await db.account.findFirstOrThrow({ where: { userId: outsider.id } })).password;
    const error = await refusal(
      acceptInvitationAsNewPerson(db, token, { name: "Takeover", password: "attacker chosen pw" }),
    );
    expect([error.code, error.details.reason]).toEqual(["CONFLICT", "ACCOUNT_EXISTS"]);
    expect(await everything()).toEqual(before);
    expect((await db.account.findFirstOrThrow({ where: { userId: outsider.id } })).password).toBe(
      passwordBefore,
    );
    // Signed in as themselves, they can still accept.
    await acceptInvitation(db, outsider, token);
    expect(await membership(outsider.id)).toMatchObject({ role: "admin" });
  });

  it("expired: refused with a clear reason", async () => {
    const past = new Date(Date.now() - INVITATION_TTL_MS - 60_000);
    const { token } = await inviteMember(
      db,
      admin(),
      "acme",
      { email: outsider.email, role: "auditor" },
      past,
    );
    expect((await describeInvitation(db, token, outsider)).status).toBe("EXPIRED");
    for (const call of [
      () => acceptInvitation(db, outsider, token),
      () => acceptInvitationAsNewPerson(db, token, { name: "X", password: "a long enough password" }),
    ]) {
      const error = await refusal(call());
      expect([error.code, error.details.reason]).toEqual(["CONFLICT", "INVITATION_EXPIRED"]);
      expect(error.message).toContain("expired");
    }
    expect(await membership(outsider.id)).toMatchObject({ role: "admin" });
  });

  it("forged, malformed and huge tokens: one 'not valid' answer, nothing written", async () => {
    const before = await everything();
    const real = await inviteMember(db, admin(), "acme", { email: fresh(), role: "auditor" });
    const afterReal = await everything();
    const forged = [
      randomBytes(32).toString("base64url"),
      `${real.token.slice(0, -1)}${real.token.endsWith("A") ? "B" : "A"}`,
      "short",
      "x".repeat(100_000),
      "../../etc/passwd",
      real.token.toUpperCase() === real.token ? `${real.token}x` : real.token.toUpperCase(),
      42,
      null,
    ];
    for (const token of forged) {
      for (const call of [
        () => describeInvitation(db, token, outsider),
        () => acceptInvitation(db, outsider, token),
        () => acceptInvitationAsNewPerson(db, token, { name: "X", password: "a long enough password" }),
      ]) {
        const error = await refusal(call());
        expect([error.code, error.message, error.details.reason]).toEqual([
          "NOT_FOUND",
          "this invitation link is not valid",
          "INVITATION_UNKNOWN",
        ]);
      }
    }
    expect(await everything()).toEqual(afterReal);
    expect(afterReal.invitations.length).toBe(before.invitations.length + 1);
  });

  it("two concurrent accepts of one link: exactly one membership, one acceptance event", async () => {
    const person = await createUser(db, {
      email: fresh(),
      name: "Racer",
      password: "a long enough password",
    });
    const { token, invitation } = await inviteMember(db, admin(), "acme", {
      email: person.email,
      role: "operator",
    });
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        acceptInvitation(db, person, token).then(
          () => "ok",
          (e: ServiceError) => e.details?.reason ?? e.code ?? String(e),
        ),
      ),
    );
    expect(
      outcomes.filter((o) => o === "ok"),
      outcomes.join(),
    ).toHaveLength(1);
    expect(outcomes.filter((o) => o !== "ok")).toEqual(Array(9).fill("INVITATION_USED"));
    expect(await db.event.count({ where: { subjectId: invitation.id, type: "invitation.accepted" } })).toBe(
      1,
    );
    expect(await db.membership.count({ where: { userId: person.id, tenantId: "acme" } })).toBe(1);

    // And through the set-password path: one account, one membership.
    const email = fresh();
    const second = await inviteMember(db, admin(), "acme", { email, role: "auditor" });
    const created = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        acceptInvitationAsNewPerson(db, second.token, {
          name: `Racer ${i}`,
          password: "a long enough password",
        }).then(
          () => "ok",
          (e: ServiceError) => e.details?.reason ?? e.code ?? String(e),
        ),
      ),
    );
    expect(
      created.filter((o) => o === "ok"),
      created.join(),
    ).toHaveLength(1);
    expect(created.filter((o) => o !== "ok")).toEqual(Array(4).fill("INVITATION_USED"));
    expect(await db.user.count({ where: { email } })).toBe(1);
    expect((await verifyChain(db, "acme")).ok).toBe(true);
  });

  it("a suspended tenant's invitation cannot be accepted", async () => {
    await seedTenant(db, "sleepy");
    const { token } = await inviteMember(db, PLATFORM_ADMIN, "sleepy", {
      email: outsider.email,
      role: "auditor",
    });
    await db.tenant.update({ where: { id: "sleepy" }, data: { status: "suspended" } });
    expect((await refusal(acceptInvitation(db, outsider, token))).code).toBe("FORBIDDEN");
    expect(await membership(outsider.id, "sleepy")).toBeNull();
  });
});

describe("direct membership changes", () => {
  it("a tenant admin cannot add anyone directly: the same refusal for an existing account, another tenant's member, and an unknown email", async () => {
    const before = await everything();
    const someone = await createUser(db, {
      email: fresh(),
      name: "Someone",
      password: "a long enough password",
    });
    const afterUser = await everything();
    const answers = [];
    for (const email of [someone.email, "gina-2@globex.test", "nobody-at-all@example.com"]) {
      const error = await refusal(setMembership(db, admin(), "acme", { email, role: "auditor" }));
      answers.push({
        status: error.status,
        code: error.code,
        message: error.message,
        fields: error.details.fields,
      });
    }
    // globex's auditor (issue 11 §6: it was silently added) — same answer again.
    const gina = await refusal(
      setMembership(db, globex.keys.admin.principal, "globex", { email: outsider.email, role: "admin" }),
    );
    expect(gina.details.fields).toEqual(answers[0]!.fields);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]!.fields).toEqual([
      { path: "email", message: "is not a member of this tenant: invite them instead" },
    ]);
    expect(await everything()).toEqual(afterUser);
    expect(afterUser.users).toBe(before.users + 1);
  });

  it("a tenant admin still changes the role of an existing member; the platform admin adds directly", async () => {
    await setMembership(db, admin(), "acme", { email: existing.email, role: "auditor" });
    expect(await membership(existing.id)).toMatchObject({ role: "auditor" });
    const someone = await createUser(db, {
      email: fresh(),
      name: "Direct",
      password: "a long enough password",
    });
    await setMembership(db, PLATFORM_ADMIN, "acme", { email: someone.email, role: "operator" });
    expect(await membership(someone.id)).toMatchObject({ role: "operator" });
  });
});
