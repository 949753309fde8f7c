import { z } from "zod";
import { EFFECTS, type MatchedRule, REASON_CODES } from "../../core";

// What POST /api/v1/intents answers, for a new decision and for an idempotent replay alike. The
// zod schema is the one definition: the TypeScript type and the OpenAPI component derive from it.

export const intentResultSchema = z.object({
  intentId: z.string(),
  decisionId: z.string(),
  verdict: z.enum(["ALLOW", "DENY", "REQUIRE_APPROVAL"]),
  reason: z.enum(REASON_CODES),
  matchedRules: z.array(z.object({ id: z.string(), effect: z.enum(EFFECTS) })),
  decidingRule: z.string().nullable(),
  approvalId: z.string().optional(),
  executionId: z.string().optional(),
  /**
   * POST /intents: the status an ALLOW's execution started in (AWAITING_CALLER for a caller-executed
   * intent, else QUEUED), the same on every replay. GET /decisions/{id}: its status now.
   */
  executionStatus: z.string().optional(),
});
export type IntentResult = z.infer<typeof intentResultSchema>;

/** The stored (or just decided) facts of one decision, however they were read. */
interface DecisionFacts {
  intentId: string;
  decisionId: string;
  verdict: string;
  reason: string;
  matchedRules: MatchedRule[];
  decidingRule: string | null;
  approvalId?: string | null;
  executionId?: string | null;
  executionStatus?: string | null;
}

export function intentResult(d: DecisionFacts): IntentResult {
  return {
    intentId: d.intentId,
    decisionId: d.decisionId,
    verdict: d.verdict as IntentResult["verdict"],
    reason: d.reason as IntentResult["reason"],
    matchedRules: d.matchedRules,
    decidingRule: d.decidingRule,
    ...(d.approvalId ? { approvalId: d.approvalId } : {}),
    ...(d.executionId ? { executionId: d.executionId } : {}),
    ...(d.executionId && d.executionStatus ? { executionStatus: d.executionStatus } : {}),
  };
}
