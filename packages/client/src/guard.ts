// guard: ExoArmur in front of an action the caller performs itself. The intent is submitted
// caller-executed (the server never dispatches it); once it is allowed — at once, or when people
// approve — the server is asked to start it right before `fn` runs, which re-checks the kill
// switches, the deadline and the tenant at that moment; then `fn`'s outcome is reported, so the
// execution ends SUCCEEDED or FAILED in the tenant's chain like any other.

import type { ExoArmurClient } from "./client.js";
import { ActionDenied, ExoArmurError } from "./errors.js";
import type { AwaitOptions } from "./outcome.js";
import type { Decision, ExecutionReport, IntentInput, IntentResult } from "./types.js";

export interface GuardContext {
  decisionId: string;
  executionId: string;
  /** ALLOW at once, or APPROVED by people. */
  outcome: "ALLOW" | "APPROVED";
}

export interface GuardOptions<T> extends Omit<AwaitOptions, "signal"> {
  /** Required: the same key for every retry of the same action, so a retry is never a second intent. */
  idempotencyKey: string;
  signal?: AbortSignal;
  /** How `fn`'s result is reported (default: succeeded, without detail). */
  report?: (result: T) => ExecutionReport;
  /**
   * A report that could not be delivered (after retries). `fn` has acted by then, so its result is
   * returned (or its error re-thrown) all the same; the execution ends UNREPORTED at its deadline.
   */
  onReportError?: (error: unknown) => void;
}

type Steps = Pick<
  ExoArmurClient,
  "submitIntent" | "awaitOutcome" | "startExecution" | "reportOutcome" | "getExecution"
>;

const MAX_ERROR_DETAIL = 2_000;

export async function guard<T>(
  exo: Steps,
  intent: IntentInput,
  fn: (context: GuardContext) => T | Promise<T>,
  options: GuardOptions<T>,
): Promise<T> {
  if (!options?.idempotencyKey) throw new TypeError("guard: options.idempotencyKey is required");
  const { idempotencyKey, signal, report, onReportError, ...waitOptions } = options;
  const withSignal = signal ? { signal } : {};
  const submitted = await exo.submitIntent(
    { ...intent, execution: "caller" },
    { idempotencyKey, ...withSignal },
  );
  const context = await permission(exo, submitted, { ...waitOptions, ...withSignal });
  await start(exo, context, withSignal);
  // Not under `signal`: once fn has run, the action may have happened, and a caller that gave up
  // meanwhile must not leave it unreported.
  const send = async (outcome: () => ExecutionReport) => {
    try {
      await exo.reportOutcome(context.executionId, outcome());
    } catch (error) {
      onReportError?.(error);
    }
  };
  let result: T;
  try {
    result = await fn(context);
  } catch (error) {
    await send(() => ({ outcome: "failed", detail: { error: describe(error) } }));
    throw error;
  }
  await send(() => (report ? report(result) : { outcome: "succeeded" }));
  return result;
}

/** ALLOW or APPROVED with the execution to start; DENY, DENIED and EXPIRED throw ActionDenied. */
async function permission(exo: Steps, submitted: IntentResult, options: AwaitOptions): Promise<GuardContext> {
  const { decisionId } = submitted;
  if (submitted.verdict === "DENY")
    throw new ActionDenied(
      `denied: ${submitted.reason}${rule(submitted.decidingRule)} (decision ${decisionId})`,
      "DENY",
      decisionId,
      submitted.reason,
      submitted.decidingRule,
    );
  if (submitted.verdict === "ALLOW") return allowed("ALLOW", decisionId, submitted.executionId);
  const { outcome, decision } = await exo.awaitOutcome(decisionId, options);
  if (outcome === "APPROVED")
    return allowed("APPROVED", decisionId, decision.executionId ?? decision.execution?.id);
  if (outcome === "DENIED" || outcome === "EXPIRED") throw peopleSaidNo(outcome, decision);
  // ALLOW or DENY on re-reading: the stored decision cannot change its verdict.
  throw new ExoArmurError(`decision ${decisionId}: unexpected outcome ${outcome}`, "PROTOCOL", 0);
}

function allowed(outcome: GuardContext["outcome"], decisionId: string, executionId?: string): GuardContext {
  if (!executionId)
    throw new ExoArmurError(`decision ${decisionId}: ${outcome} without an execution`, "PROTOCOL", 0);
  return { outcome, decisionId, executionId };
}

function peopleSaidNo(outcome: "DENIED" | "EXPIRED", decision: Decision): ActionDenied {
  const no = decision.approval?.votes.find((v) => v.vote === "deny");
  const why =
    outcome === "EXPIRED"
      ? "the approval expired before enough people approved"
      : `${no?.person?.email ?? "an approver"} denied it${no?.reason ? `: ${no.reason}` : ""}`;
  return new ActionDenied(
    `${outcome.toLowerCase()}: ${why}${rule(decision.decidingRule)} (decision ${decision.decisionId})`,
    outcome,
    decision.decisionId,
    `APPROVAL_${outcome}`,
    decision.decidingRule,
  );
}

/**
 * Start, or ActionDenied BLOCKED when the server refuses because something now stops it (or
 * stopped it already, at approval). Any other refusal is re-thrown as it came.
 */
async function start(exo: Steps, context: GuardContext, options: { signal?: AbortSignal }) {
  try {
    // One key per guard call: its own retries of a lost answer are recognised, anyone else's start is not.
    await exo.startExecution(context.executionId, { ...options, startKey: `guard-${crypto.randomUUID()}` });
  } catch (error) {
    if (!(error instanceof ExoArmurError) || error.status !== 409) throw error;
    const execution = await exo.getExecution(context.executionId, options);
    if (execution.status !== "BLOCKED") throw error;
    const blocked = [...execution.events].reverse().find((e) => e.type === "execution.blocked")?.payload as
      | { reason?: string; killSwitch?: string }
      | undefined;
    const reason = blocked?.reason ?? (error.reason && error.reason !== "BLOCKED" ? error.reason : "BLOCKED");
    throw new ActionDenied(
      `blocked: ${reason}${blocked?.killSwitch ? ` (switch ${blocked.killSwitch})` : ""} (decision ${context.decisionId}, execution ${context.executionId})`,
      "BLOCKED",
      context.decisionId,
      reason,
      null,
      context.executionId,
    );
  }
}

const rule = (id: string | null) => (id ? ` by rule ${id}` : "");

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_DETAIL ? `${text.slice(0, MAX_ERROR_DETAIL)}…` : text;
}
