// Membership by invitation (issue 11 §6). A tenant admin invites {email, role}; the answer never
// depends on whether that email has an account (nothing is looked up). Nobody joins a tenant until
// the invited person accepts: signed in as that email, or — a new person — by setting a name and
// password through the link, which creates the account. The link's token (256 random bits) is shown
// once to the inviting admin; only its SHA-256 is stored. No email is sent: the admin passes the
// link on. Every invitation, revocation and acceptance is a chain event in its own transaction.

import { createHash, randomBytes } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import { chainEvent, nameString, parseWith } from "../../core";
import type { Db } from "../../db/client";
import { requireActiveTenant, requireTenantRole, tenantSuspended } from "../access/authorize";
import { MEMBER_ROLES, type MemberRole, type Principal, principalLabel } from "../access/principal";
import { appendEvents } from "../chain/append";
import { conflict, forbidden, invalid, notFound, ServiceError } from "../shared/errors";
import { iso, newId } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Pending invitations one tenant may hold at once (revoke or let some expire first). */
export const MAX_PENDING_INVITATIONS = 100;

const email = z
  .string({ error: "must be a string" })
  .trim()
  .toLowerCase()
  .max(254, { error: "must be at most 254 characters" })
  .pipe(z.email({ error: "must be an email address" }));
const role = z.enum(MEMBER_ROLES, { error: `must be one of ${MEMBER_ROLES.join(", ")}` });
export const invitationSchema = z.strictObject({ email, role });
const newPersonSchema = z.strictObject({
  name: nameString(),
  password: z
    .string({ error: "must be a string" })
    .min(12, { error: "must be at least 12 characters" })
    .max(256, { error: "must be at most 256 characters" }),
});

/** A link token as we hand them out: 43 base64url characters. Anything else is not a link of ours. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");
export const invitationPath = (token: string) => `/invite/${token}`;

type InvitationRow = {
  id: string;
  tenantId: string;
  email: string;
  role: string;
  status: string;
  invitedBy: string;
  expiresAt: Date;
  createdAt: Date;
  acceptedAt: Date | null;
};
export type InvitationStatus = "PENDING" | "ACCEPTED" | "REVOKED" | "EXPIRED";

const statusAt = (row: Pick<InvitationRow, "status" | "expiresAt">, now: Date): InvitationStatus =>
  row.status === "PENDING" && row.expiresAt.getTime() <= now.getTime()
    ? "EXPIRED"
    : (row.status as InvitationStatus);

function invitationView(row: InvitationRow, now: Date) {
  return {
    id: row.id,
    email: row.email,
    role: row.role as MemberRole,
    status: statusAt(row, now),
    invitedBy: row.invitedBy,
    createdAt: iso(row.createdAt),
    expiresAt: iso(row.expiresAt),
  };
}

/**
 * Invites an email into the tenant with a role. The same answer (status, shape) whatever the
 * email: no account is looked up here. A new invitation to the same email replaces a pending one.
 */
