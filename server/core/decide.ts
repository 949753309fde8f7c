// decide(input) → verdict. Pure: the same input gives the same output on any machine, because
// everything that varies (the clock included) is part of the input. Precedence, first that applies:
//   1. tenant unknown / suspended        4. policy: deny > require_approval (largest quorum)
//   2. kill switch: global > tenant > action               > allow > no match (fail closed)
//   3. intent expired (evaluatedAt > requestedAt + ttlSeconds)
// The rule trail (every matching rule, in policy order) is computed in every case, so a replay can
// show what the policy alone would have said even when a switch or the tenant decided.

import { compileGlob, globMatch } from "./glob";
import type {
  ActionIntent,
  ApprovalRequirement,
  Condition,
  DecisionInput,
  KillSwitchState,
  Policy,
  Rule,
} from "./schemas";
import { addSeconds, compareInstants, parseInstant } from "./time";
import { ENGINE_VERSION } from "./version";

export type Verdict = "ALLOW" | "DENY" | "REQUIRE_APPROVAL";

export const REASON_CODES = [
  "TENANT_UNKNOWN",
  "TENANT_SUSPENDED",
  "KILL_SWITCH_GLOBAL",
  "KILL_SWITCH_TENANT",
  "KILL_SWITCH_ACTION",
  "INTENT_EXPIRED",
  "POLICY_DENY",
  "POLICY_REQUIRE_APPROVAL",
  "POLICY_ALLOW",
  "POLICY_NO_MATCH",
] as const;
type ReasonCode = (typeof REASON_CODES)[number];

export interface MatchedRule {
  id: string;
  effect: Rule["effect"];
}

export interface DecisionOutput {
  engineVersion: string;
  verdict: Verdict;
  reason: ReasonCode;
  /** The rule that decided (null when the tenant, a kill switch or expiry decided, or nothing matched). */
  decidingRule: string | null;
  matchedRules: MatchedRule[];
  /** The kill switch that decided, by id. */
  killSwitch: string | null;
  /** Who must approve, for REQUIRE_APPROVAL. */
  approval: ApprovalRequirement | null;
}

// ---- the reference semantics: a direct reading of the policy document ----

function conditionHolds(condition: Condition, parameters: Record<string, unknown>, key: string): boolean {
  if (!Object.hasOwn(parameters, key)) return false;
  const value = parameters[key];
  if (condition !== null && typeof condition === "object")
    return condition.in.some((candidate) => candidate === value);
  return condition === value;
}

function ruleMatches(rule: Rule, intent: ActionIntent): boolean {
  const m = rule.match;
  if (!m) return true;
  if (m.actions && !m.actions.some((glob) => globMatch(glob, intent.action))) return false;
  if (m.actionClasses && !m.actionClasses.includes(intent.actionClass)) return false;
  if (m.targets && !m.targets.some((glob) => globMatch(glob, intent.target))) return false;
  if (m.actorTypes && !m.actorTypes.includes(intent.actor.type)) return false;
  if (m.parameters) {
    for (const key of Object.keys(m.parameters)) {
      if (!conditionHolds(m.parameters[key]!, intent.parameters, key)) return false;
    }
  }
  return true;
}

export function decide(input: DecisionInput): DecisionOutput {
  return conclude(
    input,
    input.policy.rules.filter((rule) => ruleMatches(rule, input.intent)),
  );
}

// ---- the compiled form: the same semantics, with globs and sets prepared once per policy ----

type Matcher = { rule: Rule; test: (intent: ActionIntent) => boolean };

export interface CompiledPolicy {
  readonly source: Policy;
  readonly matchers: ReadonlyArray<Matcher>;
  /** The matchers whose action globs admit `action`, in policy order (memoized per action name). */
  readonly candidates: (action: string) => ReadonlyArray<Matcher>;
}

/** Distinct action names are few in practice; the bound only guards against a flood of new ones. */
const MAX_CACHED_ACTIONS = 4096;

/** Literal patterns become one Set lookup; only real globs are tried one by one. */
function compileGlobs(patterns: readonly string[]): (text: string) => boolean {
  const literals = new Set(patterns.filter((p) => !/[*?]/.test(p)));
  const wildcards = patterns.filter((p) => /[*?]/.test(p)).map(compileGlob);
  return (text) => {
    if (literals.has(text)) return true;
    for (const test of wildcards) if (test(text)) return true;
    return false;
  };
}

