// The decisions list: filters that each hit an index (tenantId + verdict | action | actorId,
// createdAt DESC) and keyset pagination on (createdAt, id), so page 1 and page 5,000 of 100,000
// rows cost the same.

import { z } from "zod";
import { REASON_CODES } from "../../core";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { iso } from "../shared/ids";

const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 timestamp" });

export const decisionFilterSchema = z.strictObject({
  verdict: z
    .enum(["ALLOW", "DENY", "REQUIRE_APPROVAL"], { error: "must be ALLOW, DENY or REQUIRE_APPROVAL" })
    .optional(),
  reason: z.enum(REASON_CODES, { error: "is not a reason code" }).optional(),
  action: z.string().trim().min(1).max(256).optional(),
  actor: z.string().trim().min(1).max(256).optional(),
  from: instant.optional(),
  to: instant.optional(),
  cursor: z.strictObject({ createdAt: instant, id: z.string().min(1).max(64) }).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type DecisionFilter = z.input<typeof decisionFilterSchema>;

export interface DecisionRow {
  id: string;
  createdAt: string;
  verdict: string;
  reason: string;
  decidingRule: string | null;
  action: string;
  actorId: string;
  policyVersion: number | null;
  approvalStatus: string | null;
  executionStatus: string | null;
}

export async function listDecisions(
  db: Db,
  principal: Principal,
  tenantId: string,
  filter: z.output<typeof decisionFilterSchema>,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const where: Prisma.DecisionWhereInput = { tenantId };
  if (filter.verdict) where.verdict = filter.verdict;
  if (filter.reason) where.reason = filter.reason;
  if (filter.action) where.action = filter.action;
  if (filter.actor) where.actorId = filter.actor;
  const createdAt: Prisma.DateTimeFilter = {};
  if (filter.from) createdAt.gte = new Date(filter.from);
  if (filter.to) createdAt.lt = new Date(filter.to);
  if (filter.from || filter.to) where.createdAt = createdAt;
  if (filter.cursor) {
    const at = new Date(filter.cursor.createdAt);
    where.AND = [{ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: filter.cursor.id } }] }];
  }
  const rows = await db.decision.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: filter.limit + 1,
    select: {
      id: true,
      createdAt: true,
      verdict: true,
      reason: true,
      decidingRule: true,
      action: true,
      actorId: true,
      policyVersion: true,
      approval: { select: { status: true, expiresAt: true } },
      execution: { select: { status: true } },
    },
  });
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    rows: page.map(
      (d): DecisionRow => ({
        id: d.id,
        createdAt: iso(d.createdAt),
        verdict: d.verdict,
        reason: d.reason,
        decidingRule: d.decidingRule,
        action: d.action,
        actorId: d.actorId,
        policyVersion: d.policyVersion,
        // Expiry is applied lazily in storage; report it as getDecision does.
        approvalStatus:
          d.approval?.status === "PENDING" && d.approval.expiresAt <= now
            ? "EXPIRED"
            : (d.approval?.status ?? null),
        executionStatus: d.execution?.status ?? null,
      }),
    ),
    nextCursor: rows.length > filter.limit && last ? { createdAt: iso(last.createdAt), id: last.id } : null,
  };
}
