// `exoarmur tenant create | suspend | activate`, as the platform admin (see main.ts).

import { type Command, InvalidArgumentError } from "commander";
import { PLATFORM_ADMIN } from "../services/access/principal";
import { type DatabaseOptions, databaseOptions, EXIT_OK, printJson, withDatabase } from "./database-command";
import type { CommandIO } from "./verify-command";

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

export function registerTenantCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
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
}
