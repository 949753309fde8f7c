// Caller-executed intents (`"execution": "caller"`): the caller (an SDK `guard`, the MCP gateway)
// performs the action itself. ExoArmur never dispatches it; it answers the caller's last "may I"
// (`start`, with switches, deadline and tenant re-checked), records the reported outcome once, and
// ends the execution UNREPORTED when the intent's deadline passes without a report. Pure: the
// service reads the row and what applies now, calls these, and writes what they say.

import { canonicalJson } from "./canonical";
import { type DispatchConditions, type DispatchRefusal, dispatchRefusal } from "./dispatch";
import { chainEvent, type EventBody } from "./events";

export const REPORT_OUTCOMES = ["succeeded", "failed"] as const;
export interface CallerReport {
  outcome: (typeof REPORT_OUTCOMES)[number];
  detail?: unknown;
}

/** The statuses a caller-executed execution passes through. */
export type CallerStatus = "AWAITING_CALLER" | "RUNNING" | "SUCCEEDED" | "FAILED" | "BLOCKED" | "UNREPORTED";

/** Who asked, as recorded on the chain. */
export interface CallerPrincipal {
  type: string;
  id: string;
}

/** The execution as locked for the caller's request. */
export interface CallerExecution {
  id: string;
  mode: string;
  status: string;
  report: CallerReport | null;
  /** The key the caller started it with (null: started without one, or not started). */
  startKey: string | null;
}

export type CallerRefusal =
  | "NOT_CALLER_EXECUTED"
  | "EXECUTION_FINISHED"
  | "NOT_STARTED"
  | "REPORT_CONFLICT"
  | "ALREADY_STARTED";

export type StartTransition =
  | { kind: "start"; event: EventBody }
  /** Started before (a retried start): it may go on, nothing is written. */
  | { kind: "already" }
  | { kind: "block"; refusal: DispatchRefusal; event: EventBody }
  | { kind: "refuse"; code: CallerRefusal };

/**
 * The caller's final "may I": the same checks as right before an executor attempt. Yes once: a second
 * start is yes again only with the same start key (the same caller retrying a lost answer), so two
 * callers racing with one intent cannot both act.
 */
export function startTransition(
  e: CallerExecution,
  conditions: DispatchConditions,
  by: CallerPrincipal,
  startKey: string | null,
): StartTransition {
  if (e.mode !== "caller") return { kind: "refuse", code: "NOT_CALLER_EXECUTED" };
  if (e.status === "RUNNING")
    return startKey !== null && e.startKey === startKey
      ? { kind: "already" }
      : { kind: "refuse", code: "ALREADY_STARTED" };
  if (e.status !== "AWAITING_CALLER") return { kind: "refuse", code: "EXECUTION_FINISHED" };
  const refusal = dispatchRefusal(conditions);
  if (refusal) {
    return {
      kind: "block",
      refusal,
      event: chainEvent("execution.blocked", e.id, conditions.now, { ...refusal, failureClass: "BLOCKED" }),
    };
  }
  return { kind: "start", event: chainEvent("execution.caller_started", e.id, conditions.now, { by }) };
}

export type ReportTransition =
  | { kind: "record"; status: "SUCCEEDED" | "FAILED"; event: EventBody }
  /** The same report again (a retried request): the stored one stands, nothing is written. */
  | { kind: "same" }
  | { kind: "refuse"; code: CallerRefusal };

/** What happened, as the caller says: recorded once; the same body again is the same answer. */
export function reportTransition(
  e: CallerExecution,
  report: CallerReport,
  by: CallerPrincipal,
  at: string,
): ReportTransition {
  if (e.mode !== "caller") return { kind: "refuse", code: "NOT_CALLER_EXECUTED" };
  if (e.report) {
    return canonicalJson(e.report) === canonicalJson(report)
      ? { kind: "same" }
      : { kind: "refuse", code: "REPORT_CONFLICT" };
  }
  if (e.status === "AWAITING_CALLER") return { kind: "refuse", code: "NOT_STARTED" };
  if (e.status !== "RUNNING") return { kind: "refuse", code: "EXECUTION_FINISHED" };
  return {
    kind: "record",
    status: report.outcome === "succeeded" ? "SUCCEEDED" : "FAILED",
    event: chainEvent("execution.reported", e.id, at, { ...report, by }),
  };
}

/** No report came by the intent's deadline: the execution ends UNREPORTED, dated at that deadline. */
export function unreportedEvent(executionId: string, deadline: string): EventBody {
  return chainEvent("execution.unreported", executionId, deadline, { deadline });
}
