// Who may do what: every service asks here before it reads or writes, so the rule has one home.
// The tRPC middleware checks membership first (for dashboard sessions); services check again.

import { forbidden, notFound, ServiceError } from "../shared/errors";
import type { Tx } from "../shared/transaction";
import type { Principal } from "./principal";

export function requirePlatformAdmin(principal: Principal): void {
  if (principal.kind !== "platform-admin") throw forbidden("only a platform admin may do this");
}

/** A tenant's admin key or the platform admin; anyone else gets 404 for other tenants' ids. */
export function requireTenantRole(principal: Principal, tenantId: string, roles: readonly string[]): void {
  if (principal.kind === "platform-admin") return;
  if (principal.tenantId !== tenantId) throw notFound(`tenant ${tenantId}`);
  if (!roles.includes(principal.role))
    throw forbidden(`this needs the role ${roles.join(" or ")}; you have ${principal.role}`);
}

export const tenantSuspended = (tenantId: string) =>
  new ServiceError(
    "FORBIDDEN",
    `tenant ${tenantId} is suspended: its keys and members may read, but not submit, vote or change anything`,
    { reason: "TENANT_SUSPENDED" },
  );

/**
 * A suspended tenant's keys and members may read, not write. Every mutating use case asks this
 * inside its transaction (so a suspension that commits first is seen); platform admins are exempt,
 * since they suspend and reactivate tenants.
 */
/** Whether a tenant exists and is active (an open live feed re-checks it). */
export async function isTenantActive(db: Pick<Tx, "tenant">, tenantId: string): Promise<boolean> {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { status: true } });
  return tenant?.status === "active";
}

export async function requireActiveTenant(tx: Pick<Tx, "tenant">, principal: Principal): Promise<void> {
  if (principal.kind === "platform-admin") return;
  const tenant = await tx.tenant.findUnique({ where: { id: principal.tenantId }, select: { status: true } });
  if (tenant && tenant.status !== "active") throw tenantSuspended(principal.tenantId);
}
