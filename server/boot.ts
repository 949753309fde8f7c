// Server start-up, run once per process from instrumentation.ts before Next serves a request:
// database (DATABASE_URL, or an embedded PostgreSQL 17 under $EXOARMUR_DATA_DIR), migrations,
// the signing key, and an ordered shutdown on SIGTERM/SIGINT/SIGHUP (Next's own handlers are off:
// NEXT_MANUAL_SIG_HANDLE=1, set by scripts/start.sh).
//
// Shutdown has a budget (EXOARMUR_SHUTDOWN_MS, 8 s): the dispatcher gets half of it to finish
// running attempts (then hands them back), then the relay, the database client, nats-server and
// PostgreSQL stop in that order. A terminal's Ctrl-C signals the whole process group, so the
// embedded PostgreSQL and nats-server are usually gone before we get to them: stopping one that is
// gone returns at once. When the budget runs out, or on a second signal, the exit is forced:
// PostgreSQL gets SIGQUIT (immediate shutdown; crash recovery on the next start keeps every
// committed row), nats-server SIGKILL, and the process exits 1.
//
// The embedded children are supervised (server/children.ts): one that dies is restarted on the same
// port and data dir, /api/health says "restarting" meanwhile, and if it cannot be brought back the
// server exits 1 with the reason, so that whatever supervises it starts it again.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { requireStrongAdminToken } from "./auth/admin-token";
import { type Supervisor, stopRestarting, supervise } from "./children";
import { ensureSecretKey } from "./crypto/secret-key";
import { closeDb, getDb } from "./db/client";
import { migrate } from "./db/migrate";
import { stampClientAddresses } from "./net/client-address";
import { allowedNetworksFromEnv } from "./net/destination";
import { getSigner } from "./services/keys/signing-key";
import { sealSecretsAtRest } from "./services/secrets/seal-at-rest";
import { componentLogger, logLines } from "./telemetry/log";
import { stopTracing } from "./telemetry/tracing";

const log = logLines("server");
const logError = (message: string, error?: unknown) =>
  componentLogger("server").error(error === undefined ? {} : { err: error }, message);

const holder = globalThis as unknown as { __exoarmurBoot?: Promise<void>; __exoarmurBootFailed?: boolean };

/** Whether start-up failed (the process is then on its way out: do not open a port). */
export const bootFailed = () => holder.__exoarmurBootFailed === true;

export function boot(): Promise<void> {
  holder.__exoarmurBoot ??= start().catch((error: unknown) => {
    holder.__exoarmurBootFailed = true;
    logError("start-up failed", error);
    // A rejected register() does not stop `next start` (it would serve 500s): stop here instead.
    // Whatever was started so far is stopped first, or an embedded PostgreSQL would outlive us.
    void shutdown("start-up failed", 1);
  });
  return holder.__exoarmurBoot;
}

/** What has been started so far, in the order it is stopped. */
const parts: {
  worker?: { stop(graceMs: number): Promise<void> } | null;
  notifier?: { stop(graceMs: number): Promise<void> } | null;
  events?: Events;
  postgres?: Supervisor;
} = {};

let stopping = false;

function shutdownBudgetMs(): number {
  const value = Number(process.env.EXOARMUR_SHUTDOWN_MS ?? 8000);
  return Number.isInteger(value) && value > 0 ? value : 8000;
}

/** Ends the process now: children that are still there are signalled, nothing is awaited. */
function forceExit(why: string): never {
  logError(`${why}: forcing the exit`);
  parts.postgres?.kill("SIGQUIT");
  parts.events?.kill("SIGKILL");
  process.exit(1);
}

async function shutdown(why: string, code: 0 | 1): Promise<void> {
  if (stopping) return;
  stopping = true;
  stopRestarting();
  const budget = shutdownBudgetMs();
  log(`${why}: shutting down (within ${budget} ms; a second signal forces the exit)`);
  const timer = setTimeout(() => forceExit(`shutdown took longer than ${budget} ms`), budget);
  // A signal during start-up: start-up stops at its next step, with what it started in `parts`
  // (if it is stuck instead, on a database that does not answer, the timer above ends it).
  await holder.__exoarmurBoot;
  const step = async (name: string, work: () => Promise<void> | undefined) => {
    try {
      await work();
    } catch (error) {
      logError(`stopping ${name} failed`, error);
    }
  };
  await Promise.all([
    step("the dispatcher", () => parts.worker?.stop(Math.floor(budget / 2))),
    step("the notification sender", () => parts.notifier?.stop(Math.floor(budget / 2))),
  ]);
  await step("the event stream", () => parts.events?.stop());
  await step("the database client", () => closeDb());
  await step("PostgreSQL", () => parts.postgres?.stop());
  await step("the trace exporter", () => stopTracing());
  clearTimeout(timer);
  process.exit(code);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) forceExit(`second signal (${signal})`);
  void shutdown(signal, 0);
}

