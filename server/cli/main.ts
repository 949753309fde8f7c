import { Command, CommanderError } from "commander";
import { ENGINE_VERSION } from "../core";
import { registerDemoCommand } from "./demo-command";
import { registerOperatorCommands } from "./operator-commands";
import { registerReplayCommand } from "./replay-command";
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

  registerOperatorCommands(program, io, (code) => {
    exitCode = code;
  });
  registerUserCommands(program, io, (code) => {
    exitCode = code;
  });
  registerWorkerCommand(program, io, (code) => {
    exitCode = code;
  });
  registerReplayCommand(program, io, (code) => {
    exitCode = code;
  });
  registerDemoCommand(program, io, (code) => {
    exitCode = code;
  });

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
