import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { migrate, migrationsDir } from "../../server/db/migrate";
import { connectJetStream, type JetStream, STREAM } from "../../server/events/jetstream";
import type { LocalNats } from "../../server/events/nats-server";
import { startRelay } from "../../server/events/relay";
import { replayFromStream } from "../../server/events/replay";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { outboxLag } from "../../server/services/chain/outbox";
import { getDecisionDetail } from "../../server/services/decisions/detail";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { tenantOverview } from "../../server/services/overview/overview";
import { createTestDatabase, freshDatabaseUrl } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { startTestNats } from "../support/nats";
import { sleep, until } from "../support/wait";

/**
 * The outbox keeps one cursor per chain ("OutboxCursor"): what is published is what lies at or
 * below it. Everything that shows "published" (the decision page, the overview, replay, the lag)
 * reads it, and a cursor lost in a crash only republishes.
 */
let db: Db;
let nats: LocalNats;
let stopNats: (() => Promise<void>) | undefined;
let tenants: TenantFixture[];

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  ({ nats, stop: stopNats } = await startTestNats());
  tenants = await Promise.all(["oc1", "oc2"].map((id) => seedTenant(db, id)));
});

afterAll(async () => {
  await stopNats?.();
  await db?.$disconnect();
});

const headSeq = async (tenantId: string) =>
  (await db.chainHead.findUniqueOrThrow({ where: { tenantId } })).seq;
const cursorSeq = async (tenantId: string) =>
  (await db.outboxCursor.findUnique({ where: { tenantId } }))?.seq ?? 0;
const streamCount = async (js: JetStream) => (await js.jsm.streams.info(STREAM)).state.messages;

/** Runs a relay until nothing waits; returns how many events it published. */
async function drain(js: JetStream): Promise<number> {
  const relay = startRelay({ pool: db.pool, jetstream: js });
  await until(
    () => outboxLag(db.pool),
    (n) => n === 0,
  );
  await relay.stop();
  return relay.published();
}

describe("the outbox cursor", () => {
  it("before the relay runs nothing is published; after, every reader sees all of it published", async () => {
    const [a, b] = tenants as [TenantFixture, TenantFixture];
    const allowed = await submitIntent(db, a.keys.client.principal, intentBody({ actionClass: "A1_soft" }));
    await submitIntent(db, b.keys.client.principal, intentBody({ actionClass: "A2_hard" }));
    const decisionId = allowed.result.decisionId;
    const heads = [await headSeq(a.id), await headSeq(b.id)];
    expect(heads.every((h) => h > 0)).toBe(true);

    // Nothing published yet: the lag is every event of both chains, the page marks none published.
    expect(await outboxLag(db.pool)).toBe(heads[0]! + heads[1]!);
    const before = await getDecisionDetail(db, PLATFORM_ADMIN, a.id, decisionId);
    expect(before.chain.length).toBeGreaterThan(0);
    expect(before.chain.every((e) => !e.published)).toBe(true);
    const overviewBefore = await tenantOverview(db, PLATFORM_ADMIN, a.id);
    expect(overviewBefore.stream.headSeq).toBe(heads[0]);
    expect(overviewBefore.stream.unpublished).toBe(heads[0]);
    const first = await db.event.findUniqueOrThrow({ where: { tenantId_seq: { tenantId: a.id, seq: 1 } } });
    expect(overviewBefore.stream.oldestUnpublishedAt).toBe(first.at);

    const js = await connectJetStream(nats.url);
    await drain(js);
    expect([await cursorSeq(a.id), await cursorSeq(b.id)]).toEqual(heads);
    const after = await getDecisionDetail(db, PLATFORM_ADMIN, a.id, decisionId);
    expect(after.chain.map((e) => e.seq)).toEqual(before.chain.map((e) => e.seq));
    expect(after.chain.every((e) => e.published)).toBe(true);
    const overviewAfter = await tenantOverview(db, PLATFORM_ADMIN, a.id);
    expect(overviewAfter.stream).toMatchObject({ unpublished: 0, oldestUnpublishedAt: null, state: "ok" });
    const replay = await replayFromStream(db, js, a.id);
    expect(replay).toEqual([
      expect.objectContaining({
        tenantId: a.id,
        streamEvents: heads[0],
        unpublished: 0,
        missing: [],
        extra: [],
      }),
    ]);
    await js.nc.close();
  });

  it("new events after the cursor are the only ones published next, each once", async () => {
    const [a] = tenants as [TenantFixture];
    const js = await connectJetStream(nats.url);
    const inStream = await streamCount(js);
    const from = await cursorSeq(a.id);
    await submitIntent(db, a.keys.client.principal, intentBody({ actionClass: "A3_irreversible" }));
    const head = await headSeq(a.id);
    expect(head).toBeGreaterThan(from);
    const overview = await tenantOverview(db, PLATFORM_ADMIN, a.id);
    expect(overview.stream.unpublished).toBe(head - from);
    expect(await drain(js)).toBe(head - from);
    expect(await streamCount(js)).toBe(inStream + head - from);
    await js.nc.close();
  });

  it("a cursor lost in a crash (async commit) republishes its chain: JetStream drops every duplicate", async () => {
    const [a] = tenants as [TenantFixture];
    const js = await connectJetStream(nats.url);
    const inStream = await streamCount(js);
    const head = await headSeq(a.id);
    await db.outboxCursor.update({ where: { tenantId: a.id }, data: { seq: 0 } });
    expect(await outboxLag(db.pool)).toBe(head);
    expect(await drain(js)).toBe(head);
    expect(await streamCount(js)).toBe(inStream);
    expect(await cursorSeq(a.id)).toBe(head);
    await js.nc.close();
  });
});

