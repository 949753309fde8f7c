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
  const upTo = head?.seq ?? Number.MAX_SAFE_INTEGER;
  let previous: ChainEvent | null = null;
  let count = 0;
  for (;;) {
    const after: number = previous?.seq ?? 0;
    const rows = await db.event.findMany({
      where: { tenantId, seq: { gt: after, lte: upTo } },
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
  if (head && head.seq !== count)
    return broken(count + 1, `chain head says ${head.seq} events, found ${count}`);
  // The head is written with every append and nowhere else: a last event rewritten together with
  // its own hash still chains, but no longer ends where the head says.
  const recomputed = previous?.hash ?? GENESIS_HASH;
  if (head && head.hash !== recomputed)
    return broken(
      count,
      `chain head hash ${head.hash.slice(0, 16)}… does not match the last event's ${recomputed.slice(0, 16)}…`,
    );
  const past = head && (await eventPastTheHead(db, tenantId));
  if (past)
    return broken(past.seq, `event ${past.seq} is past the chain head (${past.head}): no append wrote it`);
  return { ok: true, tenantId, events: count, head: recomputed };
}

/**
 * An event beyond the head, both read in one snapshot (appends that commit meanwhile move both):
 * only a row written behind the application's back is there.
 */
async function eventPastTheHead(db: Db, tenantId: string): Promise<{ seq: number; head: number } | null> {
  return readInSnapshot(db, async (tx) => {
    const head = await tx.chainHead.findUnique({ where: { tenantId }, select: { seq: true } });
    const past = await tx.event.findFirst({
      where: { tenantId, seq: { gt: head?.seq ?? 0 } },
      orderBy: { seq: "asc" },
      select: { seq: true },
    });
    return past ? { seq: past.seq, head: head?.seq ?? 0 } : null;
  });
}
