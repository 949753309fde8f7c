// `exoarmur verify`: a cold reviewer's check of one evidence bundle, offline. Integrity (the
// decision re-runs, every hash, chain link, vote and the signature hold) is not enough: anyone can
// rewrite a bundle, recompute its hashes and sign it with a key of their own, which then travels
// inside it. So a bundle passes only when its signer is a key the reviewer trusts — given with
// --public-key, --trusted-keys or EXOARMUR_TRUSTED_KEYS, and obtained from the server out of band.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { EVIDENCE_SCHEMA, keyIdOf, type VerifyReport, verifyBundle, verifyOutcome } from "../core";
import { nodeCrypto } from "../crypto/node";
import { readJsonFile } from "./read-json-file";

/** Exit codes of `exoarmur verify`: the contract scripts and CI rely on. */
export const EXIT_VERIFIED = 0;
export const EXIT_MISMATCH = 1;
export const EXIT_UNREADABLE = 2;
export const EXIT_UNTRUSTED = 3;

/** What exit 3 says, word for word (the CLI, its --json and the browser verifier). */
export const UNTRUSTED_MESSAGE = "integrity OK, signer not trusted: pin its key with --public-key";

export class UnreadableInput extends Error {}

export interface CommandIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface VerifyOptions {
  json?: boolean;
  /** `--public-key`, once per key: 64 hex digits or a file holding them. */
  publicKey?: readonly string[];
  /** `--trusted-keys`, once per file: JSON files listing keys (see readTrustedKeysFile). */
  trustedKeys?: readonly string[];
}

const BUNDLE_KEYS = ["schema", "input", "output", "signature", "events"];
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

/** Reads the file and decides whether it is a bundle at all (exit 2) or one to verify (exit 0/1/3). */
export function readBundle(file: string): Record<string, unknown> {
  const read = readJsonFile(file);
  if (!read.ok) throw new UnreadableInput(read.message);
  const value = read.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UnreadableInput(
      `${file} is not an evidence bundle: expected a JSON object, found ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  const keys = Object.keys(value);
  if (!BUNDLE_KEYS.some((key) => keys.includes(key))) {
    throw new UnreadableInput(
      `${file} is not an evidence bundle: it has none of the fields ${BUNDLE_KEYS.join(", ")} (expected schema "${EVIDENCE_SCHEMA}")`,
    );
  }
  return value as Record<string, unknown>;
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
export function trustedKeysOf(
  options: Pick<VerifyOptions, "publicKey" | "trustedKeys">,
  env: string | undefined,
): string[] {
  const keys = [
    ...(options.publicKey ?? []).map(readPublicKey),
    ...(options.trustedKeys ?? []).flatMap((file) => readTrustedKeysFile(file)),
    ...readTrustedKeysEnv(env),
  ];
  return [...new Set(keys)];
}

const show = (value: unknown): string => {
  if (value === undefined) return "(absent)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

function describeDecision(report: VerifyReport): string {
  const s = report.summary;
  const rule = s.decidingRule ? `, rule ${s.decidingRule}` : "";
  return `${s.tenantId}/${s.decisionId} ${s.verdict} (${s.reason}${rule}), ${s.events} chain events`;
}

/** The human-readable result: one line when verified, otherwise why not. */
export function formatReport(
  file: string,
  report: VerifyReport,
  signer: { publicKey?: unknown },
  trustedCount: number,
): string[] {
  const keyId = typeof report.summary.keyId === "string" ? report.summary.keyId : "?";
  switch (verifyOutcome(report)) {
    case "verified":
      return [
        `verified: ${file}: ${describeDecision(report)}, signed by ${keyId.slice(0, 16)}… (trusted key)`,
      ];
    case "untrusted":
      return [
        `NOT TRUSTED: ${file}: ${describeDecision(report)}`,
        `  ${UNTRUSTED_MESSAGE} (key id ${keyId})`,
        `  the signer's public key: ${show(signer.publicKey)}`,
        trustedCount === 0
          ? "  no key is trusted: none was given with --public-key, --trusted-keys or EXOARMUR_TRUSTED_KEYS"
          : trustedCount === 1
            ? "  it is not the one trusted key given"
            : `  it is none of the ${trustedCount} trusted keys given`,
        "  pin a key only if you got it from the server out of band (GET /api/v1/signing-key): the key inside a bundle proves nothing",
      ];
    case "mismatch": {
      const lines = [
        `NOT VERIFIED: ${file}: ${report.mismatches.length} mismatch${report.mismatches.length === 1 ? "" : "es"}`,
      ];
      for (const m of report.mismatches) {
        lines.push(`  ${m.path || "(bundle)"}: ${m.message}`);
        lines.push(`      expected: ${show(m.expected)}`);
        lines.push(`      actual:   ${show(m.actual)}`);
      }
      return lines;
    }
  }
}

