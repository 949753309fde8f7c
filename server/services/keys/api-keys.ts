// API keys look like `exo_<keyId>_<secret>`; only sha256(key) is stored, so a database leak does not
// leak usable keys, and the key is shown once, at creation.

import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { chainEvent, nameString, parseWith, timestampSchema } from "../../core";
import { sameSecret } from "../../crypto/same-secret";
import type { Db } from "../../db/client";
import { requireActiveTenant, requireTenantRole } from "../access/authorize";
import {
  KEY_ROLES,
  type KeyRole,
  MEMBER_ROLES,
  PLATFORM_ADMIN,
  type Principal,
  principalLabel,
} from "../access/principal";
import { appendEvents } from "../chain/append";
import { invalid, notFound, ServiceError } from "../shared/errors";
import { iso, newId } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";
import { type KeyPrincipal, keyCacheOf } from "./key-cache";

export const createApiKeySchema = z.strictObject({
  role: z.enum(KEY_ROLES, { error: `must be one of ${KEY_ROLES.join(", ")}` }),
  name: nameString(),
  /** The email of the tenant member this key acts for; fixed for the key's life. Only such keys vote. */
  forUser: z
    .string({ error: "must be an email" })
    .trim()
    .toLowerCase()
    .max(254, { error: "must be at most 254 characters" })
    .pipe(z.email({ error: "must be an email address" }))
    .optional(),
  /** When the key stops working (an instant in the future, at most 5 years ahead); omitted: never. */
  expiresAt: timestampSchema.optional(),
});

const MAX_KEY_LIFETIME_MS = 5 * 366 * 24 * 3600 * 1000;
/** How often a key's lastUsedAt is written, per key and process: not on every request (the hot path). */
const LAST_USED_EVERY_MS = 60_000;
const LAST_USED_FLUSH_MS = 10_000;

/** The roles a key acting for a member may have: never more than the member's own. */
const KEY_ROLES_FOR_MEMBER: Record<string, readonly string[]> = {
  admin: ["admin", "operator", "auditor", "client"],
  operator: ["operator", "auditor", "client"],
  auditor: ["auditor"],
};

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export async function createApiKey(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  now = new Date(),
) {
  const parsed = parseWith(createApiKeySchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const { role, name, forUser, expiresAt } = parsed.value;
  if (expiresAt !== undefined) {
    const at = Date.parse(expiresAt);
    if (at <= now.getTime()) throw invalid([{ path: "expiresAt", message: "must be in the future" }]);
    if (at > now.getTime() + MAX_KEY_LIFETIME_MS)
      throw invalid([{ path: "expiresAt", message: "must be at most 5 years ahead" }]);
  }
  // A key that acts for a person votes as that person: only they (their own session) or a platform
  // admin may mint one, or a tenant admin could mint a quorum of "people".
  if (forUser === undefined) requireTenantRole(principal, tenantId, ["admin"]);
  else if (principal.kind !== "platform-admin") {
    requireTenantRole(principal, tenantId, MEMBER_ROLES);
    if (principal.kind !== "user" || principal.name.toLowerCase() !== forUser)
      throw new ServiceError(
        "FORBIDDEN",
        "a key for a person is created by that person's own session or a platform admin",
        {
          reason: "FOR_USER_NOT_ALLOWED",
        },
      );
  }
  const id = newId("key");
  const key = `exo_${id.slice(4)}_${randomBytes(24).toString("base64url")}`;
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const tenant = await tx.tenant.findUnique({ where: { id: tenantId } });
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    let person: { id: string; email: string } | null = null;
    if (forUser !== undefined) {
      const user = await tx.user.findUnique({ where: { email: forUser }, select: { id: true, email: true } });
      const member = user
        ? await tx.membership.findUnique({ where: { userId_tenantId: { userId: user.id, tenantId } } })
        : null;
      if (!user || !member)
        throw invalid([{ path: "forUser", message: `${forUser} is not a member of tenant ${tenantId}` }]);
      if (!KEY_ROLES_FOR_MEMBER[member.role]?.includes(role))
        throw invalid([
          {
            path: "role",
            message: `a key acting for ${forUser} (${member.role}) may not have the role ${role}`,
          },
        ]);
      person = user;
    }
    const createdBy = principalLabel(principal);
    await tx.apiKey.create({
      data: {
        id,
        tenantId,
        name,
        role,
        keyHash: hashKey(key),
        forUserId: person?.id ?? null,
        createdBy,
        expiresAt: expiresAt ? new Date(expiresAt) : null,
      },
    });
    await appendEvents(tx, tenantId, [
      chainEvent("apikey.created", id, iso(now), {
        role,
        name,
        ...(person ? { forUser: person.email } : {}),
        ...(expiresAt ? { expiresAt: iso(new Date(expiresAt)) } : {}),
        by: createdBy,
      }),
    ]);
    return {
      id,
      tenantId,
      role,
      name,
      ...(person ? { forUser: person.email } : {}),
      expiresAt: expiresAt ? iso(new Date(expiresAt)) : null,
      key,
    };
  }, TX_OPTIONS);
}

