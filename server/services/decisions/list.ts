// The decisions list: filters that each hit an index (tenantId + verdict | action | actorId,
// createdAt DESC) and keyset pagination on (createdAt, id), so page 1 and page 5,000 of 100,000
// rows cost the same.

import { z } from "zod";
import { REASON_CODES } from "../../core";
import type { Db } from "../../db/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { iso } from "../shared/ids";
import { readInSnapshot, type Tx } from "../shared/transaction";

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
  target: string | null;
  policyVersion: number | null;
  approvalStatus: string | null;
  executionStatus: string | null;
}

/**
 * A prefix or a glob as a LIKE pattern: `*` any run, `?` one character, everything else literal
 * (LIKE's own `%`, `_` and backslash escaped); text without a wildcard matches as a prefix.
 */
export function likePattern(filter: string): string {
  const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
  if (!/[*?]/.test(filter)) return `${literal(filter)}%`;
  return [...filter].map((c) => (c === "*" ? "%" : c === "?" ? "_" : literal(c))).join("");
}

/**
 * The ids of one page under the filter and of the row after it, newest first. In SQL rather than
 * Prisma's query builder, which has no LIKE with a pattern of our own (its startsWith escapes wildcards).
 */
async function pageIdsAndOneMore(db: Tx, tenantId: string, filter: z.output<typeof decisionFilterSchema>) {
  const values: unknown[] = [tenantId];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = [`"tenantId" = $1`];
  if (filter.verdict) where.push(`verdict = ${param(filter.verdict)}`);
  if (filter.reason) where.push(`reason = ${param(filter.reason)}`);
  if (filter.action) where.push(`action LIKE ${param(likePattern(filter.action))}`);
  if (filter.actor) where.push(`"actorId" LIKE ${param(likePattern(filter.actor))}`);
  if (filter.from) where.push(`"createdAt" >= ${param(new Date(filter.from))}`);
  if (filter.to) where.push(`"createdAt" < ${param(new Date(filter.to))}`);
  if (filter.cursor) {
    const at = param(new Date(filter.cursor.createdAt));
    where.push(`("createdAt" < ${at} OR ("createdAt" = ${at} AND id < ${param(filter.cursor.id)}))`);
  }
  const sql = `SELECT id FROM "Decision" WHERE ${where.join(" AND ")} ORDER BY "createdAt" DESC, id DESC LIMIT ${param(filter.limit + 1)}`;
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(sql, ...values);
  return rows.map((r) => r.id);
}

export async function listDecisions(
  db: Db,
  principal: Principal,
  tenantId: string,
  filter: z.output<typeof decisionFilterSchema>,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  // One id beyond the page says whether there is a next one; only the page's rows are read. Both
  // reads in one snapshot: a vote committing between them would show its approval without the
  // execution it created (or the reverse), the relations being statements of their own.
  const { more, pageIdList, found } = await readInSnapshot(db, async (tx) => {
    const ids = await pageIdsAndOneMore(tx, tenantId, filter);
    const pageIdList = ids.slice(0, filter.limit);
    const found = await tx.decision.findMany({
      where: { id: { in: pageIdList }, tenantId },
      select: {
        id: true,
        createdAt: true,
        verdict: true,
        reason: true,
        decidingRule: true,
        action: true,
        actorId: true,
        target: true,
        policyVersion: true,
        approval: { select: { status: true, expiresAt: true } },
        execution: { select: { status: true } },
      },
    });
    return { more: ids.length > filter.limit, pageIdList, found };
  });
  const byId = new Map(found.map((d) => [d.id, d]));
  const page = pageIdList.flatMap((id) => byId.get(id) ?? []);
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
        target: d.target,
        policyVersion: d.policyVersion,
        // Expiry is applied lazily in storage; report it as getDecision does.
        approvalStatus:
          d.approval?.status === "PENDING" && d.approval.expiresAt <= now
            ? "EXPIRED"
            : (d.approval?.status ?? null),
        executionStatus: d.execution?.status ?? null,
      }),
    ),
    nextCursor: more && last ? { createdAt: iso(last.createdAt), id: last.id } : null,
  };
}
