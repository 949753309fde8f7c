// Dispatch attempts as spans (tracing on): each attempt continues the trace of the submission that
// queued its execution (its `traceparent`, kept in ExecutionTrace in the submitting transaction),
// so the webhook call, made inside it, carries that trace to the executor. Attempts that start in
// the same tick read their trace contexts in one query; nothing is read while tracing is off.

import type { Context } from "@opentelemetry/api";
import DataLoader from "dataloader";
import type pg from "pg";
import { contextFromTraceparent, inSpan } from "../telemetry/tracing";
import type { Claimed } from "./claim";
import type { AttemptResult } from "./executors";

const loaders = new WeakMap<pg.Pool, DataLoader<string, string | null>>();

function traceparents(pool: pg.Pool): DataLoader<string, string | null> {
  let loader = loaders.get(pool);
  if (!loader) {
    loader = new DataLoader(
      async (ids) => {
        const { rows } = await pool.query<{ executionId: string; traceparent: string }>({
          name: "exec_trace_contexts",
          text: `SELECT "executionId", traceparent FROM "ExecutionTrace" WHERE "executionId" = ANY($1::text[])`,
          values: [ids],
        });
        const byId = new Map(rows.map((r) => [r.executionId, r.traceparent]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { cache: false },
    );
    loaders.set(pool, loader);
  }
  return loader;
}

/** Runs one attempt inside a `dispatch attempt` span (with its outcome as attributes). */
export async function attemptSpan(
  pool: pg.Pool,
  job: Claimed,
  attempt: () => Promise<AttemptResult>,
): Promise<AttemptResult> {
  // A trace context that cannot be read is no reason to skip the attempt: a new trace then.
  const stored = await traceparents(pool)
    .load(job.id)
    .catch(() => null);
  const parent: Context | undefined = stored ? contextFromTraceparent(stored) : undefined;
  return inSpan(
    "dispatch attempt",
    {
      ...(parent ? { parent } : {}),
      attributes: {
        "exoarmur.tenant": job.tenantId,
        "exoarmur.execution_id": job.id,
        "exoarmur.decision_id": job.decisionId,
        "exoarmur.attempt": job.attempt,
        "exoarmur.action": job.intent.action,
      },
    },
    async (span) => {
      const result = await attempt();
      span?.setAttribute("exoarmur.outcome", result.outcome.kind);
      if (span && result.outcome.kind === "http")
        span.setAttribute("http.response.status_code", result.outcome.status);
      return result;
    },
  );
}
