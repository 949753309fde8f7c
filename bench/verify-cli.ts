// `exoarmur verify` as an auditor runs it: the compiled CLI (dist/cli) in a child process, over
// 20,000 distinct bundles (bench/bundle-corpus.ts) as one JSONL file and as a directory of files,
// with --jobs 2 and a pinned key; and the wall time of one `exoarmur verify bundle.json`. Each
// figure is timed around the whole process (start, threads, reading, output), as a user waits.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSecretKeyHex, nodeSigner } from "../server/crypto/node";
import { corpusBundle } from "./bundle-corpus";
import { emit, formatValue } from "./harness";

const ROOT = new URL("..", import.meta.url).pathname;
const BUNDLES = Number(process.env.BENCH_VERIFY_MANY ?? 20_000);
const ROUNDS = 3;
const SINGLE_RUNS = 10;

export interface CliFigures {
  jsonlPerSec: number;
  singleWallMs: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** Runs the bin; its wall time in ms. Refuses to time a run that did not verify everything. */
function timedRun(args: string[], expect: { code: number; stdout?: string }): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["bin/exoarmur.mjs", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== expect.code || (expect.stdout && !run.stdout.includes(expect.stdout)))
    throw new Error(
      `exoarmur ${args.join(" ")}: exit ${run.status}\n${run.stdout}${run.stderr}`.slice(0, 2000),
    );
  return ms;
}

/** The corpus as `bundles.jsonl` and as `bundles/<n>.json`, signed by one fresh key, pinned in `key.txt`. */
function writeCorpus(dir: string): { jsonl: string; directory: string; keyFile: string } {
  const signer = nodeSigner(generateSecretKeyHex());
  const keyFile = join(dir, "key.txt");
  writeFileSync(keyFile, `${signer.publicKeyHex}\n`);
  const directory = join(dir, "bundles");
  mkdirSync(directory);
  const lines: string[] = [];
  for (let i = 0; i < BUNDLES; i++) {
    const text = JSON.stringify(corpusBundle(i, signer));
    lines.push(text);
    writeFileSync(join(directory, `${String(i).padStart(6, "0")}.json`), text);
  }
  const jsonl = join(dir, "bundles.jsonl");
  writeFileSync(jsonl, `${lines.join("\n")}\n`);
  return { jsonl, directory, keyFile };
}

/** `rounds` timed runs over the corpus; prints each and returns the median rate. */
function rate(label: string, args: string[], rounds: number): number {
  const done = `${BUNDLES} bundles in`;
  const rates = Array.from(
    { length: rounds },
    () => BUNDLES / (timedRun(args, { code: 0, stdout: done }) / 1000),
  );
  const figure = median(rates);
  console.log(
    `  ${label.padEnd(34)} ${Math.round(figure).toLocaleString("en-US").padStart(8)} bundles/s` +
      `   (median of ${rounds}: ${rates.map((r) => Math.round(r).toLocaleString("en-US")).join(", ")})`,
  );
  return figure;
}

export async function runCli(ed25519PerSec: number): Promise<CliFigures> {
  console.log(`\n== exoarmur verify (compiled CLI): ${BUNDLES.toLocaleString("en-US")} distinct bundles ==`);
  execFileSync(process.execPath, ["scripts/build-cli.mjs", "--if-stale"], { cwd: ROOT, stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "exoarmur-bench-verify-"));
  try {
    const started = process.hrtime.bigint();
    const { jsonl, directory, keyFile } = writeCorpus(dir);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`  corpus: made, signed and written in ${seconds.toFixed(1)} s (one key, pinned)`);
    const key = ["--public-key", keyFile];
    const jsonlPerSec = rate("JSONL file, --jobs 2", ["verify", jsonl, "--jobs", "2", ...key], ROUNDS);
    const dirPerSec = rate("directory, --jobs 2", ["verify", directory, "--jobs", "2", ...key], ROUNDS);
    const onePerSec = rate("JSONL file, --jobs 1", ["verify", jsonl, "--jobs", "1", ...key], 1);
    console.log(
      `  ceiling: Ed25519 verify alone, one core: ${Math.round(ed25519PerSec).toLocaleString("en-US")}/s` +
        ` (so at most ${Math.round(2 * ed25519PerSec).toLocaleString("en-US")} bundles/s on 2 threads before any other work)`,
    );

    const single = [
      "verify",
      "docs/examples/evidence-allow.json",
      "--public-key",
      "docs/examples/example-public-key.txt",
    ];
    const walls = Array.from({ length: SINGLE_RUNS }, () => timedRun(single, { code: 0 }));
    const singleWallMs = median(walls);
    console.log(
      `  one bundle, \`exoarmur verify bundle.json\`: median ${formatValue(singleWallMs)} ms, ` +
        `best ${formatValue(Math.min(...walls))} ms of ${SINGLE_RUNS} runs (node itself: see below)`,
    );
    const bare = median(Array.from({ length: 5 }, () => timedNode()));
    console.log(`  \`node -e 0\` on this machine: median ${formatValue(bare)} ms`);

    emit("verify_cli_jsonl_2_jobs", jsonlPerSec, "bundles/s");
    emit("verify_cli_dir_2_jobs", dirPerSec, "bundles/s");
    emit("verify_cli_jsonl_1_job", onePerSec, "bundles/s");
    emit("verify_cli_single_wall", singleWallMs, "ms");
    return { jsonlPerSec, singleWallMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timedNode(): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ["-e", "0"]);
  return Number(process.hrtime.bigint() - started) / 1e6;
}