describe("an idle relay", () => {
  it("backs off while nothing moves, and a commit of events in its process wakes it at once", async () => {
    const [a] = tenants as [TenantFixture];
    const js = await connectJetStream(nats.url);
    // Idle at most 20 s between polls: without the wake-up, the event below would wait for it.
    const relay = startRelay({ pool: db.pool, jetstream: js, pollMs: 20, idleMaxMs: 20_000 });
    await until(
      () => outboxLag(db.pool),
      (n) => n === 0,
    );
    // Eight empty polls: the next one is due 20 s later (20 ms doubled, capped).
    await sleep(20 + 40 + 80 + 160 + 320 + 640 + 1280 + 200);
    const published = relay.published();
    await submitIntent(db, a.keys.client.principal, intentBody({ actionClass: "A3_irreversible" }));
    const started = Date.now();
    await until(
      () => outboxLag(db.pool),
      (n) => n === 0,
      5_000,
      10,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(relay.published()).toBeGreaterThan(published);
    await relay.stop();
    await js.nc.close();
  });
});

describe("the migration from published marks to cursors", () => {
  it("each chain's cursor starts at the end of its published prefix; the marks are gone", async () => {
    // A database at the migration before the cursor, with events published the old way.
    const all = migrationsDir();
    const before = mkdtempSync(join(tmpdir(), "exoarmur-migrations-"));
    const names = readdirSync(all).filter((n) => n < "20261205100000");
    for (const name of names) cpSync(join(all, name), join(before, name), { recursive: true });
    const url = await freshDatabaseUrl();
    const previous = process.env.EXOARMUR_MIGRATIONS_DIR;
    process.env.EXOARMUR_MIGRATIONS_DIR = before;
    try {
      await migrate(url);
    } finally {
      if (previous === undefined) delete process.env.EXOARMUR_MIGRATIONS_DIR;
      else process.env.EXOARMUR_MIGRATIONS_DIR = previous;
      rmSync(before, { recursive: true, force: true });
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Chain "all": 3 events, all published; "some": 1–2 published, 3–4 not; "none": 2, none.
      const chains: [string, number, number][] = [
        ["all", 3, 3],
        ["some", 4, 2],
        ["none", 2, 0],
      ];
      for (const [chain, events, published] of chains) {
        await client.query(`INSERT INTO "ChainHead" ("tenantId", seq, hash) VALUES ($1, $2, 'h')`, [
          chain,
          events,
        ]);
        for (let seq = 1; seq <= events; seq++)
          await client.query(
            `INSERT INTO "Event" ("tenantId", seq, type, "subjectId", at, payload, "prevHash", hash, "publishedAt")
             VALUES ($1, $2, 't', 's', '2026-12-01T00:00:00.000Z', '{}', 'p', 'h', CASE WHEN $3 THEN now() END)`,
            [chain, seq, seq <= published],
          );
      }
      await migrate(url);
      const { rows } = await client.query(`SELECT "tenantId", seq FROM "OutboxCursor" ORDER BY "tenantId"`);
      expect(rows).toEqual([
        { tenantId: "all", seq: 3 },
        { tenantId: "none", seq: 0 },
        { tenantId: "some", seq: 2 },
      ]);
      const column = await client.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'Event' AND column_name = 'publishedAt'`,
      );
      expect(column.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });
});
