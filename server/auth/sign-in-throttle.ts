// Sign-in attempts per account, on top of better-auth's per-IP limit: the client IP is only as good
// as the forwarding headers a deployment can trust, while the account being guessed is always known.
// A fixed one-minute window per email (lower-cased), in memory: per app instance, which bounds a
// guesser to (instances × limit) tries a minute.

const WINDOW_MS = 60_000;
const windows = new Map<string, { start: number; count: number }>();

export function signInLimit(): number {
  return Number(process.env.EXOARMUR_SIGNIN_PER_MINUTE ?? 10);
}

/** Seconds to wait when this attempt is over the limit, else null (and the attempt is counted). */
export function throttleSignIn(email: string, now = Date.now()): number | null {
  const key = email.trim().toLowerCase();
  let window = windows.get(key);
  if (!window || now - window.start >= WINDOW_MS) {
    window = { start: now, count: 0 };
    windows.set(key, window);
  }
  if (windows.size > 100_000) {
    for (const [k, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(k);
  }
  window.count++;
  return window.count > signInLimit() ? Math.ceil((window.start + WINDOW_MS - now) / 1000) : null;
}
