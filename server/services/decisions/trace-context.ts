// Tracing of submissions (issue 15 §4): the `submitIntent` span, with the decision as its
// attributes, and the trace context an execution keeps (table ExecutionTrace) so that its dispatch
// attempts and webhook calls continue the client's trace in whichever process runs them. Nothing
// here does anything while tracing is off.

import { inSpan, traceparentOf, tracingEnabled } from "../../telemetry/tracing";
import type { SubmitOutcome } from "./decide-batch";

/**
 * Runs a submission inside a `submitIntent` span; `submit` gets that span's `traceparent` (for the
 * execution it may queue) when tracing is on.
 */
export function submitSpan(
  tenantId: string,
  submit: (traceparent: string | undefined) => Promise<SubmitOutcome>,
): Promise<SubmitOutcome> {
  if (!tracingEnabled()) return submit(undefined);
  return inSpan("submitIntent", { attributes: { "exoarmur.tenant": tenantId } }, async (span) => {
    const outcome = await submit(span && traceparentOf(span.spanContext()));
    if (span) {
      const { result } = outcome;
      span.setAttributes({
        "exoarmur.verdict": result.verdict,
        "exoarmur.reason": result.reason,
        "exoarmur.rule": result.decidingRule ?? "",
        "exoarmur.decision_id": result.decisionId,
        "exoarmur.intent_id": result.intentId,
        "exoarmur.replayed": outcome.status === 200,
        ...(result.executionId ? { "exoarmur.execution_id": result.executionId } : {}),
        ...(result.approvalId ? { "exoarmur.approval_id": result.approvalId } : {}),
      });
    }
    return outcome;
  });
}
