// A decision in words, for people who do not read reason codes: what came of it (the header) and
// why (one sentence), and which matched rules did not get their way. Pure: data in, text out.

export interface ExplainedRule {
  id: string;
  effect: "allow" | "deny" | "require_approval";
  description?: string;
}

export interface ExplainInput {
  verdict: "ALLOW" | "DENY" | "REQUIRE_APPROVAL";
  reason: string;
  decidingRule: string | null;
  killSwitch?: string | null;
  policyVersion: number | null;
  matchedRules: readonly ExplainedRule[];
  switchEngagement: { by: string; at: string; reason: string } | null;
  approval: {
    status: "PENDING" | "APPROVED" | "DENIED" | "EXPIRED";
    approvals: number;
    quorum: number;
    roles: readonly string[];
    votes: readonly {
      vote: "approve" | "deny";
      reason: string | null;
      principal: { type: string; id: string };
    }[];
  } | null;
  execution: { status: string; failureClass: string | null; mode?: string } | null;
  /** Display names of principals (`user:<id>`, `apiKey:<id>`). */
  names: Readonly<Record<string, string>>;
}

const SWITCH_SCOPE: Record<string, string> = {
  KILL_SWITCH_GLOBAL: "the global kill switch",
  KILL_SWITCH_TENANT: "the tenant kill switch",
  KILL_SWITCH_ACTION: "a kill switch on this action",
};

/** `12:07 UTC` — the chain records UTC; the header says which zone it speaks. */
const clock = (at: string) => `${at.slice(11, 16)} UTC`;

const nameOf = (names: ExplainInput["names"], label: string) => names[label] ?? label;

function ruleText(rule: ExplainedRule | undefined, id: string | null): string {
  if (!id) return "no rule";
  return rule?.description ? `rule ${id} (“${rule.description}”)` : `rule ${id}`;
}

/** What happened in the end: the verdict followed through approval and execution. */
export function outcomeHeadline(d: ExplainInput): string {
  const executed = d.execution ? ` · executed ${executionText(d.execution)}` : "";
  if (d.verdict === "DENY") {
    if (d.killSwitch) return `Blocked by kill switch ${d.killSwitch}`;
    return `Denied by policy${d.decidingRule ? `: ${d.decidingRule}` : ""}`;
  }
  if (d.verdict === "ALLOW") return `Allowed${executed || " · not executed yet"}`;
  const a = d.approval;
  if (!a) return "Waiting for approval";
  if (a.status === "PENDING") return `Waiting for approval · ${a.approvals}/${a.quorum}`;
  if (a.status === "EXPIRED")
    return `Expired unapproved · ${a.approvals}/${a.quorum} approvals by the deadline`;
  if (a.status === "DENIED") {
    const deny = a.votes.find((v) => v.vote === "deny");
    if (!deny) return "Denied";
    const who = nameOf(d.names, `${deny.principal.type}:${deny.principal.id}`);
    return `Denied by ${who}${deny.reason ? `: ${deny.reason}` : ""}`;
  }
  return `Approved ${a.approvals}/${a.quorum}${executed || " · not executed yet"}`;
}

function executionText(e: NonNullable<ExplainInput["execution"]>): string {
  if (e.status === "BLOCKED") return "BLOCKED (a kill switch, the deadline or a suspended tenant stopped it)";
  if (e.status === "AWAITING_CALLER") return "by its caller: waiting for it to start";
  if (e.status === "UNREPORTED") return "UNREPORTED (its caller never reported)";
  return e.failureClass && e.status === "FAILED" ? `FAILED (${e.failureClass})` : e.status;
}

/** Why the verdict, in one plain sentence. */
export function whySentence(d: ExplainInput): string {
  const deciding = d.matchedRules.find((r) => r.id === d.decidingRule);
  const policy = d.policyVersion ? `policy v${d.policyVersion}` : "the tenant's policy (none was active)";
  switch (d.reason) {
    case "KILL_SWITCH_GLOBAL":
    case "KILL_SWITCH_TENANT":
    case "KILL_SWITCH_ACTION": {
      const which = SWITCH_SCOPE[d.reason];
      const e = d.switchEngagement;
      return e
        ? `Denied because ${which} was engaged by ${nameOf(d.names, e.by)} at ${clock(e.at)}: ${e.reason}`
        : `Denied because ${which} (${d.killSwitch}) was engaged`;
    }
    case "TENANT_SUSPENDED":
      return "Denied because the tenant was suspended when it arrived.";
    case "TENANT_UNKNOWN":
      return "Denied because the tenant is unknown.";
    case "INTENT_EXPIRED":
      return "Denied because it was evaluated after its deadline (requestedAt + ttlSeconds).";
    case "POLICY_DENY":
      return `Denied because ${ruleText(deciding, d.decidingRule)} of ${policy} denies it.`;
    case "POLICY_NO_MATCH":
      return `Denied because no rule of ${policy} matches it: nothing runs unless a rule allows it.`;
    case "POLICY_REQUIRE_APPROVAL": {
      const roles = d.approval ? ` from ${d.approval.roles.join(" or ")}` : "";
      const quorum = d.approval
        ? `${d.approval.quorum} approval${d.approval.quorum === 1 ? "" : "s"}`
        : "approval";
      return `Needs ${quorum}${roles} because ${ruleText(deciding, d.decidingRule)} of ${policy} requires it.`;
    }
    case "POLICY_ALLOW":
      return `Allowed because ${ruleText(deciding, d.decidingRule)} of ${policy} allows it.`;
    default:
      return `${d.verdict} (${d.reason}).`;
  }
}

/**
 * Matched rules that did not get their way, and what overrode them: a kill switch overrides every
 * rule; a deny overrides allows and approvals; an approval rule overrides allows (and the approval
 * rule with the largest quorum, the others).
 */
export function overriddenBy(d: ExplainInput): Map<string, string> {
  const out = new Map<string, string>();
  const by = d.killSwitch ? `kill switch ${d.killSwitch}` : d.decidingRule ? `rule ${d.decidingRule}` : null;
  if (!by) return out;
  for (const rule of d.matchedRules) if (rule.id !== d.decidingRule) out.set(rule.id, by);
  return out;
}