/**
 * Resolves `Authorization: Bearer ...` to a principal, or throws 401. API keys are cached per process
 * (key-cache.ts: a revocation reaches every instance within a second); the admin token never is.
 */
export async function authenticate(
  db: Db,
  authorization: string | null,
  adminToken = process.env.EXOARMUR_ADMIN_TOKEN,
): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match)
    throw new ServiceError(
      "UNAUTHENTICATED",
      "missing or malformed Authorization header (expected: Bearer <api key>)",
    );
  const token = match[1]!;
  // Digests compared in constant time: neither the token's length nor a common prefix leaks.
  if (adminToken && sameSecret(token, adminToken)) return PLATFORM_ADMIN;
  if (token.length > 200) throw new ServiceError("UNAUTHENTICATED", "unknown or revoked API key");
  const keyHash = hashKey(token);
  const principal = await keyCacheOf(db).get(keyHash, () => findKey(db, keyHash));
  if (!principal) throw new ServiceError("UNAUTHENTICATED", "unknown or revoked API key");
  // Checked on every request, not when cached: an expiry takes effect at its instant.
  if (principal.expiresAt && Date.parse(principal.expiresAt) <= Date.now())
    throw new ServiceError("UNAUTHENTICATED", "this API key has expired");
  noteKeyUsed(db, principal.id);
  return principal;
}

/** When each key's lastUsedAt was last marked by this process (shared by its module copies). */
const shared = globalThis as { __exoarmurKeyLastUsed?: Map<string, number> };
shared.__exoarmurKeyLastUsed ??= new Map();
const lastUsedWritten = shared.__exoarmurKeyLastUsed;
/** Keys used since the last write, per pool: written together, off every request's path. */
const usedSinceFlush = new WeakMap<Db["pool"], Set<string>>();

