// Failed bearer tokens (unknown or revoked API keys, a wrong admin token), per client address: after
// EXOARMUR_BEARER_FAILURES_PER_MINUTE failures (default 20) the client's bearer requests are refused
// with 429 + Retry-After until its window ends — before the token is looked at, so that the refusal
// says nothing about whether the token was good. In memory, per process (see window-counter.ts).

import { sharedWindowCounter } from "./window-counter";

const failures = sharedWindowCounter("bearer-failures", 60_000);

function limit(): number {
  const value = Number(process.env.EXOARMUR_BEARER_FAILURES_PER_MINUTE ?? 20);
  return Number.isInteger(value) && value > 0 ? value : 20;
}

/** Seconds this client must wait before presenting a bearer token again, or null. */
export function bearerRetryAfter(client: string, now = Date.now()): number | null {
  return failures.count(client, now) >= limit() ? failures.retryAfterSeconds(client, now) : null;
}

export function recordBearerFailure(client: string, now = Date.now()): void {
  failures.hit(client, now);
}
