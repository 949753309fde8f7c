import { type Command, InvalidArgumentError, Option } from "commander";
import { KEY_ROLES, PLATFORM_ADMIN } from "../services/access/principal";
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
  UsageError,
  withDatabase,
} from "./database-command";
import { readJsonFile } from "./read-json-file";
import type { CommandIO } from "./verify-command";

// The worker and replay commands find their database through here.
export { resolveDatabaseUrl };

/**
 * The operator commands: tenants, keys, policies, kill switches, chain verification, migrations.
 * They run on the server as the platform admin, straight against the database, through the same
 * services the REST API uses (so every change writes its chain event). The database client and the
 * services are imported lazily, so `exoarmur verify` (offline) does not pay for Prisma.
 *
 * Exit codes: 0 ok, 1 refused by the service (invalid, not found, conflict...), 2 usage error
 * (bad arguments, unreadable input, no database).
 */

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

export function registerOperatorCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  // ---- tenant ----------------------------------------------------------------------------------
  const tenant = program.command("tenant").description("create, suspend and activate tenants");

  databaseOptions(
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
      options: DatabaseOptions & { name: string; rate?: number; burst?: number; maxPending?: number },
    ) =>
      setExit(
        await withDatabase(
          options,
          io,
          async (db, ctx) => {
            const { createTenant } = await import("../services/tenants/tenants");
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
    databaseOptions(
      tenant
        .command(name)
        .description(
          status === "suspended"
            ? "suspend a tenant: its intents are denied until it is activated again"
            : "activate a suspended tenant",
        )
        .argument("<id>", "tenant id"),
    ).action(async (id: string, options: DatabaseOptions) =>
      setExit(
        await withDatabase(options, io, async (db, ctx) => {
          const { getTenant, updateTenant } = await import("../services/tenants/tenants");
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
  databaseOptions(
    keys
      .command("create")
      .description("create an API key; it is printed once, only its hash is stored")
      .requiredOption("--tenant <id>", "tenant id")
      .addOption(new Option("--role <role>", "what the key may do").choices(KEY_ROLES).makeOptionMandatory())
      .requiredOption("--name <name>", "what the key is for (e.g. soar-prod)"),
  ).action(async (options: DatabaseOptions & { tenant: string; role: string; name: string }) =>
    setExit(
      await withDatabase(
        options,
        io,
        async (db, ctx) => {
          const { createApiKey } = await import("../services/keys/api-keys");
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
  databaseOptions(
    policy
      .command("apply")
      .description("store a policy document as the tenant's next version and activate it")
      .argument("<file>", "policy document (JSON: {rules: [...]})")
      .requiredOption("--tenant <id>", "tenant id"),
  ).action(async (file: string, options: DatabaseOptions & { tenant: string }) => {
    let document: unknown;
    try {
      document = readPolicyFile(file);
    } catch (error) {
      setExit(failure({ io, json: Boolean(options.json) }, "", error));
      return;
    }
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { applyPolicy } = await import("../services/policies/versions");
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
    databaseOptions(
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
      async (
        options: DatabaseOptions & { scope: string; tenant?: string; action?: string; reason: string },
      ) =>
        setExit(
          await withDatabase(
            options,
            io,
            async (db, ctx) => {
              const { setKillSwitch } = await import("../services/kill-switches/kill-switches");
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

  databaseOptions(
    killSwitch.command("list").description("list every kill switch ever set, engaged or released"),
  ).action(async (options: DatabaseOptions) =>
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { listKillSwitches } = await import("../services/kill-switches/kill-switches");
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
  databaseOptions(
    chain
      .command("verify")
      .description("recompute a tenant's whole event chain and name the first broken event")
      .requiredOption("--tenant <id>", "tenant id (or _platform: the chain of the global kill switch)")
      .addHelpText("after", "\nExit codes: 0 chain intact, 1 chain broken or unknown tenant, 2 usage error."),
  ).action(async (options: DatabaseOptions & { tenant: string }) =>
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { verifyChain, PLATFORM_CHAIN } = await import("../services/chain/chain");
        if (options.tenant !== PLATFORM_CHAIN) {
          const { getTenant } = await import("../services/tenants/tenants");
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