export async function inviteMember(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const parsed = parseWith(invitationSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const { email: invited, role: invitedRole } = parsed.value;
  const token = randomBytes(32).toString("base64url");
  const id = newId("inv");
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  const by = principalLabel(principal);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    // The tenant row lock serializes inviters, so the pending cap holds under concurrency.
    const [tenant] = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM "Tenant" WHERE id = ${tenantId} FOR NO KEY UPDATE`;
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    const replaced = await tx.invitation.findMany({
      where: { tenantId, email: invited, status: "PENDING" },
      select: { id: true },
    });
    if (replaced.length > 0)
      await tx.invitation.updateMany({
        where: { id: { in: replaced.map((r) => r.id) }, status: "PENDING" },
        data: { status: "REVOKED", revokedAt: now },
      });
    const pending = await tx.invitation.count({
      where: { tenantId, status: "PENDING", expiresAt: { gt: now } },
    });
    if (pending >= MAX_PENDING_INVITATIONS)
      throw conflict(
        `tenant ${tenantId} has ${pending} pending invitations (limit ${MAX_PENDING_INVITATIONS}): revoke some first`,
        "TOO_MANY_INVITATIONS",
      );
    const row = await tx.invitation.create({
      data: {
        id,
        tenantId,
        email: invited,
        role: invitedRole,
        tokenHash: hashToken(token),
        status: "PENDING",
        invitedBy: by,
        expiresAt,
        createdAt: now,
      },
    });
    await appendEvents(tx, tenantId, [
      chainEvent("invitation.created", id, iso(now), {
        email: invited,
        role: invitedRole,
        expiresAt: iso(expiresAt),
        by,
        ...(replaced.length > 0 ? { replaces: replaced.map((r) => r.id) } : {}),
      }),
    ]);
    return { invitation: invitationView(row, now), token, path: invitationPath(token) };
  }, TX_OPTIONS);
}

/** The tenant's invitations, newest first (pending ones, and the last 50 settled). */
export async function listInvitations(db: Db, principal: Principal, tenantId: string, now = new Date()) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const rows = await db.invitation.findMany({
    where: { tenantId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: MAX_PENDING_INVITATIONS + 50,
  });
  return rows.map((r) => invitationView(r, now));
}

export async function revokeInvitation(
  db: Db,
  principal: Principal,
  tenantId: string,
  invitationId: string,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const row = await tx.invitation.findFirst({ where: { id: invitationId, tenantId } });
    if (!row) throw notFound(`invitation ${invitationId}`);
    const revoked = await tx.invitation.updateMany({
      where: { id: invitationId, tenantId, status: "PENDING" },
      data: { status: "REVOKED", revokedAt: now },
    });
    if (revoked.count === 0)
      throw conflict(
        `invitation ${invitationId} is already ${row.status.toLowerCase()}`,
        "INVITATION_SETTLED",
      );
    await appendEvents(tx, tenantId, [
      chainEvent("invitation.revoked", invitationId, iso(now), {
        email: row.email,
        by: principalLabel(principal),
      }),
    ]);
    return invitationView({ ...row, status: "REVOKED" }, now);
  }, TX_OPTIONS);
}

/** A forged, mistyped or unknown link: one answer for all of them. */
const unknownLink = () =>
  new ServiceError("NOT_FOUND", "this invitation link is not valid", { reason: "INVITATION_UNKNOWN" });

async function findByToken(db: Pick<Tx, "invitation">, token: unknown) {
  if (typeof token !== "string" || !TOKEN.test(token)) throw unknownLink();
  const row = await db.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { tenant: { select: { name: true, status: true } } },
  });
  if (!row) throw unknownLink();
  return row;
}

/** Why an invitation can no longer be accepted, as the page and the API say it. */
function unusable(status: InvitationStatus): ServiceError | null {
  if (status === "ACCEPTED") return conflict("this invitation has already been accepted", "INVITATION_USED");
  if (status === "REVOKED")
    return conflict("this invitation was revoked by a tenant admin", "INVITATION_REVOKED");
  if (status === "EXPIRED")
    return conflict("this invitation has expired: ask a tenant admin for a new one", "INVITATION_EXPIRED");
  return null;
}

/**
 * What the invitation page shows to whoever holds the link: the tenant, role, invited email and
 * state, and whether the signed-in viewer (if any) is the invited person. Whether the email has an
 * account is not part of the answer.
 */
export async function describeInvitation(
  db: Db,
  token: unknown,
  viewer: { id: string; email: string } | null,
  now = new Date(),
) {
  const row = await findByToken(db, token);
  return {
    tenantId: row.tenantId,
    tenantName: row.tenant.name,
    email: row.email,
    role: row.role as MemberRole,
    status: statusAt(row, now),
    expiresAt: iso(row.expiresAt),
    viewer: !viewer ? "anonymous" : viewer.email.toLowerCase() === row.email ? "invitee" : "someone-else",
  } as const;
}

/** Takes the invitation (exactly one caller can: the row lock and the PENDING condition), then adds the membership. */
async function claim(tx: Tx, token: string, userId: string, userEmail: string, now: Date) {
  const row = await findByToken(tx, token);
  const refusal = unusable(statusAt(row, now));
  if (refusal) throw refusal;
  if (userEmail.toLowerCase() !== row.email)
    throw forbidden(
      `this invitation is for ${row.email}, and you are signed in as ${userEmail}: sign out and sign in as ${row.email} to accept it`,
    );
  if (row.tenant.status !== "active") throw tenantSuspended(row.tenantId);
  const taken = await tx.invitation.updateMany({
    where: { id: row.id, status: "PENDING", expiresAt: { gt: now } },
    data: { status: "ACCEPTED", acceptedAt: now, acceptedBy: userId },
  });
  // A concurrent accept got there first (it held the row; we re-read it after its commit).
  if (taken.count === 0) throw conflict("this invitation has already been accepted", "INVITATION_USED");
  const existing = await tx.membership.findUnique({
    where: { userId_tenantId: { userId, tenantId: row.tenantId } },
  });
  if (existing && existing.role === "admin" && row.role !== "admin") {
    const admins = await tx.membership.count({ where: { tenantId: row.tenantId, role: "admin" } });
    if (admins === 1)
      throw conflict("you are this tenant's last admin: accepting would leave it without one");
  }
  await tx.membership.upsert({
    where: { userId_tenantId: { userId, tenantId: row.tenantId } },
    create: { userId, tenantId: row.tenantId, role: row.role },
    update: { role: row.role },
  });
  const by = `user:${userId}`;
  await appendEvents(tx, row.tenantId, [
    chainEvent("invitation.accepted", row.id, iso(now), { email: row.email, role: row.role, userId, by }),
    chainEvent("member.added", userId, iso(now), { email: row.email, role: row.role, by }),
  ]);
  return {
    tenantId: row.tenantId,
    tenantName: row.tenant.name,
    role: row.role as MemberRole,
    email: row.email,
  };
}

/** The signed-in user accepts an invitation sent to their email. */
export async function acceptInvitation(
  db: Db,
  user: { id: string; email: string },
  token: unknown,
  now = new Date(),
) {
  return db.$transaction((tx: Tx) => claim(tx, token as string, user.id, user.email, now), TX_OPTIONS);
}

/**
 * A person without an account accepts by choosing a name and password: the account is created for
 * the invited email and joins the tenant, in one transaction. If the email already has an account,
 * nothing is written and they are told to sign in (no password of an existing account is ever set here).
 */
export async function acceptInvitationAsNewPerson(db: Db, token: unknown, body: unknown, now = new Date()) {
  const parsed = parseWith(newPersonSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  // Checked before the (deliberately slow) password hash, so forged links cost us nothing.
  const first = await findByToken(db, token);
  const early = unusable(statusAt(first, now));
  if (early) throw early;
  const hash = await hashPassword(parsed.value.password);
  const userId = newId("usr");
  return db
    .$transaction(async (tx: Tx) => {
      // Lock the invitation first: a racing accept that holds it commits before we read on, so
      // we say "already accepted" rather than "an account exists" (READ COMMITTED).
      await tx.$queryRaw`SELECT id FROM "Invitation" WHERE "tokenHash" = ${hashToken(token as string)} FOR UPDATE`;
      // Settled meanwhile (a racing accept committed): say so, rather than "an account exists".
      const settled = unusable(statusAt(await findByToken(tx, token), now));
      if (settled) throw settled;
      if (await tx.user.findUnique({ where: { email: first.email }, select: { id: true } }))
        throw conflict(
          `an account already exists for ${first.email}: sign in with it to accept this invitation`,
          "ACCOUNT_EXISTS",
        );
      await tx.user.create({ data: { id: userId, email: first.email, name: parsed.value.name } });
      await tx.account.create({
        data: { id: newId("acc"), userId, accountId: userId, providerId: "credential", password: hash },
      });
      return claim(tx, token as string, userId, first.email, now);
    }, TX_OPTIONS)
    .catch((error: unknown) => {
      // Two set-password requests racing for one email: the loser's user insert hits the unique email.
      if ((error as { code?: string }).code === "P2002")
        throw conflict("this invitation has already been accepted", "INVITATION_USED");
      throw error;
    });
}
