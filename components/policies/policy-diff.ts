// A readable diff between two policy documents: rules are matched by id (not by position), then
// each changed rule lists its differing fields. jsondiffpatch computes the deltas; this module turns
// them into "what changed where", which is what a reviewer reads.

import { create } from "jsondiffpatch";
import { formatPath, type PathSegment } from "@/server/core";

export type LeafChange =
  | { kind: "added"; path: string; after: unknown }
  | { kind: "removed"; path: string; before: unknown }
  | { kind: "modified"; path: string; before: unknown; after: unknown }
  | { kind: "moved"; path: string; to: number };

export type RuleDiff =
  | { kind: "added"; id: string; position: number; rule: unknown }
  | { kind: "removed"; id: string; position: number; rule: unknown }
  | {
      kind: "changed";
      id: string;
      position: number;
      changes: LeafChange[];
      /** Set when the rule also moved in the evaluation order (1-based positions). */
      moved: { from: number; to: number } | null;
    };

export type PolicyDiff =
  | { kind: "rules"; rules: RuleDiff[]; unchanged: number; other: LeafChange[] }
  /** Documents that are not lists of uniquely identified rules: a plain structural diff. */
  | { kind: "generic"; changes: LeafChange[] };

const differ = create({
  // Rules (and any other object in an array) are matched by id; objects without one by content.
  objectHash: (item) => {
    const id = (item as { id?: unknown }).id;
    return typeof id === "string" ? `id:${id}` : `json:${JSON.stringify(item)}`;
  },
  arrays: { detectMove: true, includeValueOnMove: false },
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Flattens a jsondiffpatch delta into leaf changes with readable paths. */
function leafChanges(delta: unknown, path: PathSegment[] = []): LeafChange[] {
  if (delta === undefined) return [];
  if (Array.isArray(delta)) {
    const where = formatPath(path) || "(document)";
    if (delta.length === 1) return [{ kind: "added", path: where, after: delta[0] }];
    if (delta.length === 2) return [{ kind: "modified", path: where, before: delta[0], after: delta[1] }];
    if (delta.length === 3 && delta[2] === 0) return [{ kind: "removed", path: where, before: delta[0] }];
    if (delta.length === 3 && delta[2] === 3) return [{ kind: "moved", path: where, to: Number(delta[1]) }];
    // Text diffs (code 2) are not enabled; anything else is shown as an opaque modification.
    return [{ kind: "modified", path: where, before: undefined, after: delta }];
  }
  if (!isRecord(delta)) return [];
  const inArray = delta._t === "a";
  const out: LeafChange[] = [];
  // Removals and moves (keys "_n", old indexes) first, then additions/changes (new indexes).
  const keys = Object.keys(delta)
    .filter((k) => k !== "_t")
    .sort((a, b) => {
      if (!inArray) return a < b ? -1 : a > b ? 1 : 0;
      const ra = a.startsWith("_") ? 0 : 1;
      const rb = b.startsWith("_") ? 0 : 1;
      return ra - rb || Number(a.replace("_", "")) - Number(b.replace("_", ""));
    });
  for (const key of keys) {
    const segment: PathSegment = inArray ? Number(key.replace("_", "")) : key;
    out.push(...leafChanges(delta[key], [...path, segment]));
  }
  return out;
}

interface IdentifiedRule {
  id: string;
  rule: Record<string, unknown>;
  index: number;
}

/** The document's rules keyed by id, or null when it is not `{rules: [...]}` with unique string ids. */
function rulesById(document: unknown): Map<string, IdentifiedRule> | null {
  if (!isRecord(document) || !Array.isArray(document.rules)) return null;
  const byId = new Map<string, IdentifiedRule>();
  for (const [index, rule] of document.rules.entries()) {
    if (!isRecord(rule) || typeof rule.id !== "string" || byId.has(rule.id)) return null;
    byId.set(rule.id, { id: rule.id, rule, index });
  }
  return byId;
}

/** Ids in `a` that are part of a longest common subsequence with `b`: the ones that did not move. */
function stayedInOrder(a: string[], b: string[]): Set<string> {
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i]![j] =
        a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const kept = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      kept.add(a[i]!);
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++;
    else j++;
  }
  return kept;
}

export function diffPolicies(before: unknown, after: unknown): PolicyDiff {
  const left = rulesById(before);
  const right = rulesById(after);
  if (!left || !right) return { kind: "generic", changes: leafChanges(differ.diff(before, after)) };

  // Anything besides `rules` (a valid policy has nothing else, but stored data is shown as it is).
  const { rules: _leftRules, ...leftRest } = before as Record<string, unknown>;
  const { rules: _rightRules, ...rightRest } = after as Record<string, unknown>;
  const other = leafChanges(differ.diff(leftRest, rightRest));

  const commonLeft = [...left.keys()].filter((id) => right.has(id));
  const commonRight = [...right.keys()].filter((id) => left.has(id));
  const inOrder = stayedInOrder(commonLeft, commonRight);

  const rules: RuleDiff[] = [];
  let unchanged = 0;
  for (const r of right.values()) {
    const l = left.get(r.id);
    if (!l) {
      rules.push({ kind: "added", id: r.id, position: r.index + 1, rule: r.rule });
      continue;
    }
    const changes = leafChanges(differ.diff(l.rule, r.rule));
    const moved = inOrder.has(r.id) ? null : { from: l.index + 1, to: r.index + 1 };
    if (changes.length === 0 && !moved) unchanged++;
    else rules.push({ kind: "changed", id: r.id, position: r.index + 1, changes, moved });
  }
  for (const l of left.values())
    if (!right.has(l.id)) rules.push({ kind: "removed", id: l.id, position: l.index + 1, rule: l.rule });
  return { kind: "rules", rules, unchanged, other };
}
