// Dashboard users and their per-tenant memberships. Passwords are hashed with better-auth's own
// scrypt (the same function its sign-in verifies with) and stored in its Account table.

import { randomBytes } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import { chainEvent, nameString, parseWith } from "../../core";
import type { Db } from "../../db/client";
import { requireActiveTenant, requirePlatformAdmin, requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type MemberRole, type Principal, principalLabel } from "../access/principal";
import { appendEvents } from "../chain/append";
import { conflict, invalid, notFound } from "../shared/errors";
import { iso, newId } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

const email = z
  .string({ error: "must be a string" })
  .trim()
  .toLowerCase()
  .max(254, { error: "must be at most 254 characters" })
  .pipe(z.email({ error: "must be an email address" }));
const password = z
  .string({ error: "must be a string" })
  .min(12, { error: "must be at least 12 characters" })
  .max(256, { error: "must be at most 256 characters" });
const role = z.enum(MEMBER_ROLES, { error: `must be one of ${MEMBER_ROLES.join(", ")}` });

const createUserSchema = z.strictObject({
  email,
  name: nameString(),
  password,
  platformAdmin: z.boolean({ error: "must be true or false" }).optional(),
  memberships: z
    .array(z.strictObject({ tenantId: z.string(), role }))
    .max(100)
    .refine((list) => new Set(list.map((m) => m.tenantId)).size === list.length, {
      error: "names a tenant more than once",
    })
    .optional(),
});

export const membershipSchema = z.strictObject({ email, role });

export const generatePassword = () => randomBytes(18).toString("base64url");

/** Creates a user with a password; trusted callers only (the CLI, the first-start seed). */
export async function createUser(db: Db, body: unknown, now = new Date()) {
  const parsed = parseWith(createUserSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const input = parsed.value;
  const hash = await hashPassword(input.password);
  const id = newId("usr");
  return db.$transaction(async (tx: Tx) => {
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } }))
      throw conflict(`a user with the email ${input.email} already exists`);
    for (const m of input.memberships ?? []) {
      if (!(await tx.tenant.findUnique({ where: { id: m.tenantId }, select: { id: true } })))
        throw invalid([{ path: "memberships.tenantId", message: `tenant ${m.tenantId} does not exist` }]);
    }
    await tx.user.create({
      data: { id, email: input.email, name: input.name, platformAdmin: input.platformAdmin ?? false },
    });
    await tx.account.create({
      data: { id: newId("acc"), userId: id, accountId: id, providerId: "credential", password: hash },
    });
    // In tenant order, as every multi-chain writer locks heads (services/chain/append.ts).
    const memberships = [...(input.memberships ?? [])].sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
    for (const m of memberships) {
      await tx.membership.create({ data: { userId: id, tenantId: m.tenantId, role: m.role } });
      await appendEvents(tx, m.tenantId, [
        chainEvent("member.added", id, iso(now), { email: input.email, role: m.role, by: "cli" }),
      ]);
    }
    return { id, email: input.email, name: input.name, platformAdmin: input.platformAdmin ?? false };
  }, TX_OPTIONS);
}

/** `POST /api/v1/users`: a person, by the platform admin. They sign in once given a password (CLI). */
export const createPersonSchema = z.strictObject({ email, name: nameString() });

