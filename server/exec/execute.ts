// Execute: one attempt through the tenant's executor, outside any transaction. Right before the
// attempt is sent, one indexed query re-reads what could have changed since the claim (kill
// switches, the tenant's status) and the core's `dispatchRefusal` decides again, so a switch whose
// engage committed before this point stops the attempt. Attempts that start in the same tick share
// that query (DataLoader, no cache: each is sent after every one of them asked). Whatever happens
// becomes an AttemptResult for the core to classify; nothing here throws.

import DataLoader from "dataloader";
import type pg from "pg";
import { routeFor } from "../services/executors/config";
import { tracingEnabled } from "../telemetry/tracing";
import { type Claimed, executionCall } from "./claim";
import { type Conditions, readConditions, refusalUnder } from "./conditions";
import { type AttemptResult, recordCalls, recordResult, runWebhook } from "./executors";
import { attemptSpan } from "./trace-context";

const loaders = new WeakMap<pg.Pool, DataLoader<string, Conditions | null>>();

/** The conditions of each tenant asked for in this tick, in one query (never cached). */
function conditionsLoader(pool: pg.Pool): DataLoader<string, Conditions | null> {
  let loader = loaders.get(pool);
  if (!loader) {
    loader = new DataLoader(
      async (tenantIds) => {
        const byId = await readConditions(pool, tenantIds);
        return tenantIds.map((id) => byId.get(id) ?? null);
      },
      { cache: false },
    );
    loaders.set(pool, loader);
  }
  return loader;
}

/** Why the claimed attempt may not be sent now, read fresh from the database. */
async function refusalNow(pool: pg.Pool, job: Claimed, now: Date) {
  return refusalUnder(job, await conditionsLoader(pool).load(job.tenantId), now);
}

export function executeAttempt(pool: pg.Pool, job: Claimed, clock: () => Date): Promise<AttemptResult> {
  if (!tracingEnabled()) return attempt(pool, job, clock);
  return attemptSpan(pool, job, () => attempt(pool, job, clock));
}

async function attempt(pool: pg.Pool, job: Claimed, clock: () => Date): Promise<AttemptResult> {
  if (job.configProblem) {
    return {
      outcome: { kind: "invalid", detail: job.configProblem },
      detail: { error: "invalid executor configuration", message: job.configProblem },
    };
  }
  const route = routeFor(job.config, job.intent.action);
  if (!route) {
    return {
      outcome: { kind: "invalid", detail: `no executor route for action ${job.intent.action}` },
      detail: { error: `no executor route for action ${job.intent.action}` },
    };
  }
  const call = executionCall(job);
  try {
    const refusal = await refusalNow(pool, job, clock());
    if (refusal) return { outcome: { kind: "blocked", refusal }, detail: {} };
    if (route.type === "webhook") return await runWebhook(route, call);
    // Record attempts run inside the claim (claim.ts); one reaching here is recorded on its own.
    const [inserted] = await recordCalls(pool, [call]);
    return recordResult(inserted === true);
  } catch (error) {
    return {
      outcome: { kind: "network", code: "EXECUTOR_ERROR" },
      detail: { error: (error as Error).message },
    };
  }
}
