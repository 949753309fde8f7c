// Sign-in attempts, on top of better-auth's per-client limit (which keys on the same client
// address, server/net/client-address.ts). Two rules, chosen so that an attacker can neither guess
// fast nor lock the owner out:
// - per (account, client): EXOARMUR_SIGNIN_PER_MINUTE attempts a minute (default 10), then 429 with
//   Retry-After. The attacker's client is refused; the owner, on another client, is not.
// - per account: once it has had ACCOUNT_FAILURES_BEFORE_SLOWDOWN failed sign-ins within
//   ACCOUNT_WINDOW_MS (from any clients), each further attempt on it waits ACCOUNT_SLOWDOWN_MS
//   before it is checked. A guesser spread over many addresses is slowed; the owner waits at most
//   that delay — never a lock-out.
// In memory, per process (see window-counter.ts): per instance the limits hold as stated.

import { sharedWindowCounter } from "./window-counter";

const MINUTE_MS = 60_000;
const ACCOUNT_WINDOW_MS = 15 * MINUTE_MS;
export const ACCOUNT_FAILURES_BEFORE_SLOWDOWN = 10;
export const ACCOUNT_SLOWDOWN_MS = 1000;

const perAccountAndClient = sharedWindowCounter("sign-in-account-client", MINUTE_MS);
const accountFailures = sharedWindowCounter("sign-in-account", ACCOUNT_WINDOW_MS);

/** Attempts per (account, client) a minute. */
export function signInLimit(): number {
  return Number(process.env.EXOARMUR_SIGNIN_PER_MINUTE ?? 10);
}

/** Attempts per client a minute, whatever the accounts (better-auth's limit on /sign-in/email). */
export function signInPerClientLimit(): number {
  return Number(process.env.EXOARMUR_SIGNIN_PER_IP_PER_MINUTE ?? 30);
}

const accountOf = (email: string) => email.trim().toLowerCase();

/** Seconds to wait when this attempt is over the (account, client) limit, else null (and it is counted). */
export function throttleSignIn(email: string, client: string, now = Date.now()): number | null {
  const key = `${accountOf(email)}\n${client}`;
  const count = perAccountAndClient.hit(key, now);
  return count > signInLimit() ? perAccountAndClient.retryAfterSeconds(key, now) : null;
}

/** How long this attempt waits before it is checked: 0, or the slowdown of a guessed account. */
export function accountDelayMs(email: string, now = Date.now()): number {
  return accountFailures.count(accountOf(email), now) >= ACCOUNT_FAILURES_BEFORE_SLOWDOWN
    ? ACCOUNT_SLOWDOWN_MS
    : 0;
}

/** A sign-in that failed for a wrong password (not one refused by a throttle). */
export function recordSignInFailure(email: string, now = Date.now()): void {
  accountFailures.hit(accountOf(email), now);
}
