// `exoarmur migrate` (see main.ts). Not through withDatabase: the migrator opens its own
// connection, and a failed migration exits 1 (MIGRATION_FAILED), or 2 when the database is
// unreachable or the migrations directory is missing.

import type { Command } from "commander";
import {
  type CommandContext,
  type DatabaseOptions,
  databaseOptions,
  EXIT_OK,
  EXIT_REFUSED,
  EXIT_USAGE,
  fail,
  failure,
  gist,
  isUnavailable,
  noDatabase,
  printJson,
  resolveDatabaseUrl,
} from "./database-command";
import { plural } from "./output";
import type { CommandIO } from "./verify-command";

export function registerMigrateCommand(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  databaseOptions(
    program.command("migrate").description("apply the database migrations that are not applied yet"),
  ).action(async (options: DatabaseOptions) => {
    const ctx: CommandContext = { io, json: Boolean(options.json) };
    const url = resolveDatabaseUrl(options.databaseUrl);
    if (!url) return setExit(noDatabase(ctx));
    const { migrate, migrationsDir } = await import("../db/migrate");
    try {
      const applied = await migrate(url, ctx.json ? () => {} : io.out);
      if (ctx.json) printJson(io, { applied });
      else if (applied.length === 0) io.out("no pending migrations: the database is up to date");
      else io.out(`applied ${plural(applied.length, "migration")} from ${migrationsDir()}`);
      setExit(EXIT_OK);
    } catch (error) {
      if (isUnavailable(error)) return setExit(failure(ctx, url, error));
      const missingDir = /^migrations directory .* not found$/.test((error as Error).message);
      setExit(fail(ctx, missingDir ? EXIT_USAGE : EXIT_REFUSED, "MIGRATION_FAILED", gist(error)));
    }
  });
}
