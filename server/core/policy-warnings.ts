// What a policy change weakens or breaks, said before it is activated (issue 14 §3): a reviewer
// reads a diff for what changed; these say which changes deserve a second look. Rules are matched
// by id, as the diff matches them. Only safety-relevant directions are reported: a change that
// makes the policy stricter needs no warning.

import type { Policy, Rule } from "./schemas";

export type PolicyWarning =
  | { kind: "denies-everything"; message: string }
  | { kind: "weaker-effect"; ruleId: string; message: string }
  | { kind: "weaker-quorum"; ruleId: string; message: string }
  | { kind: "more-approver-roles"; ruleId: string; message: string }
  | { kind: "guard-removed"; ruleId: string; message: string };

/** How strict an effect is: deny > require_approval > allow (the order decide() combines them in). */
const STRICTNESS = { allow: 0, require_approval: 1, deny: 2 } as const;

/** A match that every intent satisfies: no condition, or only lists that are exactly `*`. */
function matchesEverything(rule: Rule): boolean {
  const m = rule.match;
  if (!m) return true;
  const onlyStar = (globs: readonly string[] | undefined) =>
    globs === undefined || globs.every((g) => g === "*");
  return (
    onlyStar(m.actions) &&
    onlyStar(m.targets) &&
    m.actionClasses === undefined &&
    m.actorTypes === undefined &&
    (m.parameters === undefined || Object.keys(m.parameters).length === 0)
  );
}

function deniesEverything(policy: Policy): string | null {
  const blanket = policy.rules.find((r) => r.effect === "deny" && matchesEverything(r));
  if (blanket) return `Rule "${blanket.id}" denies every intent: nothing will run while it is active.`;
  if (!policy.rules.some((r) => r.effect !== "deny"))
    return "No rule allows or asks for approval: every intent will be denied (no match fails closed).";
  return null;
}

/**
 * The warnings for replacing `before` (the active policy, or null when there is none) by `after`.
 * Pure and deterministic: the editor shows them, and the saved version's chain event records them.
 */
export function policyChangeWarnings(before: Policy | null, after: Policy): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  const denyAll = deniesEverything(after);
  if (denyAll && (before === null || deniesEverything(before) === null))
    warnings.push({ kind: "denies-everything", message: denyAll });
  if (!before) return warnings;

  const afterById = new Map(after.rules.map((r) => [r.id, r]));
  for (const old of before.rules) {
    const now = afterById.get(old.id);
    if (!now) {
      if (old.effect !== "allow")
        warnings.push({
          kind: "guard-removed",
          ruleId: old.id,
          message: `Rule "${old.id}" (${old.effect}) is removed: what it guarded may now be allowed.`,
        });
      continue;
    }
    if (STRICTNESS[now.effect] < STRICTNESS[old.effect]) {
      warnings.push({
        kind: "weaker-effect",
        ruleId: old.id,
        message: `Rule "${old.id}" goes from ${old.effect} to ${now.effect}.`,
      });
      continue;
    }
    if (old.approval && now.approval) {
      if (now.approval.quorum < old.approval.quorum)
        warnings.push({
          kind: "weaker-quorum",
          ruleId: old.id,
          message: `Rule "${old.id}" needs ${now.approval.quorum} approval${now.approval.quorum === 1 ? "" : "s"} instead of ${old.approval.quorum}.`,
        });
      const added = now.approval.roles.filter((role) => !old.approval?.roles.includes(role));
      if (added.length)
        warnings.push({
          kind: "more-approver-roles",
          ruleId: old.id,
          message: `Rule "${old.id}" also lets ${added.join(" and ")}s approve.`,
        });
    }
  }
  return warnings;
}
