// The outbox relay: committed events, per tenant in seq order, to JetStream; then each chain's
// cursor ("OutboxCursor") moves to the last seq published. A chain's events commit in seq order
// (appenders hold its head until they commit), so what a statement sees of a chain is a prefix of
// it, and "published" is exactly "seq <= cursor": no Event row is ever updated (issue 13).
//
// Several relays may run (one per server and per `exoarmur worker`): one is the leader (it holds a
// session advisory lock) and publishes every tenant's events in seq order; the others stand by and
// take over when the leader's connection goes away. Publishing uses `Nats-Msg-Id` = the event hash; if a relay dies after
// publishing but before moving the cursors, the next one publishes the same events again and JetStream drops
// them as duplicates — each event is in the stream once. While NATS is down events simply wait:
// deciding and storing go on. When PostgreSQL restarts, the leader's connection is terminated
// (57P01) — usually while it sits idle between polls, which a checked-out pg client reports as an
// 'error' event that would kill the process without a listener: the relay drops leadership and
// competes for it again on a new connection.

import type pg from "pg";
import { ASYNC_COMMIT_CTE } from "../db/async-commit";
import { EVENT_COLUMNS, type EventRow, toChainEvent } from "../services/chain/append";
import { waitingRelays } from "../services/chain/outbox";
import { inSpan, SpanKind } from "../telemetry/tracing";
import type { JetStream } from "./jetstream";
import { subjectFor } from "./jetstream";

interface RelayOptions {
  pool: pg.Pool;
  jetstream: JetStream;
  batch?: number;
  pollMs?: number;
  /** How long an idle relay waits at most between polls (it backs off from pollMs). */
  idleMaxMs?: number;
  log?: (line: string) => void;
  /** Fault injection for the crash tests: called after a batch is acknowledged, before its cursors move. */
  afterPublish?: () => void;
}

interface Relay {
  stop(): Promise<void>;
  /** Events this relay has published (and moved the cursors past). */
  readonly published: () => number;
}

const LEADER_LOCK = "exoarmur outbox relay";

/**
 * The oldest waiting events, in (chain, seq) order: for each chain whose head is past its cursor,
 * its events after the cursor (an index range on (tenantId, seq)). Head and events are read in one
 * snapshot, so a chain's rows are a gapless run from its cursor on.
 */
const WAITING = `
SELECT e.*
  FROM "ChainHead" h
  LEFT JOIN "OutboxCursor" c ON c."tenantId" = h."tenantId"
 CROSS JOIN LATERAL (
   SELECT ${EVENT_COLUMNS} FROM "Event" e
    WHERE e."tenantId" = h."tenantId" AND e.seq > coalesce(c.seq, 0)
    ORDER BY e.seq LIMIT $1
 ) e
 WHERE h.seq > coalesce(c.seq, 0)
 ORDER BY e."tenantId", e.seq
 LIMIT $1`;

/**
 * Moves each chain's cursor forward, never back (a relay that lost its leadership mid-batch may
 * still finish it). Without a WAL flush of its own (db/async-commit.ts): a cursor lost in a crash
 * only republishes events, which JetStream drops as duplicates.
 */
const ADVANCE = `
WITH ${ASYNC_COMMIT_CTE}
INSERT INTO "OutboxCursor" AS c ("tenantId", seq, "updatedAt")
SELECT p."tenantId", p.seq, now() FROM unnest($1::text[], $2::int[]) AS p("tenantId", seq), async_commit
    ON CONFLICT ("tenantId") DO UPDATE SET seq = excluded.seq, "updatedAt" = excluded."updatedAt"
 WHERE c.seq < excluded.seq`;

