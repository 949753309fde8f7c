import type { MatchedRule } from "../../core";

/** What POST /api/v1/intents answers, for a new decision and for an idempotent replay alike. */
export interface IntentResult {
  intentId: string;
  decisionId: string;
  verdict: string;
  reason: string;
  matchedRules: MatchedRule[];
  decidingRule: string | null;
  approvalId?: string;
  executionId?: string;
}

export function intentResult(d: {
  id: string;
  intentId: string;
  verdict: string;
  reason: string;
  decidingRule: string | null;
  output: unknown;
  approval?: { id: string } | null;
  execution?: { id: string } | null;
}): IntentResult {
  return {
    intentId: d.intentId,
    decisionId: d.id,
    verdict: d.verdict,
    reason: d.reason,
    matchedRules: (d.output as { matchedRules: MatchedRule[] }).matchedRules,
    decidingRule: d.decidingRule,
    ...(d.approval ? { approvalId: d.approval.id } : {}),
    ...(d.execution ? { executionId: d.execution.id } : {}),
  };
}
