// `exoarmur verify` over many bundles: a directory (its `*.json` files) or a JSONL file (one bundle
// per line). The bundles are judged on worker threads (verify-pool.ts) by the same function as a
// single bundle; this module feeds them, prints the results in file or line order as they come,
// and ends with the counts per outcome. The exit code is the worst outcome (verify-exit.ts).

import { statSync } from "node:fs";
import { cannotRead } from "./read-json-file";
import type { CommandIO } from "./verify-command";
import { EXIT_FOR, noOutcomes, type OutcomeCounts, UnreadableInput, worstOutcome } from "./verify-exit";
import { runInWorkers } from "./verify-pool";
import { type Progress, startProgress } from "./verify-progress";
import { fileTasks, jsonlTasks, listBundleFiles, type Unit } from "./verify-sources";
import type { Reply } from "./verify-task";

export type BatchKind = "directory" | "jsonl";

export interface BatchOptions {
  json: boolean;
  jobs: number;
  trustedKeys: string[];
}

export async function verifyMany(
  path: string,
  kind: BatchKind,
  options: BatchOptions,
  io: CommandIO,
): Promise<number> {
  const { units, total } = kind === "directory" ? directoryUnits(path) : jsonlUnits(path);
  const output = new BatchOutput(path, options.json, io);
  const progress = await startProgress(total, io);
  try {
    await runInWorkers(
      units,
      { jobs: options.jobs, settings: { trustedKeys: options.trustedKeys, json: options.json } },
      (unit, reply) => {
        output.add(reply, progress);
        progress.advance(unit.units, reply.bundles);
      },
    );
  } finally {
    progress.stop();
  }
  if (output.bundles === 0)
    throw new UnreadableInput(`${path} holds no evidence bundles: it is empty or every line is blank`);
  return output.finish();
}

function directoryUnits(dir: string): { units: Iterable<Unit>; total: number } {
  const files = listBundleFiles(dir);
  if (files.length === 0) throw new UnreadableInput(`${dir} holds no *.json files to verify`);
  return { units: fileTasks(files), total: files.length };
}

function jsonlUnits(file: string): { units: AsyncIterable<Unit>; total: number } {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new UnreadableInput(cannotRead(file, error));
  }
  return { units: jsonlTasks(file), total: size };
}

/**
 * Prints the replies as they come. With --json, one document streamed out entry by entry:
 * `{"source", "results": [...], "summary"}`; it is opened at the first entry, so a batch that
 * holds no bundle prints only its error.
 */
class BatchOutput {
  private readonly counts: OutcomeCounts = noOutcomes();
  bundles = 0;
  /** --json: the last chunk of entries, held back until we know whether a comma follows it. */
  private pending: string | null = null;

  constructor(
    private readonly source: string,
    private readonly json: boolean,
    private readonly io: CommandIO,
  ) {}

  add(reply: Reply, progress: Progress): void {
    for (const [outcome, n] of Object.entries(reply.counts)) this.counts[outcome as keyof OutcomeCounts] += n;
    this.bundles += reply.bundles;
    if (reply.err !== "") progress.err(reply.err);
    if (reply.out === "") return;
    if (this.pending === null) this.io.out(`{"source":${JSON.stringify(this.source)},"results":[`);
    else this.io.out(`${this.pending},`);
    this.pending = reply.out;
  }

  finish(): number {
    const worst = worstOutcome(this.counts);
    const exitCode = EXIT_FOR[worst];
    if (this.json) {
      const summary = { bundles: this.bundles, ...this.counts, worst, exitCode };
      this.io.out(`${this.pending ?? ""}\n],"summary":${JSON.stringify(summary)}}`);
    } else {
      const { verified, mismatch, untrusted, unreadable } = this.counts;
      this.io.out(
        `${this.bundles} bundle${this.bundles === 1 ? "" : "s"} in ${this.source}: ${verified} verified, ` +
          `${mismatch} mismatched, ${untrusted} untrusted signer, ${unreadable} unreadable`,
      );
    }
    return exitCode;
  }
}