/** A child that cannot be brought back: exit 1 with the reason, so that a supervisor restarts us. */
function giveUp(reason: string): void {
  logError(`${reason}; exiting with status 1 so that the server is started again`);
  void shutdown("a child process could not be restarted", 1);
}

async function start(): Promise<void> {
  // First of all: a signal during start-up must stop what is already running, too.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, onSignal);
  // Refuse a guessable admin token before anything starts; stamp client addresses before the first
  // request (a malformed EXOARMUR_TRUSTED_PROXIES stops the start here too).
  requireStrongAdminToken(process.env.EXOARMUR_ADMIN_TOKEN);
  stampClientAddresses();
  // A malformed EXOARMUR_WEBHOOK_ALLOWED_NETWORKS stops start-up, naming the entry, rather than
  // failing every webhook later.
  const allowed = allowedNetworksFromEnv();
  if (allowed.size > 0) log(`webhooks may reach ${allowed.size} allowed internal network(s)`);
  requirePublicUrl(process.env.EXOARMUR_PUBLIC_URL);
  const dataDir = resolve(/*turbopackIgnore: true*/ process.env.EXOARMUR_DATA_DIR ?? ".exoarmur");
  // The key that seals secrets at rest: checked now, so a missing or malformed one stops start-up
  // with its reason; the embedded server creates one in its data dir (server/crypto/secret-key.ts).
  ensureSecretKey({ dataDir, create: !process.env.DATABASE_URL, log });
  let embedded = false;
  if (!process.env.DATABASE_URL) {
    const { startEmbeddedPostgres } = await import("./db/embedded");
    const options = {
      dataDir,
      log: (line: string) => process.env.EXOARMUR_LOG_POSTGRES && logLines("postgres")(line),
    };
    const first = await startEmbeddedPostgres(options);
    parts.postgres = supervise(first, () => startEmbeddedPostgres({ ...options, port: first.port }), {
      name: "postgres",
      label: "embedded PostgreSQL",
      log,
      giveUp,
    });
    embedded = true;
    if (stopping) return;
    // The server's own pool talks over the Unix socket when there is one (half the CPU per query).
    process.env.DATABASE_URL = first.socketUrl ?? first.url;
    log(`embedded PostgreSQL 17 on 127.0.0.1:${first.port}, data in ${join(dataDir, "pg")}`);
    ensureAdminToken(dataDir);
  } else {
    log("using the PostgreSQL server at DATABASE_URL");
  }
  if (stopping) return;
  const applied = await migrate(process.env.DATABASE_URL!, log);
  if (applied.length === 0) log("database schema is current");
  await sealSecretsAtRest(getDb(), log);
  await getSigner(getDb());
  ensureAuthSecret(dataDir);
  if (embedded && process.env.EXOARMUR_DEMO_SEED !== "off") {
    const { seedDemoWorkspace } = await import("./auth/demo-seed");
    await seedDemoWorkspace(getDb(), log, join(dataDir, "demo-credentials"));
  }
  if (stopping) return;
  // The dispatcher runs inside the server unless told otherwise (e.g. when dedicated
  // `exoarmur worker` processes do the work).
  const worker =
    process.env.EXOARMUR_WORKER === "off"
      ? null
      : (await import("./exec/worker")).startWorker({
          pool: getDb().pool,
          concurrency: workerConcurrency(),
          log: logLines("worker", "warn"),
        });
  parts.worker = worker;
  if (worker) log(`dispatcher ${worker.id} running`);
  if (stopping) return;
  // Outbound notifications (issue 14), derived from the outbox; EXOARMUR_NOTIFY=off leaves them to
  // other instances.
  if (process.env.EXOARMUR_NOTIFY !== "off") {
    parts.notifier = (await import("./notify/notifier")).startNotifier({
      pool: getDb().pool,
      log: (line) => log(`notify: ${line}`),
    });
    log("notification sender running");
  }
  if (stopping) return;
  parts.events = await startEvents(dataDir);
  if (!stopping) log("ready");
}

