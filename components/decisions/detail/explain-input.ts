import type { DecisionDetailData } from "@/components/trpc/types";
import type { ExplainInput } from "./explain";

/** The detail page's data as the explanation reads it: matched rules with their descriptions. */
export function explainInput(d: DecisionDetailData): ExplainInput {
  const written = new Map(d.matchedRuleDetails.map((r) => [r.id, r]));
  return {
    verdict: d.verdict,
    reason: d.reason,
    decidingRule: d.decidingRule,
    killSwitch: d.killSwitch ?? null,
    policyVersion: d.policyVersion,
    matchedRules: d.matchedRules.map((r) => ({
      id: r.id,
      effect: r.effect,
      ...(written.get(r.id)?.description ? { description: written.get(r.id)!.description! } : {}),
    })),
    switchEngagement: d.switchEngagement,
    approval: d.approval,
    execution: d.execution,
    names: d.names,
  };
}
