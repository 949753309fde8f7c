// `exoarmur policy apply`, as the platform admin (see main.ts).

import type { Command } from "commander";
import { PLATFORM_ADMIN } from "../services/access/principal";
import {
  type DatabaseOptions,
  databaseOptions,
  EXIT_OK,
  failure,
  printJson,
  UsageError,
  withDatabase,
} from "./database-command";
import { plural } from "./output";
import { readJsonFile } from "./read-json-file";
import type { CommandIO } from "./verify-command";

function readPolicyFile(file: string): unknown {
  const read = readJsonFile(file);
  if (!read.ok) throw new UsageError(read.message);
  return read.value;
}

export function registerPolicyCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  const policy = program.command("policy").description("manage a tenant's policy");
  databaseOptions(
    policy
      .command("apply")
      .description(
        "store a policy document as the tenant's next version and activate it (with four eyes on: propose it for another admin)",
      )
      .argument("<file>", "policy document (JSON: {rules: [...]})")
      .requiredOption("--tenant <id>", "tenant id")
      .option("--note <text>", "the change note, recorded with the version and in the chain"),
  ).action(async (file: string, options: DatabaseOptions & { tenant: string; note?: string }) => {
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
        const applied = await applyPolicy(db, PLATFORM_ADMIN, options.tenant, document, {
          ...(options.note !== undefined ? { note: options.note } : {}),
        });
        const rules = (document as { rules: unknown[] }).rules.length;
        if (ctx.json) printJson(io, { ...applied, rules });
        else {
          io.out(
            applied.active
              ? `applied ${file} to tenant ${applied.tenantId}: version ${applied.version} (${plural(rules, "rule")}) is now active`
              : `saved ${file} to tenant ${applied.tenantId} as version ${applied.version} (${plural(rules, "rule")}); four eyes: another admin must activate it`,
          );
          io.out(`  hash: ${applied.hash}`);
          for (const warning of applied.warnings) io.out(`  warning: ${warning.message}`);
        }
        return EXIT_OK;
      }),
    );
  });
}
