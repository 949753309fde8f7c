// Execute: one attempt through the tenant's executor, outside any transaction. Whatever happens
// becomes an AttemptResult for the core to classify; nothing here throws.

import type pg from "pg";
import { routeFor } from "../services/executors/config";
import type { Claimed } from "./claim";
import { type AttemptResult, type ExecutionCall, runRecord, runWebhook } from "./executors";

export async function executeAttempt(pool: pg.Pool, job: Claimed): Promise<AttemptResult> {
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
}
