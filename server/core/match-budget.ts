// The matching budget of a policy: an upper bound on the glob-matching work of one decision, so
// that no policy a tenant may store (or replay as a draft) makes a decision cost more than about a
// millisecond of the event loop every tenant shares. Matching is linear per glob, but a 256 KB
// document holds thousands of globs; those with text between two stars ("*foo*") each scan the
// whole action or target, and those scans are what the budget counts (see `globCost`). Ordinary
// policies use a small fraction of it: the 50-rule policy of bench/decide.bench.ts costs 867 steps
// of 150,000; the budget admits ~530 globs like "*foo*", or a 250 KB deny list of host names.
// It is checked where a policy is accepted (saved, activated, or replayed as a draft), not where one
// is read: a version stored before it existed still loads, decides and verifies.

import { globCost } from "./glob";
import { formatPath } from "./paths";
import type { FieldError, Policy } from "./schemas";

/** The longest action or target a glob is matched against (schemas.ts: actionNameSchema, nameString()). */
export const MAX_MATCHED_TEXT = 256;

/**
 * Steps per decision (about one character compared each), summed over every action and target glob
 * of every rule: the worst case, a new action name that every rule's action globs admit. Calibrated
 * by bench/adversarial.bench.ts on this project's 2-core machine: the slowest policy within it
 * decides in well under 1 ms of CPU, compiled or reference, even with the machine busy
 * (docs/BENCHMARKS.md).
 */
export const MATCH_BUDGET = 150_000;

/** The worst-case glob-matching steps of one decision under `policy`. */
export function policyMatchCost(policy: Policy): number {
  let total = 0;
  for (const rule of policy.rules) total += ruleMatchCost(rule);
  return total;
}

function ruleMatchCost(rule: Policy["rules"][number]): number {
  let cost = 0;
  for (const glob of rule.match?.actions ?? []) cost += globCost(glob, MAX_MATCHED_TEXT);
  for (const glob of rule.match?.targets ?? []) cost += globCost(glob, MAX_MATCHED_TEXT);
  return cost;
}

/** Null when `policy` is within the budget; else the rule at which the running total exceeds it. */
export function policyMatchProblem(policy: Policy): FieldError | null {
  let total = 0;
  for (const [index, rule] of policy.rules.entries()) {
    total += ruleMatchCost(rule);
    if (total > MATCH_BUDGET)
      return {
        path: formatPath(["rules", index]),
        message:
          `rule "${rule.id}" brings the policy's worst-case glob matching to ${total} steps per decision, ` +
          `over the budget of ${MATCH_BUDGET}: every glob with text between ` +
          `two stars, like "*foo*", scans a whole action or target (${MAX_MATCHED_TEXT} characters, ` +
          'and once more per 32 characters of a piece with \'?\'); anchor globs ("foo.*", "*.foo") or use fewer',
      };
  }
  return null;
}

/**
 * The share of a decision's matching that engaged action kill switches may take, on top of the
 * policy's: a tenant's switches are matched against every one of its decisions.
 */
export const SWITCH_MATCH_BUDGET = 30_000;

/**
 * The budget for a list of globs matched against one action outside a policy: a tenant's engaged
 * action kill switches (every decision), its executor routes (every dispatch). Null when the list
 * is within `budget`; else the entry at which the running total exceeds it.
 */
export function globListMatchProblem(
  globs: readonly { path: string; glob: string }[],
  budget: number,
  what: string,
): FieldError | null {
  let total = 0;
  for (const { path, glob } of globs) {
    total += globCost(glob, MAX_MATCHED_TEXT);
    if (total > budget)
      return {
        path,
        message:
          `"${glob}" brings the worst-case glob matching of ${what} to ${total} steps, over the budget of ${budget}: ` +
          'globs with text between two stars, like "*foo*", each scan a whole action; anchor them ("host.*") or use fewer',
      };
  }
  return null;
}
