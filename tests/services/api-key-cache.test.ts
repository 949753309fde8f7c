import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { PLATFORM_ADMIN, type Principal } from "../../server/services/access/principal";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { authenticate, createApiKey, revokeApiKey } from "../../server/services/keys/api-keys";
import { keyCacheOf } from "../../server/services/keys/key-cache";
import { ServiceError } from "../../server/services/shared/errors";
import { updateTenant } from "../../server/services/tenants/tenants";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { refusal } from "../support/refusal";
import { sleep } from "../support/wait";

// The in-process API key cache (server/services/keys/key-cache.ts) against a real PostgreSQL: two
// `Db` handles on one database are two app instances, each with its own cache and LISTEN connection.
// What a cache must never do: serve a revoked key for more than a second on any instance, change what
// `authenticate` returns, or grow with tokens nobody holds.

let url: string;
let a: Db; // the instance that revokes
let b: Db; // another app instance
let acme: TenantFixture;

const bearer = (key: string) => `Bearer ${key}`;

/** Resolves to the principal, or to the ServiceError code authenticate refused with. */
async function attempt(db: Db, key: string): Promise<Principal | string> {
  try {
    return await authenticate(db, bearer(key), "");
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }
}

/** Pool checkouts: one per query outside a transaction (how Prisma's pg adapter runs a query). */
function countQueries(db: Db): { readonly count: number; stop(): void } {
  let count = 0;
  const onAcquire = () => count++;
  db.pool.on("acquire", onAcquire);
  return {
    get count() {
      return count;
    },
    stop: () => db.pool.off("acquire", onAcquire),
  };
}

/** Milliseconds until `db` refuses `key` (polled every 10 ms); fails past `limitMs`. */
async function refusedWithin(db: Db, key: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await attempt(db, key)) === "UNAUTHENTICATED") return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`still accepted after ${limitMs} ms`);
    await sleep(10);
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs = 10_000) {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(10);
  }
}

