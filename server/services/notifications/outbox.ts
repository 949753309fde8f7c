// Deliveries, derived from the outbox (the Event table) after the fact — never inside the writer's
// transaction, so submitting an intent does no notification work at all (docs/ARCHITECTURE.md,
// "Notifications").
//
// derive: one transaction takes the chains' cursors FOR UPDATE SKIP LOCKED (several servers share
//   the work), reads each chain's notifying events after its cursor up to its head (a chain's events
//   become visible in seq order: the head lock serialises their commits), inserts one delivery per
//   (event, channel) that wants it — ON CONFLICT DO NOTHING on that pair — and moves the cursor. A
//   crash before COMMIT loses nothing: the cursor did not move either.
// claim / record: due deliveries under a lease (FOR UPDATE SKIP LOCKED), the attempt outside any
//   transaction, its result written only if the lease is still ours. A sender killed between claim
//   and POST leaves a SENDING row whose lease expires: the next claim sends it again, with the same
//   id as Idempotency-Key.

import type pg from "pg";
import { PLATFORM_CHAIN } from "../chain/append";
import { newId } from "../shared/ids";
import { inTransaction } from "../shared/transaction";
import { NOTIFYING_EVENTS, storedChannels } from "./config";
import { type EventFacts, type Notification, notificationFor } from "./message";

const CURSORS = `
SELECT c."tenantId" AS chain, c.seq, h.seq AS head
  FROM "NotificationCursor" c JOIN "ChainHead" h ON h."tenantId" = c."tenantId"
 WHERE h.seq > c.seq
 ORDER BY c."tenantId"
   FOR UPDATE OF c SKIP LOCKED`;

const EVENTS = `
SELECT seq, type, "subjectId", at, payload, hash FROM "Event"
 WHERE "tenantId" = $1 AND seq > $2 AND seq <= $3 AND type = ANY($4::text[])
 ORDER BY seq LIMIT $5`;

// The intent behind an approval or an execution (Intent.body: the intent as evaluated).
const INTENT_OF_APPROVAL = `
SELECT d.id AS "decisionId", i.body FROM "Approval" a
  JOIN "Decision" d ON d.id = a."decisionId" JOIN "Intent" i ON i.id = d."intentId"
 WHERE a.id = $1`;
const INTENT_OF_EXECUTION = `
SELECT d.id AS "decisionId", i.body FROM "Execution" e
  JOIN "Decision" d ON d.id = e."decisionId" JOIN "Intent" i ON i.id = d."intentId"
 WHERE e.id = $1`;

const INSERT_DELIVERIES = `
INSERT INTO "NotificationDelivery"
  (id, "tenantId", channel, "channelType", chain, "eventSeq", "eventType", "subjectId", notification, status, "nextAttemptAt")
SELECT r.id, r."tenantId", r.channel, r."channelType", r.chain, r."eventSeq", r."eventType", r."subjectId", r.notification, 'PENDING', now()
  FROM jsonb_to_recordset($1::jsonb) AS r(id text, "tenantId" text, channel text, "channelType" text, chain text, "eventSeq" int, "eventType" text, "subjectId" text, notification jsonb)
ON CONFLICT (chain, "eventSeq", "tenantId", channel) DO NOTHING`;

interface EventRow {
  seq: number;
  type: string;
  subjectId: string;
  at: string;
  payload: Record<string, unknown>;
  hash: string;
}

/** Who is told about a chain's events: the tenant itself, or every tenant with channels (platform). */
async function recipients(sql: pg.PoolClient, chain: string) {
  const { rows } = await sql.query<{ id: string; notificationConfig: unknown }>(
    chain === PLATFORM_CHAIN
      ? `SELECT id, "notificationConfig" FROM "Tenant" WHERE "notificationConfig" IS NOT NULL ORDER BY id`
      : `SELECT id, "notificationConfig" FROM "Tenant" WHERE id = $1 AND "notificationConfig" IS NOT NULL`,
    chain === PLATFORM_CHAIN ? [] : [chain],
  );
  return rows.map((row) => ({ tenantId: row.id, channels: storedChannels(row.notificationConfig) }));
}

async function factsOf(sql: pg.PoolClient, chain: string, event: EventRow): Promise<EventFacts> {
  const query = event.type.startsWith("approval.")
    ? INTENT_OF_APPROVAL
    : event.type.startsWith("execution.")
      ? INTENT_OF_EXECUTION
      : null;
  const found = query ? (await sql.query(query, [event.subjectId])).rows[0] : undefined;
  return {
    chain,
    ...event,
    decisionId: (found?.decisionId as string | undefined) ?? null,
    intent: (found?.body as EventFacts["intent"] | undefined) ?? null,
  };
}

