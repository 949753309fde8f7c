// The per-tenant hash chain. Each event commits to its predecessor:
//   hash = sha256(prevHash ‖ JCS(event without hash))
// so rewriting, dropping or reordering any past event breaks every hash after it.

import { z } from "zod";
import { type CanonicalMemo, canonicalJson } from "./canonical";
import type { CryptoProvider } from "./crypto";
import { nameString, tenantIdSchema, timestampSchema } from "./schemas";

export const GENESIS_HASH = "0".repeat(64);

const hashSchema = z
  .string({ error: "must be a string" })
  .regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex digits" });

export const chainEventSchema = z.strictObject({
  tenantId: tenantIdSchema,
  seq: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" }),
  type: z
    .string({ error: "must be a string" })
    .regex(/^[a-z]+(?:\.[a-z_]+)+$/, { error: "must be a dotted event type" }),
  subjectId: nameString(),
  at: timestampSchema,
  payload: z.record(z.string(), z.unknown(), { error: "must be an object" }),
  prevHash: hashSchema,
  hash: hashSchema,
});
export type ChainEvent = z.infer<typeof chainEventSchema>;
type UnsealedEvent = Omit<ChainEvent, "hash">;
type NewEvent = Omit<ChainEvent, "seq" | "prevHash" | "hash">;

export function eventHash(crypto: CryptoProvider, event: UnsealedEvent, memo?: CanonicalMemo): string {
  const { tenantId, seq, type, subjectId, at, payload, prevHash } = event;
  return crypto.sha256Hex(
    prevHash + canonicalJson({ tenantId, seq, type, subjectId, at, payload, prevHash }, memo),
  );
}

/** The event that follows `previous` (or starts the chain). */
export function sealEvent(
  crypto: CryptoProvider,
  previous: Pick<ChainEvent, "seq" | "hash"> | null,
  event: NewEvent,
): ChainEvent {
  const unsealed: UnsealedEvent = {
    ...event,
    seq: previous ? previous.seq + 1 : 1,
    prevHash: previous ? previous.hash : GENESIS_HASH,
  };
  return { ...unsealed, hash: eventHash(crypto, unsealed) };
}

type ChainBreak = { seq: number; problem: string };

/**
 * Checks a run of consecutive events (a whole chain from seq 1, or a window that continues from
 * `previous`) and names the first broken seq.
 */
export function verifyChainSegment(
  crypto: CryptoProvider,
  events: readonly ChainEvent[],
  previous: Pick<ChainEvent, "seq" | "hash"> | null = null,
): { ok: true; count: number; head: string } | { ok: false; firstBroken: ChainBreak } {
  let expectedSeq = previous ? previous.seq + 1 : 1;
  let expectedPrev = previous ? previous.hash : GENESIS_HASH;
  for (const event of events) {
    if (event.seq !== expectedSeq) {
      return {
        ok: false,
        firstBroken: { seq: expectedSeq, problem: `expected seq ${expectedSeq}, found ${event.seq}` },
      };
    }
    if (event.prevHash !== expectedPrev) {
      return {
        ok: false,
        firstBroken: { seq: event.seq, problem: "prevHash does not match the previous event's hash" },
      };
    }
    if (eventHash(crypto, event) !== event.hash) {
      return { ok: false, firstBroken: { seq: event.seq, problem: "content does not match its hash" } };
    }
    expectedSeq++;
    expectedPrev = event.hash;
  }
  return { ok: true, count: events.length, head: expectedPrev };
}
