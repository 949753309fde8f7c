import { type ChainEvent, GENESIS_HASH, verifyChainSegment } from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { Db } from "../../db/client";
import { toChainEvent } from "./append";

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
  // The head is written with every append and nowhere else: a last event rewritten together with
  // its own hash still chains, but no longer ends where the head says.
  const recomputed = previous?.hash ?? GENESIS_HASH;
  if (head && head.hash !== recomputed) {
    return {
      ok: false,
      tenantId,
      events: count,
      firstBrokenSeq: count,
      problem: `chain head hash ${head.hash.slice(0, 16)}… does not match the last event's ${recomputed.slice(0, 16)}…`,
    };
  }
  return { ok: true, tenantId, events: count, head: previous?.hash ?? GENESIS_HASH };
}
