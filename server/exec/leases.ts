// Leases are short and renewed while an attempt runs (every third of the lease), so a dead
// worker's executions resume within about one lease, however long a healthy attempt takes.

import type pg from "pg";
import { chainEvent } from "../core";
import { appendToChains, ChainBatch } from "../services/chain/append";
import { iso } from "../services/shared/ids";
import { inTransaction } from "../services/shared/transaction";

export const defaultLeaseMs = () => Number(process.env.EXOARMUR_LEASE_MS ?? 5_000);

const RENEW = `UPDATE "Execution" SET "leaseExpiresAt" = now() + ($3::int * interval '1 millisecond') WHERE id = ANY($1) AND "leaseOwner" = $2 AND status = 'RUNNING'`;

/** Renews the leases of `running()` until the returned function is called. */
export function renewLeases(
  pool: pg.Pool,
  workerId: string,
  leaseMs: number,
  running: () => ReadonlySet<string>,
  log: (line: string) => void,
): () => void {
  const timer = setInterval(
    () => {
      const ids = running();
      if (ids.size === 0) return;
      pool
        .query(RENEW, [[...ids], workerId, leaseMs])
        .catch((error: Error) => log(`renewing leases failed: ${error.message}`));
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return () => clearInterval(timer);
}

const RELEASE = `UPDATE "Execution" SET status = 'RETRY_WAIT', "nextAttemptAt" = now(), "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now() WHERE "leaseOwner" = $1 AND status = 'RUNNING' RETURNING id, "tenantId", attempts`;

/** Hands this worker's unfinished attempts back now rather than after the lease: same key, next worker. */
export async function releaseLeases(pool: pg.Pool, workerId: string, at: Date): Promise<void> {
  await inTransaction(pool, async (sql) => {
    const { rows } = await sql.query(RELEASE, [workerId]);
    const events = new ChainBatch();
    for (const r of rows)
      events.add(
        r.tenantId,
        chainEvent("execution.released", r.id, iso(at), { attempt: r.attempts, worker: workerId }),
      );
    await appendToChains(sql, events);
  });
}
