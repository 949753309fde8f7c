// `exoarmur keys create`, as the platform admin (see main.ts).

import { type Command, Option } from "commander";
import { KEY_ROLES, PLATFORM_ADMIN } from "../services/access/principal";
import { type DatabaseOptions, databaseOptions, EXIT_OK, printJson, withDatabase } from "./database-command";
import type { CommandIO } from "./verify-command";

const KEY_FLAGS = { name: "--name", role: "--role", forUser: "--for-user" };

export function registerKeyCommands(program: Command, io: CommandIO, setExit: (code: number) => void): void {
  const keys = program.command("keys").description("manage a tenant's API keys");
  databaseOptions(
    keys
      .command("create")
      .description("create an API key; it is printed once, only its hash is stored")
      .requiredOption("--tenant <id>", "tenant id")
      .addOption(new Option("--role <role>", "what the key may do").choices(KEY_ROLES).makeOptionMandatory())
      .requiredOption("--name <name>", "what the key is for (e.g. soar-prod)")
      .option(
        "--for-user <email>",
        "the tenant member this key acts for (fixed for its life); only such keys may vote, as that person",
      ),
  ).action(
    async (options: DatabaseOptions & { tenant: string; role: string; name: string; forUser?: string }) =>
      setExit(
        await withDatabase(
          options,
          io,
          async (db, ctx) => {
            const { createApiKey } = await import("../services/keys/api-keys");
            const created = await createApiKey(db, PLATFORM_ADMIN, options.tenant, {
              role: options.role,
              name: options.name,
              ...(options.forUser !== undefined ? { forUser: options.forUser } : {}),
            });
            if (ctx.json) printJson(io, created);
            else {
              io.out(
                `created ${created.role} key ${created.id} ("${created.name}") for tenant ${created.tenantId}${created.forUser ? `, acting for ${created.forUser}` : ""}:`,
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
}
