// Which signing keys a reviewer trusts for `exoarmur verify`: --public-key (hex or a file),
// --trusted-keys (JSON key lists, e.g. the saved answer of GET /api/v1/signing-key) and
// EXOARMUR_TRUSTED_KEYS. Each is read strictly: a malformed source is refused naming the entry,
// never silently skipped, since a key that is quietly dropped turns every bundle it signed untrusted.

import { readFileSync } from "node:fs";
import { keyIdOf } from "../core";
import { nodeCrypto } from "../crypto/node";
import { readJsonFile } from "./read-json-file";
import { UnreadableInput } from "./verify-exit";

const PUBLIC_KEY = /^[0-9a-fA-F]{64}$/;

const kindOf = (value: unknown): string =>
  Array.isArray(value)
    ? "an array"
    : value === null
      ? "null"
      : typeof value === "object"
        ? "an object"
        : `a ${typeof value}`;

/** A value as an error message quotes it: short, one line. */
const quote = (value: string): string =>
  JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);

/** The key options of `exoarmur verify`, as commander collects them. */
export interface KeyOptions {
  /** `--public-key`, once per key: 64 hex digits or a file holding them. */
  publicKey?: readonly string[];
  /** `--trusted-keys`, once per file: JSON files listing keys (see readTrustedKeysFile). */
  trustedKeys?: readonly string[];
}

export function readPublicKey(option: string): string {
  if (PUBLIC_KEY.test(option)) return option.toLowerCase();
  let text: string;
  try {
    text = readFileSync(option, "utf8").trim();
  } catch {
    throw new UnreadableInput(`--public-key: ${option} is neither 64 hex digits nor a readable file`);
  }
  if (!PUBLIC_KEY.test(text))
    throw new UnreadableInput(`--public-key: ${option} does not hold a 64-hex-digit Ed25519 public key`);
  return text.toLowerCase();
}

/** One entry of a key list: 64 hex digits, or an object with a `publicKey` (and, if present, its `keyId`). */
function keyEntry(entry: unknown, index: number): string {
  const at = `entry [${index}]`;
  if (typeof entry === "string") {
    if (!PUBLIC_KEY.test(entry.trim()))
      throw new UnreadableInput(`${at}: ${quote(entry)} is not 64 hex digits`);
    return entry.trim().toLowerCase();
  }
  if (entry === null || typeof entry !== "object" || Array.isArray(entry))
    throw new UnreadableInput(
      `${at}: expected 64 hex digits or an object with a publicKey, found ${kindOf(entry)}`,
    );
  const { publicKey, keyId } = entry as { publicKey?: unknown; keyId?: unknown };
  if (publicKey === undefined) throw new UnreadableInput(`${at}: publicKey is missing`);
  if (typeof publicKey !== "string" || !PUBLIC_KEY.test(publicKey))
    throw new UnreadableInput(`${at}: publicKey is not 64 hex digits`);
  const key = publicKey.toLowerCase();
  // A keyId that is not its key's means the list was edited by hand or by someone else: refuse it.
  if (keyId !== undefined && (typeof keyId !== "string" || keyId.toLowerCase() !== keyIdOf(nodeCrypto, key)))
    throw new UnreadableInput(`${at}: keyId is not the sha256 of its publicKey`);
  return key;
}

/**
 * `--trusted-keys FILE`: a JSON list whose entries are 64 hex digits or objects with a `publicKey`
 * field; or the saved answer of `GET /api/v1/signing-key`, whose `keys` list the current and the
 * retired signing keys (so bundles signed before a rotation stay verifiable).
 */
export function readTrustedKeysFile(file: string): string[] {
  const fail = (message: string): never => {
    throw new UnreadableInput(`--trusted-keys: ${message}`);
  };
  const read = readJsonFile(file);
  if (!read.ok) return fail(read.message);
  const value = read.value;
  const list = Array.isArray(value)
    ? value
    : value !== null && typeof value === "object" && Array.isArray((value as { keys?: unknown }).keys)
      ? ((value as { keys: unknown[] }).keys as unknown[])
      : fail(
          `${file}: expected a JSON list of public keys (64 hex digits, or objects with a publicKey field, as in the "keys" of GET /api/v1/signing-key), found ${kindOf(value)}`,
        );
  if (list.length === 0) fail(`${file} lists no keys`);
  return list.map((entry, i) => {
    try {
      return keyEntry(entry, i);
    } catch (error) {
      return fail(`${file}: ${(error as Error).message}`);
    }
  });
}

/** EXOARMUR_TRUSTED_KEYS: comma-separated hex keys; blanks around them and empty items are ignored. */
export function readTrustedKeysEnv(value: string | undefined): string[] {
  if (value === undefined) return [];
  const keys: string[] = [];
  value.split(",").forEach((item, i) => {
    if (item.trim() === "") return;
    if (!PUBLIC_KEY.test(item.trim()))
      throw new UnreadableInput(
        `EXOARMUR_TRUSTED_KEYS: entry [${i}]: ${quote(item.trim())} is not 64 hex digits`,
      );
    keys.push(item.trim().toLowerCase());
  });
  return keys;
}

/** Every key the reviewer trusts, from all three sources. */
export function trustedKeysOf(options: KeyOptions, env: string | undefined): string[] {
  const keys = [
    ...(options.publicKey ?? []).map(readPublicKey),
    ...(options.trustedKeys ?? []).flatMap((file) => readTrustedKeysFile(file)),
    ...readTrustedKeysEnv(env),
  ];
  return [...new Set(keys)];
}
