// `exoarmur kill-switch engage | release | list`, as the platform admin (see main.ts).

import { type Command, Option } from "commander";
import { PLATFORM_ADMIN } from "../services/access/principal";
import { type DatabaseOptions, databaseOptions, EXIT_OK, printJson, withDatabase } from "./database-command";
import { table } from "./output";
import type { CommandIO } from "./verify-command";

const KILL_SWITCH_FLAGS = { scope: "--scope", tenantId: "--tenant", action: "--action", reason: "--reason" };

export function registerKillSwitchCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
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
}