/** This database's LISTEN connections (one per instance whose cache holds an entry). */
async function listeners(): Promise<number[]> {
  const rows = await a.$queryRaw<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'exoarmur-listen' ORDER BY pid`;
  return rows.map((row) => row.pid);
}

async function newKey(role: "client" | "admin" = "client") {
  return createApiKey(a, PLATFORM_ADMIN, "acme", { role, name: `k-${randomBytes(3).toString("hex")}` });
}

beforeAll(async () => {
  ({ url, db: a } = await createTestDatabase());
  b = createDb(url);
  acme = await seedTenant(a, "acme");
});

afterAll(async () => {
  await b.$disconnect();
  await a.$disconnect();
});

describe("the API key cache", () => {
  it("a process that never authenticates opens no LISTEN connection", async () => {
    expect(await listeners()).toEqual([]);
  });

  it("returns the same principal as before: a key acting for a person, one a user created, one nobody did", async () => {
    const alice = acme.keys.operator;
    for (const db of [a, b, a, b]) expect(await attempt(db, alice.key)).toEqual(alice.principal);
    expect(alice.principal).toMatchObject({ person: { email: "alice@acme.test" }, creatorUserId: null });
    expect(await attempt(b, acme.keys.client.key)).toEqual({ ...acme.keys.client.principal, person: null });

    // A key created by a signed-in admin names them as its creator.
    const root = acme.keys.admin.principal;
    if (root.kind !== "api-key" || !root.person) throw new Error("the fixture's admin key acts for a person");
    const asUser: Principal = {
      kind: "user",
      id: root.person.id,
      tenantId: "acme",
      role: "admin",
      name: root.person.email,
    };
    const made = await createApiKey(a, asUser, "acme", { role: "auditor", name: "by-root" });
    const expected = {
      kind: "api-key",
      id: made.id,
      tenantId: "acme",
      role: "auditor",
      name: "by-root",
      person: null,
      creatorUserId: root.person.id,
    };
    expect(await attempt(b, made.key)).toEqual(expected);
    // What a caller does to its principal does not reach the cache.
    const mine = (await authenticate(b, bearer(made.key), "")) as Principal & { name: string };
    mine.name = "changed";
    expect(await attempt(b, made.key)).toEqual(expected);
  });

  it("a miss is one query (the person joined in), a hit none, and concurrent first requests share one", async () => {
    const fresh = createDb(url, 4);
    const queries = countQueries(fresh);
    try {
      expect(await attempt(fresh, acme.keys.admin.key)).toEqual(acme.keys.admin.principal);
      expect(queries.count).toBe(1);
      expect(await attempt(fresh, acme.keys.admin.key)).toEqual(acme.keys.admin.principal);
      expect(queries.count).toBe(1);

      const before = queries.count;
      const all = await Promise.all(
        Array.from({ length: 20 }, () => attempt(fresh, acme.keys.operator2.key)),
      );
      expect(new Set(all.map((p) => JSON.stringify(p)))).toEqual(
        new Set([JSON.stringify(acme.keys.operator2.principal)]),
      );
      expect(queries.count - before).toBe(1);
    } finally {
      queries.stop();
      await fresh.$disconnect();
    }
  });

  it("a key revoked through one instance is refused by the other within a second (LISTEN/NOTIFY)", async () => {
    const key = await newKey();
    expect(await attempt(a, key.key)).toMatchObject({ id: key.id });
    expect(await attempt(b, key.key)).toMatchObject({ id: key.id });
    await waitUntil(() => keyCacheOf(b).live && keyCacheOf(a).live, "both instances listening");
    // Cached on b now: answered without a query.
    const queries = countQueries(b);
    expect(await attempt(b, key.key)).toMatchObject({ id: key.id });
    expect(queries.count).toBe(0);
    queries.stop();

    await revokeApiKey(a, PLATFORM_ADMIN, "acme", key.id);
    // The revoking instance refuses it on the very next request; the other within a second.
    expect(await attempt(a, key.key)).toBe("UNAUTHENTICATED");
    expect(await refusedWithin(b, key.key, 1000)).toBeLessThan(1000);
  });

  it("a change made straight in the database (psql, a migration) reaches every cache too", async () => {
    const revoked = await newKey();
    const deleted = await newKey();
    for (const key of [revoked, deleted]) expect(await attempt(b, key.key)).toMatchObject({ id: key.id });
    const bob = acme.keys.operator2;
    expect(await attempt(b, bob.key)).toEqual(bob.principal);
    await waitUntil(() => keyCacheOf(b).live, "b listening");

    await a.$executeRaw`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = ${revoked.id}`;
    await a.$executeRaw`DELETE FROM "ApiKey" WHERE id = ${deleted.id}`;
    expect(await refusedWithin(b, revoked.key, 1000)).toBeLessThan(1000);
    expect(await refusedWithin(b, deleted.key, 1000)).toBeLessThan(1000);

    // The person's email is part of the principal (their votes are labelled with it).
    if (bob.principal.kind !== "api-key" || !bob.principal.person) throw new Error("bob's key acts for bob");
    const person = bob.principal.person;
    await a.$executeRaw`UPDATE "User" SET email = 'robert@acme.test' WHERE id = ${person.id}`;
    try {
      await waitUntil(
        async () =>
          ((await attempt(b, bob.key)) as { person: { email: string } }).person.email === "robert@acme.test",
        "the new email",
        1000,
      );
    } finally {
      await a.$executeRaw`UPDATE "User" SET email = ${person.email} WHERE id = ${person.id}`;
    }
  });

  it("while the LISTEN connection is down a revocation still takes effect within a second; it reconnects", async () => {
    const key = await newKey();
    const kept = await newKey();
    for (const k of [key, kept]) expect(await attempt(b, k.key)).toMatchObject({ id: k.id });
    await waitUntil(() => keyCacheOf(b).live, "b listening");
    const before = await listeners();
    expect(before).toHaveLength(2); // a's and b's

    await a.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'exoarmur-listen'`;
    await revokeApiKey(a, PLATFORM_ADMIN, "acme", key.id);
    expect(await refusedWithin(b, key.key, 1500)).toBeLessThan(1500);

    // Back, on new connections; the cache works again, notifications included.
    await waitUntil(async () => keyCacheOf(b).live && (await listeners()).length === 2, "reconnected");
    expect((await listeners()).some((pid) => before.includes(pid))).toBe(false);
    expect(await attempt(b, kept.key)).toMatchObject({ id: kept.id });
    const queries = countQueries(b);
    expect(await attempt(b, kept.key)).toMatchObject({ id: kept.id });
    expect(queries.count).toBe(0);
    queries.stop();
    await revokeApiKey(a, PLATFORM_ADMIN, "acme", kept.id);
    expect(await refusedWithin(b, kept.key, 1000)).toBeLessThan(1000);
  });

  it("a LISTEN connection that silently stops answering is given up by its heartbeat and replaced", async () => {
    await waitUntil(() => keyCacheOf(b).live, "b listening");
    const frozen = await listeners();
    // The server side stops (as behind a dead network path): no error, no end, just silence.
    for (const pid of frozen) process.kill(pid, "SIGSTOP");
    const started = Date.now();
    try {
      await waitUntil(() => !keyCacheOf(b).live, "the silence noticed", 10_000);
      expect(Date.now() - started).toBeLessThan(9000); // a heartbeat every 5 s, 2 s to answer (+ slack)
      await waitUntil(() => keyCacheOf(b).live, "listening again", 10_000);
    } finally {
      for (const pid of frozen) process.kill(pid, "SIGCONT");
    }
    await waitUntil(async () => (await listeners()).length === 2, "two listeners");
    expect((await listeners()).some((pid) => frozen.includes(pid))).toBe(false);
  });

  it("tokens nobody holds are not cached: thousands of them leave the cache as it was", async () => {
    const cache = keyCacheOf(b);
    const size = cache.size;
    const tokens = Array.from(
      { length: 2000 },
      () => `exo_${randomBytes(8).toString("hex")}_${randomBytes(24).toString("base64url")}`,
    );
    for (let i = 0; i < tokens.length; i += 50)
      expect(new Set(await Promise.all(tokens.slice(i, i + 50).map((t) => attempt(b, t))))).toEqual(
        new Set(["UNAUTHENTICATED"]),
      );
    expect(cache.size).toBe(size);
    expect(cache.loading).toBe(0);
  });

  it("suspension is enforced as before: a cached key of a suspended tenant may read, not submit", async () => {
    const client = acme.keys.client;
    const principal = await authenticate(b, bearer(client.key), "");
    expect(principal).toMatchObject({ id: client.principal.id });
    await updateTenant(a, PLATFORM_ADMIN, "acme", { status: "suspended" });
    try {
      // Authentication does not look at the tenant (it never did): the use cases do, in their transactions.
      expect(await attempt(b, client.key)).toEqual(principal);
      const refused = await refusal(submitIntent(b, principal, intentBody()));
      expect([refused.status, refused.details.reason]).toEqual([403, "TENANT_SUSPENDED"]);
    } finally {
      await updateTenant(a, PLATFORM_ADMIN, "acme", { status: "active" });
    }
    const again = await submitIntent(b, await authenticate(b, bearer(client.key), ""), intentBody());
    expect(again.status).toBe(201);
  });

  it("the admin token is never cached, and closing an instance closes its LISTEN connection", async () => {
    const admin = `admin-${randomBytes(24).toString("hex")}`;
    const other = createDb(url, 2);
    expect(await authenticate(other, bearer(admin), admin)).toEqual(PLATFORM_ADMIN);
    expect(keyCacheOf(other).size).toBe(0);
    expect(await attempt(other, acme.keys.client.key)).toMatchObject({ id: acme.keys.client.principal.id });
    await waitUntil(async () => (await listeners()).length === 3, "a third listener");
    await other.$disconnect();
    await waitUntil(async () => (await listeners()).length === 2, "the third listener gone");
  });

  it("a TRUNCATE (a restore, a reset) drops every cached key", async () => {
    const key = acme.keys.auditor;
    expect(await attempt(b, key.key)).toEqual(key.principal);
    await waitUntil(() => keyCacheOf(b).live, "b listening");
    await a.$executeRaw`TRUNCATE "ApiKey"`;
    expect(await refusedWithin(b, key.key, 1000)).toBeLessThan(1000);
  });
});
