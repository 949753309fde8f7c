import { z } from "zod";
import { chainEvent, nameString, parseWith, TENANT_STATUSES, tenantIdSchema } from "../../core";
import type { Db } from "../../db/client";
import { requireActiveTenant, requirePlatformAdmin, requireTenantRole } from "../access/authorize";
import { type Principal, principalLabel } from "../access/principal";
import { appendEvents } from "../chain/append";
import { conflict, forbidden, invalid, notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

/** Per-tenant admission limits (DESIGN.md Defaults, raised to what the benchmarks hold). */
const limitsSchema = z.strictObject({
  ratePerSecond: z
    .number({ error: "must be a number" })
    .positive({ error: "must be greater than 0" })
    .max(100_000, { error: "must be at most 100000" }),
  burst: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(1_000_000, { error: "must be at most 1000000" }),
  maxPending: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(10_000_000, { error: "must be at most 10000000" }),
});
export type Limits = z.infer<typeof limitsSchema>;

const DEFAULT_LIMITS: Limits = { ratePerSecond: 200, burst: 400, maxPending: 10_000 };

export const createTenantSchema = z.strictObject({
  id: tenantIdSchema,
  name: nameString(),
  limits: limitsSchema.partial().optional(),
});

export const updateTenantSchema = z.strictObject({
  name: nameString().optional(),
  status: z.enum(TENANT_STATUSES, { error: `must be one of ${TENANT_STATUSES.join(", ")}` }).optional(),
  limits: limitsSchema.partial().optional(),
  /** Four eyes on policy changes: a version is activated by an admin other than its author. */
  policyFourEyes: z.boolean({ error: "must be true or false" }).optional(),
});

function tenantView(t: {
  id: string;
  name: string;
  status: string;
  ratePerSecond: number;
  burst: number;
  maxPending: number;
  activePolicyVersion: number | null;
  policyFourEyes: boolean;
  createdAt: Date;
}) {
  return {
    id: t.id,
    name: t.name,
    status: t.status,
    limits: { ratePerSecond: t.ratePerSecond, burst: t.burst, maxPending: t.maxPending },
    activePolicyVersion: t.activePolicyVersion,
    policyFourEyes: t.policyFourEyes,
    createdAt: iso(t.createdAt),
  };
}

export async function createTenant(db: Db, principal: Principal, body: unknown, now = new Date()) {
  requirePlatformAdmin(principal);
  const parsed = parseWith(createTenantSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const { id, name, limits } = parsed.value;
  const effective = { ...DEFAULT_LIMITS, ...limits };
  return db
    .$transaction(async (tx: Tx) => {
      const existing = await tx.tenant.findUnique({ where: { id } });
      if (existing) throw conflict(`tenant ${id} already exists`);
      const tenant = await tx.tenant.create({ data: { id, name, ...effective } });
      // A full bucket, stamped with the database clock that refills it.
      await tx.$executeRaw`INSERT INTO "RateBucket" ("tenantId", tokens, "updatedAt") VALUES (${id}, ${effective.burst}, clock_timestamp())`;
      await appendEvents(tx, id, [
        chainEvent("tenant.created", id, iso(now), {
          name,
          limits: effective,
          by: principalLabel(principal),
        }),
      ]);
      return tenantView(tenant);
    }, TX_OPTIONS)
    .catch((error: unknown) => {
      // Two creators racing: the loser's insert hits the primary key.
      if ((error as { code?: string }).code === "P2002") throw conflict(`tenant ${id} already exists`);
      throw error;
    });
}

export async function updateTenant(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const parsed = parseWith(updateTenantSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const { name, status, limits, policyFourEyes } = parsed.value;
  if (status !== undefined && principal.kind !== "platform-admin")
    throw forbidden("only a platform admin may suspend or activate a tenant");
  // Admission limits are the platform's (issue 11 §3): a tenant admin could otherwise lift its own
  // tenant past what the machine holds and starve the others. Any limits field, even unchanged.
  if (limits !== undefined && principal.kind !== "platform-admin")
    throw forbidden("only a platform admin may change a tenant's admission limits");
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const [locked] = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM "Tenant" WHERE id = ${tenantId} FOR NO KEY UPDATE`;
    if (!locked) throw notFound(`tenant ${tenantId}`);
    const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    // Only what actually changes is written, and only a change makes an event.
    const changes: Record<string, unknown> = {};
    if (name !== undefined && name !== tenant.name) changes.name = name;
    if (status !== undefined && status !== tenant.status) changes.status = status;
    for (const [key, value] of Object.entries(limits ?? {})) {
      if (value !== undefined && value !== tenant[key as keyof Limits]) changes[key] = value;
    }
    if (policyFourEyes !== undefined && policyFourEyes !== tenant.policyFourEyes) {
      // A ratchet: any tenant admin may ask for four eyes, but one admin alone may not drop them
      // (or four eyes would be one admin turning them off, then activating their own version).
      if (!policyFourEyes && principal.kind !== "platform-admin")
        throw forbidden("only a platform admin may turn off four eyes on policy changes");
      changes.policyFourEyes = policyFourEyes;
    }
    if (Object.keys(changes).length === 0) return tenantView(tenant);
    const updated = await tx.tenant.update({ where: { id: tenantId }, data: changes });
    const type =
      changes.status === "suspended"
        ? "tenant.suspended"
        : changes.status === "active"
          ? "tenant.activated"
          : "tenant.updated";
    await appendEvents(tx, tenantId, [
      chainEvent(type, tenantId, iso(now), { changes, by: principalLabel(principal) }),
    ]);
    return tenantView(updated);
  }, TX_OPTIONS);
}

export async function getTenant(db: Db, principal: Principal, tenantId: string) {
  requireTenantRole(principal, tenantId, ["client", "operator", "auditor", "admin"]);
  const tenant = await db.tenant.findUnique({ where: { id: tenantId } });
  if (!tenant) throw notFound(`tenant ${tenantId}`);
  return tenantView(tenant);
}
