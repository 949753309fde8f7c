// The outbox relay: (1) draining a backlog of committed events into JetStream (events/s), and
// (2) commit-to-stream latency while intents are being decided as fast as this machine decides
// them, measured by a plain NATS subscriber on `exoarmur.>` against each event's commit time.

import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { createDb } from "../server/db/client";
import { startEmbeddedPostgres } from "../server/db/embedded";
import { migrate } from "../server/db/migrate";
import { connectJetStream } from "../server/events/jetstream";
import { findNatsServer, startNatsServer } from "../server/events/nats-server";
import { startRelay } from "../server/events/relay";
import { PLATFORM_ADMIN, type Principal } from "../server/services/access/principal";
import { outboxLag } from "../server/services/chain/outbox";
import { submitIntent } from "../server/services/decisions/submit-intent";
import { createApiKey } from "../server/services/keys/api-keys";
import { applyPolicy } from "../server/services/policies/versions";
import { createTenant } from "../server/services/tenants/tenants";
import { emit, isMain } from "./harness";

const BACKLOG_INTENTS = Number(process.env.BENCH_RELAY_BACKLOG ?? 3000);
const LIVE_SECONDS = Number(process.env.BENCH_RELAY_SECONDS ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  const binary = findNatsServer();
  if (!binary) {
    console.log("\n== relay: skipped (nats-server is not installed) ==");
    return;
  }
  console.log(
    `\n== outbox relay → JetStream (backlog of ${BACKLOG_INTENTS} intents, then ${LIVE_SECONDS} s live) ==`,
  );
  const dir = mkdtempSync(join(tmpdir(), "exoarmur-bench-relay-"));
  chmodSync(dir, 0o711); // PostgreSQL runs as its own user below it
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, "db") });
  const nats = await startNatsServer(binary, join(dir, "nats"));
  await migrate(pg.url);
  const db = createDb(pg.url, 24);
  try {
    const clients: Principal[] = [];
    for (let t = 0; t < 10; t++) {
      const id = `r${t}`;
      await createTenant(db, PLATFORM_ADMIN, {
        id,
        name: id,
        limits: { ratePerSecond: 100_000, burst: 100_000, maxPending: 10_000_000 },
      });
      await applyPolicy(db, PLATFORM_ADMIN, id, {
        rules: [
          { id: "a", match: { actionClasses: ["A1_soft"] }, effect: "allow" },
          { id: "d", effect: "deny" },
        ],
      });
      const key = await createApiKey(db, PLATFORM_ADMIN, id, { role: "client", name: "c" });
      clients.push({ kind: "api-key", id: key.id, tenantId: id, role: "client", name: "c" });
    }
    let n = 0;
    const submit = () =>
      submitIntent(db, clients[n % 10]!, {
        actor: { type: "agent", id: "a" },
        action: "host.isolate",
        actionClass: n % 2 ? "A1_soft" : "A3_irreversible",
        target: "web-1",
        parameters: {},
        idempotencyKey: `k-${n++}`,
      });
    const pump = async (until: () => boolean) => {
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (!until()) await submit();
        }),
      );
    };
    await pump(() => n >= BACKLOG_INTENTS);
    const backlog = await outboxLag(db.pool);
    const jetstream = await connectJetStream(nats.url);
    const started = process.hrtime.bigint();
    const relay = startRelay({ pool: db.pool, jetstream, pollMs: 5 });
    while ((await outboxLag(db.pool)) > 0) await sleep(20);
    const drainSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`drained ${backlog} events in ${drainSeconds.toFixed(2)} s`);
    emit("relay_backlog_events_per_s", backlog / drainSeconds, "events/s");

    const latencies: number[] = [];
    const sub = await connect({ servers: nats.url });
    const subscription = sub.subscribe("exoarmur.>");
    void (async () => {
      for await (const message of subscription) {
        const event = message.json<{ at: string; type: string }>();
        if (event.type === "intent.decided") latencies.push(Date.now() - Date.parse(event.at));
      }
    })();
    const decidedBefore = await db.decision.count();
    const liveStart = Date.now();
    await pump(() => Date.now() - liveStart > LIVE_SECONDS * 1000);
    const decisions = (await db.decision.count()) - decidedBefore;
    while ((await outboxLag(db.pool)) > 0) await sleep(20);
    await sleep(200);
    await relay.stop();
    subscription.unsubscribe();
    await sub.close();
    await jetstream.nc.close();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? Number.NaN;
    console.log(
      `live: ${decisions} decisions in ${LIVE_SECONDS} s (${(decisions / LIVE_SECONDS).toFixed(0)}/s, in-process, 16 concurrent), ${latencies.length} decision events observed on the stream`,
    );
    emit("relay_live_decisions_per_s", decisions / LIVE_SECONDS, "decisions/s");
    emit("commit_to_stream_p50", pct(50), "ms");
    emit("commit_to_stream_p99", pct(99), "ms");
  } finally {
    await db.$disconnect();
    await nats.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
