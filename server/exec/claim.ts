// Claim: one transaction takes due QUEUED/RETRY_WAIT executions and RUNNING ones whose lease
// expired (their worker died), FOR UPDATE SKIP LOCKED, so any number of workers share the queue.
// Kill switches, the tenant's status, the intent's deadline and the approval are checked again
// here (and once more right before each attempt is sent, in execute.ts); the core's `claimTransition` says what
// each becomes, and this module writes that.
//
// An attempt through the built-in `record` executor is a row in this same database, so it runs
// right here, in the claim's transaction: claimed, recorded and finished in one commit (its
// started, attempted and succeeded events appended together), so no crash can fall between the
// effect and its outcome. It is checked once more right before it is written, after the heads are
// locked (conditions.ts). Only webhook attempts leave the transaction, RUNNING under this worker's
// lease.

import type pg from "pg";
import {
  attemptTransition,
  type ClaimCandidate,
  claimTransition,
  dispatchRefusal,
  type RetryConfig,
} from "../core";
import { nodeCrypto } from "../crypto/node";
import { pipeline } from "../db/pipeline";
import {
  appendStatement,
  ChainBatch,
  chainsOf,
  type LockedHead,
  lockedHeads,
  lockHeads,
  lockHeadsStatement,
} from "../services/chain/append";
import { appended } from "../services/chain/outbox";
import type { ExecutorConfig } from "../services/executors/config";
import { routeFor } from "../services/executors/config";
import { openStoredConfig } from "../services/executors/stored";
import {
  engagedSwitchesJson,
  type KillSwitchRow,
  toKillSwitchState,
} from "../services/kill-switches/kill-switches";
import { iso } from "../services/shared/ids";
import { inTransactionOpening } from "../services/shared/transaction";
import { type Conditions, conditionsFrom, conditionsStatement, refusalUnder } from "./conditions";
import {
  type AttemptResult,
  type ExecutionCall,
  recordCallsInsert,
  recordedCallRows,
  recordResult,
} from "./executors";

export interface Claimed {
  /**
   * Why the tenant's stored executor configuration cannot be used (it no longer validates, or its
   * secret does not decrypt): the attempt fails INVALID with this reason. Null when it can.
   */
  configProblem: string | null;
  id: string;
  tenantId: string;
  decisionId: string;
  attempt: number;
  intent: ExecutionCall["intent"];
  config: ExecutorConfig | null;
}

interface ClaimContext {
  pool: pg.Pool;
  workerId: string;
  leaseMs: number;
  retry: RetryConfig;
  clock: () => Date;
}

