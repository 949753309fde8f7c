// Caller-executed intents whose caller never reported by the intent's deadline end UNREPORTED, swept
// by every dispatcher like lapsed approvals. SKIP LOCKED: a start or report being written right
// now is left to that request; the next sweep sees what it left.

import type pg from "pg";
import { unreportedEvent } from "../../core";
import { appendToChains, ChainBatch } from "../chain/append";
import { iso } from "../shared/ids";
import { inTransaction } from "../shared/transaction";

const LAPSED = `
SELECT id, "tenantId", "reportDeadline" FROM "Execution"
 WHERE status IN ('AWAITING_CALLER', 'RUNNING') AND mode = 'caller' AND "reportDeadline" < $1
 ORDER BY "reportDeadline" LIMIT $2
   FOR UPDATE SKIP LOCKED`;

/** Ends up to `limit` caller-executed executions past their deadline UNREPORTED, each with its chain event. */
export function endUnreportedExecutions(pool: pg.Pool, now = new Date(), limit = 500): Promise<number> {
  return inTransaction(pool, async (sql) => {
    const { rows } = await sql.query({ name: "executions_unreported", text: LAPSED, values: [now, limit] });
    if (rows.length === 0) return 0;
    const events = new ChainBatch();
    for (const e of rows) events.add(e.tenantId, unreportedEvent(e.id, iso(e.reportDeadline)));
    // The heads first, then the status writes (the pending counter's order).
    await appendToChains(sql, events);
    await sql.query(`UPDATE "Execution" SET status = 'UNREPORTED', "updatedAt" = now() WHERE id = ANY($1)`, [
      rows.map((e) => e.id),
    ]);
    return rows.length;
  });
}
