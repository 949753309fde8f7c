// The one writer of the per-tenant hash chain. Every service, the dispatcher and the example
// script append here, so the head-lock protocol and the Event row mapping have a single owner.
//
// Protocol, inside the caller's transaction:
//   1. lock the tenant's ChainHead row FOR UPDATE (created at genesis the first time), so
//      concurrent transactions of one tenant take seqs one after another, gapless; a rolled-back
//      transaction gives its seqs back;
//   2. seal the events after the head (core `sealEvent`);
//   3. insert them and move the head — in one statement, which a caller that writes its own rows
//      in one statement too (the batch of submissions) embeds as `insertSealedManyCtes`.
// Several chains in one transaction are locked in tenant-id order, so two such transactions
// cannot deadlock on each other's heads.

import type pg from "pg";
import { type ChainEvent, type EventBody, GENESIS_HASH, sealEvent } from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { PipelinedStatement } from "../../db/pipeline";
import type { Tx } from "../shared/transaction";

/** The chain that holds platform-wide changes (the global kill switch); tenant ids cannot start with "_". */
export const PLATFORM_CHAIN = "_platform";

/** A transaction's connection: raw pg on the hot paths, a Prisma interactive transaction elsewhere. */
type ChainConnection = pg.PoolClient | Tx;

interface Query {
  name?: string;
  text: string;
  values: unknown[];
}

async function run(conn: ChainConnection, query: Query): Promise<Record<string, unknown>[]> {
  if ("$queryRawUnsafe" in conn) return conn.$queryRawUnsafe(query.text, ...query.values);
  return (await conn.query(query as pg.QueryConfig)).rows;
}

const LOCK_HEAD = `SELECT seq, hash FROM "ChainHead" WHERE "tenantId" = $1 FOR UPDATE`;
const CREATE_HEAD = `INSERT INTO "ChainHead" ("tenantId", seq, hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING`;

/** Steps 1 and 2: lock the head and seal `events` after it. The caller must write them in this transaction. */
export async function sealAfterHead(
  conn: ChainConnection,
  tenantId: string,
  events: readonly EventBody[],
): Promise<ChainEvent[]> {
  let [head] = await run(conn, { name: "chain_head_lock", text: LOCK_HEAD, values: [tenantId] });
  if (!head) {
    await run(conn, { text: CREATE_HEAD, values: [tenantId, GENESIS_HASH] });
    [head] = await run(conn, { name: "chain_head_lock", text: LOCK_HEAD, values: [tenantId] });
  }
  return sealAfter(
    { seq: Number(head?.seq ?? 0), hash: String(head?.hash ?? GENESIS_HASH), pending: 0 },
    tenantId,
    events,
  );
}

/** A locked chain head: where the next event goes, and the tenant's pending executions (kept on it). */
export interface LockedHead {
  seq: number;
  hash: string;
  pending: number;
}

const LOCK_HEADS = `SELECT "tenantId", seq, hash, pending FROM "ChainHead" WHERE "tenantId" = ANY($1::text[]) ORDER BY "tenantId" COLLATE "C" FOR UPDATE`;
const CREATE_HEADS = `INSERT INTO "ChainHead" ("tenantId", seq, hash) SELECT t, 0, $2 FROM unnest($1::text[]) t ON CONFLICT DO NOTHING`;

/** The statement of step 1 for several chains: their heads locked in tenant-id order (the one order). */
export function lockHeadsStatement(tenantIds: readonly string[]): PipelinedStatement {
  return { name: "chain_heads_lock", text: LOCK_HEADS, values: [tenantIds] };
}

/** The heads that statement locked. */
export function lockedHeads(rows: readonly Record<string, unknown>[]): Map<string, LockedHead> {
  return new Map(
    rows.map((r) => [
      r.tenantId as string,
      { seq: Number(r.seq), hash: String(r.hash), pending: Number(r.pending) },
    ]),
  );
}

/** Step 1 for several chains in one statement (a chain without a head gets one at genesis). */
export async function lockHeads(
  conn: pg.PoolClient,
  tenantIds: readonly string[],
): Promise<Map<string, LockedHead>> {
  const lock = async () =>
    lockedHeads((await conn.query(lockHeadsStatement(tenantIds) as pg.QueryConfig)).rows);
  let heads = await lock();
  const missing = tenantIds.filter((t) => !heads.has(t));
  if (missing.length > 0) {
    await conn.query(CREATE_HEADS, [missing, GENESIS_HASH]);
    heads = await lock();
  }
  return heads;
}

/** Step 2: seals `events` after `head` and moves `head` past them. */
export function sealAfter(head: LockedHead, tenantId: string, events: readonly EventBody[]): ChainEvent[] {
  let previous = head.seq > 0 ? { seq: head.seq, hash: head.hash } : null;
  const sealed = events.map((event) => {
    const next = sealEvent(nodeCrypto, previous, { tenantId, ...event });
    previous = next;
    return next;
  });
  if (previous) Object.assign(head, { seq: previous.seq, hash: previous.hash });
  return sealed;
}

/**
 * Step 3 for several chains, as CTEs of a caller's statement: inserts the sealed events of the
 * jsonb parameter `$events` and moves each head in `$heads` (a jsonb array of {tenantId, seq, hash}).
 */
