import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import { DEFAULT_RETRY, type KillSwitchState, type NewEvent, nextStep, type RetryConfig } from "../core";
import { nodeCrypto } from "../crypto/node";
import { appendEventsSql, inTransaction } from "../services/chain/chain-sql";
import { type ExecutorConfig, executorConfigSchema, routeFor } from "../services/executors/config";
import { blockingSwitch, toKillSwitchState } from "../services/kill-switches/kill-switches";
import { iso } from "../services/shared/ids";
import { type AttemptResult, type ExecutionCall, runRecord, runWebhook } from "./executors";

/**
 * The dispatcher: any number of workers (in the server and as `exoarmur worker`, on any number of
 * machines) share one PostgreSQL queue.
 *
 *  claim   one transaction: due QUEUED/RETRY_WAIT executions, and RUNNING ones whose lease expired
 *          (their worker died), FOR UPDATE SKIP LOCKED; kill switches and the approval are checked
 *          again here — a switch that now applies ends the execution BLOCKED, never dispatched;
 *          the others become RUNNING under this worker's lease, attempt + 1, with an event.
 *  run     outside any transaction, through the tenant's executor, Idempotency-Key = execution id.
 *  record  one transaction, only if the lease is still ours: SUCCEEDED, RETRY_WAIT with the core's
 *          delay, or FAILED with its class; the attempt (class, delay, what the executor saw) is an event.
 *
 * A worker killed at any point leaves at worst a RUNNING row whose lease expires; the next claim
 * retries it with the same key, so nothing committed is lost and a deduplicating downstream applies
 * the effect once.
 */
