import { type ChainEvent, GENESIS_HASH, verifyChainSegment } from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { Db } from "../../db/client";
import { readInSnapshot } from "../shared/transaction";
import { toChainEvent } from "./append";

export type ChainReport =
  | { ok: true; tenantId: string; events: number; head: string }
  | { ok: false; tenantId: string; events: number; firstBrokenSeq: number; problem: string };

/**
 * Recomputes a tenant's chain from seq 1, in pages, up to the head as it stood when the check began,
 * and names the first broken seq. Each append moves the head in the commit that adds its events, so
 * every event up to that head is already there, however many decisions commit during the check;
 * reading the head last instead made a chain that grew meanwhile look short (a false alarm).
 */
export async function verifyChain(db: Db, tenantId: string, pageSize = 2000): Promise<ChainReport> {
  const head = await db.chainHead.findUnique({ where: { tenantId } });
  // The first append of a chain creates its head: no head, no events (or a head row deleted).
  if (!head) return headless(db, tenantId);
  let previous: ChainEvent | null = null;
  let count = 0;
  for (;;) {
    const after: number = previous?.seq ?? 0;
    const rows = await db.event.findMany({
      where: { tenantId, seq: { gt: after, lte: head.seq } },
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
  const broken = (firstBrokenSeq: number, problem: string): ChainReport => ({
    ok: false,
    tenantId,
    events: count,
    firstBrokenSeq,
    problem,
  });
  if (head.seq !== count) return broken(count + 1, `chain head says ${head.seq} events, found ${count}`);
  // The head is written with every append and nowhere else: a last event rewritten together with
  // its own hash still chains, but no longer ends where the head says.
  const recomputed = previous?.hash ?? GENESIS_HASH;
  if (head.hash !== recomputed)
    return broken(
      count,
      `chain head hash ${head.hash.slice(0, 16)}… does not match the last event's ${recomputed.slice(0, 16)}…`,
    );
  const stray = await eventOutsideTheChain(db, tenantId);
  if (stray)
    return broken(
      stray.seq,
      `event ${stray.seq} is outside the chain (seq 1 to the head, ${stray.head}): no append wrote it`,
    );
  return { ok: true, tenantId, events: count, head: recomputed };
}

/**
 * An event past the head, or at a seq no append gives (0 or below), with the head read in the same
 * snapshot (appends that commit meanwhile move both): only a row written behind the application's
 * back is there.
 */
async function eventOutsideTheChain(db: Db, tenantId: string): Promise<{ seq: number; head: number } | null> {
  return readInSnapshot(db, async (tx) => {
    const head = (await tx.chainHead.findUnique({ where: { tenantId }, select: { seq: true } }))?.seq ?? 0;
    const stray = await tx.event.findFirst({
      where: { tenantId, OR: [{ seq: { gt: head } }, { seq: { lte: 0 } }] },
      orderBy: { seq: "asc" },
      select: { seq: true },
    });
    return stray ? { seq: stray.seq, head } : null;
  });
}

/** A chain without a head: intact and empty if it has no event either, else its head was deleted. */
async function headless(db: Db, tenantId: string): Promise<ChainReport> {
  const first = await db.event.findFirst({
    where: { tenantId },
    orderBy: { seq: "asc" },
    select: { seq: true },
  });
  if (!first) return { ok: true, tenantId, events: 0, head: GENESIS_HASH };
  const events = await db.event.count({ where: { tenantId } });
  return {
    ok: false,
    tenantId,
    events,
    firstBrokenSeq: first.seq,
    problem: `${events} events but no chain head: the head row was deleted`,
  };
}
