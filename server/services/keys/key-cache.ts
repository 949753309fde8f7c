// The in-process cache of authenticated API keys: sha256(key) → the principal `authenticate` returns.
// Every REST and tRPC request with a key authenticates, so this is the hottest read there is.
//
// What bounds it:
// - size: at most 10,000 keys, least recently used evicted first. Only keys that authenticate are
//   stored: an unknown or revoked token is looked up every time (the bearer throttle answers a client
//   that sprays them), so random tokens cannot grow memory;
// - staleness: whatever changes what `authenticate` returns notifies the channel `exoarmur_api_keys`
//   in its own transaction (database triggers on "ApiKey" and "User", so services, the CLI, migrations
//   and psql alike; prisma/migrations/20261201194500_api_key_cache_notify), and every instance drops
//   the entry when the notice arrives, at commit. While this instance's LISTEN connection is not in
//   effect (starting, lost, reconnecting) an entry is served for at most 1 s after its query started,
//   and when LISTEN (re)starts everything is dropped (notices sent meanwhile are lost). Even while
//   listening, an entry lives at most 60 s;
// - races: a lookup that was in flight when a notice arrived is answered but not stored, and later
//   requests do not join it, so nothing read before a revocation outlives its notice.
//
// The LISTEN connection is opened when the first entry is stored (a process that never authenticates,
// like the CLI, never opens it) and closed with the Db (server/db/notifications.ts).

import type { Db } from "../../db/client";
import type { Listening } from "../../db/notifications";
import type { Principal } from "../access/principal";

export type KeyPrincipal = Extract<Principal, { kind: "api-key" }>;

/** The channel the triggers notify: `key:<ApiKey.id>`, `user:<User.id>`, or `*` (everything). */
export const API_KEYS_CHANNEL = "exoarmur_api_keys";

export interface KeyCacheOptions {
  maxEntries?: number;
  /** How long an entry lives while notifications arrive. */
  maxAgeMs?: number;
  /** How long an entry lives while they may not. */
  fallbackAgeMs?: number;
  /** Whether notifications are arriving now. */
  live?: () => boolean;
  /** Called each time an entry is stored (the wiring opens the LISTEN connection on the first). */
  onStore?: () => void;
  /** A monotonic clock in milliseconds. */
  now?: () => number;
}

interface Entry {
  principal: KeyPrincipal;
  /** When the query that read it started. */
  since: number;
}

export class KeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<KeyPrincipal | null>>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  readonly #fallbackAgeMs: number;
  readonly #live: () => boolean;
  readonly #onStore: () => void;
  readonly #now: () => number;
  /** Bumped by every invalidation: a lookup that started before one is not stored. */
  #generation = 0;

  constructor(options: KeyCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#fallbackAgeMs = options.fallbackAgeMs ?? 1000;
    this.#live = options.live ?? (() => false);
    this.#onStore = options.onStore ?? (() => {});
    this.#now = options.now ?? (() => performance.now());
  }

  /** The principal for `keyHash`, from the cache or `load` (one load at a time per key); null: refused. */
  async get(keyHash: string, load: () => Promise<KeyPrincipal | null>): Promise<KeyPrincipal | null> {
    const entry = this.#entries.get(keyHash);
    if (entry) {
      this.#entries.delete(keyHash);
      if (this.#now() - entry.since <= (this.#live() ? this.#maxAgeMs : this.#fallbackAgeMs)) {
        this.#entries.set(keyHash, entry); // most recently used last
        return copy(entry.principal);
      }
    }
    let pending = this.#loading.get(keyHash);
    if (!pending) {
      const started = this.#load(keyHash, load);
      const done = () => {
        if (this.#loading.get(keyHash) === started) this.#loading.delete(keyHash);
      };
      started.then(done, done);
      this.#loading.set(keyHash, started);
      pending = started;
    }
    const principal = await pending;
    return principal && copy(principal);
  }

  /** A notice on API_KEYS_CHANNEL: `key:<id>` and `user:<id>` drop what they name, anything else all. */
  invalidate(payload: string): void {
    const colon = payload.indexOf(":");
    const [kind, id] = colon > 0 ? [payload.slice(0, colon), payload.slice(colon + 1)] : [payload, ""];
    if (kind !== "key" && kind !== "user") {
      this.clear();
      return;
    }
    this.#generation++;
    this.#loading.clear();
    for (const [hash, { principal }] of this.#entries)
      if (kind === "key" ? principal.id === id : principal.person?.id === id) this.#entries.delete(hash);
  }

  clear(): void {
    this.#generation++;
    this.#loading.clear();
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Lookups in flight. */
  get loading(): number {
    return this.#loading.size;
  }

  /** Whether invalidations arrive (entries live up to the maximum age), or not (1 s). */
  get live(): boolean {
    return this.#live();
  }

  async #load(keyHash: string, load: () => Promise<KeyPrincipal | null>): Promise<KeyPrincipal | null> {
    const generation = this.#generation;
    const since = this.#now();
    const principal = await load();
    if (principal && generation === this.#generation) {
      this.#onStore();
      this.#entries.delete(keyHash);
      this.#entries.set(keyHash, { principal: copy(principal), since });
      for (const oldest of this.#entries.keys()) {
        if (this.#entries.size <= this.#maxEntries) break;
        this.#entries.delete(oldest);
      }
    }
    return principal;
  }
}

/** Callers get their own object: what one does to its principal must not reach the cache. */
const copy = (p: KeyPrincipal): KeyPrincipal => ({ ...p, person: p.person ? { ...p.person } : null });

const holder = globalThis as unknown as { __exoarmurKeyCaches?: WeakMap<Db, KeyCache> };

/** The cache of one Db (one app instance), created on first use; kept on globalThis like the Db. */
export function keyCacheOf(db: Db): KeyCache {
  holder.__exoarmurKeyCaches ??= new WeakMap();
  const caches = holder.__exoarmurKeyCaches;
  let cache = caches.get(db);
  if (!cache) {
    let listening: Listening | null = null;
    const created = new KeyCache({
      live: () => listening?.live === true,
      onStore: () => {
        listening ??= db.notifications.listen(API_KEYS_CHANNEL, {
          notify: (payload) => created.invalidate(payload),
          reset: () => created.clear(),
        });
      },
    });
    caches.set(db, created);
    cache = created;
  }
  return cache;
}
