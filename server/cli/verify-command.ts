// `exoarmur verify`: a cold reviewer's check of evidence bundles, offline. Integrity (the
// decision re-runs, every hash, chain link, vote and the signature hold) is not enough: anyone can
// rewrite a bundle, recompute its hashes and sign it with a key of their own, which then travels
// inside it. So a bundle passes only when its signer is a key the reviewer trusts — given with
// --public-key, --trusted-keys or EXOARMUR_TRUSTED_KEYS (trusted-keys.ts), and obtained from the
// server out of band.
//
// One bundle file is checked here, on the main thread; a directory or a JSONL file of bundles is
// checked on worker threads (verify-many.ts). Both judge a bundle with checkBundleText's parts
// (server/core/bundle-text.ts) and show it with verify-render.ts.

import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { type Command, InvalidArgumentError } from "commander";
import { checkBundle, parseBundleText } from "../core";
import { nodeCrypto } from "../crypto/node";
import { readTextFile } from "./read-json-file";
import { type KeyOptions, trustedKeysOf } from "./trusted-keys";
import { EXIT_FOR, EXIT_UNREADABLE, UnreadableInput } from "./verify-exit";
import type { BatchKind } from "./verify-many";
import { formatReport, jsonResult, stringify } from "./verify-render";

export {
  EXIT_MISMATCH,
  EXIT_UNREADABLE,
  EXIT_UNTRUSTED,
  EXIT_VERIFIED,
  UNTRUSTED_MESSAGE,
  UnreadableInput,
} from "./verify-exit";

export interface CommandIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface VerifyOptions extends KeyOptions {
  json?: boolean;
  /** `--jobs`: worker threads for a directory or JSONL file (default: the machine's cores). */
  jobs?: number;
}

/** More threads than this only costs memory: no machine this runs on has that many cores. */
const MAX_JOBS = 256;

/** One bundle file: its verdict printed (or its JSON), and its exit code. */
export function verifyCommand(
  file: string,
  options: VerifyOptions,
  io: CommandIO,
  env: string | undefined = process.env.EXOARMUR_TRUSTED_KEYS,
): number {
  try {
    // The bundle is read before the keys, so a bad file is reported before a bad key.
    const read = readTextFile(file);
    if (!read.ok) throw new UnreadableInput(read.message);
    const parsed = parseBundleText(read.value, file);
    if (!parsed.ok) throw new UnreadableInput(parsed.message);
    const trustedKeys = trustedKeysOf(options, env);
    const check = checkBundle(parsed.bundle, file, { crypto: nodeCrypto, trustedKeys });
    if (options.json) {
      io.out(stringify(jsonResult({ file }, check), 2));
    } else if (check.kind !== "unreadable") {
      const print = check.kind === "verified" ? io.out : io.err;
      for (const line of formatReport(check, trustedKeys.length)) print(line);
    }
    return EXIT_FOR[check.kind];
  } catch (error) {
    return reportUnreadable(file, error, options, io);
  }
}

/** A directory or a JSONL file of bundles: judged on `--jobs` worker threads. */
async function verifyBatchCommand(
  path: string,
  kind: BatchKind,
  options: VerifyOptions,
  io: CommandIO,
  env: string | undefined = process.env.EXOARMUR_TRUSTED_KEYS,
): Promise<number> {
  try {
    const trustedKeys = trustedKeysOf(options, env);
    // Loaded only for a batch: one bundle never pays for the threads' plumbing.
    const { verifyMany } = await import("./verify-many");
    const jobs = options.jobs ?? availableParallelism();
    return await verifyMany(path, kind, { json: options.json === true, jobs, trustedKeys }, io);
  } catch (error) {
    return reportUnreadable(path, error, options, io);
  }
}

function reportUnreadable(file: string, error: unknown, options: VerifyOptions, io: CommandIO): number {
  if (!(error instanceof UnreadableInput)) throw error;
  if (options.json) io.out(JSON.stringify({ file, ok: false, error: error.message }, null, 2));
  else io.err(`exoarmur verify: ${error.message}`);
  return EXIT_UNREADABLE;
}

/** A directory or a `*.jsonl` file is a batch; anything else is one bundle file. */
function batchKindOf(path: string): BatchKind | null {
  try {
    if (statSync(path).isDirectory()) return "directory";
  } catch {
    // missing or unreadable: the name decides, and reading it then reports the problem
  }
  return /\.jsonl$/i.test(path) ? "jsonl" : null;
}

function parseJobs(value: string): number {
  const jobs = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(jobs >= 1 && jobs <= MAX_JOBS))
    throw new InvalidArgumentError(`--jobs must be a whole number of threads from 1 to ${MAX_JOBS}`);
  return jobs;
}

export function registerVerifyCommand(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  program
    .command("verify")
    .description(
      "verify evidence bundles offline: re-run the decision, recompute hashes, chain links, approvals and the signature, and check the signer is a key you trust",
    )
    .argument(
      "<bundle>",
      "an evidence bundle (JSON file), a directory (its *.json files) or a JSONL file (*.jsonl, one bundle per line)",
    )
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
    .option(
      "--jobs <n>",
      `threads verifying a directory or JSONL file (default: the number of cores, ${availableParallelism()} here)`,
      parseJobs,
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
        "",
        "Many bundles: give a directory (every *.json file directly in it, in name order) or a",
        "JSONL file (one bundle per line, blank lines skipped). Each bundle that is not verified",
        "is reported (a JSONL bundle as file:line), then the count of each outcome; --json prints",
        '{"source", "results": [one per bundle], "summary": {counts, worst, exitCode}}. The exit',
        "code is the worst outcome, worst first: mismatch (1), unreadable bundle (2), untrusted",
        "signer (3), all verified (0). A progress bar is drawn on stderr when it is a terminal.",
      ].join("\n"),
    )
    .action(async (bundle: string, options: VerifyOptions) => {
      const kind = batchKindOf(bundle);
      setExit(
        kind ? await verifyBatchCommand(bundle, kind, options, io) : verifyCommand(bundle, options, io),
      );
    });
}