export async function createPerson(db: Db, principal: Principal, body: unknown, now = new Date()) {
  requirePlatformAdmin(principal);
  const parsed = parseWith(createPersonSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  // A password nobody knows: the person acts through keys made for them until one is set.
  const created = await createUser(db, { ...parsed.value, password: generatePassword() }, now);
  return { id: created.id, email: created.email, name: created.name };
}

interface UserAccess {
  platformAdmin: boolean;
  memberships: { tenantId: string; tenantName: string; tenantStatus: string; role: MemberRole }[];
}

/** What a signed-in user may see: every tenant for a platform admin, else their memberships. */
export async function userAccess(db: Db, userId: string, platformAdmin: boolean): Promise<UserAccess> {
  if (platformAdmin) {
    const tenants = await db.tenant.findMany({
      orderBy: { id: "asc" },
      select: { id: true, name: true, status: true },
    });
    const own = await db.membership.findMany({ where: { userId } });
    const roles = new Map(own.map((m) => [m.tenantId, m.role as MemberRole]));
    return {
      platformAdmin,
      memberships: tenants.map((t) => ({
        tenantId: t.id,
        tenantName: t.name,
        tenantStatus: t.status,
        role: roles.get(t.id) ?? "admin",
      })),
    };
  }
  const rows = await db.membership.findMany({
    where: { userId },
    include: { tenant: { select: { name: true, status: true } } },
    orderBy: { tenantId: "asc" },
  });
  return {
    platformAdmin,
    memberships: rows.map((m) => ({
      tenantId: m.tenantId,
      tenantName: m.tenant.name,
      tenantStatus: m.tenant.status,
      role: m.role as MemberRole,
    })),
  };
}

/** The user's role in one tenant, or null when they are not a member (platform admins act as admin in every tenant). */
export async function memberRole(
  db: Db,
  userId: string,
  platformAdmin: boolean,
  tenantId: string,
): Promise<MemberRole | null> {
  // A platform admin is admin everywhere: a tenant admin cannot demote them out of their own tenant.
  if (platformAdmin)
    return (await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } })) ? "admin" : null;
  const row = await db.membership.findUnique({ where: { userId_tenantId: { userId, tenantId } } });
  return row ? (row.role as MemberRole) : null;
}

export async function listMembers(db: Db, principal: Principal, tenantId: string) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const rows = await db.membership.findMany({
    where: { tenantId },
    include: { user: { select: { email: true, name: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((m) => ({
    userId: m.userId,
    email: m.user.email,
    name: m.user.name,
    role: m.role,
    since: iso(m.createdAt),
  }));
}

/**
 * A platform admin adds an existing user to a tenant directly, or changes their role there
 * (`PUT /api/v1/tenants/{id}/members`). A tenant admin may only change the role of someone who is
 * already a member: anyone else joins by invitation (services/tenants/invitations.ts), and the
 * refusal reads the same whether or not the email has an account.
 */
export async function setMembership(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const parsed = parseWith(membershipSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const direct = principal.kind === "platform-admin";
  const notAMember = () =>
    invalid([
      {
        path: "email",
        message: direct
          ? "no user has this email (create one with `exoarmur user create`)"
          : "is not a member of this tenant: invite them instead",
      },
    ]);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    if (!(await tx.tenant.findUnique({ where: { id: tenantId }, select: { id: true } })))
      throw notFound(`tenant ${tenantId}`);
    // A tenant admin's lookup is one query on the membership: the same work whether or not the
    // email has an account elsewhere.
    const user = direct
      ? await tx.user.findUnique({ where: { email: parsed.value.email } })
      : ((
          await tx.membership.findFirst({
            where: { tenantId, user: { email: parsed.value.email } },
            include: { user: true },
          })
        )?.user ?? null);
    if (!user) throw notAMember();
    if (parsed.value.role !== "admin") await keepAnAdmin(tx, tenantId, user.id);
    await tx.membership.upsert({
      where: { userId_tenantId: { userId: user.id, tenantId } },
      create: { userId: user.id, tenantId, role: parsed.value.role },
      update: { role: parsed.value.role },
    });
    await appendEvents(tx, tenantId, [
      chainEvent("member.set", user.id, iso(now), {
        email: user.email,
        role: parsed.value.role,
        by: principalLabel(principal),
      }),
    ]);
    return { userId: user.id, email: user.email, role: parsed.value.role };
  }, TX_OPTIONS);
}

export async function removeMembership(
  db: Db,
  principal: Principal,
  tenantId: string,
  userId: string,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    await keepAnAdmin(tx, tenantId, userId);
    const deleted = await tx.membership.deleteMany({ where: { userId, tenantId } });
    if (deleted.count === 0) throw notFound(`member ${userId}`);
    await appendEvents(tx, tenantId, [
      chainEvent("member.removed", userId, iso(now), { by: principalLabel(principal) }),
    ]);
    return { userId, removed: true };
  }, TX_OPTIONS);
}

/** Refuses to take away a tenant's last admin member (nobody could manage its keys and members). */
async function keepAnAdmin(tx: Tx, tenantId: string, leavingUserId: string): Promise<void> {
  const admins = await tx.membership.findMany({
    where: { tenantId, role: "admin" },
    select: { userId: true },
  });
  if (admins.length === 1 && admins[0]!.userId === leavingUserId)
    throw conflict("this is the tenant's last admin: make another member admin first");
}
