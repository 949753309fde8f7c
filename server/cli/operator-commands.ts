import { resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { FieldError } from "../core";
import type { Db } from "../db/client";
import { runningEmbeddedUrl } from "../db/runtime";
import { ServiceError } from "../services/errors";
import { KEY_ROLES, PLATFORM_ADMIN } from "../services/principal";
import { readJsonFile } from "./read-json-file";
import type { CommandIO } from "./verify-command";

/**
 * The operator commands: tenants, keys, policies, kill switches, chain verification, migrations.
 * They run on the server as the platform admin, straight against the database, through the same
 * services the REST API uses (so every change writes its chain event). The database client and the
 * services are imported lazily, so `exoarmur verify` (offline) does not pay for Prisma.
 *
 * Exit codes: 0 ok, 1 refused by the service (invalid, not found, conflict...), 2 usage error
 * (bad arguments, unreadable input, no database).
 */
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

interface CommonOptions {
  databaseUrl?: string;
  json?: boolean;
}

/** A refusal that is the caller's fault before any service runs: exit 2. */
class UsageError extends Error {}

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

function isUnavailable(error: unknown): boolean {
  return errorChain(error).some((part) => UNAVAILABLE.test(part));
}

/** A table the migrations create is missing: the database was never migrated. */
function isUnmigrated(error: unknown): boolean {
  return errorChain(error).some(
    (part) => part === "P2021" || /relation "[^"]+" does not exist|table .* does not exist/i.test(part),
  );
}

/** The line of a (possibly multi-line Prisma) error message that says what went wrong: its last. */
function gist(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? message;
}

interface Context {
  io: CommandIO;
  json: boolean;
  /** Which command-line flag set each request field, so a field error can name it. */
  flags?: Record<string, string>;
}

function fail(ctx: Context, code: number, errorCode: string, message: string, fields?: FieldError[]): number {
  if (ctx.json) {
    ctx.io.out(
      JSON.stringify({ error: { code: errorCode, message, ...(fields?.length ? { fields } : {}) } }, null, 2),
    );
  } else {
    ctx.io.err(`error: ${message}`);
    for (const f of fields ?? []) {
      const flag = ctx.flags?.[f.path];
      ctx.io.err(`  ${f.path || "(input)"}: ${f.message}${flag ? ` (${flag})` : ""}`);
    }
  }
  return code;
}

function noDatabase(ctx: Context): number {
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
function failure(ctx: Context, url: string, error: unknown): number {
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

/** Resolves the database, runs `work` with a client, and always disconnects it. */
async function withDatabase(
  options: CommonOptions,
  io: CommandIO,
  work: (db: Db, ctx: Context) => Promise<number>,
  flags?: Record<string, string>,
): Promise<number> {
  const ctx: Context = { io, json: Boolean(options.json), ...(flags ? { flags } : {}) };
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

const number =
  (kind: "number" | "integer") =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n))
      throw new InvalidArgumentError(
        kind === "integer" ? "Expected a whole number, e.g. 400." : "Expected a number, e.g. 50 or 2.5.",
      );
    if (kind === "integer" && !Number.isInteger(n))
      throw new InvalidArgumentError("Expected a whole number, e.g. 400.");
    return n;
  };

function readPolicyFile(file: string): unknown {
  const read = readJsonFile(file);
  if (!read.ok) throw new UsageError(read.message);
  return read.value;
}

