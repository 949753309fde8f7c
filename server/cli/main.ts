// The `exoarmur` CLI: one file per noun — `tenant` (tenant-commands.ts), `keys` (key-commands.ts),
// `policy`, `kill-switch`, `chain`, `migrate`, `user`, `worker`, `replay`, `verify`, `demo`.
// Operator commands run as the platform admin, straight against the database, through the same
// services the REST API uses (so every change writes its chain event); their database plumbing and
// failure-to-exit-code mapping are in database-command.ts, and the database client and services
// are imported lazily, so `exoarmur verify` (offline) does not pay for Prisma.
//
// Exit codes: 0 ok, 1 refused by the service (invalid, not found, conflict...), 2 usage error
// (bad arguments, unreadable input, no database).

import { Command, CommanderError } from "commander";
import { ENGINE_VERSION } from "../core";
import { registerChainCommands } from "./chain-commands";
import { registerDemoCommand } from "./demo-command";
import { registerKeyCommands } from "./key-commands";
import { registerKillSwitchCommands } from "./kill-switch-commands";
import { registerMigrateCommand } from "./migrate-commands";
import { registerPolicyCommands } from "./policy-commands";
import { registerReplayCommand } from "./replay-command";
import { registerTenantCommands } from "./tenant-commands";
import { registerUserCommands } from "./user-commands";
import { type CommandIO, EXIT_UNREADABLE, verifyCommand } from "./verify-command";
import { registerWorkerCommand } from "./worker-command";

/** The `exoarmur` CLI. Each subcommand returns its exit code; nothing here calls process.exit. */
export async function run(argv: string[], io: CommandIO): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("exoarmur")
    .description("ExoArmur execution safety gateway")
    .version(ENGINE_VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command("verify")
    .description(
      "verify an evidence bundle offline: re-run the decision, recompute hashes, chain links, approvals and the signature",
    )
    .argument("<bundle>", "path to an evidence bundle (JSON)")
    .option("--json", "print the machine-readable result")
    .option(
      "--public-key <hex|file>",
      "pin the server's Ed25519 public key (64 hex digits, or a file holding them)",
    )
    .addHelpText(
      "after",
      "\nExit codes: 0 verified, 1 mismatch (a field-by-field diff is printed), 2 unreadable input.",
    )
    .action((bundle: string, options: { json?: boolean; publicKey?: string }) => {
      exitCode = verifyCommand(bundle, options, io);
    });

  // In this order in `exoarmur --help`.
  const setExit = (code: number) => {
    exitCode = code;
  };
  for (const register of [
    registerTenantCommands,
    registerKeyCommands,
    registerPolicyCommands,
    registerKillSwitchCommands,
    registerChainCommands,
    registerMigrateCommand,
    registerUserCommands,
    registerWorkerCommand,
    registerReplayCommand,
    registerDemoCommand,
  ])
    register(program, io, setExit);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.exitCode === 0
        ? 0
        : EXIT_UNREADABLE;
    }
    throw error;
  }
  return exitCode;
}