// Two index-friendly probes (due work; expired leases), each locking with SKIP LOCKED, then the
// details, with the kill switches engaged over each tenant; the intent comes from Intent.body
// (small), not from the decision input (whole policy).
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
       d.verdict, d.action, i.body AS intent, a.status AS "approvalStatus", t.status AS "tenantStatus",
       t."executorConfig",
       ${engagedSwitchesJson('e."tenantId"')} AS switches
  FROM picked
  JOIN "Execution" e ON e.id = picked.id
  JOIN "Decision" d ON d.id = e."decisionId"
  JOIN "Intent" i ON i.id = d."intentId"
  JOIN "Tenant" t ON t.id = e."tenantId"
  LEFT JOIN "Approval" a ON a."decisionId" = d.id
 ORDER BY e."nextAttemptAt"
 LIMIT $1`;

/** A row of CLAIM. */
interface ClaimRow {
  id: string;
  tenantId: string;
  decisionId: string;
  attempts: number;
  status: ClaimCandidate["status"];
  leaseOwner: string | null;
  verdict: string;
  action: string;
  intent: ExecutionCall["intent"];
  approvalStatus: string | null;
  tenantStatus: string;
  executorConfig: unknown;
  switches: KillSwitchRow[];
}

// Every claimed row in one write, made in the statement that appends the claim's events: those
// that start get this worker's lease (status stays null), those that end get their final status and
// class, those recorded here the outcome of their attempt (and, were it ever to retry, its delay).
const WRITE = `exec_write AS (
  UPDATE "Execution" e
     SET status = coalesce(v.status, 'RUNNING'),
         "failureClass" = CASE WHEN v.status IS NULL THEN e."failureClass" ELSE v.class END,
         attempts = coalesce(v.attempt, e.attempts),
         "nextAttemptAt" = CASE WHEN v.delay IS NULL THEN e."nextAttemptAt" ELSE now() + (v.delay * interval '1 millisecond') END,
         "leaseOwner" = CASE WHEN v.status IS NULL THEN $7 END,
         "leaseExpiresAt" = CASE WHEN v.status IS NULL THEN now() + ($8::int * interval '1 millisecond') END,
         "updatedAt" = now()
    FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $9::int[]) AS v(id, status, class, attempt, delay)
   WHERE e.id = v.id
), recorded AS (
  ${recordCallsInsert("$10")}
)`;

/** Which of these executions the record executor has stored a call for already. */
const RECORDED_ALREADY = `SELECT "executionId" FROM "RecordedCall" WHERE "executionId" = ANY($1::text[])`;

export interface ClaimOutcome {
  /** Webhook attempts to send: RUNNING under this worker's lease. */
  dispatch: Claimed[];
  /** Attempts through the record executor, run and recorded inside the claim, with their results. */
  recorded: { job: Claimed; result: AttemptResult }[];
}

const NOTHING: ClaimOutcome = { dispatch: [], recorded: [] };

/** Claims up to `limit` executions: record attempts are finished when it returns, webhook attempts RUNNING. */
export async function claimExecutions(ctx: ClaimContext, limit: number): Promise<ClaimOutcome> {
  const claim = { name: "exec_claim", text: CLAIM, values: [limit] };
  let claimedAny = false;
  const outcome = await inTransactionOpening(ctx.pool, { statement: claim }, async (sql, opened, tx) => {
    const rows = opened as unknown as ClaimRow[];
    if (rows.length === 0) return NOTHING;
    claimedAny = true;
    const at = iso(ctx.clock());
    const claimed: Claimed[] = [];
    const events = new ChainBatch();
    const rowOf = new Map<string, number>();
    const writes = {
      ids: [] as string[],
      statuses: [] as (string | null)[],
      classes: [] as (string | null)[],
      attempts: [] as (number | null)[],
      delays: [] as (number | null)[],
    };
    for (const row of rows) {
      const candidate: ClaimCandidate = {
        executionId: row.id,
        attempts: row.attempts,
        status: row.status,
        leaseOwner: row.leaseOwner,
        permitted: row.verdict === "ALLOW" || row.approvalStatus === "APPROVED",
        refusal: dispatchRefusal({
          tenantId: row.tenantId,
          tenantStatus: row.tenantStatus,
          action: row.action,
          requestedAt: row.intent.requestedAt,
          ttlSeconds: row.intent.ttlSeconds,
          switches: row.switches.map(toKillSwitchState),
          now: at,
        }),
      };
      const next = claimTransition(candidate, ctx.workerId, at, ctx.retry);
      events.add(row.tenantId, next.event);
      rowOf.set(row.id, writes.ids.push(row.id) - 1);
      if (next.kind === "end") {
        writes.statuses.push(next.status);
        writes.classes.push(next.failureClass);
        writes.attempts.push(null);
        writes.delays.push(null);
        continue;
      }
      writes.statuses.push(null);
      writes.classes.push(null);
      writes.attempts.push(next.attempt);
      writes.delays.push(null);
      const opened = openStoredConfig(row.executorConfig, row.tenantId);
      claimed.push({
        configProblem: opened.problem,
        id: row.id,
        tenantId: row.tenantId,
        decisionId: row.decisionId,
        attempt: next.attempt,
        intent: row.intent,
        config: opened.config,
      });
    }
    // The heads first (tenant order), then the status writes: the pending counter on each head
    // (a trigger on "Execution") then finds its row already locked, in the one order every writer uses.
    const recorded = claimed.filter(
      (job) => !job.configProblem && routeFor(job.config, job.intent.action)?.type === "record",
    );
    const { heads, conditions, alreadyRecorded } = await lockHeadsThenRead(sql, chainsOf(events), recorded);
    const { results, calls } = recordAttempts(recorded, conditions, alreadyRecorded, ctx.clock());
    recorded.forEach((job, i) => {
      const next = attemptTransition(nodeCrypto, job.id, job.attempt, results[i]!, at, ctx.retry);
      for (const event of next.events) events.add(job.tenantId, event);
      const w = rowOf.get(job.id)!;
      writes.statuses[w] = next.status;
      writes.classes[w] = next.failureClass;
      writes.delays[w] = next.delayMs;
    });
    // The events, the row writes, the recorded calls and COMMIT in one round trip: the heads are
    // held for no other.
    await tx.commitWith(
      appendStatement(heads, events, {
        name: "exec_claim_write",
        cte: WRITE,
        values: [
          writes.ids,
          writes.statuses,
          writes.classes,
          writes.attempts,
          ctx.workerId,
          ctx.leaseMs,
          writes.delays,
          recordedCallRows(calls),
        ],
      }),
    );
    const done = new Set(recorded);
    return {
      dispatch: claimed.filter((job) => !done.has(job)),
      recorded: recorded.map((job, i) => ({ job, result: results[i]! })),
    };
  });
  // Every claimed row appended an event.
  if (claimedAny) appended(ctx.pool);
  return outcome;
}

/**
 * Locks the heads of `chains`, then, in statements of their own (one round trip for all), reads
 * the conditions of the record jobs' tenants and which of them have a recorded call already. Their
 * snapshot is taken once the heads are locked, so an engage or a suspension that committed while
 * the claim waited for a head is seen; the executions themselves are locked since the claim.
 */
async function lockHeadsThenRead(
  sql: pg.PoolClient,
  chains: readonly string[],
  jobs: readonly Claimed[],
): Promise<{
  heads: Map<string, LockedHead>;
  conditions: Map<string, Conditions>;
  alreadyRecorded: Set<string>;
}> {
  const tenants = [...new Set(jobs.map((job) => job.tenantId))];
  const reads =
    jobs.length > 0
      ? [
          conditionsStatement(tenants),
          { name: "exec_recorded_already", text: RECORDED_ALREADY, values: [jobs.map((job) => job.id)] },
        ]
      : [];
  let [headRows, conditionRows, recordedRows] = await pipeline(sql, [lockHeadsStatement(chains), ...reads]);
  let heads = lockedHeads(headRows!);
  if (!chains.every((chain) => heads.has(chain))) {
    // A chain without a head yet: lockHeads creates it; the rest is read after it again.
    heads = await lockHeads(sql, chains);
    if (reads.length > 0) [conditionRows, recordedRows] = await pipeline(sql, reads);
  }
  return {
    heads,
    conditions: conditionsFrom(conditionRows ?? []),
    alreadyRecorded: new Set((recordedRows ?? []).map((r) => r.executionId as string)),
  };
}

/**
 * The record attempts of a claim, decided once the tenants' heads are locked, under the conditions
 * read after that: each is blocked, or succeeds with its call stored (once per execution: a call
 * stored before makes it a duplicate). `calls` are those to store, in the claim's last statement.
 */
function recordAttempts(
  jobs: readonly Claimed[],
  conditions: ReadonlyMap<string, Conditions>,
  alreadyRecorded: ReadonlySet<string>,
  now: Date,
): { results: AttemptResult[]; calls: ExecutionCall[] } {
  const calls: ExecutionCall[] = [];
  const results = jobs.map((job): AttemptResult => {
    const refusal = refusalUnder(job, conditions.get(job.tenantId), now);
    if (refusal) return { outcome: { kind: "blocked", refusal }, detail: {} };
    calls.push(executionCall(job));
    return recordResult(!alreadyRecorded.has(job.id));
  });
  return { results, calls };
}

/** What an executor is given for a claimed attempt. */
export function executionCall(job: Claimed): ExecutionCall {
  return {
    executionId: job.id,
    tenantId: job.tenantId,
    decisionId: job.decisionId,
    attempt: job.attempt,
    intent: job.intent,
  };
}
