import type pg from "pg";
import { type ChainEvent, GENESIS_HASH, type NewEvent, sealEvent } from "../../core";
import { nodeCrypto } from "../../crypto/node";

/**
 * The chain append of chain.ts for code that runs on a raw `pg` connection (the hot paths):
 * lock the tenant's head, seal after it, insert, move the head. Must run inside a transaction.
 */
export async function lockHeadAndSeal(
  sql: pg.PoolClient,
  tenantId: string,
  events: Omit<NewEvent, "tenantId">[],
): Promise<ChainEvent[]> {
  let { rows } = await sql.query({
    name: "chain_head_lock",
    text: `SELECT seq, hash FROM "ChainHead" WHERE "tenantId" = $1 FOR UPDATE`,
    values: [tenantId],
  });
  if (rows.length === 0) {
    await sql.query(
      `INSERT INTO "ChainHead" ("tenantId", seq, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING`,
      [tenantId, GENESIS_HASH],
    );
    ({ rows } = await sql.query(`SELECT seq, hash FROM "ChainHead" WHERE "tenantId" = $1 FOR UPDATE`, [
      tenantId,
    ]));
  }
  let previous: { seq: number; hash: string } | null = rows[0].seq > 0 ? rows[0] : null;
  return events.map((event) => {
    const next = sealEvent(nodeCrypto, previous, { tenantId, ...event });
    previous = next;
    return next;
  });
}

const INSERT_EVENTS = `
WITH ev AS (
  INSERT INTO "Event" ("tenantId", seq, type, "subjectId", at, payload, "prevHash", hash)
  SELECT r."tenantId", r.seq, r.type, r."subjectId", r.at, r.payload, r."prevHash", r.hash
    FROM jsonb_to_recordset($1::jsonb) AS r("tenantId" text, seq int, type text, "subjectId" text, at text, payload jsonb, "prevHash" text, hash text)
)
UPDATE "ChainHead" SET seq = $2, hash = $3 WHERE "tenantId" = $4`;

export async function appendEventsSql(
  sql: pg.PoolClient,
  tenantId: string,
  events: Omit<NewEvent, "tenantId">[],
): Promise<ChainEvent[]> {
  if (events.length === 0) return [];
  const sealed = await lockHeadAndSeal(sql, tenantId, events);
  const last = sealed.at(-1)!;
  await sql.query({
    name: "chain_append",
    text: INSERT_EVENTS,
    values: [JSON.stringify(sealed), last.seq, last.hash, tenantId],
  });
  return sealed;
}

/** BEGIN … COMMIT on one pooled connection; a connection whose ROLLBACK failed is discarded. */
export async function inTransaction<T>(pool: pg.Pool, work: (sql: pg.PoolClient) => Promise<T>): Promise<T> {
  const sql = await pool.connect();
  let broken: Error | undefined;
  try {
    await sql.query("BEGIN");
    const result = await work(sql);
    await sql.query("COMMIT");
    return result;
  } catch (error) {
    await sql.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    sql.release(broken);
  }
}
