// Lapsed approvals are closed by a sweeper (run by every dispatcher), not only when someone next
// votes, so GET, the dashboard and the stream say EXPIRED within seconds of the deadline.

import type pg from "pg";
import { chainEvent } from "../../core";
import { appendToChains, ChainBatch } from "../chain/append";
import { iso } from "../shared/ids";
import { inTransaction } from "../shared/transaction";

// SKIP LOCKED: an approval being voted on right now is left to that vote, which expires it itself.
const LAPSED = `
SELECT id, "tenantId", "expiresAt" FROM "Approval"
 WHERE status = 'PENDING' AND "expiresAt" < $1
 ORDER BY "expiresAt" LIMIT $2
   FOR UPDATE SKIP LOCKED`;

/** Marks up to `limit` PENDING approvals past their expiry EXPIRED, each with its chain event. */
export function expireLapsedApprovals(pool: pg.Pool, now = new Date(), limit = 500): Promise<number> {
  return inTransaction(pool, async (sql) => {
    const { rows } = await sql.query({ name: "approvals_lapsed", text: LAPSED, values: [now, limit] });
    if (rows.length === 0) return 0;
    await sql.query(
      `UPDATE "Approval" SET status = 'EXPIRED', "resolvedAt" = "expiresAt" WHERE id = ANY($1)`,
      [rows.map((a) => a.id)],
    );
    const events = new ChainBatch();
    for (const a of rows)
      events.add(a.tenantId, chainEvent("approval.resolved", a.id, iso(a.expiresAt), { status: "EXPIRED" }));
    await appendToChains(sql, events);
    return rows.length;
  });
}
