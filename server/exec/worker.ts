// The dispatcher loop. Any number of workers (in the server and as `exoarmur worker`, on any
// number of machines) share one PostgreSQL queue; each attempt goes through four steps, one module
// each:
//
//  claim    (claim.ts)   due executions under this worker's lease, switches and approval re-checked
//  execute  (execute.ts) outside any transaction, Idempotency-Key = execution id
//  record   (record.ts)  only if the lease is still ours: SUCCEEDED, RETRY_WAIT or FAILED
//  leases   (leases.ts)  renewed while attempts run, handed back on a graceful stop
//
// What each claim and each result becomes is decided by the pure core (core/dispatch.ts).
// A worker killed at any point leaves at worst a RUNNING row whose lease expires; the next claim
// retries it with the same key, so nothing committed is lost and a deduplicating downstream
// applies the effect once.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import { DEFAULT_RETRY, type RetryConfig } from "../core";
import { expireLapsedApprovals } from "../services/approvals/sweep";
import { endUnreportedExecutions } from "../services/executions/unreported";
import { tracingEnabled } from "../telemetry/tracing";
import { type Claimed, claimExecutions } from "./claim";
import { executeAttempt } from "./execute";
import { defaultLeaseMs, releaseLeases, renewLeases } from "./leases";
import { batchingRecorder } from "./record";
import { attemptSpan } from "./trace-context";

export { defaultLeaseMs };

interface WorkerOptions {
  pool: pg.Pool;
  workerId?: string;
  /** Executions in flight at once. */
  concurrency?: number;
  /** How long a claim stays valid without its result being recorded. */
  leaseMs?: number;
  /** Sleep between polls when the queue is empty. */
  pollMs?: number;
  retry?: RetryConfig;
  log?: (line: string) => void;
  /** The time events are stamped with (a fixed clock makes the example bundles reproducible). */
  clock?: () => Date;
  /** Closes lapsed approvals this often (0: never). */
  sweepMs?: number;
}

export interface Worker {
  readonly id: string;
  /** Stop claiming, let running attempts finish (up to `graceMs`), release what is left, resolve. */
  stop(graceMs?: number): Promise<void>;
  /** Executions this worker has finished attempting (for tests and logs). */
  readonly attempts: () => number;
}

export function retryConfigFromEnv(): RetryConfig {
  const number = (name: string, fallback: number) => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    maxAttempts: number("EXOARMUR_RETRY_MAX_ATTEMPTS", DEFAULT_RETRY.maxAttempts),
    initialDelayMs: number("EXOARMUR_RETRY_INITIAL_MS", DEFAULT_RETRY.initialDelayMs),
    maxDelayMs: number("EXOARMUR_RETRY_MAX_MS", DEFAULT_RETRY.maxDelayMs),
  };
}

export function startWorker(options: WorkerOptions): Worker {
  const pool = options.pool;
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? defaultLeaseMs();
  const pollMs = options.pollMs ?? 200;
  const retry = options.retry ?? retryConfigFromEnv();
  const log = options.log ?? (() => {});
  const clock = options.clock ?? (() => new Date());
  const inflight = new Set<Promise<void>>();
  const running = new Set<string>();
  let stopping = false;
  let finished = 0;
  let wake: (() => void) | null = null;

  const claimCtx = { pool, workerId: id, leaseMs, retry, clock };

  const record = batchingRecorder({ pool, workerId: id, retry, clock, log });

  const handle = (job: Claimed) => {
    running.add(job.id);
    const task = (async () => {
      await record(job, await executeAttempt(pool, job, clock));
      finished++;
    })();
    inflight.add(task);
    void task.finally(() => {
      running.delete(job.id);
      inflight.delete(task);
      wake?.();
    });
  };

  const stopRenewing = renewLeases(pool, id, leaseMs, () => running, log);
  const stopSweeping = sweepDeadlines(options, log);

  const loop = (async () => {
    while (!stopping) {
      let got = 0;
      // Claim in batches: wait until a quarter of the slots are free (or nothing runs), so that a
      // busy worker makes one claim transaction per several executions, not one per execution.
      const room = concurrency - inflight.size;
      const batch = Math.max(1, Math.floor(concurrency / 4));
      if (room >= batch || (room > 0 && inflight.size === 0)) {
        try {
          const { dispatch, recorded } = await claimExecutions(claimCtx, room);
          got = dispatch.length + recorded.length;
          finished += recorded.length;
          // With tracing on, an attempt the claim ran (record executor) still gets its span.
          if (tracingEnabled())
            for (const { job, result } of recorded) void attemptSpan(pool, job, async () => result);
          for (const job of dispatch) handle(job);
        } catch (error) {
          log(`claim failed: ${(error as Error).message}`);
        }
      }
      if (stopping) break;
      if (got === 0 || concurrency - inflight.size < batch) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, got === 0 ? pollMs : 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  })();

  return {
    id,
    attempts: () => finished,
    async stop(graceMs = 15_000) {
      stopping = true;
      wake?.();
      await loop;
      const all = Promise.all([...inflight]);
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      stopRenewing();
      stopSweeping();
      if (timedOut) {
        // Hand the unfinished attempts back now rather than after the lease: same key, next worker.
        await releaseLeases(pool, id, clock()).catch((error: Error) =>
          log(`releasing leases failed: ${error.message}`),
        );
      }
    },
  };
}

/**
 * Runs the deadline sweepers on a timer (lapsed approvals end EXPIRED, unreported caller-executed
 * executions UNREPORTED); several dispatchers sweeping at once skip each other's rows.
 */
function sweepDeadlines(options: WorkerOptions, log: (line: string) => void): () => void {
  const every = options.sweepMs ?? 1000;
  if (every <= 0) return () => {};
  let running = false;
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const sweep = async () => {
    const expired = await expireLapsedApprovals(options.pool).catch((error: Error) => {
      log(`expiring lapsed approvals failed: ${error.message}`);
      return 0;
    });
    if (expired > 0) log(`expired ${plural(expired, "lapsed approval")}`);
    const unreported = await endUnreportedExecutions(options.pool).catch((error: Error) => {
      log(`ending unreported executions failed: ${error.message}`);
      return 0;
    });
    if (unreported > 0) log(`ended ${plural(unreported, "unreported execution")} at their deadline`);
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep().finally(() => {
      running = false;
    });
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
