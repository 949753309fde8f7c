// The progress bar of `exoarmur verify` over many bundles: drawn on stderr when it is a terminal
// (cli-progress), absent otherwise — a pipe or a file gets only the results, never bar frames.
// While the bar is drawn, lines for stderr go through it, so they print above the bar, not into it.

import type { CommandIO } from "./verify-command";

export interface Progress {
  /** `units` more of the total done (files, or bytes of a JSONL file), `bundles` more judged. */
  advance(units: number, bundles: number): void;
  /** Prints lines meant for stderr. */
  err(text: string): void;
  stop(): void;
}

export async function startProgress(total: number, io: CommandIO): Promise<Progress> {
  if (!process.stderr.isTTY) return { advance() {}, err: io.err, stop() {} };
  // Imported only for a terminal: scripts and CI never load it.
  const { MultiBar } = (await import("cli-progress")).default;
  const bars = new MultiBar({
    format: "verifying {bar} {percentage}% | {bundles} bundles | {rate}/s | ETA {eta_formatted}",
    hideCursor: true,
    clearOnComplete: true,
    stopOnComplete: false,
    stream: process.stderr,
  });
  const started = performance.now();
  let bundles = 0;
  const payload = () => ({
    bundles,
    rate: Math.round(bundles / Math.max((performance.now() - started) / 1000, 0.001)),
  });
  const bar = bars.create(total, 0, payload());
  const restoreOnSignal = restoreTerminalOnSignal(() => bars.stop());
  return {
    advance(units, more) {
      bundles += more;
      bar.increment(units, payload());
    },
    err: (text) => bars.log(`${text}\n`),
    stop: () => {
      restoreOnSignal.remove();
      bars.stop();
    },
  };
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * The bar hides the cursor and turns line wrapping off while it draws: Ctrl-C must not leave the
 * terminal that way. On a signal the bar is stopped, then the signal is raised again with no
 * listener left, so the process ends the way it would have.
 */
function restoreTerminalOnSignal(restore: () => void): { remove: () => void } {
  const remove = () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    restore();
    process.kill(process.pid, signal);
  };
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return { remove };
}
