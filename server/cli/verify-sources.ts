// Where a batch of bundles comes from, cut into tasks for the worker threads: a directory (every
// `*.json` file directly in it, sorted by name) or a JSONL file (one bundle per line). The JSONL
// file is streamed in blocks and cut at line ends only, so the main thread never parses a bundle,
// memory stays a few blocks deep however large the file is, and a hostile line is refused once it
// passes MAX_BUNDLE_BYTES instead of being buffered whole.

import { readdirSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { cannotRead } from "./read-json-file";
import { UnreadableInput } from "./verify-exit";
import { MAX_BUNDLE_BYTES, type Task, tooLarge } from "./verify-task";

/** A task and how far it takes the progress bar (files for a directory, bytes for a JSONL file). */
export interface Unit {
  task: Task;
  units: number;
}

const FILES_PER_TASK = 64;
const LINES_PER_TASK = 64;
const BYTES_PER_TASK = 1024 * 1024;
const READ_BLOCK = 1024 * 1024;
const NEWLINE = 0x0a;

/** The bundle files of a directory: its `*.json` entries (not its subdirectories'), sorted by name. */
export function listBundleFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new UnreadableInput(cannotRead(dir, error));
  }
  // Code-unit order, as Array.prototype.sort gives it: the same on every machine and locale.
  return names
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => join(dir, name));
}

export function* fileTasks(files: readonly string[]): Generator<Unit> {
  for (let i = 0; i < files.length; i += FILES_PER_TASK) {
    const paths = files.slice(i, i + FILES_PER_TASK);
    yield { task: { kind: "files", paths }, units: paths.length };
  }
}

/** The tasks of a JSONL file; a line longer than MAX_BUNDLE_BYTES becomes a "refused" task of its own. */
export async function* jsonlTasks(file: string): AsyncGenerator<Unit> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    throw new UnreadableInput(cannotRead(file, error));
  }
  try {
    const cutter = new LineCutter(file);
    for await (const block of blocks(handle)) yield* cutter.take(block);
    yield* cutter.end();
  } finally {
    await handle.close();
  }
}

/** The file's bytes in fresh blocks (each its own memory: pieces of them outlive the next read). */
async function* blocks(handle: FileHandle): AsyncGenerator<Buffer> {
  for (;;) {
    const block = Buffer.allocUnsafeSlow(READ_BLOCK);
    const { bytesRead } = await handle.read(block, 0, READ_BLOCK, null);
    if (bytesRead === 0) return;
    yield block.subarray(0, bytesRead);
  }
}

/** Cuts a stream of blocks into tasks of whole lines, numbering lines from 1. */
class LineCutter {
  /** The number of the line being read. */
  private line = 1;
  /** The pieces of the line being read, unless it is already over the limit. */
  private partial: Buffer[] = [];
  private lineBytes = 0;
  /** Whole lines waiting to be sent, starting at line `taskFirstLine`. */
  private lines: Buffer[] = [];
  private taskBytes = 0;
  private taskLines = 0;
  private taskFirstLine = 1;

  constructor(private readonly file: string) {}

  *take(block: Buffer): Generator<Unit> {
    let start = 0;
    while (start < block.length) {
      const newline = block.indexOf(NEWLINE, start);
      const end = newline === -1 ? block.length : newline + 1;
      this.append(block.subarray(start, end));
      start = end;
      if (newline !== -1) yield* this.endLine();
    }
  }

  /** The last line may lack its newline. */
  *end(): Generator<Unit> {
    if (this.lineBytes > 0) yield* this.endLine();
    yield* this.flush();
  }

  private append(piece: Buffer): void {
    this.lineBytes += piece.length;
    // Past the limit the line's bytes are dropped as they come: only its length is still counted.
    if (this.lineBytes > MAX_BUNDLE_BYTES) this.partial = [];
    else this.partial.push(piece);
  }

  private *endLine(): Generator<Unit> {
    if (this.lineBytes > MAX_BUNDLE_BYTES) {
      yield* this.flush(); // what came before it goes first: results are printed in line order
      const place = { file: this.file, line: this.line };
      yield {
        task: { kind: "refused", place, message: tooLarge(`${this.file}:${this.line}`) },
        units: this.lineBytes,
      };
      this.taskFirstLine = this.line + 1;
    } else {
      this.lines.push(...this.partial);
      this.taskBytes += this.lineBytes;
      this.taskLines++;
    }
    this.partial = [];
    this.lineBytes = 0;
    this.line++;
    if (this.taskLines >= LINES_PER_TASK || this.taskBytes >= BYTES_PER_TASK) yield* this.flush();
  }

  private *flush(): Generator<Unit> {
    if (this.taskLines > 0) {
      // A copy with memory of its own, so it can be transferred to the worker without copying again.
      const bytes = new Uint8Array(this.taskBytes);
      let at = 0;
      for (const piece of this.lines) {
        bytes.set(piece, at);
        at += piece.length;
      }
      yield {
        task: { kind: "lines", file: this.file, firstLine: this.taskFirstLine, bytes },
        units: this.taskBytes,
      };
    }
    this.lines = [];
    this.taskBytes = 0;
    this.taskLines = 0;
    this.taskFirstLine = this.line;
  }
}
