// A tiny measuring helper for `npm run bench`. Everything runs on the main thread: the figures are
// single-core figures. Machine-readable output is one `BENCH <name> <value> <unit>` line per figure;
// everything else printed is for humans.

import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface MeasureOptions {
  /** Minimum duration of one timed round, in ms. */
  minMs?: number;
  /** Untimed warm-up (JIT, inline caches, batch-size calibration), in ms. */
  warmupMs?: number;
  /** Timed rounds; the median rate is reported. */
  rounds?: number;
  /** Time individual calls afterwards for p50/p99 latency (skip for sub-µs operations). */
  latency?: boolean;
  /** Upper bound of the latency pass, in ms (it also stops after 50,000 samples). */
  latencyMs?: number;
}

export interface Measurement {
  name: string;
  /** Median of the per-round rates, operations per second. */
  opsPerSec: number;
  roundRates: number[];
  /** (max - min) / median of the round rates. */
  spread: number;
  /** Per-operation latency in µs (timer overhead subtracted), or null when not measured. */
  p50Us: number | null;
  p99Us: number | null;
  totalOps: number;
}

/** Keeps results alive so the optimizer cannot drop the measured work. */
let sink: unknown;
export const lastSink = () => sink;

const now = () => process.hrtime.bigint();

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

let timerOverheadNs: number | null = null;

/** Median cost of one `hrtime.bigint()` pair: subtracted from individually timed calls. */
function timerOverhead(): number {
  if (timerOverheadNs === null) {
    const samples: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const a = now();
      const b = now();
      samples.push(Number(b - a));
    }
    timerOverheadNs = median(samples);
  }
  return timerOverheadNs;
}

/**
 * Measures `fn(i)` (i = 0, 1, 2, … so callers can go round-robin over prepared inputs): warms up
 * for `warmupMs` while calibrating a batch size of ~5 ms, then runs `rounds` rounds of whole batches
 * until each lasts at least `minMs`, and reports the median round rate. Optionally a final pass times
 * single calls for p50/p99 latency.
 */
export function measure(
  name: string,
  fn: (i: number) => unknown,
  { minMs = 1000, warmupMs = 300, rounds = 5, latency = true, latencyMs = 250 }: MeasureOptions = {},
): Measurement {
  let i = 0;

  // Warm-up with doubling batches; the last batches give the ns/op estimate for calibration.
  const warmupEnd = now() + BigInt(Math.round(warmupMs * 1e6));
  let batch = 1;
  let calibrationNs = 0;
  let calibrationOps = 0;
  while (true) {
    const start = now();
    for (let k = 0; k < batch; k++) sink = fn(i++);
    const end = now();
    calibrationNs = Number(end - start);
    calibrationOps = batch;
    if (end >= warmupEnd) break;
    if (calibrationNs < 5e6) batch *= 2;
  }
  const nsPerOp = Math.max(calibrationNs / calibrationOps, 1);
  batch = Math.max(1, Math.round(5e6 / nsPerOp));

  const minNs = BigInt(Math.round(minMs * 1e6));
  const roundRates: number[] = [];
  let totalOps = 0;
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = now();
    let elapsed = 0n;
    do {
      for (let k = 0; k < batch; k++) sink = fn(i++);
      ops += batch;
      elapsed = now() - start;
    } while (elapsed < minNs);
    roundRates.push((ops * 1e9) / Number(elapsed));
    totalOps += ops;
  }

  let p50Us: number | null = null;
  let p99Us: number | null = null;
  if (latency) {
    const overhead = timerOverhead();
    const maxSamples = 50_000;
    const samples = new Float64Array(maxSamples);
    let n = 0;
    const end = now() + BigInt(Math.round(latencyMs * 1e6));
    while (n < maxSamples) {
      const a = now();
      sink = fn(i++);
      const b = now();
      samples[n++] = Math.max(0, Number(b - a) - overhead);
      if ((n & 63) === 0 && b >= end) break;
    }
    const sorted = samples.subarray(0, n).sort();
    p50Us = percentile(sorted, 50) / 1000;
    p99Us = percentile(sorted, 99) / 1000;
  }

  const opsPerSec = median(roundRates);
  const spread = (Math.max(...roundRates) - Math.min(...roundRates)) / opsPerSec;
  const result: Measurement = { name, opsPerSec, roundRates, spread, p50Us, p99Us, totalOps };
  const latencyText = p50Us === null ? "" : `   p50 ${formatValue(p50Us)} µs   p99 ${formatValue(p99Us!)} µs`;
  console.log(
    `  ${name.padEnd(34)} ${Math.round(opsPerSec).toLocaleString("en-US").padStart(12)} ops/s` +
      `   (median of ${rounds} rounds ${Math.round(Math.min(...roundRates)).toLocaleString("en-US")}` +
      `–${Math.round(Math.max(...roundRates)).toLocaleString("en-US")}, spread ${(spread * 100).toFixed(0)}%)${latencyText}`,
  );
  return result;
}

/** Sensible rounding, never exponent notation or thousands separators. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return String(Math.round(value));
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

/** Every figure emitted in this process, in order (run.ts builds its summary from these). */
export const figures: Figure[] = [];

/** Prints exactly `BENCH <name> <value> <unit>` and records the figure. */
export function emit(name: string, value: number, unit: string): number {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bench name must be [a-z0-9_]+: ${name}`);
  figures.push({ name, value, unit });
  console.log(`BENCH ${name} ${formatValue(value)} ${unit}`);
  return value;
}

let contextPrinted = false;

/** The machine the figures come from; printed once per process. */
export function printMachineContext(): void {
  if (contextPrinted) return;
  contextPrinted = true;
  const cpus = os.cpus();
  console.log(`node ${process.version} (${process.platform}/${process.arch}, V8 ${process.versions.v8})`);
  console.log(`cpu  ${cpus[0]?.model ?? "unknown"} × ${cpus.length} logical cores`);
  console.log("mode single-threaded: every figure below is one core, main thread, no workers");
}

/** True when `import.meta.url` is the script node was started with (lets a bench file run alone). */
export function isMain(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && fileURLToPath(importMetaUrl) === path.resolve(script);
}

/** Busy and total jiffies over all CPUs from /proc/stat (Linux); null elsewhere. */
async function cpuTimes(): Promise<{ busy: number; total: number } | null> {
  try {
    const { readFile } = await import("node:fs/promises");
    const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    return { busy, total: busy + idle! + iowait! };
  } catch {
    return null;
  }
}

/**
 * Watches how much CPU other processes used while the benchmarks ran: on a 2-core VM a busy
 * neighbour (a test run, a compiler) slows the measured core noticeably, so the summary says so.
 */
export async function startLoadMonitor(): Promise<() => Promise<string>> {
  const cores = os.cpus().length;
  const before = await cpuTimes();
  const ownBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  return async () => {
    const after = await cpuTimes();
    if (!before || !after || after.total === before.total) return "background load: unknown (no /proc/stat)";
    const machineCores = ((after.busy - before.busy) / (after.total - before.total)) * cores;
    const own = process.cpuUsage(ownBefore);
    const wallUs = Number(process.hrtime.bigint() - wallBefore) / 1000;
    const ownCores = (own.user + own.system) / wallUs;
    const others = Math.max(0, machineCores - ownCores);
    const verdict =
      others < 0.1
        ? "quiet machine"
        : "NOISY: other processes competed for the CPU, figures are low and spread";
    return `background load: ${others.toFixed(2)} cores used by other processes (bench itself: ${ownCores.toFixed(2)}) — ${verdict}`;
  };
}
