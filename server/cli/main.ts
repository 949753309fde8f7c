// The `exoarmur` CLI: one file per noun — `tenant` (tenant-commands.ts), `keys` (key-commands.ts),
// `policy`, `kill-switch`, `chain`, `signing-key` (signing-key-commands.ts), `migrate`, `user`,
// `worker`, `replay`, `verify` (verify-command.ts), `demo`, `mcp-gateway` (mcp-gateway-command.ts).
// Operator commands run as the platform admin, straight against the database, through the same
// services the REST API uses (so every change writes its chain event); their database plumbing and
// failure-to-exit-code mapping are in database-command.ts, and the database client and services
// are imported lazily, so `exoarmur verify` (offline) does not pay for Prisma.
//
// Exit codes: 0 ok, 1 refused by the service (invalid, not found, conflict...), 2 usage error
// (bad arguments, unreadable input, no database).

import { Command, CommanderError } from "commander";
import { ENGINE_VERSION } from "../core";
import { loadSecretKeyIfPresent } from "../crypto/secret-key";
import { registerChainCommands } from "./chain-commands";
import { registerDemoCommand } from "./demo-command";
import { registerKeyCommands } from "./key-commands";
import { registerKillSwitchCommands } from "./kill-switch-commands";
import { registerMcpGatewayCommand } from "./mcp-gateway-command";
import { registerMigrateCommand } from "./migrate-commands";
import { registerPolicyCommands } from "./policy-commands";
import { registerReplayCommand } from "./replay-command";
import { registerSigningKeyCommands } from "./signing-key-commands";
import { registerTenantCommands } from "./tenant-commands";
import { registerUserCommands } from "./user-commands";
import { type CommandIO, EXIT_UNREADABLE, registerVerifyCommand } from "./verify-command";
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

  // In this order in `exoarmur --help`.
  const setExit = (code: number) => {
    exitCode = code;
  };
  for (const register of [
    registerVerifyCommand,
    registerTenantCommands,
    registerKeyCommands,
    registerPolicyCommands,
    registerKillSwitchCommands,
    registerChainCommands,
    registerSigningKeyCommands,
    registerMigrateCommand,
    registerUserCommands,
    registerWorkerCommand,
    registerReplayCommand,
    registerDemoCommand,
    registerMcpGatewayCommand,
  ])
    register(program, io, setExit);

  // Commands that read or write secrets (the worker, signing keys, evidence) need the key that
  // seals them: EXOARMUR_SECRET_KEY, else the one the embedded server keeps in its data dir.
  loadSecretKeyIfPresent(process.env.EXOARMUR_DATA_DIR ?? ".exoarmur");
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