function printJson(io: CommandIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

interface TenantView {
  id: string;
  name: string;
  status: string;
  limits: { ratePerSecond: number; burst: number; maxPending: number };
  activePolicyVersion: number | null;
}

const describeLimits = (l: TenantView["limits"]) =>
  `${l.ratePerSecond}/s, burst ${l.burst}, max pending ${l.maxPending}`;

const TENANT_FLAGS = {
  name: "--name",
  "limits.ratePerSecond": "--rate",
  "limits.burst": "--burst",
  "limits.maxPending": "--max-pending",
};
const KEY_FLAGS = { name: "--name", role: "--role" };
const KILL_SWITCH_FLAGS = { scope: "--scope", tenantId: "--tenant", action: "--action", reason: "--reason" };

/** Adds the options every operator command takes. */
function common(command: Command): Command {
  return command
    .option(
      "--database-url <url>",
      "PostgreSQL URL (default: DATABASE_URL, else the running server's database)",
    )
    .option("--json", "print the machine-readable result");
}

export function registerOperatorCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  // ---- tenant ----------------------------------------------------------------------------------
  const tenant = program.command("tenant").description("create, suspend and activate tenants");

  common(
    tenant
      .command("create")
      .description(
        "create a tenant (active, with no policy yet: its intents are denied until one is applied)",
      )
      .argument("<id>", "tenant id: lowercase letters, digits and inner hyphens (e.g. acme-prod)")
      .requiredOption("--name <name>", "display name")
      .option("--rate <perSecond>", "admitted intents per second (default 200)", number("number"))
      .option("--burst <n>", "burst size of the rate limit (default 400)", number("integer"))
      .option(
        "--max-pending <n>",
        "at most this many pending approvals and queued executions (default 10000)",
        number("integer"),
      ),
  ).action(
    async (
      id: string,
      options: CommonOptions & { name: string; rate?: number; burst?: number; maxPending?: number },
    ) =>
      setExit(
        await withDatabase(
          options,
          io,
          async (db, ctx) => {
            const { createTenant } = await import("../services/tenants");
            const limits = {
              ...(options.rate !== undefined ? { ratePerSecond: options.rate } : {}),
              ...(options.burst !== undefined ? { burst: options.burst } : {}),
              ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
            };
            const created: TenantView = await createTenant(db, PLATFORM_ADMIN, {
              id,
              name: options.name,
              ...(Object.keys(limits).length > 0 ? { limits } : {}),
            });
            if (ctx.json) printJson(io, created);
            else {
              io.out(`created tenant ${created.id} ("${created.name}"), ${created.status}`);
              io.out(`  limits: ${describeLimits(created.limits)}`);
              io.out(
                `  policy: none yet, so every intent is denied; next: exoarmur policy apply <file> --tenant ${created.id}`,
              );
            }
            return EXIT_OK;
          },
          TENANT_FLAGS,
        ),
      ),
  );

  for (const [name, status] of [
    ["suspend", "suspended"],
    ["activate", "active"],
  ] as const) {
    common(
      tenant
        .command(name)
        .description(
          status === "suspended"
            ? "suspend a tenant: its intents are denied until it is activated again"
            : "activate a suspended tenant",
        )
        .argument("<id>", "tenant id"),
    ).action(async (id: string, options: CommonOptions) =>
      setExit(
        await withDatabase(options, io, async (db, ctx) => {
          const { getTenant, updateTenant } = await import("../services/tenants");
          const before: TenantView = await getTenant(db, PLATFORM_ADMIN, id);
          const updated: TenantView = await updateTenant(db, PLATFORM_ADMIN, id, { status });
          const already = before.status === status ? ` (it already was ${status})` : "";
          if (ctx.json) printJson(io, updated);
          else if (status === "suspended")
            io.out(
              `tenant ${updated.id} suspended${already}: its intents are denied until \`exoarmur tenant activate ${updated.id}\``,
            );
          else io.out(`tenant ${updated.id} active${already}`);
          return EXIT_OK;
        }),
      ),
    );
  }

  // ---- keys ------------------------------------------------------------------------------------
  const keys = program.command("keys").description("manage a tenant's API keys");
  common(
    keys
      .command("create")
      .description("create an API key; it is printed once, only its hash is stored")
      .requiredOption("--tenant <id>", "tenant id")
      .addOption(new Option("--role <role>", "what the key may do").choices(KEY_ROLES).makeOptionMandatory())
      .requiredOption("--name <name>", "what the key is for (e.g. soar-prod)"),
  ).action(async (options: CommonOptions & { tenant: string; role: string; name: string }) =>
    setExit(
      await withDatabase(
        options,
        io,
        async (db, ctx) => {
          const { createApiKey } = await import("../services/api-keys");
          const created = await createApiKey(db, PLATFORM_ADMIN, options.tenant, {
            role: options.role,
            name: options.name,
          });
          if (ctx.json) printJson(io, created);
          else {
            io.out(
              `created ${created.role} key ${created.id} ("${created.name}") for tenant ${created.tenantId}:`,
            );
            io.out("");
            io.out(`  ${created.key}`);
            io.out("");
            io.err(
              "warning: the key is shown only now (ExoArmur stores only its hash): keep it somewhere safe.",
            );
          }
          return EXIT_OK;
        },
        KEY_FLAGS,
      ),
    ),
  );

  // ---- policy ----------------------------------------------------------------------------------
  const policy = program.command("policy").description("manage a tenant's policy");
  common(
    policy
      .command("apply")
      .description("store a policy document as the tenant's next version and activate it")
      .argument("<file>", "policy document (JSON: {rules: [...]})")
      .requiredOption("--tenant <id>", "tenant id"),
  ).action(async (file: string, options: CommonOptions & { tenant: string }) => {
    let document: unknown;
    try {
      document = readPolicyFile(file);
    } catch (error) {
      setExit(failure({ io, json: Boolean(options.json) }, "", error));
      return;
    }
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { applyPolicy } = await import("../services/policies");
        const applied = await applyPolicy(db, PLATFORM_ADMIN, options.tenant, document);
        const rules = (document as { rules: unknown[] }).rules.length;
        if (ctx.json) printJson(io, { ...applied, rules });
        else {
          io.out(
            `applied ${file} to tenant ${applied.tenantId}: version ${applied.version} (${plural(rules, "rule")}) is now active`,
          );
          io.out(`  hash: ${applied.hash}`);
        }
        return EXIT_OK;
      }),
    );
  });

  // ---- kill-switch -----------------------------------------------------------------------------
  const killSwitch = program
    .command("kill-switch")
    .description("engage, release and list kill switches (global, per tenant, per action glob)");
  for (const [name, engaged] of [
    ["engage", true],
    ["release", false],
  ] as const) {
    common(
      killSwitch
        .command(name)
        .description(
          engaged
            ? "engage a kill switch: the intents it covers are denied, approvals and dispatch stop"
            : "release a kill switch",
        )
        .addOption(
          new Option("--scope <scope>", "which switch")
            .choices(["global", "tenant", "action"])
            .makeOptionMandatory(),
        )
        .option("--tenant <id>", "tenant id (tenant and action scopes)")
        .option("--action <glob>", "action glob, e.g. host.* (action scope)")
        .requiredOption("--reason <text>", "why (recorded in the chain)"),
    ).action(
      async (options: CommonOptions & { scope: string; tenant?: string; action?: string; reason: string }) =>
        setExit(
          await withDatabase(
            options,
            io,
            async (db, ctx) => {
              const { setKillSwitch } = await import("../services/kill-switches");
              const row = await setKillSwitch(db, PLATFORM_ADMIN, {
                scope: options.scope,
                ...(options.tenant !== undefined ? { tenantId: options.tenant } : {}),
                ...(options.action !== undefined ? { action: options.action } : {}),
                engaged,
                reason: options.reason,
              });
              if (ctx.json) printJson(io, row);
              else io.out(`kill switch ${row.id} ${row.engaged ? "ENGAGED" : "released"}: ${row.reason}`);
              return EXIT_OK;
            },
            KILL_SWITCH_FLAGS,
          ),
        ),
    );
  }

  common(
    killSwitch.command("list").description("list every kill switch ever set, engaged or released"),
  ).action(async (options: CommonOptions) =>
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { listKillSwitches } = await import("../services/kill-switches");
        const rows = await listKillSwitches(db, PLATFORM_ADMIN);
        if (ctx.json) printJson(io, { killSwitches: rows });
        else if (rows.length === 0) io.out("no kill switches have been set");
        else {
          const header = ["SWITCH", "STATE", "SINCE", "BY", "REASON"];
          const cells = rows.map((r) => [
            r.id,
            r.engaged ? "ENGAGED" : "released",
            r.changedAt,
            r.changedBy,
            r.reason,
          ]);
          for (const line of table([header, ...cells])) io.out(line);
          const on = rows.filter((r) => r.engaged).length;
          io.out(`${rows.length} switch${rows.length === 1 ? "" : "es"}, ${on} engaged`);
        }
        return EXIT_OK;
      }),
    ),
  );

  // ---- chain -----------------------------------------------------------------------------------
  const chain = program.command("chain").description("the per-tenant hash chain of events");
  common(
    chain
      .command("verify")
      .description("recompute a tenant's whole event chain and name the first broken event")
      .requiredOption("--tenant <id>", "tenant id (or _platform: the chain of the global kill switch)")
      .addHelpText("after", "\nExit codes: 0 chain intact, 1 chain broken or unknown tenant, 2 usage error."),
  ).action(async (options: CommonOptions & { tenant: string }) =>
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { verifyChain, PLATFORM_CHAIN } = await import("../services/chain");
        if (options.tenant !== PLATFORM_CHAIN) {
          const { getTenant } = await import("../services/tenants");
          await getTenant(db, PLATFORM_ADMIN, options.tenant);
        }
        const report = await verifyChain(db, options.tenant);
        if (ctx.json) printJson(io, report);
        else if (report.ok) io.out(`chain ok: ${plural(report.events, "event")}, head ${report.head}`);
        else io.err(`chain BROKEN at seq ${report.firstBrokenSeq}: ${report.problem}`);
        return report.ok ? EXIT_OK : EXIT_REFUSED;
      }),
    ),
  );

  // ---- migrate ---------------------------------------------------------------------------------
  common(
    program.command("migrate").description("apply the database migrations that are not applied yet"),
  ).action(async (options: CommonOptions) => {
    const ctx: Context = { io, json: Boolean(options.json) };
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