/**
 * Executions the in-process dispatcher keeps in flight (EXOARMUR_WORKER_CONCURRENCY, default 32):
 * enough that one claim and one record transaction serve many attempts, so the executions keep up
 * with what this instance decides (docs/BENCHMARKS.md).
 */
function workerConcurrency(): number {
  const raw = process.env.EXOARMUR_WORKER_CONCURRENCY ?? "";
  if (raw === "") return 32;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1024)
    throw new Error(`EXOARMUR_WORKER_CONCURRENCY must be a whole number from 1 to 1024, not "${raw}"`);
  return value;
}

/** EXOARMUR_PUBLIC_URL (the dashboard's address in notification links), if set, must be an http(s) URL. */
function requirePublicUrl(value: string | undefined): void {
  if (!value) return;
  let ok = false;
  try {
    ok = ["http:", "https:"].includes(new URL(value).protocol);
  } catch {}
  if (!ok) throw new Error("EXOARMUR_PUBLIC_URL must be an http(s) URL (the dashboard's public address)");
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

interface Events {
  stop(): Promise<void>;
  /** The forced exit: signals the local nats-server, if any. */
  kill(signal: NodeJS.Signals): void;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * JetStream: NATS_URL, else a local `nats-server -js` child if the binary is installed, else none —
 * events then wait in the outbox (the Event table) and the product keeps deciding. The outbox relay
 * runs unless EXOARMUR_RELAY=off.
 */
async function startEvents(dataDir: string): Promise<Events> {
  const { findNatsServer, startNatsServer } = await import("./events/nats-server");
  let url = process.env.NATS_URL || null;
  let local: Supervisor | null = null;
  if (!url) {
    const binary = findNatsServer();
    if (!binary) {
      log(
        "JetStream disabled: no NATS_URL and no nats-server on PATH; events wait in the outbox (apt-get install nats-server)",
      );
      process.env.EXOARMUR_STREAM = "disabled";
      return { stop: async () => {}, kill: () => {} };
    }
    const storeDir = join(dataDir, "nats");
    const first = await startNatsServer(binary, storeDir);
    local = supervise(first, () => startNatsServer(binary, storeDir, first.port), {
      name: "nats-server",
      label: "nats-server",
      log,
      giveUp,
    });
    url = first.url;
    log(`embedded nats-server (JetStream) on ${url}, store in ${storeDir}`);
  }
  process.env.EXOARMUR_STREAM = "enabled";
  const { connectJetStream } = await import("./events/jetstream");
  const { startRelay } = await import("./events/relay");
  let jetstream: Awaited<ReturnType<typeof connectJetStream>> | null = null;
  let relay: ReturnType<typeof startRelay> | null = null;
  // Connecting may have to wait for NATS: keep trying in the background, never block start-up.
  let stopped = false;
  let wake: (() => void) | null = null;
  const connecting = (async () => {
    while (!stopped && !jetstream) {
      try {
        jetstream = await connectJetStream(url!);
      } catch (error) {
        log(`JetStream not reachable yet (${(error as Error).message}); events wait in the outbox`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
    if (stopped) return;
    if (jetstream) (await import("./events/live")).setLiveJetStream(jetstream);
    if (jetstream && process.env.EXOARMUR_RELAY !== "off") {
      relay = startRelay({ pool: getDb().pool, jetstream, log: logLines("relay") });
      log("outbox relay running");
    }
  })();
  return {
    async stop() {
      stopped = true;
      (wake as (() => void) | null)?.();
      await Promise.race([connecting.catch(() => {}), delay(1000)]);
      // The relay finishes the batch in hand if NATS answers; if it does not (Ctrl-C reached
      // nats-server first), closing the connection fails the pending publishes so that it stops.
      const relayStopped = relay?.stop();
      if (relayStopped) await Promise.race([relayStopped, delay(1000)]);
      const nc = (jetstream as Awaited<ReturnType<typeof connectJetStream>> | null)?.nc;
      await nc?.close().catch(() => {});
      await relayStopped;
      await local?.stop();
    },
    kill(signal) {
      local?.kill(signal);
    },
  };
}
