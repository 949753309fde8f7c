// Where the key-encryption key (EXOARMUR_SECRET_KEY) comes from. The variable wins. Otherwise the
// server keeps it in `<data dir>/secret-key` (0600): the embedded server creates that file on its
// first start; a server on an external DATABASE_URL does not, because a key minted by one instance
// is one no other instance has — it is told to set the variable instead. Whatever the source, the
// key ends up in process.env, where server/crypto/secret-box.ts reads it; it is never logged.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseSecretKey } from "./secret-box";

export const SECRET_KEY_FILE = "secret-key";

interface Options {
  dataDir: string;
  /** Whether a missing key may be created in the data dir (embedded mode). */
  create: boolean;
  log: (line: string) => void;
}

export function ensureSecretKey({ dataDir, create, log }: Options): void {
  if (process.env.EXOARMUR_SECRET_KEY) {
    parseSecretKey(process.env.EXOARMUR_SECRET_KEY);
    return;
  }
  const file = join(resolve(dataDir), SECRET_KEY_FILE);
  if (!existsSync(file)) {
    if (!create)
      throw new Error(
        "EXOARMUR_SECRET_KEY is not set: with an external DATABASE_URL every instance needs the same key to read webhook secrets and the signing key (generate one with: openssl rand -hex 32)",
      );
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    log(
      `created the key that encrypts secrets at rest in ${file}; back it up apart from the database — without it the stored webhook secrets and signing key cannot be read`,
    );
  }
  const text = readFileSync(file, "utf8").trim();
  parseSecretKey(text, file);
  process.env.EXOARMUR_SECRET_KEY = text;
}

/**
 * For the CLI: the key of the server whose data dir it works on, if the variable is not set and
 * that server has one. Never creates a key.
 */
export function loadSecretKeyIfPresent(dataDir: string): void {
  if (process.env.EXOARMUR_SECRET_KEY) return;
  const file = join(resolve(dataDir), SECRET_KEY_FILE);
  if (existsSync(file)) process.env.EXOARMUR_SECRET_KEY = readFileSync(file, "utf8").trim();
}
