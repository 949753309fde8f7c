import { describe, expect, it } from "vitest";
import { KeyCache, type KeyPrincipal } from "./key-cache";

// The cache's rules on a hand-driven clock and connection state; tests/services/api-key-cache.test.ts
// checks them against PostgreSQL (two instances, LISTEN/NOTIFY, a killed connection).

const principal = (id: string, personId: string | null = null): KeyPrincipal => ({
  kind: "api-key",
  id,
  tenantId: "acme",
  role: "client",
  name: id,
  person: personId ? { id: personId, email: `${personId}@acme.test` } : null,
  creatorUserId: null,
});

function setup(options: { maxEntries?: number } = {}) {
  const state = { now: 0, live: true, loads: [] as string[], stores: 0 };
  const rows = new Map<string, KeyPrincipal>();
  const cache = new KeyCache({
    ...options,
    now: () => state.now,
    live: () => state.live,
    onStore: () => state.stores++,
  });
  const get = (hash: string) =>
    cache.get(hash, async () => {
      state.loads.push(hash);
      return rows.get(hash) ?? null;
    });
  return { state, rows, cache, get };
}

/** A load that finishes when told to. */
function deferred() {
  let resolve!: (value: KeyPrincipal | null) => void;
  const promise = new Promise<KeyPrincipal | null>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("KeyCache", () => {
  it("serves a stored key without a query, as a copy the caller may change", async () => {
    const { state, rows, get } = setup();
    rows.set("h1", principal("k1", "u1"));
    const first = await get("h1");
    first!.person!.email = "changed";
    expect(await get("h1")).toEqual(principal("k1", "u1"));
    expect(state.loads).toEqual(["h1"]);
    expect(state.stores).toBe(1);
  });

  it("never stores a refusal: unknown tokens are looked up each time and leave nothing behind", async () => {
    const { state, cache, get } = setup({ maxEntries: 5 });
    for (let i = 0; i < 100; i++) expect(await get(`unknown-${i % 2}`)).toBeNull();
    expect(state.loads).toHaveLength(100);
    expect([cache.size, cache.loading, state.stores]).toEqual([0, 0, 0]);
  });

  it("holds at most maxEntries keys, evicting the least recently used", async () => {
    const { state, rows, cache, get } = setup({ maxEntries: 3 });
    for (const n of [1, 2, 3, 4]) rows.set(`h${n}`, principal(`k${n}`));
    await get("h1");
    await get("h2");
    await get("h3");
    await get("h1"); // h2 is now the least recently used
    await get("h4");
    expect(cache.size).toBe(3);
    state.loads.length = 0;
    for (const hash of ["h1", "h3", "h4", "h2"]) await get(hash);
    expect(state.loads).toEqual(["h2"]);
    expect(cache.size).toBe(3);
  });

  it("while notifications arrive an entry lives 60 s; while they may not, 1 s from its query", async () => {
    const { state, rows, get } = setup();
    rows.set("h1", principal("k1"));
    const at = async (now: number, loads: number) => {
      state.now = now;
      await get("h1");
      expect(state.loads).toHaveLength(loads);
    };
    await at(0, 1);
    await at(60_000, 1);
    await at(60_001, 2);
    state.live = false; // the LISTEN connection is lost: the entry (1 ms old) is good for a second more
    await at(61_001, 2);
    await at(61_002, 3);
    await at(62_002, 3);
    await at(62_003, 4);
  });

  it("drops what a notice names: key:<id>, user:<id> (keys acting for them), anything else everything", async () => {
    const { state, rows, cache, get } = setup();
    rows.set("h1", principal("k1", "u1"));
    rows.set("h2", principal("k2", "u2"));
    rows.set("h3", principal("k3"));
    const all = async () => {
      for (const hash of ["h1", "h2", "h3"]) await get(hash);
    };
    await all();
    cache.invalidate("key:k2");
    state.loads.length = 0;
    await all();
    expect(state.loads).toEqual(["h2"]);
    cache.invalidate("user:u1");
    state.loads.length = 0;
    await all();
    expect(state.loads).toEqual(["h1"]);
    cache.invalidate("*");
    expect(cache.size).toBe(0);
    await all();
    cache.invalidate("something-new");
    expect(cache.size).toBe(0);
  });

  it("concurrent first requests share one lookup", async () => {
    const { cache } = setup();
    const load = deferred();
    let loads = 0;
    const lookup = () =>
      cache.get("h1", () => {
        loads++;
        return load.promise;
      });
    const answers = [lookup(), lookup(), lookup()];
    expect(cache.loading).toBe(1);
    load.resolve(principal("k1"));
    expect(await Promise.all(answers)).toEqual([principal("k1"), principal("k1"), principal("k1")]);
    expect([loads, cache.size, cache.loading]).toEqual([1, 1, 0]);
  });

  it("a lookup in flight when a notice arrives is answered but not stored, and later requests do not join it", async () => {
    const { cache } = setup();
    const stale = deferred();
    const fresh = deferred();
    const loads = [stale, fresh];
    const lookup = () => cache.get("h1", () => loads.shift()!.promise);
    const before = lookup();
    cache.invalidate("key:k1"); // revoked while the row was being read
    const after = lookup();
    stale.resolve(principal("k1"));
    fresh.resolve(null);
    expect(await before).toEqual(principal("k1"));
    expect(await after).toBeNull();
    expect(cache.size).toBe(0);

    // The same after a reconnect (clear): nothing read before it is kept.
    const again = deferred();
    const pending = cache.get("h1", () => again.promise);
    cache.clear();
    again.resolve(principal("k1"));
    await pending;
    expect(cache.size).toBe(0);
  });
});
