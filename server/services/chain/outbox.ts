// The Event table is also the JetStream outbox: an event is published once its chain's
// "OutboxCursor" has reached its seq (the relay moves it after the PubAcks, events/relay.ts).

import type pg from "pg";
import type { Db } from "../../db/client";

/** How far the stream is behind the database: events committed but not yet published. */
export async function outboxLag(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(
    `SELECT coalesce(sum(h.seq - coalesce(c.seq, 0)), 0)::int AS n
       FROM "ChainHead" h LEFT JOIN "OutboxCursor" c ON c."tenantId" = h."tenantId"
      WHERE h.seq > coalesce(c.seq, 0)`,
  );
  return rows[0].n;
}

/** How far a chain is published: its events up to this seq are in the stream (0: none yet). */
export async function publishedThrough(db: Db, chain: string): Promise<number> {
  const cursor = await db.outboxCursor.findUnique({ where: { tenantId: chain }, select: { seq: true } });
  return cursor?.seq ?? 0;
}

const wakeUps = new WeakMap<pg.Pool, Set<() => void>>();

/** The wake-ups of this process's relays waiting for their next poll (events/relay.ts adds and removes its own). */
export function waitingRelays(pool: pg.Pool): Set<() => void> {
  let set = wakeUps.get(pool);
  if (!set) {
    set = new Set();
    wakeUps.set(pool, set);
  }
  return set;
}

/** Events were committed through `pool`: a waiting relay of this process looks at once, not at its next poll. */
export function appended(pool: pg.Pool): void {
  const set = wakeUps.get(pool);
  if (set) for (const wake of [...set]) wake();
}
