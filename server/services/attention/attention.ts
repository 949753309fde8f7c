// What an on-call operator must not miss, on every page of a tenant: the kill switches that cover it
// right now (who engaged them, why, since when) and how many approvals wait for people.

import type { Db } from "../../db/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { principalNames } from "../access/principal-names";
import { iso } from "../shared/ids";

export async function tenantAttention(db: Db, principal: Principal, tenantId: string, now = new Date()) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const [pendingApprovals, switches] = await Promise.all([
    // Lapsed ones are left out, as in the queue: they no longer wait for anybody.
    db.approval.count({ where: { tenantId, status: "PENDING", expiresAt: { gt: now } } }),
    db.killSwitch.findMany({
      where: { engaged: true, OR: [{ scope: "global" }, { tenantId }] },
      orderBy: [{ scope: "asc" }, { id: "asc" }],
    }),
  ]);
  const names = await principalNames(
    db,
    switches.map((s) => s.changedBy),
  );
  return {
    pendingApprovals,
    engagedSwitches: switches.map((s) => ({
      id: s.id,
      scope: s.scope as "global" | "tenant" | "action",
      action: s.action,
      reason: s.reason,
      engagedBy: names[s.changedBy] ?? s.changedBy,
      since: iso(s.changedAt),
    })),
  };
}
