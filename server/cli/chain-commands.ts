// `exoarmur chain verify`, as the platform admin (see main.ts).

import type { Command } from "commander";
import { PLATFORM_ADMIN } from "../services/access/principal";
import {
  type DatabaseOptions,
  databaseOptions,
  EXIT_OK,
  EXIT_REFUSED,
  printJson,
  withDatabase,
} from "./database-command";
import { plural } from "./output";
import type { CommandIO } from "./verify-command";

export function registerChainCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
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
        const { PLATFORM_CHAIN } = await import("../services/chain/append");
        const { verifyChain } = await import("../services/chain/verify");
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
}
