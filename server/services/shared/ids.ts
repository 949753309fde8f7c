import { randomBytes } from "node:crypto";

// Opaque ids with a type prefix (`int_`, `dec_`, ...): 128 random bits, URL-safe. The source can be
// swapped for a counter by the one program that must be byte-reproducible (scripts/make-examples.ts,
// which runs the real services to produce docs/examples); the server never swaps it.

type IdSource = (prefix: string) => string;

const randomIds: IdSource = (prefix) => `${prefix}_${randomBytes(16).toString("base64url")}`;
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
