import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { connectJetStream, type JetStream, STREAM } from "../../server/events/jetstream";
import { findNatsServer, type LocalNats, startNatsServer } from "../../server/events/nats-server";
import { startRelay } from "../../server/events/relay";
import { freePort } from "../../server/net/free-port";
import { outboxLag } from "../../server/services/chain/outbox";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { until } from "../support/wait";

/** The outbox relay against a real nats-server with JetStream and a real PostgreSQL. */
let db: Db;
let url: string;
let natsDir: string;
let natsPort: number;
let nats: LocalNats;
let tenants: TenantFixture[];

const binary = findNatsServer();
if (!binary)
  throw new Error("nats-server is not installed (apt-get install nats-server); npm test installs it");

async function streamEvents(
  js: JetStream,
): Promise<{ tenantId: string; seq: number; hash: string; msgId: string | undefined }[]> {
  const info = await js.jsm.streams.info(STREAM);
  const total = info.state.messages;
  if (total === 0) return [];
  const consumer = await js.js.consumers.get(STREAM);
  const out: { tenantId: string; seq: number; hash: string; msgId: string | undefined }[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(1000, total - out.length), expires: 2000 });
    for await (const m of batch) {
      const event = m.json<{ tenantId: string; seq: number; hash: string }>();
      out.push({
        tenantId: event.tenantId,
        seq: event.seq,
        hash: event.hash,
        msgId: m.headers?.get("Nats-Msg-Id"),
      });
    }
  }
  return out;
}

/** Every tenant's events appear exactly once, in seq order, matching the database. */
async function expectStreamMatchesDatabase(js: JetStream) {
  const stream = await streamEvents(js);
  const rows = await db.event.findMany({
    orderBy: [{ tenantId: "asc" }, { seq: "asc" }],
    select: { tenantId: true, seq: true, hash: true },
  });
  expect(stream.length).toBe(rows.length);
  for (const tenantId of new Set(rows.map((r) => r.tenantId))) {
    const inStream = stream.filter((e) => e.tenantId === tenantId);
    const inDb = rows.filter((r) => r.tenantId === tenantId);
    expect(inStream.map((e) => e.seq)).toEqual(inDb.map((r) => r.seq));
    expect(inStream.map((e) => e.hash)).toEqual(inDb.map((r) => r.hash));
    expect(inStream.every((e) => e.msgId === e.hash)).toBe(true);
  }
  expect(await outboxLag(db.pool)).toBe(0);
}

async function submitMany(n: number) {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      submitIntent(
        db,
        tenants[i % tenants.length]!.keys.client.principal,
        intentBody({ actionClass: ["A1_soft", "A2_hard", "A3_irreversible"][i % 3] }),
      ),
    ),
  );
}

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  natsDir = mkdtempSync(join(tmpdir(), "exoarmur-nats-"));
  natsPort = await freePort();
  nats = await startNatsServer(binary!, natsDir, natsPort);
  tenants = await Promise.all(
    ["n1", "n2", "n3"].map((id) => seedTenant(db, id, { ratePerSecond: 100_000, burst: 100_000 })),
  );
});

afterAll(async () => {
  await nats?.stop();
  await db?.$disconnect();
  rmSync(natsDir, { recursive: true, force: true });
});

