// `exoarmur signing-key rotate | list`, as the platform admin (see main.ts). Rotation makes a new
// key sign every bundle exported from then on, on every running instance (services/keys/signing-key.ts
// says how soon); the old key is retired, not deleted, so bundles it signed stay verifiable by anyone
// who trusts it. `list --json` writes the file `exoarmur verify --trusted-keys` reads.

import type { Command } from "commander";
import { PLATFORM_ADMIN } from "../services/access/principal";
import type { SigningKeyInfo } from "../services/keys/signing-key";
import { type DatabaseOptions, databaseOptions, EXIT_OK, printJson, withDatabase } from "./database-command";
import type { CommandIO } from "./verify-command";

const describeKey = (key: SigningKeyInfo) =>
  `${key.keyId}  public key ${key.publicKey}  ${key.active ? "active " : "retired"}  created ${key.createdAt ?? "(pinned by EXOARMUR_SIGNING_KEY)"}`;

export function registerSigningKeyCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  const keys = program
    .command("signing-key")
    .description("the Ed25519 keys that sign evidence bundles: list them, rotate to a new one");

  databaseOptions(
    keys
      .command("rotate")
      .description(
        "create a new active signing key and retire the current one (kept: bundles it signed stay verifiable)",
      )
      .addHelpText(
        "after",
        "\nRefused (exit 1) when EXOARMUR_SIGNING_KEY pins the key: change that variable instead.\nExit codes: 0 rotated, 1 refused, 2 usage error (no database).",
      ),
  ).action(async (options: DatabaseOptions) =>
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { rotateSigningKey } = await import("../services/keys/signing-key");
        const rotated = await rotateSigningKey(db, PLATFORM_ADMIN);
        if (ctx.json) printJson(io, rotated);
        else {
          io.out(`rotated: new bundles are signed by ${rotated.current.keyId}`);
          io.out(`  public key ${rotated.current.publicKey}`);
          for (const key of rotated.retired)
            io.out(`retired (kept, still trusted by whoever pinned it): ${key.keyId}`);
          io.out(
            "Reviewers: add the new public key to the keys you trust (GET /api/v1/signing-key lists every key).",
          );
        }
        return EXIT_OK;
      }),
    ),
  );

  databaseOptions(
    keys
      .command("list")
      .description(
        "the current and retired signing keys (--json: the file `exoarmur verify --trusted-keys` reads)",
      ),
  ).action(async (options: DatabaseOptions) =>
    setExit(
      await withDatabase(options, io, async (db, ctx) => {
        const { publicKeyInfo } = await import("../services/keys/signing-key");
        const info = await publicKeyInfo(db);
        if (ctx.json) printJson(io, info);
        else for (const key of info.keys) io.out(describeKey(key));
        return EXIT_OK;
      }),
    ),
  );
}
