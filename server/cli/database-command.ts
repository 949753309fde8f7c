// Running a CLI command against the database and reporting its failures: how a command finds its
// database, opens and always closes it, and maps what went wrong to an exit code and a message (or,
// with --json, an `{error: {code, message, fields?}}` document). The database client is imported
// lazily, so commands that never touch the database do not pay for Prisma.
//
// Exit codes: 0 ok, 1 refused by the service (invalid, not found, conflict...), 2 usage error
// (bad arguments, unreadable input, no database).

import { resolve } from "node:path";
import type { Command } from "commander";
import type { FieldError } from "../core";
import type { Db } from "../db/client";
import { runningEmbeddedUrl } from "../db/runtime";
import { ServiceError } from "../services/shared/errors";
import type { CommandIO } from "./verify-command";

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

const DEFAULT_DATA_DIR = ".exoarmur";

/** `--database-url`, else DATABASE_URL, else the embedded database of a running server, else null. */
export function resolveDatabaseUrl(option?: string): string | null {
  if (option) return option;
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  return runningEmbeddedUrl(process.env.EXOARMUR_DATA_DIR ?? DEFAULT_DATA_DIR);
}

/** The options every database command takes. */
export interface DatabaseOptions {
  databaseUrl?: string;
  json?: boolean;
}

/** Adds the options every database command takes. */
export function databaseOptions(command: Command): Command {
  return command
    .option(
      "--database-url <url>",
      "PostgreSQL URL (default: DATABASE_URL, else the running server's database)",
    )
    .option("--json", "print the machine-readable result");
}

/** A refusal that is the caller's fault before any service runs: exit 2. */
export class UsageError extends Error {}

/** The password of a connection URL is nobody's business in an error message. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable database URL)";
  }
}

const UNAVAILABLE =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|Connection terminated|connection is closed|Can't reach database|password authentication failed|database "[^"]*" does not exist|P1001|P1003|P1000/i;
/** A table the migrations create is missing: the database was never migrated. */
const UNMIGRATED = /^P2021$|relation "[^"]+" does not exist|table .* does not exist/i;

/** Every code and message down an error's cause chain. */
function errorChain(error: unknown): string[] {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") parts.push(code);
    if (typeof message === "string") parts.push(message);
    e = cause;
  }
  return parts;
}

export function isUnavailable(error: unknown): boolean {
  return errorChain(error).some((part) => UNAVAILABLE.test(part));
}

function isUnmigrated(error: unknown): boolean {
  return errorChain(error).some((part) => UNMIGRATED.test(part));
}

/** The line of a (possibly multi-line Prisma) error message that says what went wrong: its last. */
export function gist(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? message;
}

export function printJson(io: CommandIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export interface CommandContext {
  io: CommandIO;
  json: boolean;
  /** Which command-line flag set each request field, so a field error can name it. */
  flags?: Record<string, string>;
}

/** The flag that set a field: its own, else that of the field it is part of. */
function flagOf(flags: Record<string, string>, path: string): string | undefined {
  // `memberships[0].role` and `memberships.tenantId` are both the membership flag's fault.
  return flags[path] ?? flags[path.split(/[.[]/)[0] ?? ""];
}

export function fail(
  ctx: CommandContext,
  code: number,
  errorCode: string,
  message: string,
  fields?: FieldError[],
): number {
  if (ctx.json) {
    printJson(ctx.io, { error: { code: errorCode, message, ...(fields?.length ? { fields } : {}) } });
  } else {
    ctx.io.err(`error: ${message}`);
    for (const f of fields ?? []) {
      const flag = ctx.flags && flagOf(ctx.flags, f.path);
      ctx.io.err(`  ${f.path || "(input)"}: ${f.message}${flag ? ` (${flag})` : ""}`);
    }
  }
  return code;
}

export function noDatabase(ctx: CommandContext): number {
  const dataDir = resolve(process.env.EXOARMUR_DATA_DIR ?? DEFAULT_DATA_DIR);
  return fail(
    ctx,
    EXIT_USAGE,
    "NO_DATABASE",
    `no database to work on: no --database-url, no DATABASE_URL, and no running server's embedded database under ${dataDir}.\n` +
      "  Start the server (`npm start`) and run this again, or set DATABASE_URL (or pass --database-url).",
  );
}

/** Maps whatever a command threw to an exit code and a message; rethrows what is a bug. */
export function failure(ctx: CommandContext, url: string, error: unknown): number {
  if (error instanceof UsageError) return fail(ctx, EXIT_USAGE, "USAGE", error.message);
  if (error instanceof ServiceError)
    return fail(ctx, EXIT_REFUSED, error.code, error.message, error.details.fields ?? undefined);
  if (isUnavailable(error))
    return fail(
      ctx,
      EXIT_USAGE,
      "DATABASE_UNAVAILABLE",
      `cannot reach the database at ${redactUrl(url)}: ${gist(error)}`,
    );
  if (isUnmigrated(error))
    return fail(
      ctx,
      EXIT_USAGE,
      "DATABASE_NOT_MIGRATED",
      `the database at ${redactUrl(url)} has no ExoArmur tables yet: run \`exoarmur migrate\` first (${gist(error)})`,
    );
  throw error;
}

/** Resolves the database, runs `work` with a client, maps failures to exit codes, always disconnects. */
export async function withDatabase(
  options: DatabaseOptions,
  io: CommandIO,
  work: (db: Db, ctx: CommandContext) => Promise<number>,
  flags?: Record<string, string>,
): Promise<number> {
  const ctx: CommandContext = { io, json: Boolean(options.json), ...(flags ? { flags } : {}) };
  const url = resolveDatabaseUrl(options.databaseUrl);
  if (!url) return noDatabase(ctx);
  const { createDb } = await import("../db/client");
  const db = createDb(url, 2);
  try {
    return await work(db, ctx);
  } catch (error) {
    return failure(ctx, url, error);
  } finally {
    await db.$disconnect().catch(() => {});
  }
}
