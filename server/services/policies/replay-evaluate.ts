// The what-if evaluation itself: recorded decisions in, before/after tallies out. Pure (the core's
// decideCompiled and diffJson, nothing else), so it runs unchanged in the replay worker thread and
// in a test or benchmark on the main thread. It imports core modules directly rather than the core's
// index, so the worker loads (and Turbopack bundles into it) only what it runs.

import { compilePolicy, type DecisionOutput, decideCompiled } from "../../core/decide";
import { diffJson, type Mismatch } from "../../core/diff";
import type { DecisionInput, Policy } from "../../core/schemas";

/** One recorded decision as the database gives it: JSON as text, parsed where it is evaluated. */
export interface RecordedRow {
  id: string;
  /** ISO 8601, milliseconds (services/shared/ids.ts `iso`). */
  createdAt: string;
  action: string;
  actorId: string;
  /** The recorded input without its copy of the policy (the candidate replaces it), as JSON text. */
  input: string;
  output: string;
}

/** What a decision's outcome is, for comparing before and after (who must approve included). */
function outcome(o: Pick<DecisionOutput, "verdict" | "reason" | "decidingRule" | "approval">) {
  return { verdict: o.verdict, reason: o.reason, decidingRule: o.decidingRule, approval: o.approval ?? null };
}

export interface ReplayChange {
  decisionId: string;
  createdAt: string;
  action: string;
  actorId: string;
  before: ReturnType<typeof outcome>;
  after: ReturnType<typeof outcome>;
  differences: Mismatch[];
}

export interface ReplayTally {
  evaluated: number;
  changed: number;
  transitions: { from: string; to: string; count: number }[];
  changes: ReplayChange[];
  truncated: boolean;
}

/** Cap on per-decision rows returned; counts cover every decision evaluated. */
const MAX_CHANGES = 500;

/** Evaluates rows in as many batches as the caller likes, newest first, then tallies. */
export function replayEvaluator(candidate: Policy) {
  const compiled = compilePolicy(candidate);
  const transitions = new Map<string, { from: string; to: string; count: number }>();
  const changes: ReplayChange[] = [];
  let evaluated = 0;
  let changed = 0;
  return {
    add(rows: readonly RecordedRow[]): void {
      for (const row of rows) {
        evaluated++;
        const input = JSON.parse(row.input) as Omit<DecisionInput, "policy">;
        const before = outcome(JSON.parse(row.output) as DecisionOutput);
        const after = outcome(decideCompiled(compiled, { ...input, policy: candidate }));
        const differences = diffJson(before, after);
        if (differences.length === 0) continue;
        changed++;
        const key = `${before.verdict}→${after.verdict}`;
        const t = transitions.get(key) ?? { from: before.verdict, to: after.verdict, count: 0 };
        t.count++;
        transitions.set(key, t);
        if (changes.length < MAX_CHANGES)
          changes.push({
            decisionId: row.id,
            createdAt: row.createdAt,
            action: row.action,
            actorId: row.actorId,
            before,
            after,
            differences,
          });
      }
    },
    tally(): ReplayTally {
      return {
        evaluated,
        changed,
        transitions: [...transitions.values()].sort((a, b) => b.count - a.count),
        changes,
        truncated: changed > changes.length,
      };
    },
  };
}
