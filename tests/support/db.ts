import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { createDatabaseIfMissing } from "../../server/db/embedded";
import { migrate } from "../../server/db/migrate";

/** A fresh, migrated database of the run's PostgreSQL, for one test file. */
export async function createTestDatabase(): Promise<{ url: string; db: Db; name: string }> {
  const { url, name } = await emptyDatabase();
  await migrate(url);
  return { url, db: createDb(url), name };
}

/** A fresh database of the run's PostgreSQL with nothing in it (for migration tests). */
export async function freshDatabaseUrl(): Promise<string> {
  return (await emptyDatabase()).url;
}

async function emptyDatabase(): Promise<{ url: string; name: string }> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  await createDatabaseIfMissing(adminUrl, name);
  return { url: adminUrl.replace(/\/postgres$/, `/${name}`), name };
}