const EXIT_FOR = { verified: EXIT_VERIFIED, mismatch: EXIT_MISMATCH, untrusted: EXIT_UNTRUSTED } as const;

export function verifyCommand(
  file: string,
  options: VerifyOptions,
  io: CommandIO,
  env: string | undefined = process.env.EXOARMUR_TRUSTED_KEYS,
): number {
  try {
    const bundle = readBundle(file);
    const trustedKeys = trustedKeysOf(options, env);
    const report = verifyBundle(bundle, { crypto: nodeCrypto, trustedKeys });
    const outcome = verifyOutcome(report);
    const signature = (bundle.signature ?? {}) as { publicKey?: unknown };
    if (options.json) {
      const { mismatches, summary } = report;
      const untrusted =
        outcome === "untrusted"
          ? { message: UNTRUSTED_MESSAGE, keyId: summary.keyId, publicKey: signature.publicKey }
          : {};
      io.out(
        JSON.stringify(
          {
            file,
            ok: outcome === "verified",
            outcome,
            trusted: summary.trusted,
            ...untrusted,
            mismatches,
            summary,
          },
          null,
          2,
        ),
      );
    } else {
      const print = outcome === "verified" ? io.out : io.err;
      for (const line of formatReport(file, report, signature, trustedKeys.length)) print(line);
    }
    return EXIT_FOR[outcome];
  } catch (error) {
    if (!(error instanceof UnreadableInput)) throw error;
    if (options.json) io.out(JSON.stringify({ file, ok: false, error: error.message }, null, 2));
    else io.err(`exoarmur verify: ${error.message}`);
    return EXIT_UNREADABLE;
  }
}

export function registerVerifyCommand(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  program
    .command("verify")
    .description(
      "verify an evidence bundle offline: re-run the decision, recompute hashes, chain links, approvals and the signature, and check the signer is a key you trust",
    )
    .argument("<bundle>", "path to an evidence bundle (JSON)")
    .option("--json", "print the machine-readable result")
    .option(
      "--public-key <hex|file>",
      "trust this Ed25519 public key (64 hex digits, or a file holding them); repeat for several",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "--trusted-keys <file>",
      "trust every key in this JSON file: a list of hex keys or of objects with a publicKey field, e.g. the saved answer of GET /api/v1/signing-key (current and retired keys); repeat for several",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addHelpText(
      "after",
      [
        "",
        "Trusted keys come from --public-key, --trusted-keys and the environment variable",
        "EXOARMUR_TRUSTED_KEYS (comma-separated hex). Get them from the server out of band",
        "(GET /api/v1/signing-key): the key embedded in a bundle proves nothing by itself.",
        "",
        "Exit codes: 0 verified, 1 mismatch (a field-by-field diff is printed), 2 unreadable input",
        "(the bundle or a key), 3 integrity OK but the signer is not trusted.",
      ].join("\n"),
    )
    .action((bundle: string, options: VerifyOptions) => {
      setExit(verifyCommand(bundle, options, io));
    });
}
