// The Event table is also the JetStream outbox: a row is published once the relay has its PubAck.

import type pg from "pg";

/** How far the stream is behind the database: events committed but not yet published. */
export async function outboxLag(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "Event" WHERE "publishedAt" IS NULL`);
  return rows[0].n;
}
