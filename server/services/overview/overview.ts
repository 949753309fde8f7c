// A tenant at a glance: decisions per day by verdict (the chart), approvals waiting, engaged kill
// switches, recent failed executions and the health of its event stream (the outbox lag).

import type { Db } from "../../db/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { tenantAttention } from "../attention/attention";
import { iso } from "../shared/ids";
import { readInSnapshot } from "../shared/transaction";

export const OVERVIEW_DAYS = 14;
const DAY_MS = 24 * 3600 * 1000;

export interface VerdictDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  ALLOW: number;
  DENY: number;
  REQUIRE_APPROVAL: number;
}

export async function tenantOverview(db: Db, principal: Principal, tenantId: string, now = new Date()) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const start = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (OVERVIEW_DAYS - 1) * DAY_MS);
  const [attention, perDay, failed, stream] = await Promise.all([
    tenantAttention(db, principal, tenantId, now),
    // One index range scan ("Decision"(tenantId, createdAt DESC)), grouped in the database.
    db.pool.query<{ day: string; verdict: string; n: number }>(
      `SELECT to_char(date_trunc('day', "createdAt" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, verdict, count(*)::int AS n
         FROM "Decision" WHERE "tenantId" = $1 AND "createdAt" >= $2
        GROUP BY 1, 2`,
      [tenantId, start],
    ),
    // The recent failures and their count in one snapshot: a failure committing between the two
    // reads would show a count the list beside it contradicts.
    readInSnapshot(db, async (tx) => ({
      recent: await tx.execution.findMany({
        where: { tenantId, status: "FAILED" },
        orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
        take: 5,
        select: {
          id: true,
          decisionId: true,
          updatedAt: true,
          attempts: true,
          failureClass: true,
          decision: { select: { action: true } },
        },
      }),
      count: await tx.execution.count({ where: { tenantId, status: "FAILED", updatedAt: { gte: start } } }),
    })),
    db.pool.query<{ head: number | null; unpublished: number; oldest: Date | null }>(
      // What waits is the run after the chain's outbox cursor; its first event is the oldest.
      `SELECT h.seq AS head, coalesce(h.seq - coalesce(c.seq, 0), 0)::int AS unpublished,
              (SELECT e.at::timestamptz FROM "Event" e
                WHERE e."tenantId" = h."tenantId" AND e.seq = coalesce(c.seq, 0) + 1) AS oldest
         FROM (SELECT $1::text AS "tenantId") t
         LEFT JOIN "ChainHead" h ON h."tenantId" = t."tenantId"
         LEFT JOIN "OutboxCursor" c ON c."tenantId" = t."tenantId"`,
      [tenantId],
    ),
  ]);
  const days: VerdictDay[] = [];
  for (let i = 0; i < OVERVIEW_DAYS; i++) {
    const day = new Date(start.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    days.push({ day, ALLOW: 0, DENY: 0, REQUIRE_APPROVAL: 0 });
  }
  const byDay = new Map(days.map((d) => [d.day, d]));
  for (const row of perDay.rows) {
    const bucket = byDay.get(row.day);
    if (bucket && (row.verdict === "ALLOW" || row.verdict === "DENY" || row.verdict === "REQUIRE_APPROVAL"))
      bucket[row.verdict] += row.n;
  }
  const s = stream.rows[0]!;
  const lagSeconds = s.oldest ? Math.max(0, Math.round((now.getTime() - s.oldest.getTime()) / 1000)) : 0;
  return {
    days,
    totals: {
      ALLOW: days.reduce((n, d) => n + d.ALLOW, 0),
      DENY: days.reduce((n, d) => n + d.DENY, 0),
      REQUIRE_APPROVAL: days.reduce((n, d) => n + d.REQUIRE_APPROVAL, 0),
    },
    pendingApprovals: attention.pendingApprovals,
    engagedSwitches: attention.engagedSwitches,
    failedExecutions: {
      count: failed.count,
      recent: failed.recent.map((e) => ({
        id: e.id,
        decisionId: e.decisionId,
        action: e.decision.action,
        attempts: e.attempts,
        failureClass: e.failureClass,
        at: iso(e.updatedAt),
      })),
    },
    stream: {
      headSeq: s.head ?? 0,
      unpublished: s.unpublished,
      oldestUnpublishedAt: s.oldest ? iso(s.oldest) : null,
      /** "ok": nothing waits, or only for under a minute; "behind": the relay is not keeping up or NATS is away. */
      state: s.unpublished === 0 || lagSeconds < 60 ? ("ok" as const) : ("behind" as const),
      lagSeconds,
    },
  };
}
