// Executors perform an allowed action. Each attempt of one execution carries the same
// `Idempotency-Key: <executionId>`, so a downstream that deduplicates by it applies the effect
// once however often a crash or timeout makes ExoArmur retry.

import type pg from "pg";
import { type PostResult, signedPost } from "../net/signed-post";
import type { ExecutorRoute } from "../services/executors/config";

export interface ExecutionCall {
  executionId: string;
  tenantId: string;
  decisionId: string;
  attempt: number;
  intent: {
    action: string;
    target: string;
    actor: unknown;
    parameters: unknown;
    correlationId?: string;
    requestedAt: string;
    ttlSeconds: number;
  };
}

/** What the executor saw, for the attempt's event: status code, a body excerpt. */
export type AttemptResult = PostResult;

export async function runWebhook(
  route: Extract<ExecutorRoute, { type: "webhook" }>,
  call: ExecutionCall,
): Promise<AttemptResult> {
  const body = JSON.stringify({
    executionId: call.executionId,
    tenantId: call.tenantId,
    decisionId: call.decisionId,
    attempt: call.attempt,
    action: call.intent.action,
    target: call.intent.target,
    actor: call.intent.actor,
    parameters: call.intent.parameters,
    ...(call.intent.correlationId ? { correlationId: call.intent.correlationId } : {}),
  });
  return signedPost({
    url: route.url,
    body,
    idempotencyKey: call.executionId,
    ...(route.secret ? { secret: route.secret } : {}),
    timeoutMs: route.timeoutMs,
    userAgent: "exoarmur-webhook/1",
  });
}

/**
 * The built-in executor: stores each call once per execution (ON CONFLICT DO NOTHING). `sql` is the
 * claim's transaction (exec/claim.ts runs record attempts inside it) or the pool. Answers, per call,
 * whether its row is new.
 */
export async function recordCalls(
  sql: pg.Pool | pg.PoolClient,
  calls: readonly ExecutionCall[],
): Promise<boolean[]> {
  const { rows: inserted } = await sql.query({
    name: "exec_record_calls",
    text: RECORD_CALLS,
    values: [recordedCallRows(calls)],
  });
  const fresh = new Set(inserted.map((r) => r.executionId as string));
  // A repeated id among the calls: only its first can have inserted the row.
  const seen = new Set<string>();
  return calls.map((call) => {
    const first = !seen.has(call.executionId);
    seen.add(call.executionId);
    return first && fresh.has(call.executionId);
  });
}

/** What the record executor answers for a call: it always succeeds; a repeat says so. */
export function recordResult(inserted: boolean): AttemptResult {
  return { outcome: { kind: "http", status: 200 }, detail: { recorded: true, duplicate: !inserted } };
}

/** The rows the record executor stores for `calls`, as the jsonb parameter of `recordCallsInsert`. */
export function recordedCallRows(calls: readonly ExecutionCall[]): string {
  return JSON.stringify(
    calls.map((call) => ({
      executionId: call.executionId,
      tenantId: call.tenantId,
      action: call.intent.action,
      target: call.intent.target,
      request: { decisionId: call.decisionId, attempt: call.attempt, ...call.intent },
    })),
  );
}

/** The record executor's insert of the rows in the jsonb parameter `param` (once per execution). */
export function recordCallsInsert(param: string): string {
  return `INSERT INTO "RecordedCall" ("executionId", "tenantId", action, target, request)
SELECT r."executionId", r."tenantId", r.action, r.target, r.request
  FROM jsonb_to_recordset(${param}::jsonb) AS r("executionId" text, "tenantId" text, action text, target text, request jsonb)
ON CONFLICT ("executionId") DO NOTHING`;
}

const RECORD_CALLS = `${recordCallsInsert("$1")}
RETURNING "executionId"`;
