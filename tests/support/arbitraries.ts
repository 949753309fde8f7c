import fc from "fast-check";
import {
  ACTION_CLASSES,
  type ActionIntent,
  type DecisionInput,
  type KillSwitchState,
  type Policy,
  type Rule,
} from "../../server/core";

/**
 * Generators for decision inputs over small vocabularies, so rules, globs and kill switches match
 * often enough for the properties to exercise every precedence step.
 */
const ACTIONS = [
  "host.isolate",
  "host.quarantine",
  "host.wipe",
  "user.disable",
  "user.delete",
  "db.snapshot",
  "net.block",
];
const TARGETS = ["web-7", "web-12", "db-1", "db-22", "fw-edge", "user:alice"];
const ACTOR_TYPES = ["agent", "script", "playbook", "human"];
const ACTION_GLOBS = [
  "host.*",
  "*.delete",
  "user.disable",
  "*",
  "host.?solate",
  "db.*",
  "h*t.*e",
  "*.*",
  "net.block",
];
const TARGET_GLOBS = ["web-*", "db-??", "*", "fw-*", "user:*", "web-1?", "*-7"];
const PARAM_KEYS = ["region", "severity", "reason", "dryRun"];

export const scalarArb = fc.oneof(
  fc.constantFrom("eu", "us", "apac"),
  fc.integer({ min: 0, max: 3 }),
  fc.boolean(),
  fc.constant(null),
);

const BASE_TIMES = ["2026-11-26T09:00:00Z", "2026-11-26T23:59:59.999Z", "2027-02-28T12:00:00.5Z"];

export function isoPlusSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

export const intentArb: fc.Arbitrary<ActionIntent> = fc
  .record({
    tenantId: fc.constantFrom("acme", "globex"),
    actor: fc.record({
      type: fc.constantFrom(...ACTOR_TYPES),
      id: fc.constantFrom("soar-1", "alice", "bob", "agent-7"),
    }),
    action: fc.constantFrom(...ACTIONS),
    actionClass: fc.constantFrom(...ACTION_CLASSES),
    target: fc.constantFrom(...TARGETS),
    parameters: fc.dictionary(fc.constantFrom(...PARAM_KEYS), scalarArb, { maxKeys: 4 }),
    idempotencyKey: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
    requestedAt: fc.constantFrom(...BASE_TIMES),
    ttlSeconds: fc.oneof(
      { arbitrary: fc.integer({ min: 60, max: 3600 }), weight: 9 },
      { arbitrary: fc.integer({ min: 1, max: 59 }), weight: 1 },
    ),
    correlationId: fc.option(fc.constantFrom("inc-1", "inc-2"), { nil: undefined }),
  })
  .map(({ correlationId, ...intent }) =>
    correlationId === undefined ? intent : { ...intent, correlationId },
  );

const matchArb = fc.record(
  {
    actions: fc.uniqueArray(fc.constantFrom(...ACTION_GLOBS), { minLength: 1, maxLength: 3 }),
    actionClasses: fc.uniqueArray(fc.constantFrom(...ACTION_CLASSES), { minLength: 1, maxLength: 3 }),
    targets: fc.uniqueArray(fc.constantFrom(...TARGET_GLOBS), { minLength: 1, maxLength: 3 }),
    actorTypes: fc.uniqueArray(fc.constantFrom(...ACTOR_TYPES), { minLength: 1, maxLength: 2 }),
    parameters: fc.dictionary(
      fc.constantFrom(...PARAM_KEYS),
      fc.oneof(scalarArb, fc.record({ in: fc.array(scalarArb, { minLength: 1, maxLength: 3 }) })),
      { minKeys: 1, maxKeys: 2 },
    ),
  },
  { requiredKeys: [] },
);

const ruleBodyArb = fc.oneof(
  fc.record({
    match: fc.option(matchArb, { nil: undefined }),
    effect: fc.constantFrom("allow" as const, "deny" as const),
  }),
  fc.record({
    match: fc.option(matchArb, { nil: undefined }),
    effect: fc.constant("require_approval" as const),
    approval: fc.record({
      quorum: fc.integer({ min: 1, max: 4 }),
      roles: fc.uniqueArray(fc.constantFrom("admin" as const, "operator" as const), {
        minLength: 1,
        maxLength: 2,
      }),
    }),
  }),
);

export const policyArb: fc.Arbitrary<Policy> = fc.array(ruleBodyArb, { maxLength: 8 }).map((bodies) => ({
  rules: bodies.map((body, i) => {
    const rule: Rule = { id: `r${i}`, effect: body.effect };
    if (body.match !== undefined) rule.match = body.match;
    if ("approval" in body) rule.approval = body.approval;
    return rule;
  }),
}));

const engagedArb = fc.oneof(
  { arbitrary: fc.constant(false), weight: 3 },
  { arbitrary: fc.constant(true), weight: 1 },
);

export const killSwitchArb: fc.Arbitrary<KillSwitchState> = fc.oneof(
  fc.record({
    id: fc.constantFrom("ks-a", "ks-b", "ks-c"),
    scope: fc.constant("global" as const),
    engaged: engagedArb,
    reason: fc.constant("drill"),
  }),
  fc.record({
    id: fc.constantFrom("ks-d", "ks-e"),
    scope: fc.constant("tenant" as const),
    tenantId: fc.constantFrom("acme", "globex"),
    engaged: engagedArb,
    reason: fc.constant("incident"),
  }),
  fc.record({
    id: fc.constantFrom("ks-f", "ks-g", "ks-h"),
    scope: fc.constant("action" as const),
    tenantId: fc.constantFrom("acme", "globex"),
    action: fc.constantFrom(...ACTION_GLOBS),
    engaged: engagedArb,
    reason: fc.constant("bad rollout"),
  }),
);

export const decisionInputArb: fc.Arbitrary<DecisionInput> = fc
  .record({
    intent: intentArb,
    policy: policyArb,
    killSwitches: fc.array(killSwitchArb, { maxLength: 2 }),
    tenantChoice: fc.oneof(
      { arbitrary: fc.constant("same"), weight: 12 },
      fc.constantFrom("other", "none", "suspended"),
    ),
    evaluatedOffset: fc.oneof(
      { arbitrary: fc.integer({ min: -5, max: 60 }), weight: 6 },
      { arbitrary: fc.integer({ min: 61, max: 4000 }), weight: 1 },
    ),
  })
  .map(({ intent, policy, killSwitches, tenantChoice, evaluatedOffset }) => ({
    intent,
    policy,
    killSwitches,
    tenant:
      tenantChoice === "none"
        ? null
        : {
            id: tenantChoice === "other" ? "initech" : intent.tenantId,
            status: tenantChoice === "suspended" ? ("suspended" as const) : ("active" as const),
          },
    evaluatedAt: isoPlusSeconds(intent.requestedAt, evaluatedOffset),
  }));

/** A deterministic deep copy whose object keys are inserted in a shuffled order. */
export function permuteKeys<T>(value: T, seed: number): T {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i > 0; i--) {
        const j = next() % (i + 1);
        [keys[i], keys[j]] = [keys[j]!, keys[i]!];
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) out[key] = walk((v as Record<string, unknown>)[key]);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