export function insertSealedManyCtes(params: { events: string; heads: string }): string {
  return `ev AS (
  INSERT INTO "Event" ("tenantId", seq, type, "subjectId", at, payload, "prevHash", hash)
  SELECT r."tenantId", r.seq, r.type, r."subjectId", r.at, r.payload, r."prevHash", r.hash
    FROM jsonb_to_recordset(${params.events}::jsonb) AS r("tenantId" text, seq int, type text, "subjectId" text, at text, payload jsonb, "prevHash" text, hash text)
), heads AS (
  UPDATE "ChainHead" h SET seq = v.seq, hash = v.hash
    FROM jsonb_to_recordset(${params.heads}::jsonb) AS v("tenantId" text, seq int, hash text)
   WHERE h."tenantId" = v."tenantId"
)`;
}

const INSERT_SEALED_MANY = `WITH ${insertSealedManyCtes({ events: "$1", heads: "$2" })} SELECT 1`;

/** The whole protocol for one tenant's chain. */
export async function appendEvents(
  conn: ChainConnection,
  tenantId: string,
  events: readonly EventBody[],
): Promise<ChainEvent[]> {
  if (events.length === 0) return [];
  const sealed = await sealAfterHead(conn, tenantId, events);
  const last = sealed.at(-1)!;
  await run(conn, {
    name: "chain_append",
    text: INSERT_SEALED_MANY,
    values: [JSON.stringify(sealed), JSON.stringify([{ tenantId, seq: last.seq, hash: last.hash }])],
  });
  return sealed;
}

/** A write of the caller's that goes into the statement appending the events (one round trip fewer). */
export interface AlongWrite {
  /** The prepared statement's name: one per distinct `cte`. */
  name: string;
  /** One more CTE, named, whose parameters start at $3. */
  cte: string;
  values: unknown[];
}

/**
 * Events of several chains in one transaction: every head locked in one statement (tenant-id order),
 * every event inserted and every head moved in one more, however many tenants — with the caller's
 * own write (`along`) in that same statement when it gives one.
 */
export async function appendToChains(
  conn: pg.PoolClient,
  byTenant: ReadonlyMap<string, readonly EventBody[]>,
  along?: AlongWrite,
): Promise<void> {
  const tenantIds = chainsOf(byTenant);
  if (tenantIds.length === 0 && !along) return;
  const heads = tenantIds.length > 0 ? await lockHeads(conn, tenantIds) : new Map<string, LockedHead>();
  await appendAfterLocked(conn, heads, byTenant, along);
}

/** The chains that `byTenant` appends to, in the one lock order. */
export function chainsOf(byTenant: ReadonlyMap<string, readonly EventBody[]>): string[] {
  return [...byTenant.keys()].filter((t) => byTenant.get(t)!.length > 0).sort();
}

/**
 * The second statement of `appendToChains`, for a caller that locked the heads itself (with
 * `lockHeads(conn, chainsOf(byTenant))`) because it must read something after them.
 */
export async function appendAfterLocked(
  conn: pg.PoolClient,
  heads: Map<string, LockedHead>,
  byTenant: ReadonlyMap<string, readonly EventBody[]>,
  along?: AlongWrite,
): Promise<void> {
  await conn.query(appendStatement(heads, byTenant, along) as pg.QueryConfig);
}

/**
 * The statement `appendAfterLocked` runs (the events sealed after `heads`, which move past them),
 * for a caller that sends it in a pipeline, e.g. with its COMMIT.
 */
export function appendStatement(
  heads: Map<string, LockedHead>,
  byTenant: ReadonlyMap<string, readonly EventBody[]>,
  along?: AlongWrite,
): PipelinedStatement {
  const tenantIds = chainsOf(byTenant);
  const sealed = tenantIds.flatMap((t) => sealAfter(heads.get(t)!, t, byTenant.get(t)!));
  return {
    name: along?.name ?? "chain_append_many",
    text: along
      ? `WITH ${insertSealedManyCtes({ events: "$1", heads: "$2" })}, ${along.cte} SELECT 1`
      : INSERT_SEALED_MANY,
    values: [JSON.stringify(sealed), JSON.stringify(movedHeads(heads, tenantIds)), ...(along?.values ?? [])],
  };
}

/** The `$heads` parameter of `insertSealedManyCtes`: where each of these chains' heads now is. */
export function movedHeads(heads: ReadonlyMap<string, LockedHead>, tenantIds: readonly string[]) {
  return tenantIds.map((tenantId) => ({
    tenantId,
    seq: heads.get(tenantId)!.seq,
    hash: heads.get(tenantId)!.hash,
  }));
}

/** Collects events per chain for `appendToChains`. */
export class ChainBatch extends Map<string, EventBody[]> {
  add(tenantId: string, event: EventBody): void {
    const list = this.get(tenantId);
    if (list) list.push(event);
    else this.set(tenantId, [event]);
  }
}

/** The Event columns that make a chain event, for every reader (verification, evidence, the relay). */
export const EVENT_COLUMNS = `"tenantId", seq, type, "subjectId", at, payload, "prevHash", hash`;

export interface EventRow {
  tenantId: string;
  seq: number;
  type: string;
  subjectId: string;
  at: string;
  payload: unknown;
  prevHash: string;
  hash: string;
}

export function toChainEvent(row: EventRow): ChainEvent {
  return {
    tenantId: row.tenantId,
    seq: row.seq,
    type: row.type,
    subjectId: row.subjectId,
    at: row.at,
    payload: row.payload as Record<string, unknown>,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}
