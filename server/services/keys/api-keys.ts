// API keys look like `exo_<keyId>_<secret>`; only sha256(key) is stored, so a database leak does not
// leak usable keys, and the key is shown once, at creation.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { chainEvent, nameString, parseWith } from "../../core";
import type { Db } from "../../db/client";
import { requireActiveTenant, requireTenantRole } from "../access/authorize";
import { KEY_ROLES, type KeyRole, PLATFORM_ADMIN, type Principal, principalLabel } from "../access/principal";
import { appendEvents } from "../chain/append";
import { invalid, notFound, ServiceError } from "../shared/errors";
import { iso, newId } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

export const createApiKeySchema = z.strictObject({
  role: z.enum(KEY_ROLES, { error: `must be one of ${KEY_ROLES.join(", ")}` }),
  name: nameString(),
});

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export async function createApiKey(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const parsed = parseWith(createApiKeySchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const id = newId("key");
  const key = `exo_${id.slice(4)}_${randomBytes(24).toString("base64url")}`;
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const tenant = await tx.tenant.findUnique({ where: { id: tenantId } });
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    await tx.apiKey.create({
      data: { id, tenantId, name: parsed.value.name, role: parsed.value.role, keyHash: hashKey(key) },
    });
    await appendEvents(tx, tenantId, [
      chainEvent("apikey.created", id, iso(now), {
        role: parsed.value.role,
        name: parsed.value.name,
        by: principalLabel(principal),
      }),
    ]);
    return { id, tenantId, role: parsed.value.role, name: parsed.value.name, key };
  }, TX_OPTIONS);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Resolves `Authorization: Bearer ...` to a principal, or throws 401. */
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
  if (adminToken && safeEqual(token, adminToken)) return PLATFORM_ADMIN;
  if (token.length > 200) throw new ServiceError("UNAUTHENTICATED", "unknown or revoked API key");
  const key = await db.apiKey.findUnique({ where: { keyHash: hashKey(token) }, include: { tenant: true } });
  if (!key || key.revokedAt) throw new ServiceError("UNAUTHENTICATED", "unknown or revoked API key");
  return { kind: "api-key", id: key.id, tenantId: key.tenantId, role: key.role as KeyRole, name: key.name };
}

export async function listApiKeys(db: Db, principal: Principal, tenantId: string) {
  requireTenantRole(principal, tenantId, ["admin"]);
  if (!(await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } })))
    throw notFound(`tenant ${tenantId}`);
  const keys = await db.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } });
  return {
    tenantId,
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      role: k.role,
      createdAt: iso(k.createdAt),
      revokedAt: k.revokedAt ? iso(k.revokedAt) : null,
    })),
  };
}

/** Revoking takes effect on the key's next request; the row stays, for the audit trail. */
export async function revokeApiKey(
  db: Db,
  principal: Principal,
  tenantId: string,
  keyId: string,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const key = await tx.apiKey.findFirst({ where: { id: keyId, tenantId } });
    if (!key) throw notFound(`API key ${keyId}`);
    if (key.revokedAt) return { id: key.id, revokedAt: iso(key.revokedAt) };
    await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: now } });
    await appendEvents(tx, tenantId, [
      chainEvent("apikey.revoked", keyId, iso(now), { by: principalLabel(principal) }),
    ]);
    return { id: key.id, revokedAt: iso(now) };
  }, TX_OPTIONS);
}