export interface WorkerOptions {
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

/**
 * Leases are short and renewed while an attempt runs (every third of the lease), so a dead
 * worker's executions resume within about one lease, however long a healthy attempt takes.
 */
export const defaultLeaseMs = () => Number(process.env.EXOARMUR_LEASE_MS ?? 5_000);

interface Claimed {
  /** The tenant's stored executor configuration no longer validates: the attempt fails INVALID. */
  invalidConfig: boolean;
  id: string;
  tenantId: string;
  decisionId: string;
  attempt: number;
  intent: ExecutionCall["intent"];
  config: ExecutorConfig | null;
}

// Two index-friendly probes (due work; expired leases), each locking with SKIP LOCKED, then the
// details; the intent comes from Intent.body (small), not from the decision input (whole policy).
const CLAIM = `
WITH due AS (
  SELECT id FROM "Execution"
   WHERE status IN ('QUEUED', 'RETRY_WAIT') AND "nextAttemptAt" <= now()
   ORDER BY "nextAttemptAt" LIMIT $1
     FOR UPDATE SKIP LOCKED
), expired AS (
  SELECT id FROM "Execution"
   WHERE status = 'RUNNING' AND "leaseExpiresAt" < now()
   LIMIT $1
     FOR UPDATE SKIP LOCKED
), picked AS (
  SELECT id FROM due UNION ALL SELECT id FROM expired
)
SELECT e.id, e."tenantId", e."decisionId", e.attempts, e.status, e."leaseOwner",
       d.verdict, d.action, i.body AS intent, a.status AS "approvalStatus", t."executorConfig"
  FROM picked
  JOIN "Execution" e ON e.id = picked.id
  JOIN "Decision" d ON d.id = e."decisionId"
  JOIN "Intent" i ON i.id = d."intentId"
  JOIN "Tenant" t ON t.id = e."tenantId"
  LEFT JOIN "Approval" a ON a."decisionId" = d.id
 ORDER BY e."nextAttemptAt"
 LIMIT $1`;

export function startWorker(options: WorkerOptions): Worker {
  const pool = options.pool;
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const concurrency = options.concurrency ?? 8;
  const leaseMs = options.leaseMs ?? defaultLeaseMs();
  const pollMs = options.pollMs ?? 200;
  const retry = options.retry ?? retryConfigFromEnv();
  const log = options.log ?? (() => {});
  const inflight = new Set<Promise<void>>();
  const running = new Set<string>();
  let stopping = false;
  let finished = 0;
  let wake: (() => void) | null = null;

  const claim = (limit: number): Promise<Claimed[]> =>
    inTransaction(pool, async (sql) => {
      const { rows } = await sql.query({ name: "exec_claim", text: CLAIM, values: [limit] });
      if (rows.length === 0) return [];
      const tenants = [...new Set(rows.map((r) => r.tenantId as string))].sort();
      const switches: KillSwitchState[] = (
        await sql.query(
          `SELECT id, scope, "tenantId", action, engaged, reason FROM "KillSwitch" WHERE engaged AND (scope = 'global' OR "tenantId" = ANY($1))`,
          [tenants],
        )
      ).rows.map(toKillSwitchState);
      const now = new Date();
      const at = iso(now);
      const claimed: Claimed[] = [];
      const events = new Map<string, Omit<NewEvent, "tenantId">[]>();
      const push = (tenantId: string, event: Omit<NewEvent, "tenantId">) =>
        events.set(tenantId, [...(events.get(tenantId) ?? []), event]);
      for (const row of rows) {
        const blocker = blockingSwitch(switches, row.tenantId, row.action);
        const permitted = row.verdict === "ALLOW" || row.approvalStatus === "APPROVED";
        const reclaimed = row.status === "RUNNING";
        if (blocker || !permitted) {
          const failureClass = blocker ? "BLOCKED" : "INVALID";
          await sql.query(
            `UPDATE "Execution" SET status = $2, "failureClass" = $3, "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now() WHERE id = $1`,
            [row.id, blocker ? "BLOCKED" : "FAILED", failureClass],
          );
          push(row.tenantId, {
            type: blocker ? "execution.blocked" : "execution.failed",
            subjectId: row.id,
            at,
            payload: blocker
              ? { killSwitch: blocker.id, failureClass }
              : { failureClass, reason: "no ALLOW decision or APPROVED approval" },
          });
        } else if (row.attempts >= retry.maxAttempts) {
          // The last allowed attempt's worker died before recording it: the cap holds.
          await sql.query(
            `UPDATE "Execution" SET status = 'FAILED', "failureClass" = 'EXHAUSTED', "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now() WHERE id = $1`,
            [row.id],
          );
          push(row.tenantId, {
            type: "execution.failed",
            subjectId: row.id,
            at,
            payload: {
              failureClass: "EXHAUSTED",
              attempts: row.attempts,
              reason: "lease expired on the last attempt",
            },
          });
        } else {
          const attempt = row.attempts + 1;
          await sql.query({
            name: "exec_start",
            text: `UPDATE "Execution" SET status = 'RUNNING', attempts = $2, "leaseOwner" = $3, "leaseExpiresAt" = now() + ($4::int * interval '1 millisecond'), "updatedAt" = now() WHERE id = $1`,
            values: [row.id, attempt, id, leaseMs],
          });
          push(row.tenantId, {
            type: "execution.started",
            subjectId: row.id,
            at,
            payload: { attempt, worker: id, ...(reclaimed ? { reclaimedFrom: row.leaseOwner } : {}) },
          });
          const parsed = row.executorConfig ? executorConfigSchema.safeParse(row.executorConfig) : null;
          const invalidConfig = parsed !== null && !parsed.success;
          claimed.push({
            invalidConfig,
            id: row.id,
            tenantId: row.tenantId,
            decisionId: row.decisionId,
            attempt,
            intent: row.intent,
            config: parsed?.success ? parsed.data : null,
          });
        }
      }
      for (const tenantId of [...events.keys()].sort())
        await appendEventsSql(sql, tenantId, events.get(tenantId)!);
      return claimed;
    });

  const execute = async (job: Claimed): Promise<AttemptResult> => {
    if (job.invalidConfig) {
      return {
        outcome: { kind: "invalid", detail: "the tenant's executor configuration is invalid" },
        detail: { error: "invalid executor configuration" },
      };
    }
    const route = routeFor(job.config, job.intent.action);
    const call: ExecutionCall = {
      executionId: job.id,
      tenantId: job.tenantId,
      decisionId: job.decisionId,
      attempt: job.attempt,
      intent: job.intent,
    };
    try {
      return route.type === "webhook" ? await runWebhook(route, call) : await runRecord(pool, call);
    } catch (error) {
      return {
        outcome: { kind: "network", code: "EXECUTOR_ERROR" },
        detail: { error: (error as Error).message },
      };
    }
  };

  /**
   * Results are recorded in small batches: one transaction (one durable commit, one chain append
   * per tenant) for every attempt that finished since the last flush. Each row is updated only if
   * this worker still holds its lease for that attempt.
   */
  const recordBatch = (batch: { job: Claimed; result: AttemptResult }[]) =>
    inTransaction(pool, async (sql) => {
      const { rows } = await sql.query({
        name: "exec_lock_batch",
        text: `SELECT id, status, "leaseOwner", attempts FROM "Execution" WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
        values: [batch.map((b) => b.job.id)],
      });
      const current = new Map(rows.map((r) => [r.id as string, r]));
      const at = iso(new Date());
      const updates = {
        ids: [] as string[],
        statuses: [] as string[],
        classes: [] as (string | null)[],
        delays: [] as (number | null)[],
      };
      const events = new Map<string, Omit<NewEvent, "tenantId">[]>();
      const push = (tenantId: string, event: Omit<NewEvent, "tenantId">) =>
        events.set(tenantId, [...(events.get(tenantId) ?? []), event]);
      for (const { job, result } of batch) {
        const row = current.get(job.id);
        if (row?.status !== "RUNNING" || row.leaseOwner !== id || row.attempts !== job.attempt) {
          log(
            `execution ${job.id}: lease lost before attempt ${job.attempt} was recorded; another worker owns it now`,
          );
          continue;
        }
        const step = nextStep(nodeCrypto, job.id, job.attempt, result.outcome, retry);
        updates.ids.push(job.id);
        if (step.action === "succeed") {
          updates.statuses.push("SUCCEEDED");
          updates.classes.push(null);
          updates.delays.push(null);
          push(job.tenantId, {
            type: "execution.attempted",
            subjectId: job.id,
            at,
            payload: { attempt: job.attempt, class: "SUCCESS", ...result.detail },
          });
          push(job.tenantId, {
            type: "execution.succeeded",
            subjectId: job.id,
            at,
            payload: { attempt: job.attempt },
          });
        } else if (step.action === "retry") {
          updates.statuses.push("RETRY_WAIT");
          updates.classes.push("TRANSIENT");
          updates.delays.push(step.delayMs);
          push(job.tenantId, {
            type: "execution.attempted",
            subjectId: job.id,
            at,
            payload: { attempt: job.attempt, class: "TRANSIENT", delayMs: step.delayMs, ...result.detail },
          });
        } else {
          updates.statuses.push("FAILED");
          updates.classes.push(step.failureClass);
          updates.delays.push(null);
          const attemptClass = step.failureClass === "EXHAUSTED" ? "TRANSIENT" : step.failureClass;
          push(job.tenantId, {
            type: "execution.attempted",
            subjectId: job.id,
            at,
            payload: { attempt: job.attempt, class: attemptClass, ...result.detail },
          });
          push(job.tenantId, {
            type: "execution.failed",
            subjectId: job.id,
            at,
            payload: { attempt: job.attempt, failureClass: step.failureClass },
          });
        }
      }
      if (updates.ids.length === 0) return;
      await sql.query({
        name: "exec_record",
        text: `UPDATE "Execution" e
                  SET status = v.status, "failureClass" = v.class,
                      "nextAttemptAt" = CASE WHEN v.delay IS NULL THEN e."nextAttemptAt" ELSE now() + (v.delay * interval '1 millisecond') END,
                      "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now()
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS v(id, status, class, delay)
                WHERE e.id = v.id`,
        values: [updates.ids, updates.statuses, updates.classes, updates.delays],
      });
      for (const tenantId of [...events.keys()].sort())
        await appendEventsSql(sql, tenantId, events.get(tenantId)!);
    });

  let pending: { job: Claimed; result: AttemptResult; done: () => void }[] = [];
  let flushing = false;
  const flush = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await recordBatch(batch);
      } catch (error) {
        // These results are lost with the transaction; their leases expire and the attempts are retried.
        log(`recording ${batch.length} attempts failed: ${(error as Error).message}`);
      }
      for (const item of batch) item.done();
    }
    flushing = false;
  };
  const record = (job: Claimed, result: AttemptResult) =>
    new Promise<void>((done) => {
      pending.push({ job, result, done });
      if (!flushing) {
        flushing = true;
        void flush();
      }
    });

  const handle = (job: Claimed) => {
    running.add(job.id);
    const task = (async () => {
      await record(job, await execute(job));
      finished++;
    })();
    inflight.add(task);
    void task.finally(() => {
      running.delete(job.id);
      inflight.delete(task);
      wake?.();
    });
  };

  const heartbeat = setInterval(
    () => {
      if (running.size === 0) return;
      pool
        .query(
          `UPDATE "Execution" SET "leaseExpiresAt" = now() + ($3::int * interval '1 millisecond') WHERE id = ANY($1) AND "leaseOwner" = $2 AND status = 'RUNNING'`,
          [[...running], id, leaseMs],
        )
        .catch((error: Error) => log(`renewing leases failed: ${error.message}`));
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  heartbeat.unref();

  const loop = (async () => {
    while (!stopping) {
      let got = 0;
      // Claim in batches: wait until a quarter of the slots are free (or nothing runs), so that a
      // busy worker makes one claim transaction per several executions, not one per execution.
      const room = concurrency - inflight.size;
      const batch = Math.max(1, Math.floor(concurrency / 4));
      if (room >= batch || (room > 0 && inflight.size === 0)) {
        try {
          const jobs = await claim(room);
          got = jobs.length;
          for (const job of jobs) handle(job);
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
      clearInterval(heartbeat);
      if (timedOut) {
        // Hand the unfinished attempts back now rather than after the lease: same key, next worker.
        await inTransaction(pool, async (sql) => {
          const { rows } = await sql.query(
            `UPDATE "Execution" SET status = 'RETRY_WAIT', "nextAttemptAt" = now(), "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "updatedAt" = now() WHERE "leaseOwner" = $1 AND status = 'RUNNING' RETURNING id, "tenantId", attempts`,
            [id],
          );
          const at = iso(new Date());
          const byTenant = new Map<string, Omit<NewEvent, "tenantId">[]>();
          for (const r of rows)
            byTenant.set(r.tenantId, [
              ...(byTenant.get(r.tenantId) ?? []),
              {
                type: "execution.released",
                subjectId: r.id,
                at,
                payload: { attempt: r.attempts, worker: id },
              },
            ]);
          for (const tenantId of [...byTenant.keys()].sort())
            await appendEventsSql(sql, tenantId, byTenant.get(tenantId)!);
        }).catch((error: Error) => log(`releasing leases failed: ${error.message}`));
      }
    },
  };
}