/** One closure per rule with straight-line checks (no per-call arrays or callbacks). */
function compileRule(rule: Rule): (intent: ActionIntent) => boolean {
  const m = rule.match;
  if (!m) return () => true;
  const actions = m.actions ? compileGlobs(m.actions) : null;
  const classes = m.actionClasses ? new Set<string>(m.actionClasses) : null;
  const targets = m.targets ? compileGlobs(m.targets) : null;
  const actorTypes = m.actorTypes ? new Set(m.actorTypes) : null;
  const conditions = m.parameters ? Object.entries(m.parameters) : null;
  return (intent) => {
    if (classes !== null && !classes.has(intent.actionClass)) return false;
    if (actorTypes !== null && !actorTypes.has(intent.actor.type)) return false;
    if (actions !== null && !actions(intent.action)) return false;
    if (targets !== null && !targets(intent.target)) return false;
    if (conditions !== null) {
      for (const [key, condition] of conditions)
        if (!conditionHolds(condition, intent.parameters, key)) return false;
    }
    return true;
  };
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const matchers = policy.rules.map((rule) => ({ rule, test: compileRule(rule) }));
  const admits = policy.rules.map((rule) => (rule.match?.actions ? compileGlobs(rule.match.actions) : null));
  const byAction = new Map<string, Matcher[]>();
  const candidates = (action: string) => {
    let hit = byAction.get(action);
    if (!hit) {
      hit = matchers.filter((_, i) => admits[i] === null || admits[i]!(action));
      if (byAction.size >= MAX_CACHED_ACTIONS) byAction.clear();
      byAction.set(action, hit);
    }
    return hit;
  };
  return { source: policy, matchers, candidates };
}

/** `decide` with a policy compiled once; `input.policy` must be the document it was compiled from. */
export function decideCompiled(compiled: CompiledPolicy, input: DecisionInput): DecisionOutput {
  if (input.policy !== compiled.source)
    throw new Error("decideCompiled: input.policy is not the compiled document");
  const matched: Rule[] = [];
  for (const { rule, test } of compiled.candidates(input.intent.action))
    if (test(input.intent)) matched.push(rule);
  return conclude(input, matched);
}

// ---- precedence: shared by both paths, so they can differ only in which rules match ----

/** Engaged switches of one scope that apply; the smallest id decides, independent of order. */
function applicableSwitch(
  switches: readonly KillSwitchState[],
  scope: KillSwitchState["scope"],
  tenantId: string,
  action: string,
): string | null {
  let chosen: string | null = null;
  for (const ks of switches) {
    if (!ks.engaged || ks.scope !== scope) continue;
    if (scope !== "global" && ks.tenantId !== tenantId) continue;
    if (scope === "action" && !globMatch(ks.action!, action)) continue;
    if (chosen === null || ks.id < chosen) chosen = ks.id;
  }
  return chosen;
}

const SWITCH_REASONS = [
  ["global", "KILL_SWITCH_GLOBAL"],
  ["tenant", "KILL_SWITCH_TENANT"],
  ["action", "KILL_SWITCH_ACTION"],
] as const;

export type KillSwitchReason = (typeof SWITCH_REASONS)[number][1];

/**
 * The kill switch that stops `action` of `tenantId`, if any: global before tenant before action,
 * the smallest id within a scope. The one answer to "which switch applies" — at decision time,
 * when an approval completes, at claim time and right before every attempt.
 */
export function blockingSwitch(
  switches: readonly KillSwitchState[],
  tenantId: string,
  action: string,
): { id: string; reason: KillSwitchReason } | null {
  for (const [scope, reason] of SWITCH_REASONS) {
    const id = applicableSwitch(switches, scope, tenantId, action);
    if (id !== null) return { id, reason };
  }
  return null;
}

function conclude(input: DecisionInput, matched: readonly Rule[]): DecisionOutput {
  const { intent, tenant } = input;
  const matchedRules = matched.map((rule) => ({ id: rule.id, effect: rule.effect }));
  const result = (
    verdict: Verdict,
    reason: ReasonCode,
    extra: Partial<Pick<DecisionOutput, "decidingRule" | "killSwitch" | "approval">> = {},
  ): DecisionOutput => ({
    engineVersion: ENGINE_VERSION,
    verdict,
    reason,
    decidingRule: extra.decidingRule ?? null,
    matchedRules,
    killSwitch: extra.killSwitch ?? null,
    approval: extra.approval ?? null,
  });

  if (!tenant || tenant.id !== intent.tenantId) return result("DENY", "TENANT_UNKNOWN");
  if (tenant.status !== "active") return result("DENY", "TENANT_SUSPENDED");

  const blocker = blockingSwitch(input.killSwitches, intent.tenantId, intent.action);
  if (blocker) return result("DENY", blocker.reason, { killSwitch: blocker.id });

  const deadline = addSeconds(parseInstant(intent.requestedAt), intent.ttlSeconds);
  if (compareInstants(parseInstant(input.evaluatedAt), deadline) > 0) return result("DENY", "INTENT_EXPIRED");

  const deny = matched.find((rule) => rule.effect === "deny");
  if (deny) return result("DENY", "POLICY_DENY", { decidingRule: deny.id });

  let approver: Rule | undefined;
  for (const rule of matched) {
    if (
      rule.effect === "require_approval" &&
      (!approver || rule.approval!.quorum > approver.approval!.quorum)
    ) {
      approver = rule;
    }
  }
  if (approver) {
    const { quorum, roles } = approver.approval!;
    return result("REQUIRE_APPROVAL", "POLICY_REQUIRE_APPROVAL", {
      decidingRule: approver.id,
      approval: { quorum, roles: [...roles] },
    });
  }

  const allow = matched.find((rule) => rule.effect === "allow");
  if (allow) return result("ALLOW", "POLICY_ALLOW", { decidingRule: allow.id });
  return result("DENY", "POLICY_NO_MATCH");
}