/** Records that a key was used: at most once a minute per key and process, in one batched write every 10 s. */
function noteKeyUsed(db: Db, keyId: string) {
  const now = Date.now();
  if (now - (lastUsedWritten.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return;
  if (lastUsedWritten.size > 10_000) lastUsedWritten.clear();
  lastUsedWritten.set(keyId, now);
  let used = usedSinceFlush.get(db.pool);
  if (!used) {
    used = new Set();
    usedSinceFlush.set(db.pool, used);
  }
  if (used.size === 0) {
    const batch = used;
    setTimeout(() => {
      const ids = [...batch];
      batch.clear();
      // lastUsedAt is not among the columns whose change invalidates key caches (no notice is sent).
      db.pool.query(`UPDATE "ApiKey" SET "lastUsedAt" = now() WHERE id = ANY($1)`, [ids]).catch(() => {
        for (const id of ids) lastUsedWritten.delete(id);
      });
    }, LAST_USED_FLUSH_MS).unref();
  }
  used.add(keyId);
}

interface KeyRow {
  id: string;
  tenantId: string;
  role: string;
  name: string;
  createdBy: string | null;
  expiresAt: Date | null;
  personId: string | null;
  personEmail: string | null;
}

/** A key that is not revoked and the person it acts for (if they still exist), in one query. */
async function findKey(db: Db, keyHash: string): Promise<KeyPrincipal | null> {
  const [key] = await db.$queryRaw<KeyRow[]>`
    SELECT k.id, k."tenantId", k.role, k.name, k."createdBy", k."expiresAt", u.id AS "personId", u.email AS "personEmail"
    FROM "ApiKey" k LEFT JOIN "User" u ON u.id = k."forUserId"
    WHERE k."keyHash" = ${keyHash} AND k."revokedAt" IS NULL`;
  if (!key) return null;
  return {
    kind: "api-key",
    id: key.id,
    tenantId: key.tenantId,
    role: key.role as KeyRole,
    name: key.name,
    person: key.personId !== null ? { id: key.personId, email: key.personEmail! } : null,
    creatorUserId: key.createdBy?.startsWith("user:") ? key.createdBy.slice(5) : null,
    ...(key.expiresAt ? { expiresAt: iso(key.expiresAt) } : {}),
  };
}

export async function listApiKeys(db: Db, principal: Principal, tenantId: string) {
  requireTenantRole(principal, tenantId, ["admin"]);
  if (!(await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } })))
    throw notFound(`tenant ${tenantId}`);
  const keys = await db.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } });
  const personIds = [...new Set(keys.flatMap((k) => (k.forUserId ? [k.forUserId] : [])))];
  const emails = new Map(
    (await db.user.findMany({ where: { id: { in: personIds } }, select: { id: true, email: true } })).map(
      (u) => [u.id, u.email],
    ),
  );
  return {
    tenantId,
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      role: k.role,
      /** The person the key acts for (it votes as them), or null. */
      forUser: k.forUserId ? (emails.get(k.forUserId) ?? null) : null,
      createdAt: iso(k.createdAt),
      revokedAt: k.revokedAt ? iso(k.revokedAt) : null,
      /** Written at most once a minute per server: "used within the last minute or so". */
      lastUsedAt: k.lastUsedAt ? iso(k.lastUsedAt) : null,
      expiresAt: k.expiresAt ? iso(k.expiresAt) : null,
    })),
  };
}

/**
 * Whether a key may keep an open stream (the live feed re-checks it): not revoked, and its tenant
 * active.
 */
export async function apiKeyStillValid(db: Db, keyId: string): Promise<boolean> {
  const key = await db.apiKey.findUnique({
    where: { id: keyId },
    select: { revokedAt: true, expiresAt: true, tenant: { select: { status: true } } },
  });
  return (
    key !== null &&
    key.revokedAt === null &&
    (key.expiresAt === null || key.expiresAt > new Date()) &&
    key.tenant.status === "active"
  );
}

/**
 * Revoking takes effect on the key's next request to this instance, and within a second on every other
 * (the ApiKey trigger notifies their caches at commit); the row stays, for the audit trail.
 */
export async function revokeApiKey(
  db: Db,
  principal: Principal,
  tenantId: string,
  keyId: string,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const revoked = await db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const key = await tx.apiKey.findFirst({ where: { id: keyId, tenantId } });
    if (!key) throw notFound(`API key ${keyId}`);
    if (key.revokedAt) return { id: key.id, revokedAt: iso(key.revokedAt) };
    // The row's trigger notifies every instance's key cache; delivered when this commits.
    await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: now } });
    await appendEvents(tx, tenantId, [
      chainEvent("apikey.revoked", keyId, iso(now), { by: principalLabel(principal) }),
    ]);
    return { id: key.id, revokedAt: iso(now) };
  }, TX_OPTIONS);
  // Here at once, without waiting for our own notice to come back.
  keyCacheOf(db).invalidate(`key:${keyId}`);
  return revoked;
}
