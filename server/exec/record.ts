// Record: one transaction per batch of finished attempts (one durable commit, one chain append per
// tenant). The core's `attemptTransition` decides SUCCEEDED, RETRY_WAIT with its delay, or FAILED
// with its class; a row is written only if this worker still holds its lease for that attempt.

import type pg from "pg";
import { attemptTransition, type RetryConfig } from "../core";
import { nodeCrypto } from "../crypto/node";
import { appendToChains, ChainBatch } from "../services/chain/append";
import { iso } from "../services/shared/ids";
import { inTransaction } from "../services/shared/transaction";
import type { Claimed } from "./claim";
import type { AttemptResult } from "./executors";

interface RecordContext {
  pool: pg.Pool;
  workerId: string;
  retry: RetryConfig;
  clock: () => Date;
  log: (line: string) => void;
}

const LOCK = `SELECT id, status, "leaseOwner", attempts FROM "Execution" WHERE id = ANY($1) ORDER BY id FOR UPDATE`;

/** The outcomes, written in the statement that appends their events. */
const WRITE = `exec_record AS (
  UPDATE "Execution" e
     SET status = v.status, "failureClass" = v.class,
         "nextAttemptAt" = CASE WHEN v.delay IS NULL THEN e."nextAttemptAt" ELSE now() + (v.delay * interval '1 millisecond') END,
         "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now()
    FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) AS v(id, status, class, delay)
   WHERE e.id = v.id
)`;

function recordAttempts(ctx: RecordContext, batch: { job: Claimed; result: AttemptResult }[]) {
  return inTransaction(ctx.pool, async (sql) => {
    const { rows } = await sql.query({
      name: "exec_lock_batch",
      text: LOCK,
      values: [batch.map((b) => b.job.id)],
    });
    const current = new Map(rows.map((r) => [r.id as string, r]));
    const at = iso(ctx.clock());
    const updates = {
      ids: [] as string[],
      statuses: [] as string[],
      classes: [] as (string | null)[],
      delays: [] as (number | null)[],
    };
    const events = new ChainBatch();
    for (const { job, result } of batch) {
      const row = current.get(job.id);
      if (row?.status !== "RUNNING" || row.leaseOwner !== ctx.workerId || row.attempts !== job.attempt) {
        ctx.log(
          `execution ${job.id}: lease lost before attempt ${job.attempt} was recorded; another worker owns it now`,
        );
        continue;
      }
      const next = attemptTransition(nodeCrypto, job.id, job.attempt, result, at, ctx.retry);
      updates.ids.push(job.id);
      updates.statuses.push(next.status);
      updates.classes.push(next.failureClass);
      updates.delays.push(next.delayMs);
      for (const event of next.events) events.add(job.tenantId, event);
    }
    if (updates.ids.length === 0) return;
    // The heads before the status writes: the pending counter (a trigger on "Execution") lives on them.
    await appendToChains(sql, events, {
      name: "exec_record",
      cte: WRITE,
      values: [updates.ids, updates.statuses, updates.classes, updates.delays],
    });
  });
}

/**
 * Results wait while a batch is being recorded, then go in the next one: one transaction for every
 * attempt that finished since the last flush. The returned promise settles once its result is
 * recorded (or lost with a failed transaction: its lease then expires and the attempt is retried).
 */
export function batchingRecorder(ctx: RecordContext): (job: Claimed, result: AttemptResult) => Promise<void> {
  let pending: { job: Claimed; result: AttemptResult; done: () => void }[] = [];
  let flushing = false;
  const flush = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await recordAttempts(ctx, batch);
      } catch (error) {
        ctx.log(`recording ${batch.length} attempts failed: ${(error as Error).message}`);
      }
      for (const item of batch) item.done();
    }
    flushing = false;
  };
  return (job, result) =>
    new Promise<void>((done) => {
      pending.push({ job, result, done });
      if (!flushing) {
        flushing = true;
        void flush();
      }
    });
}
