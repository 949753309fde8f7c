import { type ChainEvent, GENESIS_HASH, type NewEvent, sealEvent, verifyChainSegment } from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";

export type Tx = Prisma.TransactionClient;

/** The chain that holds platform-wide changes (the global kill switch); tenant ids cannot start with "_". */
export const PLATFORM_CHAIN = "_platform";

/**
 * Appends events to a tenant's chain inside the caller's transaction. The ChainHead row is locked
 * FOR UPDATE, so concurrent transactions of one tenant take seqs one after another, gapless, and a
 * rolled-back transaction gives its seqs back.
 */
export async function appendEvents(
  tx: Tx,
  tenantId: string,
  events: Omit<NewEvent, "tenantId">[],
): Promise<ChainEvent[]> {
  if (events.length === 0) return [];
  await tx.$executeRaw`INSERT INTO "ChainHead" ("tenantId", seq, hash) VALUES (${tenantId}, 0, ${GENESIS_HASH}) ON CONFLICT DO NOTHING`;
  const [head] = await tx.$queryRaw<{ seq: number; hash: string }[]>`
    SELECT seq, hash FROM "ChainHead" WHERE "tenantId" = ${tenantId} FOR UPDATE`;
  let previous: { seq: number; hash: string } | null = head && head.seq > 0 ? head : null;
  const sealed: ChainEvent[] = [];
  for (const event of events) {
    const next = sealEvent(nodeCrypto, previous, { tenantId, ...event });
    sealed.push(next);
    previous = next;
  }
  await tx.event.createMany({
    data: sealed.map((e) => ({
      tenantId: e.tenantId,
      seq: e.seq,
      type: e.type,
      subjectId: e.subjectId,
      at: e.at,
      payload: e.payload as Prisma.InputJsonValue,
      prevHash: e.prevHash,
      hash: e.hash,
    })),
  });
  const last = sealed.at(-1)!;
  await tx.$executeRaw`UPDATE "ChainHead" SET seq = ${last.seq}, hash = ${last.hash} WHERE "tenantId" = ${tenantId}`;
  return sealed;
}

export function toChainEvent(row: {
  tenantId: string;
  seq: number;
  type: string;
  subjectId: string;
  at: string;
  payload: unknown;
  prevHash: string;
  hash: string;
}): ChainEvent {
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

export type ChainReport =
  | { ok: true; tenantId: string; events: number; head: string }
  | { ok: false; tenantId: string; events: number; firstBrokenSeq: number; problem: string };

/** Recomputes a tenant's whole chain from seq 1, in pages, and names the first broken seq. */
export async function verifyChain(db: Db, tenantId: string, pageSize = 2000): Promise<ChainReport> {
  let previous: ChainEvent | null = null;
  let count = 0;
  for (;;) {
    const after: number = previous?.seq ?? 0;
    const rows = await db.event.findMany({
      where: { tenantId, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: pageSize,
    });
    if (rows.length === 0) break;
    const events: ChainEvent[] = rows.map(toChainEvent);
    const result = verifyChainSegment(nodeCrypto, events, previous);
    if (!result.ok)
      return {
        ok: false,
        tenantId,
        events: count + events.length,
        firstBrokenSeq: result.firstBroken.seq,
        problem: result.firstBroken.problem,
      };
    count += events.length;
    previous = events.at(-1)!;
  }
  const head = await db.chainHead.findUnique({ where: { tenantId } });
  if (head && head.seq !== count) {
    return {
      ok: false,
      tenantId,
      events: count,
      firstBrokenSeq: count + 1,
      problem: `chain head says ${head.seq} events, found ${count}`,
    };
  }
  return { ok: true, tenantId, events: count, head: previous?.hash ?? GENESIS_HASH };
}

/** Interactive transactions wait for a pooled connection under load rather than failing after Prisma's 2 s default. */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;
