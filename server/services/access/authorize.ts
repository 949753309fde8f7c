// Who may do what: every service asks here before it reads or writes, so the rule has one home.
// The tRPC middleware checks membership first (for dashboard sessions); services check again.

import { forbidden, notFound } from "../shared/errors";
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
