import { describe, expect, it } from "vitest";
import { globCost } from "./glob";
import {
  globListMatchProblem,
  MATCH_BUDGET,
  MAX_MATCHED_TEXT,
  policyMatchCost,
  policyMatchProblem,
  SWITCH_MATCH_BUDGET,
} from "./match-budget";
import { type Policy, parseIntent, parsePolicy } from "./schemas";

/** A rule per 100 copies of `glob` (MAX_LIST), `rules` rules. */
function policyOf(glob: string, rules: number, list: "actions" | "targets" = "targets"): Policy {
  const parsed = parsePolicy({
    rules: Array.from({ length: rules }, (_, i) => ({
      id: `r${i}`,
      match: { [list]: Array.from({ length: 100 }, () => glob) },
      effect: "deny",
    })),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

describe("the matching budget", () => {
  it("refuses a policy of globs that each scan the whole text, naming the rule that crosses the budget", () => {
    // 40 rules × 100 × `*a?a?…b*`: ~4,000 scans of a 256-character target (what issue 10 saw, in kind).
    const policy = policyOf(`*${"a?".repeat(15)}b*`, 40);
    expect(JSON.stringify(policy).length).toBeLessThan(256 * 1024); // legal by size
    const problem = policyMatchProblem(policy);
    expect(problem).not.toBeNull();
    const crossing = Number(/^rules\[(\d+)\]$/.exec(problem!.path)?.[1]);
    expect(problem!.message).toContain(`rule "r${crossing}"`);
    expect(problem!.message).toContain(`over the budget of ${MATCH_BUDGET}`);
    // The named rule is the first at which the running total exceeds the budget.
    expect(policyMatchCost({ rules: policy.rules.slice(0, crossing) })).toBeLessThanOrEqual(MATCH_BUDGET);
    expect(policyMatchCost({ rules: policy.rules.slice(0, crossing + 1) })).toBeGreaterThan(MATCH_BUDGET);
    expect(policyMatchProblem({ rules: policy.rules.slice(0, crossing) })).toBeNull();
  });

  it("counts action globs like target globs", () => {
    const targets = policyOf("*foo*", 3, "targets");
    const actions = policyOf("*foo*", 3, "actions");
    expect(policyMatchCost(actions)).toBe(policyMatchCost(targets));
  });

  it("leaves ordinary policies far inside it, large literal lists and the issue's 252 KB `*??…Z*` policy included", () => {
    const ordinary = parsePolicy({
      rules: [
        { id: "allow-soft", match: { actions: ["host.*"], targets: ["web-*", "db-??"] }, effect: "allow" },
        { id: "deny-deletes", match: { actions: ["*.delete"], targets: ["*prod*"] }, effect: "deny" },
      ],
    });
    expect(ordinary.ok && policyMatchCost(ordinary.value)).toBeLessThan(MATCH_BUDGET / 100);
    // A deny list as large as a policy may be: 120 rules × 100 distinct literal names.
    const names = parsePolicy({
      rules: Array.from({ length: 120 }, (_, r) => ({
        id: `names-${r}`,
        match: { targets: Array.from({ length: 100 }, (_, k) => `host-${r}-${k}.example`) },
        effect: "deny",
      })),
    });
    if (!names.ok) throw new Error("the deny list should parse");
    expect(JSON.stringify(names.value).length).toBeGreaterThan(200 * 1024);
    expect(JSON.stringify(names.value).length).toBeLessThan(256 * 1024);
    expect(policyMatchProblem(names.value)).toBeNull();
    const issue = policyOf(`*${"?".repeat(150)}Z*`, 15);
    expect(JSON.stringify(issue).length).toBeGreaterThan(220 * 1024);
    expect(policyMatchProblem(issue)).toBeNull();
  });

  it("assumes the longest action and target the schemas accept", () => {
    const intent = (target: string) =>
      parseIntent({
        tenantId: "acme",
        actor: { type: "agent", id: "a" },
        action: "a".repeat(MAX_MATCHED_TEXT),
        actionClass: "A1_soft",
        target,
        parameters: {},
        idempotencyKey: "k",
        requestedAt: "2026-11-26T09:00:00Z",
        ttlSeconds: 60,
      });
    expect(intent("t".repeat(MAX_MATCHED_TEXT)).ok).toBe(true);
    expect(intent("t".repeat(MAX_MATCHED_TEXT + 1)).ok).toBe(false);
    const longAction = parseIntent({
      tenantId: "acme",
      actor: { type: "agent", id: "a" },
      action: "a".repeat(MAX_MATCHED_TEXT + 1),
      actionClass: "A1_soft",
      target: "t",
      parameters: {},
      idempotencyKey: "k",
      requestedAt: "2026-11-26T09:00:00Z",
      ttlSeconds: 60,
    });
    expect(longAction.ok).toBe(false);
  });
});

describe("the budget for glob lists outside a policy (kill switches, executor routes)", () => {
  const scanning = (i: number) => `*${String(i).padStart(3, "0")}${"x".repeat(20)}*`;
  it("names the entry at which the running total crosses the budget", () => {
    const globs = Array.from({ length: 400 }, (_, i) => ({ path: `g[${i}]`, glob: scanning(i) }));
    const problem = globListMatchProblem(globs, SWITCH_MATCH_BUDGET, "the switches");
    expect(problem).not.toBeNull();
    const crossing = Number(/^g\[(\d+)\]$/.exec(problem!.path)?.[1]);
    const cost = (n: number) =>
      globs.slice(0, n).reduce((sum, g) => sum + globCost(g.glob, MAX_MATCHED_TEXT), 0);
    expect(cost(crossing)).toBeLessThanOrEqual(SWITCH_MATCH_BUDGET);
    expect(cost(crossing + 1)).toBeGreaterThan(SWITCH_MATCH_BUDGET);
    expect(problem!.message).toContain(
      `"${scanning(crossing)}" brings the worst-case glob matching of the switches`,
    );
    expect(globListMatchProblem(globs.slice(0, crossing), SWITCH_MATCH_BUDGET, "x")).toBeNull();
  });

  it("admits hundreds of anchored globs, the ordinary kind", () => {
    const globs = Array.from({ length: 1000 }, (_, i) => ({ path: "action", glob: `host${i}.*` }));
    expect(globListMatchProblem(globs, SWITCH_MATCH_BUDGET, "x")).toBeNull();
  });
});
