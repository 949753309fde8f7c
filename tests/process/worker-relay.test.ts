import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../../server/db/embedded";
import { migrate } from "../../server/db/migrate";
import { connectJetStream, type JetStream, STREAM } from "../../server/events/jetstream";
import { findNatsServer, type LocalNats, startNatsServer } from "../../server/events/nats-server";
import { freePort } from "../../server/net/free-port";
import { outboxLag } from "../../server/services/chain/outbox";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { until } from "../support/wait";

/**
 * `exoarmur worker --nats-url` (dispatcher and outbox relay) while its PostgreSQL is restarted
 * under load: every session is terminated (57P01), the relay's leader connection included. The
 * worker must survive each restart — drop leadership, reconnect, take it again — and in the end
 * every committed event is in the stream.
 */
let dataDir: string;
let port: number;
let pg: EmbeddedDatabase;
let db: Db;
let nats: LocalNats;
let js: JetStream;
let tenant: TenantFixture;
let worker: ChildProcess;
let output = "";

beforeAll(async () => {
  const binary = findNatsServer();
  if (!binary) throw new Error("nats-server is not installed (apt-get install nats-server)");
  dataDir = mkdtempSync(join(tmpdir(), "exoarmur-worker-relay-"));
  port = await freePort();
  pg = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
  await migrate(pg.url);
  db = createDb(pg.url, 8);
  tenant = await seedTenant(db, "acme");
  nats = await startNatsServer(binary, join(dataDir, "nats"));
  js = await connectJetStream(nats.url, "worker-relay-test");
  worker = spawn(
    process.execPath,
    [
      "bin/exoarmur.mjs",
      "worker",
      "--database-url",
      pg.url,
      "--nats-url",
      nats.url,
      "--poll-ms",
      "50",
      "--lease-ms",
      "1000",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
  };
  worker.stdout?.on("data", keep);
  worker.stderr?.on("data", keep);
  await until(
    async () => output,
    (out) => /relay publishing/.test(out),
  );
});

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  await js?.nc.close();
  await nats?.stop();
  await db?.$disconnect();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const published = async () =>
  Number(
    (
      await db.pool.query(
        `SELECT count(*) AS n FROM "Event" e JOIN "OutboxCursor" c ON c."tenantId" = e."tenantId" WHERE e.seq <= c.seq`,
      )
    ).rows[0].n,
  );

describe("a worker running the relay, while PostgreSQL restarts under load", () => {
  it("survives every restart, takes the relay's leadership again and publishes every event", async () => {
    let stop = false;
    // Load: intents submitted all along; those that meet the restart fail, as they should (and
    // wait for the next poll of the server, rather than spin).
    const load = Array.from({ length: 4 }, async () => {
      while (!stop) {
        await submitIntent(db, tenant.keys.client.principal, intentBody()).catch(
          () => new Promise((r) => setTimeout(r, 20)),
        );
      }
    });
    try {
      for (let restart = 0; restart < 3; restart++) {
        const before = await published();
        await until(published, (n) => n >= before + 20);
        await pg.stop();
        pg = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
        expect(
          [worker.exitCode, worker.signalCode, restart],
          `the worker ended; its last output:\n${output.slice(-4000)}`,
        ).toEqual([null, null, restart]);
      }
      const before = await published();
      await until(published, (n) => n >= before + 20);
    } finally {
      stop = true;
      await Promise.all(load);
    }

    // The worker dispatches the backlog (executions cut off by a restart come back after their
    // lease), each attempt a few more events; once it is done, every event is in the stream once.
    await until(
      () => db.execution.count({ where: { status: { in: ["QUEUED", "RUNNING", "RETRY_WAIT"] } } }),
      (open) => open === 0,
    );
    await until(
      async () => ({
        lag: await outboxLag(db.pool),
        events: await db.event.count(),
        inStream: (await js.jsm.streams.info(STREAM)).state.messages,
      }),
      (s) => s.lag === 0 && s.inStream === s.events,
    );
    expect(worker.exitCode).toBeNull();

    worker.kill("SIGTERM");
    await once(worker, "exit");
    expect([worker.exitCode, output.match(/Unhandled|Error:.*\n\s+at /)?.[0] ?? null]).toEqual([0, null]);
  });
});
