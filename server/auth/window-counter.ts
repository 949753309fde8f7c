// A fixed-window counter per key, in memory, bounded in size. Throttles are per process on purpose:
// they bound what one client can try against one instance (N instances allow N times as much, which
// the documented limits state), need no database round trip on the hot path, and cost nothing when
// the database is down. When the map is full, expired windows are swept; if none has expired, the
// oldest entries go first (a flood of fresh keys then forgets old counts early rather than growing).

export interface WindowCounter {
  /** Counts one event for `key` now; returns the count in the current window. */
  hit(key: string, now?: number): number;
  /** The count in the current window, without counting. */
  count(key: string, now?: number): number;
  /** Seconds until the window of `key` ends (at least 1). */
  retryAfterSeconds(key: string, now?: number): number;
}

export function windowCounter(windowMs: number, maxKeys = 100_000): WindowCounter {
  const windows = new Map<string, { start: number; count: number }>();
  const current = (key: string, now: number) => {
    const window = windows.get(key);
    if (!window || now - window.start >= windowMs) return null;
    return window;
  };
  const sweep = (now: number) => {
    for (const [key, window] of windows) if (now - window.start >= windowMs) windows.delete(key);
    // Still full: drop the oldest (Map keeps insertion order).
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  };
  return {
    hit(key, now = Date.now()) {
      let window = current(key, now);
      if (!window) {
        if (windows.size >= maxKeys) sweep(now);
        window = { start: now, count: 0 };
        windows.delete(key);
        windows.set(key, window);
      }
      window.count++;
      return window.count;
    },
    count(key, now = Date.now()) {
      return current(key, now)?.count ?? 0;
    },
    retryAfterSeconds(key, now = Date.now()) {
      const window = current(key, now);
      return window ? Math.max(1, Math.ceil((window.start + windowMs - now) / 1000)) : 1;
    },
  };
}

const shared = globalThis as unknown as { __exoarmurWindowCounters?: Map<string, WindowCounter> };

/**
 * One counter per name and process, kept on globalThis: the REST fast path and Next load their own
 * copies of the modules that count (server/http/main.ts), and a client's budget must be one.
 */
export function sharedWindowCounter(name: string, windowMs: number, maxKeys?: number): WindowCounter {
  shared.__exoarmurWindowCounters ??= new Map();
  let counter = shared.__exoarmurWindowCounters.get(name);
  if (!counter) {
    counter = windowCounter(windowMs, maxKeys);
    shared.__exoarmurWindowCounters.set(name, counter);
  }
  return counter;
}