describe("outbox relay", () => {
  it("two relays at once: every committed event reaches the stream once, in per-tenant seq order, then is marked", async () => {
    await submitMany(60);
    const js = await connectJetStream(nats.url);
    const relays = [
      startRelay({ pool: db.pool, jetstream: js }),
      startRelay({ pool: db.pool, jetstream: await connectJetStream(nats.url) }),
    ];
    await submitMany(60);
    await until(
      () => outboxLag(db.pool),
      (n) => n === 0,
    );
    await Promise.all(relays.map((r) => r.stop()));
    expect(relays[0]!.published() + relays[1]!.published()).toBe(await db.event.count());
    await expectStreamMatchesDatabase(js);
    await js.nc.close();
  });

  it("a relay SIGKILLed between publish and mark: the next one re-publishes, JetStream drops the duplicates", async () => {
    await submitMany(30);
    const pending = await outboxLag(db.pool);
    expect(pending).toBeGreaterThan(0);
    const probe = await connectJetStream(nats.url);
    const inStreamBefore = (await probe.jsm.streams.info(STREAM)).state.messages;
    const child = spawn(
      process.execPath,
      ["bin/exoarmur.mjs", "worker", "--database-url", url, "--nats-url", nats.url],
      {
        env: { ...process.env, EXOARMUR_FAULT: "relay-after-publish" },
        stdio: "ignore",
      },
    );
    await once(child, "exit");
    expect(child.signalCode).toBe("SIGKILL");
    // It published (the stream grew) and died before marking (nothing it published is marked;
    // its dispatcher may also have added execution events meanwhile).
    expect((await probe.jsm.streams.info(STREAM)).state.messages).toBeGreaterThan(inStreamBefore);
    expect(await outboxLag(db.pool)).toBeGreaterThanOrEqual(pending);
    await probe.nc.close();
    const js = await connectJetStream(nats.url);
    const relay = startRelay({ pool: db.pool, jetstream: js });
    await until(
      () => outboxLag(db.pool),
      (n) => n === 0,
    );
    await relay.stop();
    await expectStreamMatchesDatabase(js);
    await js.nc.close();
  });

  it("NATS stopped for a burst of 500 submissions: deciding goes on, events wait, then all arrive once, in order", async () => {
    const js = await connectJetStream(nats.url);
    const relay = startRelay({ pool: db.pool, jetstream: js, pollMs: 50 });
    await nats.stop();
    const before = await db.decision.count();
    await submitMany(500);
    expect(await db.decision.count()).toBe(before + 500);
    expect(await outboxLag(db.pool)).toBeGreaterThanOrEqual(500);
    nats = await startNatsServer(binary!, natsDir, natsPort);
    await until(
      () => outboxLag(db.pool),
      (n) => n === 0,
      60_000,
    );
    await relay.stop();
    await expectStreamMatchesDatabase(js);
    await js.nc.close();
  });
});

describe("exoarmur replay --from-stream", () => {
  const replay = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          "bin/exoarmur.mjs",
          "replay",
          "--from-stream",
          "--database-url",
          url,
          "--nats-url",
          nats.url,
          ...args,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });

  it("rebuilds every chain from the stream alone and finds it consistent with the database", async () => {
    const run = await replay();
    expect(run.code, run.stderr).toBe(0);
    for (const id of ["n1", "n2", "n3"])
      expect(run.stdout).toMatch(
        new RegExp(
          `^${id}: (\\d+) events in the stream, \\1 in the database — consistent, chain verifies$`,
          "m",
        ),
      );
  });

  it("reports a database row altered after it was published, by tenant and seq; --tenant narrows it", async () => {
    await db.$executeRaw`UPDATE "Event" SET payload = '{"verdict":"ALLOW"}' WHERE "tenantId" = 'n2' AND seq = 5`;
    const run = await replay();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("n2:");
    expect(run.stderr).toContain("INCONSISTENT");
    expect(run.stderr).toContain("seq 5: the database row differs from the stream in payload");
    expect(run.stdout).toMatch(/^n1: .* consistent/m);
    const only = await replay("--tenant", "n1", "--json");
    expect(only.code).toBe(0);
    expect(JSON.parse(only.stdout).tenants.map((t: { tenantId: string }) => t.tenantId)).toEqual(["n1"]);
  });

  it("exit 2 without NATS", async () => {
    const child = spawn(
      process.execPath,
      ["bin/exoarmur.mjs", "replay", "--from-stream", "--database-url", url],
      { env: { ...process.env, NATS_URL: "" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    await once(child, "exit");
    expect(child.exitCode).toBe(2);
    expect(stderr).toContain("no NATS");
  });
});
