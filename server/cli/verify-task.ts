// One unit of work of `exoarmur verify` over many bundles, and what a worker thread makes of it.
// Work travels in chunks (a run of whole JSONL lines as raw bytes, or a few dozen file paths), not
// one message per bundle: every message is a structured clone plus a wake-up of the other thread,
// and tens of thousands of them would keep the main thread busy instead of the workers. A worker
// answers a chunk with its outcome counts and the text to print, rendered already, so the main
// thread only writes it.

import { statSync } from "node:fs";
import { type BundleCheck, checkBundleText } from "../core";
import { nodeCrypto } from "../crypto/node";
import { cannotRead, readTextFile } from "./read-json-file";
import { utf8Decoder } from "./utf8";
import { noOutcomes, type OutcomeCounts } from "./verify-exit";
import { formatReport, jsonResult, type Place, stringify } from "./verify-render";

/** The largest bundle a batch reads (a line or a file): 16× the largest a server exports (~1 MiB). */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;

export type Task =
  /** Whole lines of a JSONL file, `\n`-terminated (the last may not be), the first being `firstLine`. */
  | { kind: "lines"; file: string; firstLine: number; bytes: Uint8Array }
  | { kind: "files"; paths: string[] }
  /** A bundle the reader already refused (a line over MAX_BUNDLE_BYTES): only its verdict to render. */
  | { kind: "refused"; place: Place; message: string };

/** What every worker is started with. */
export interface WorkerSettings {
  trustedKeys: string[];
  json: boolean;
}

export interface Reply {
  counts: OutcomeCounts;
  /** Bundles judged (blank lines are not bundles). */
  bundles: number;
  /** --json: the chunk's result objects, one per line, comma-separated; else "". */
  out: string;
  /** Human mode: the lines of every bundle that is not verified; else "". */
  err: string;
}

export function runTask(task: Task, settings: WorkerSettings): Reply {
  const reply = new ReplyBuilder(settings);
  switch (task.kind) {
    case "lines":
      forEachLine(task, (place, text) =>
        reply.add(place, judge(text, `${place.file}:${place.line}`, settings)),
      );
      break;
    case "files":
      for (const file of task.paths) reply.add({ file }, judgeFile(file, settings));
      break;
    case "refused":
      reply.add(task.place, unreadable(sourceOf(task.place), task.message));
      break;
  }
  return reply.done();
}

/**
 * Each non-blank line of a "lines" task. Lines are cut at newline bytes and decoded one by one: a
 * byte 0x0A is never inside a UTF-8 sequence, and short strings parse faster than slices of one
 * string of a megabyte.
 */
function forEachLine(
  { file, firstLine, bytes }: Extract<Task, { kind: "lines" }>,
  each: (place: Required<Place>, text: string) => void,
): void {
  const decode = utf8Decoder(bytes);
  for (let start = 0, line = firstLine; start < bytes.length; line++) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    const text = decode(start, end);
    if (text.trim() !== "") each({ file, line }, text);
    start = end + 1;
  }
}

/**
 * A bundle file, read only if it is a regular file of sane size: a FIFO named `x.json` would block
 * the read forever, and a symlink loop fails the stat (ELOOP) instead of hanging.
 */
function judgeFile(file: string, settings: WorkerSettings): BundleCheck {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return unreadable(file, `cannot read ${file}: not a regular file`);
    size = stat.size;
  } catch (error) {
    return unreadable(file, cannotRead(file, error));
  }
  if (size > MAX_BUNDLE_BYTES) return unreadable(file, tooLarge(file));
  const read = readTextFile(file);
  return read.ok ? judge(read.value, file, settings) : unreadable(file, read.message);
}

export const tooLarge = (source: string) =>
  `${source} is larger than ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB: not read as an evidence bundle`;

/**
 * The verdict, exactly as for a single bundle (checkBundleText). A bundle that makes the verifier
 * throw (none is known to) is reported as not checked instead of ending the whole batch.
 */
function judge(text: string, source: string, { trustedKeys }: WorkerSettings): BundleCheck {
  try {
    return checkBundleText(text, source, { crypto: nodeCrypto, trustedKeys });
  } catch (error) {
    return unreadable(source, `${source} could not be verified: ${(error as Error).message}`);
  }
}

const unreadable = (source: string, message: string): BundleCheck => ({
  kind: "unreadable",
  source,
  message,
});

const sourceOf = ({ file, line }: Place) => (line === undefined ? file : `${file}:${line}`);

class ReplyBuilder {
  private readonly counts = noOutcomes();
  private bundles = 0;
  private readonly out: string[] = [];
  private readonly err: string[] = [];

  constructor(private readonly settings: WorkerSettings) {}

  add(place: Place, check: BundleCheck): void {
    this.counts[check.kind]++;
    this.bundles++;
    if (this.settings.json) {
      // `outcome` for every entry, "unreadable" included (the single-bundle --json has none there).
      this.out.push(stringify({ ...jsonResult(place, check), outcome: check.kind }));
    } else if (check.kind === "unreadable") {
      this.err.push(`UNREADABLE: ${check.message}`);
    } else if (check.kind !== "verified") {
      // Verified bundles are counted, not listed: among thousands, the few that fail must stand out.
      this.err.push(...formatReport(check, this.settings.trustedKeys.length));
    }
  }

  done(): Reply {
    return {
      counts: this.counts,
      bundles: this.bundles,
      out: this.out.join(",\n"),
      err: this.err.join("\n"),
    };
  }
}
