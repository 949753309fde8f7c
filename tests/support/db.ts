import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { createDatabaseIfMissing } from "../../server/db/embedded";
import { migrate } from "../../server/db/migrate";

/** A fresh, migrated database of the run's PostgreSQL, for one test file. */
export async function createTestDatabase(): Promise<{ url: string; db: Db; name: string }> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  await createDatabaseIfMissing(adminUrl, name);
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  await migrate(url);
  return { url, db: createDb(url), name };
}
