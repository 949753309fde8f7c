// Caller-executed intents: the caller's last "may I" (`startCallerExecution`) and its report of
// what happened (`reportCallerExecution`). Each is one transaction: the execution row locked, what
// applies now read, the core's transition (core/caller.ts) applied, its chain event appended.
// Only the key that submitted the intent may start or report it: another key of the tenant must
// not be able to write "succeeded" into somebody else's evidence.

import type pg from "pg";
import { z } from "zod";
import {
  type ActionIntent,
  type CallerExecution,
  type CallerRefusal,
  type CallerReport,
  canonicalJson,
  type DispatchRefusal,
  idempotencyKeySchema,
  jsonByteLength,
  jsonProblem,
  parseWith,
  REPORT_OUTCOMES,
  reportTransition,
  startTransition,
} from "../../core";
import type { Db } from "../../db/client";
import type { Principal } from "../access/principal";
import { appendEvents } from "../chain/append";
import { getExecution } from "../decisions/read";
import { toKillSwitchState } from "../kill-switches/kill-switches";
import { conflict, forbidden, invalid, notFound, ServiceError } from "../shared/errors";
import { iso } from "../shared/ids";
import { inTransaction } from "../shared/transaction";

/** A report's detail is evidence, not a log: kept small. */
const MAX_DETAIL_BYTES = 16 * 1024;

export const executionReportSchema = z.strictObject({
  outcome: z.enum(REPORT_OUTCOMES, { error: `must be one of ${REPORT_OUTCOMES.join(", ")}` }),
  detail: z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const problem = jsonProblem(value);
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
        return;
      }
      const bytes = jsonByteLength(canonicalJson(value));
      if (bytes > MAX_DETAIL_BYTES)
        ctx.addIssue({
          code: "custom",
          message: `is ${bytes} bytes; the limit is ${MAX_DETAIL_BYTES} (16 KiB)`,
        });
    })
    .optional(),
});

/** What a start may carry: the caller's start key, so its own retry of a lost answer is recognised. */
export const executionStartSchema = z.strictObject({
  startKey: idempotencyKeySchema.optional(),
});

const REFUSALS: Record<CallerRefusal, string> = {
  ALREADY_STARTED:
    "this execution was already started (by another start, or without the same startKey): only one caller acts",
  NOT_CALLER_EXECUTED:
    "this execution is dispatched to the tenant's executor; only caller-executed intents are started and reported by their caller",
  EXECUTION_FINISHED: "this execution has ended",
  NOT_STARTED: "start the execution (POST /api/v1/executions/{id}/start) before reporting it",
  REPORT_CONFLICT: "this execution was already reported with a different outcome or detail",
};

const LOCK = `
SELECT e.id, e."tenantId", e.mode, e.status, e.report, e."startKey", i.body AS intent, i."submittedBy", t.status AS "tenantStatus"
  FROM "Execution" e
  JOIN "Decision" d ON d.id = e."decisionId"
  JOIN "Intent" i ON i.id = d."intentId"
  JOIN "Tenant" t ON t.id = e."tenantId"
 WHERE e.id = $1
   FOR UPDATE OF e`;

const SWITCHES = `SELECT id, scope, "tenantId", action, engaged, reason FROM "KillSwitch" WHERE engaged AND (scope = 'global' OR "tenantId" = $1)`;

interface Locked extends CallerExecution {
  tenantId: string;
  intent: ActionIntent;
  submittedBy: string;
  tenantStatus: string;
}

/** The execution, locked; another tenant's is "not found", another key's is forbidden. */
async function lockOwn(sql: pg.PoolClient, principal: Principal, executionId: string): Promise<Locked> {
  const row = (await sql.query<Locked>(LOCK, [executionId])).rows[0];
  const visible = row && (principal.kind === "platform-admin" || principal.tenantId === row.tenantId);
  if (!row || !visible) throw notFound(`execution ${executionId}`);
  if (principal.kind !== "api-key" || principal.id !== row.submittedBy)
    throw forbidden("only the API key that submitted the intent may start or report its execution");
  return row;
}

const setStatus = (sql: pg.PoolClient, id: string, status: string, extra = "", values: unknown[] = []) =>
  sql.query(`UPDATE "Execution" SET status = $2, "updatedAt" = now()${extra} WHERE id = $1`, [
    id,
    status,
    ...values,
  ]);

function blockedError(refusal: DispatchRefusal): ServiceError {
  const what = "killSwitch" in refusal ? `kill switch ${refusal.killSwitch} is engaged` : refusal.reason;
  return new ServiceError("BLOCKED", `the action may not run: ${what}`, { reason: refusal.reason });
}

/**
 * The caller's last "may I", right before it acts: kill switches, the intent's deadline and the
 * tenant's status are checked now. Yes: RUNNING (asking again while RUNNING is yes again only with
 * the same startKey, else 409 ALREADY_STARTED). No: the execution ends BLOCKED and the answer is
 * 409 BLOCKED with the reason.
 */
export async function startCallerExecution(
  db: Db,
  principal: Principal,
  executionId: string,
  body: unknown = {},
  now = new Date(),
) {
  const parsed = parseWith(executionStartSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors, "start is invalid");
  const startKey = parsed.value.startKey ?? null;
  const outcome = await inTransaction(db.pool, async (sql) => {
    const e = await lockOwn(sql, principal, executionId);
    const switches = (await sql.query(SWITCHES, [e.tenantId])).rows.map(toKillSwitchState);
    const next = startTransition(
      e,
      {
        tenantId: e.tenantId,
        tenantStatus: e.tenantStatus,
        action: e.intent.action,
        requestedAt: e.intent.requestedAt,
        ttlSeconds: e.intent.ttlSeconds,
        switches,
        now: iso(now),
      },
      { type: "apiKey", id: principal.id },
      startKey,
    );
    if (next.kind === "start" || next.kind === "block") {
      // The head first, then the status: the order every writer of Execution.status keeps.
      await appendEvents(sql, e.tenantId, [next.event]);
      if (next.kind === "start")
        await setStatus(sql, e.id, "RUNNING", `, attempts = 1, "startKey" = $3`, [startKey]);
      else await setStatus(sql, e.id, "BLOCKED", `, "failureClass" = 'BLOCKED'`);
    }
    return next;
  });
  if (outcome.kind === "refuse") throw conflict(REFUSALS[outcome.code], outcome.code);
  if (outcome.kind === "block") throw blockedError(outcome.refusal);
  return getExecution(db, principal, executionId);
}

/** The caller's account of what happened: recorded once, on the chain and in the evidence bundle. */
export async function reportCallerExecution(
  db: Db,
  principal: Principal,
  executionId: string,
  body: unknown,
  now = new Date(),
) {
  const parsed = parseWith(executionReportSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors, "report is invalid");
  const report: CallerReport = {
    outcome: parsed.value.outcome,
    ...(parsed.value.detail !== undefined ? { detail: parsed.value.detail } : {}),
  };
  const outcome = await inTransaction(db.pool, async (sql) => {
    const e = await lockOwn(sql, principal, executionId);
    const next = reportTransition(e, report, { type: "apiKey", id: principal.id }, iso(now));
    if (next.kind === "record") {
      await appendEvents(sql, e.tenantId, [next.event]);
      await setStatus(sql, e.id, next.status, `, report = $3::jsonb, "failureClass" = $4`, [
        JSON.stringify(report),
        next.status === "FAILED" ? "CALLER_REPORTED" : null,
      ]);
    }
    return next;
  });
  if (outcome.kind === "refuse") throw conflict(REFUSALS[outcome.code], outcome.code);
  return getExecution(db, principal, executionId);
}
