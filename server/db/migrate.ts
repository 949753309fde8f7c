// Applies prisma/migrations/<name>/migration.sql in order and records each in `_prisma_migrations`
// exactly as `prisma migrate deploy` does (checksum = sha256 of the file), so an online machine's
// Prisma CLI sees the same state. A PostgreSQL advisory lock makes concurrent starts safe: the
// second process waits, then finds nothing left to apply.

import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const LOCK_KEY = 7_260_417_001; // arbitrary, fixed: "exoarmur migrations"

export function migrationsDir(): string {
  if (process.env.EXOARMUR_MIGRATIONS_DIR)
    return resolve(/*turbopackIgnore: true*/ process.env.EXOARMUR_MIGRATIONS_DIR);
  // The server runs from the project root; the CLI may be run from anywhere, so fall back to the
  // migrations that ship beside this file.
  const fromCwd = resolve(/*turbopackIgnore: true*/ process.cwd(), "prisma", "migrations");
  if (existsSync(fromCwd)) return fromCwd;
  return join(
    /*turbopackIgnore: true*/ dirname(fileURLToPath(import.meta.url)),
    "..",
    "..",
    "prisma",
    "migrations",
  );
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

function localMigrations(dir = migrationsDir()): Migration[] {
  if (!existsSync(dir)) throw new Error(`migrations directory ${dir} not found`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

async function appliedRows(client: pg.Client): Promise<AppliedRow[]> {
  const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!exists.rows[0].present) return [];
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
  return rows;
}

function check(local: Migration[], applied: AppliedRow[]): Migration[] {
  const byName = new Map(applied.map((row) => [row.migration_name, row]));
  for (const row of applied) {
    if (!row.finished_at)
      throw new Error(`migration ${row.migration_name} failed earlier and needs manual resolution`);
    const migration = local.find((m) => m.name === row.migration_name);
    if (migration && migration.checksum !== row.checksum) {
      throw new Error(`migration ${row.migration_name} was modified after it was applied (checksum differs)`);
    }
  }
  return local.filter((m) => !byName.has(m.name));
}

export async function migrate(url: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const local = localMigrations();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const pending = check(local, await appliedRows(client));
    for (const migration of pending) {
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)`,
          [id, migration.checksum, migration.name],
        );
        await client.query(migration.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      log(`applied migration ${migration.name}`);
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/** Migrations in the repository that the database has not applied (for /api/health). */
let localNames: string[] | null = null;

export async function pendingMigrations(query: (sql: string) => Promise<AppliedRow[]>): Promise<string[]> {
  const applied = await query(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL`,
  );
  const names = new Set(applied.map((row) => row.migration_name));
  // The repository's migrations do not change while the server runs: read them once.
  localNames ??= localMigrations().map((m) => m.name);
  return localNames.filter((name) => !names.has(name));
}
