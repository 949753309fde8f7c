// Comparing a presented secret with the expected one without telling how long either is, or where
// they first differ: both are hashed to 32 bytes and the digests compared in constant time.

import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
