import type pg from "pg";
import type { JetStream } from "./jetstream";
import { subjectFor } from "./jetstream";

/**
 * The outbox relay: committed events, per tenant in seq order, to JetStream, then marked published.
 *
 * Several relays may run (one per server and per `exoarmur worker`): a relay works on a tenant only
 * while it holds that tenant's session advisory lock, so one tenant's events are published by one
 * relay at a time, in order. Publishing uses `Nats-Msg-Id` = the event hash; if a relay dies after
 * publishing but before marking, the next one publishes the same events again and JetStream drops
 * them as duplicates — each event is in the stream once. While NATS is down events simply wait:
 * deciding and storing go on.
 */
export interface RelayOptions {
  pool: pg.Pool;
  jetstream: JetStream;
  batch?: number;
  pollMs?: number;
  log?: (line: string) => void;
  /** Fault injection for the crash tests: called after a batch is acknowledged, before it is marked. */
  afterPublish?: () => void;
}

export interface Relay {
  stop(): Promise<void>;
  /** Events this relay has published and marked. */
  readonly published: () => number;
}

interface OutboxRow {
  seq: number;
  tenantId: string;
  type: string;
  subjectId: string;
  at: string;
  payload: unknown;
  prevHash: string;
  hash: string;
}

export function startRelay(options: RelayOptions): Relay {
  const { pool, jetstream } = options;
  const batch = options.batch ?? 500;
  const pollMs = options.pollMs ?? 100;
  const log = options.log ?? (() => {});
  const encoder = new TextEncoder();
  let stopping = false;
  let published = 0;
  let wake: (() => void) | null = null;
  let lastError = "";

  async function drainTenant(sql: pg.PoolClient, tenantId: string): Promise<number> {
    const { rows: locked } = await sql.query("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [
      `relay ${tenantId}`,
    ]);
    if (!locked[0].ok) return 0;
    try {
      let total = 0;
      for (;;) {
        const { rows } = await sql.query<OutboxRow>({
          name: "outbox_batch",
          text: `SELECT seq, "tenantId", type, "subjectId", at, payload, "prevHash", hash FROM "Event"
                  WHERE "tenantId" = $1 AND "publishedAt" IS NULL ORDER BY seq LIMIT $2`,
          values: [tenantId, batch],
        });
        if (rows.length === 0) return total;
        // One connection keeps publish order; the acks are awaited together.
        const acks = await Promise.all(
          rows.map((e) =>
            jetstream.js.publish(
              subjectFor(e.tenantId, e.type),
              encoder.encode(
                JSON.stringify({
                  tenantId: e.tenantId,
                  seq: e.seq,
                  type: e.type,
                  subjectId: e.subjectId,
                  at: e.at,
                  payload: e.payload,
                  prevHash: e.prevHash,
                  hash: e.hash,
                }),
              ),
              { msgID: e.hash },
            ),
          ),
        );
        options.afterPublish?.();
        await sql.query({
          name: "outbox_mark",
          text: `UPDATE "Event" SET "publishedAt" = now() WHERE "tenantId" = $1 AND seq = ANY($2)`,
          values: [tenantId, rows.map((r) => r.seq)],
        });
        total += rows.length;
        published += rows.length;
        if (acks.some((a) => a.duplicate))
          log(
            `tenant ${tenantId}: ${acks.filter((a) => a.duplicate).length} events were already in the stream (a relay crashed after publishing them)`,
          );
        if (rows.length < batch) return total;
      }
    } finally {
      await sql.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`relay ${tenantId}`]);
    }
  }

  const loop = (async () => {
    while (!stopping) {
      let moved = 0;
      let sql: pg.PoolClient | null = null;
      try {
        sql = await pool.connect();
        const { rows } = await sql.query(
          `SELECT DISTINCT "tenantId" FROM "Event" WHERE "publishedAt" IS NULL LIMIT 1000`,
        );
        for (const { tenantId } of rows) {
          if (stopping) break;
          moved += await drainTenant(sql, tenantId);
        }
        if (lastError) log("publishing again");
        lastError = "";
      } catch (error) {
        const message = (error as Error).message;
        if (message !== lastError) log(`events wait in the outbox: ${message}`);
        lastError = message;
      } finally {
        sql?.release();
      }
      if (stopping) break;
      if (moved === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, lastError ? Math.max(pollMs, 1000) : pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  })();

  return {
    published: () => published,
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}

/** How far the stream is behind the database: events committed but not yet published. */
export async function outboxLag(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "Event" WHERE "publishedAt" IS NULL`);
  return rows[0].n;
}
