import { randomBytes } from "node:crypto";

// Opaque ids with a type prefix (`int_`, `dec_`, ...): 128 random bits, URL-safe. The source can be
// swapped for a counter by the one program that must be byte-reproducible (scripts/make-examples.ts,
// which runs the real services to produce docs/examples); the server never swaps it.

type IdSource = (prefix: string) => string;

// Random bytes are drawn 4 KiB at a time and each 16 of them used once (as crypto.randomUUID does):
// one call into OpenSSL per 256 ids instead of one per id (issue 13: ~4 ids per decision).
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let taken = POOL_BYTES;

function random16(): Buffer {
  if (taken + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  taken += 16;
  return pool.subarray(taken - 16, taken);
}

const randomIds: IdSource = (prefix) => `${prefix}_${random16().toString("base64url")}`;
let source: IdSource = randomIds;

export function newId(prefix: string): string {
  return source(prefix);
}

/** Numbered ids (`dec_0001`, `dec_0002`, …, one counter per prefix) until the returned function is called. */
export function switchToSequentialIds(): () => void {
  const counters = new Map<string, number>();
  source = (prefix) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}_${String(n).padStart(4, "0")}`;
  };
  return () => {
    source = randomIds;
  };
}

/** Millisecond UTC timestamps as the core parses them. */
export function iso(date: Date): string {
  return date.toISOString();
}