/** Turns new notifying events into deliveries; returns how many deliveries it made. */
export async function deriveDeliveries(pool: pg.Pool, batch = 200): Promise<number> {
  return inTransaction(pool, async (sql) => {
    const { rows: cursors } = await sql.query<{ chain: string; seq: number; head: number }>(CURSORS);
    let made = 0;
    for (const cursor of cursors) {
      const { rows: events } = await sql.query<EventRow>(EVENTS, [
        cursor.chain,
        cursor.seq,
        cursor.head,
        NOTIFYING_EVENTS,
        batch,
      ]);
      const upTo = events.length === batch ? events.at(-1)!.seq : cursor.head;
      const rows: Record<string, unknown>[] = [];
      const who = events.length > 0 ? await recipients(sql, cursor.chain) : [];
      for (const event of events) {
        const wanted = who.flatMap(({ tenantId, channels }) =>
          channels.filter((c) => c.events.includes(event.type)).map((channel) => ({ tenantId, channel })),
        );
        if (wanted.length === 0) continue;
        const facts = await factsOf(sql, cursor.chain, event);
        const byTenant = new Map<string, Notification>();
        for (const { tenantId, channel } of wanted) {
          const notification = byTenant.get(tenantId) ?? notificationFor(tenantId, facts);
          byTenant.set(tenantId, notification);
          rows.push({
            id: newId("ntf"),
            tenantId,
            channel: channel.name,
            channelType: channel.type,
            chain: cursor.chain,
            eventSeq: event.seq,
            eventType: event.type,
            subjectId: event.subjectId,
            notification,
          });
        }
      }
      if (rows.length > 0) made += (await sql.query(INSERT_DELIVERIES, [JSON.stringify(rows)])).rowCount ?? 0;
      await sql.query(`UPDATE "NotificationCursor" SET seq = $2, "updatedAt" = now() WHERE "tenantId" = $1`, [
        cursor.chain,
        upTo,
      ]);
    }
    return made;
  });
}

export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  channel: string;
  attempt: number;
  notification: Notification;
  /** The tenant's stored channel configuration (secrets sealed). */
  config: unknown;
}

const CLAIM = `
WITH due AS (
  SELECT id FROM "NotificationDelivery"
   WHERE status IN ('PENDING', 'RETRY_WAIT') AND "nextAttemptAt" <= now()
   ORDER BY "nextAttemptAt" LIMIT $2
     FOR UPDATE SKIP LOCKED
), expired AS (
  SELECT id FROM "NotificationDelivery"
   WHERE status = 'SENDING' AND "leaseExpiresAt" < now()
   LIMIT $2
     FOR UPDATE SKIP LOCKED
)
UPDATE "NotificationDelivery" d
   SET status = 'SENDING', attempts = d.attempts + 1, "leaseOwner" = $1,
       "leaseExpiresAt" = now() + ($3::int * interval '1 millisecond'), "updatedAt" = now()
  FROM "Tenant" t
 WHERE d.id IN (SELECT id FROM due UNION ALL SELECT id FROM expired) AND t.id = d."tenantId"
RETURNING d.id, d."tenantId", d.channel, d.attempts, d.notification, t."notificationConfig"`;

/** Due deliveries (and ones whose sender died), leased to `owner` for `leaseMs`. */
export async function claimDeliveries(
  pool: pg.Pool,
  owner: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  const { rows } = await pool.query(CLAIM, [owner, limit, leaseMs]);
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenantId,
    channel: row.channel,
    attempt: row.attempts,
    notification: row.notification,
    config: row.notificationConfig,
  }));
}

export type DeliveryResult =
  | { status: "DELIVERED"; lastStatus: number | null }
  | { status: "RETRY_WAIT"; delayMs: number; lastStatus: number | null; lastError: string }
  | { status: "FAILED"; lastStatus: number | null; lastError: string };

const RECORD = `
UPDATE "NotificationDelivery"
   SET status = $3, "lastStatus" = $4, "lastError" = $5,
       "nextAttemptAt" = CASE WHEN $3 = 'RETRY_WAIT' THEN now() + ($6::int * interval '1 millisecond') ELSE "nextAttemptAt" END,
       "deliveredAt" = CASE WHEN $3 = 'DELIVERED' THEN now() ELSE NULL END,
       "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now()
 WHERE id = $1 AND "leaseOwner" = $2 AND status = 'SENDING'`;

/** Writes an attempt's result if the lease is still `owner`'s (else another sender has it now). */
export async function recordDelivery(
  pool: pg.Pool,
  owner: string,
  id: string,
  result: DeliveryResult,
): Promise<boolean> {
  const { rowCount } = await pool.query(RECORD, [
    id,
    owner,
    result.status,
    result.lastStatus,
    result.status === "DELIVERED" ? null : result.lastError.slice(0, 1000),
    result.status === "RETRY_WAIT" ? Math.round(result.delayMs) : 0,
  ]);
  return rowCount === 1;
}

/** A graceful stop: this sender's unfinished attempts are due again now (same id, next sender). */
export async function releaseDeliveries(pool: pg.Pool, owner: string): Promise<void> {
  await pool.query(
    `UPDATE "NotificationDelivery" SET status = 'RETRY_WAIT', "nextAttemptAt" = now(), "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now()
      WHERE "leaseOwner" = $1 AND status = 'SENDING'`,
    [owner],
  );
}