export function startRelay(options: RelayOptions): Relay {
  const { pool, jetstream } = options;
  const batch = options.batch ?? 1000;
  const pollMs = options.pollMs ?? 20;
  const idleMaxMs = Math.max(pollMs, options.idleMaxMs ?? 200);
  let idlePolls = 0;
  const log = options.log ?? (() => {});
  const encoder = new TextEncoder();
  let stopping = false;
  let published = 0;
  let wake: (() => void) | null = null;
  let lastError = "";
  // The leader keeps this connection: its session advisory lock is the lease, released by
  // PostgreSQL the moment the relay (or its connection) dies, so a standby takes over.
  let leader: pg.PoolClient | null = null;
  // Set when the leader's connection reported an error between statements (e.g. 57P01 while idle).
  let leaderLost: Error | null = null;
  const onLeaderError = (error: Error) => {
    leaderLost = error;
    wake?.();
  };
  /** Errors that came from a statement on the leader's connection (as opposed to JetStream's). */
  const fromDatabase = new WeakSet<object>();
  const query = async <R extends pg.QueryResultRow>(sql: pg.PoolClient, config: pg.QueryConfig) => {
    try {
      return await sql.query<R>(config);
    } catch (error) {
      if (error && typeof error === "object") fromDatabase.add(error);
      throw error;
    }
  };

  /** Gives the connection (and with it the advisory lock) up for good: the pool destroys it. */
  function dropLeader(reason: Error): void {
    if (!leader) return;
    leader.removeListener("error", onLeaderError);
    leader.release(reason);
    leader = null;
    leaderLost = null;
    log(`no longer leading (${reason.message}); competing again`);
  }

  async function publishBatch(sql: pg.PoolClient): Promise<number> {
    const { rows } = await query<EventRow>(sql, { name: "outbox_batch", text: WAITING, values: [batch] });
    if (rows.length === 0) return 0;
    // One connection keeps publish order (each tenant's events are in seq order); acks awaited together.
    const acks = await inSpan(
      "relay publish",
      () => ({
        kind: SpanKind.PRODUCER,
        attributes: {
          "messaging.system": "nats",
          "messaging.operation.type": "send",
          "messaging.batch.message_count": rows.length,
          "exoarmur.tenants": [...new Set(rows.map((r) => r.tenantId))],
        },
      }),
      () =>
        Promise.all(
          rows.map((e) =>
            jetstream.js.publish(
              subjectFor(e.tenantId, e.type),
              encoder.encode(JSON.stringify(toChainEvent(e))),
              { msgID: e.hash },
            ),
          ),
        ),
    );
    options.afterPublish?.();
    // Rows come in (tenant, seq) order: each chain's last row is how far it is published now.
    const last = new Map<string, number>();
    for (const r of rows) last.set(r.tenantId, r.seq);
    await query(sql, {
      name: "outbox_advance",
      text: ADVANCE,
      values: [[...last.keys()], [...last.values()]],
    });
    published += rows.length;
    const duplicates = acks.filter((a) => a.duplicate).length;
    if (duplicates)
      log(`${duplicates} events were already in the stream (a relay died after publishing them)`);
    return rows.length;
  }

  const loop = (async () => {
    while (!stopping) {
      let moved = 0;
      try {
        if (leader && leaderLost) dropLeader(leaderLost);
        if (!leader) {
          const candidate = await pool.connect();
          candidate.on("error", onLeaderError);
          let won = false;
          let failure: Error | undefined;
          try {
            const { rows } = await candidate.query(
              "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok",
              [LEADER_LOCK],
            );
            won = rows[0].ok === true;
          } catch (error) {
            failure = error as Error;
            throw error;
          } finally {
            failure ??= leaderLost ?? undefined;
            leaderLost = null;
            if (won && !failure) {
              leader = candidate;
            } else {
              // A standby (or a broken connection: then the pool destroys it).
              candidate.removeListener("error", onLeaderError);
              candidate.release(failure);
            }
          }
        }
        if (leader) moved = await publishBatch(leader);
        if (lastError) log("publishing again");
        lastError = "";
      } catch (error) {
        const message = (error as Error).message;
        if (message !== lastError) log(`events wait in the outbox: ${message}`);
        lastError = message;
        // A failed statement may mean a broken connection: start over on a new one.
        if (leader && (leaderLost || fromDatabase.has(error as object))) dropLeader(error as Error);
      }
      if (stopping) break;
      // An empty poll scans every chain's head (see WAITING): while nothing moves, poll less and
      // less often, up to idleMaxMs. A commit of events in this process (outbox.ts `appended`)
      // wakes it at once, busy or idle: its events go out without waiting for the next poll.
      idlePolls = moved === 0 ? idlePolls + 1 : 0;
      if (moved < batch) {
        await new Promise<void>((resolve) => {
          const idleMs = Math.min(idleMaxMs, pollMs * 2 ** Math.min(idlePolls, 16));
          const timer = setTimeout(resolve, lastError ? Math.max(pollMs, 1000) : leader ? idleMs : 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
          waitingRelays(pool).add(wake);
        });
        if (wake) waitingRelays(pool).delete(wake);
        wake = null;
      }
    }
    if (leader && leaderLost) dropLeader(leaderLost);
    if (leader) {
      const current: pg.PoolClient = leader;
      await current.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [LEADER_LOCK]).then(
        () => {
          current.removeListener("error", onLeaderError);
          current.release();
        },
        (error: Error) => {
          current.removeListener("error", onLeaderError);
          current.release(error);
        },
      );
      leader = null;
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
