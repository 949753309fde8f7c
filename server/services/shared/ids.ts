import { randomBytes } from "node:crypto";

/** Opaque ids with a type prefix (`int_`, `dec_`, ...): 128 random bits, URL-safe. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("base64url")}`;
}

/** Millisecond UTC timestamps as the core parses them. */
export function iso(date: Date): string {
  return date.toISOString();
}
