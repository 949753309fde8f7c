// Waiting for a decision's final outcome: ALLOW and DENY are final at once; an approval is final
// when APPROVED, DENIED or EXPIRED. The live feed wakes the wait early; polling keeps it correct
// when the feed is down (no JetStream, a proxy that buffers SSE).

import { ExoArmurError } from "./errors.js";
import { type ClientConfig, request, sleep } from "./http.js";
import { followLiveFeed } from "./live.js";
import type { Decision, Outcome } from "./types.js";

export interface AwaitOptions {
  /** Give up after this long (default: until the intent's deadline, at most 1 hour). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** How often to re-read the decision (default 2 s; 10 s while the live feed is up). */
  pollMs?: number;
  /** Follow the live feed (default true). */
  live?: boolean;
  /**
   * Called with the decision each time it is read and still waits for people (votes so far in
   * `decision.approval`): at least once, then on every change and every `pollMs`.
   */
  onPending?: (decision: Decision) => void;
}

export function finalOutcome(decision: Decision): Outcome | null {
  if (decision.verdict === "ALLOW") return { outcome: "ALLOW", decision };
  if (decision.verdict === "DENY") return { outcome: "DENY", decision };
  const status = decision.approval?.status;
  if (status === "APPROVED" || status === "DENIED" || status === "EXPIRED")
    return { outcome: status, decision };
  return null;
}

export async function awaitOutcome(
  config: ClientConfig,
  decisionId: string,
  options: AwaitOptions = {},
): Promise<Outcome> {
  const read = (signal: AbortSignal) =>
    request<Decision>(config, "GET", `/api/v1/decisions/${encodeURIComponent(decisionId)}`, { signal });
  const stop = new AbortController();
  const signals = [stop.signal, ...(options.signal ? [options.signal] : [])];
  const signal = AbortSignal.any(signals);
  try {
    let decision = await read(signal);
    const done = finalOutcome(decision);
    if (done) return done;
    options.onPending?.(decision);
    const deadline = Date.parse(decision.intent.requestedAt) + decision.intent.ttlSeconds * 1000;
    const timeoutMs = options.timeoutMs ?? Math.min(Math.max(deadline - Date.now(), 0) + 5_000, 3_600_000);
    const timedOut = AbortSignal.timeout(timeoutMs);
    const waiting = AbortSignal.any([signal, timedOut]);

    // `changed` is set before waking, and checked before each wait: an event that arrives while a
    // read is in flight is never lost.
    let changed = false;
    let wake: () => void = () => {};
    const notify = () => {
      changed = true;
      wake();
    };
    let live = false;
    if (options.live !== false) {
      const subjects = new Set([decisionId, decision.approvalId].filter(Boolean));
      live = true;
      // Ready means every later change reaches us; one more read covers what changed before it.
      followLiveFeed(
        config,
        { onReady: notify, onEvent: (event) => subjects.has(event.subjectId) && notify() },
        waiting,
      )
        .catch(() => {})
        .finally(() => {
          live = false;
        });
    }
    try {
      for (;;) {
        if (!changed) {
          const pause = options.pollMs ?? (live ? 10_000 : 2_000);
          await Promise.race([
            sleep(pause, waiting),
            new Promise<void>((resolve) => {
              wake = resolve;
            }),
          ]);
        }
        changed = false;
        decision = await read(waiting);
        const outcome = finalOutcome(decision);
        if (outcome) return outcome;
        options.onPending?.(decision);
      }
    } catch (error) {
      if (timedOut.aborted && !options.signal?.aborted)
        throw new ExoArmurError(
          `decision ${decisionId}: no final outcome within ${timeoutMs} ms`,
          "TIMEOUT",
          0,
        );
      throw error;
    }
  } finally {
    stop.abort();
  }
}
