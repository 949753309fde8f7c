import { describe, expect, it } from "vitest";
import { compilePolicy, type DecisionOutput, decide, decideCompiled, REASON_CODES } from "./decide";
import type { DecisionInput, KillSwitchState, Policy } from "./schemas";
import { ENGINE_VERSION } from "./version";

const POLICY: Policy = {
  rules: [
    {
      id: "allow-soft",
      match: { actions: ["host.*"], actionClasses: ["A1_soft"], targets: ["web-*"], actorTypes: ["agent"] },
      effect: "allow",
    },
    {
      id: "approve-hard",
      match: { actionClasses: ["A2_hard"], parameters: { region: { in: ["eu", "us"] } } },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator"] },
    },
    { id: "deny-irreversible", match: { actionClasses: ["A3_irreversible"] }, effect: "deny" },
  ],
};

function input(
  overrides: Partial<DecisionInput> = {},
  intent: Partial<DecisionInput["intent"]> = {},
): DecisionInput {
  return {
    intent: {
      tenantId: "acme",
      actor: { type: "agent", id: "soar-1" },
      action: "host.isolate",
      actionClass: "A1_soft",
      target: "web-7",
      parameters: { reason: "beaconing" },
      idempotencyKey: "k-1",
      requestedAt: "2026-11-26T09:00:00Z",
      ttlSeconds: 600,
      ...intent,
    },
    policy: POLICY,
    killSwitches: [],
    tenant: { id: "acme", status: "active" },
    evaluatedAt: "2026-11-26T09:00:01Z",
    ...overrides,
  };
}

const ks = (
  id: string,
  scope: KillSwitchState["scope"],
  extra: Partial<KillSwitchState> = {},
): KillSwitchState => ({
  id,
  scope,
  ...(scope === "global" ? {} : { tenantId: "acme" }),
  ...(scope === "action" ? { action: "host.*" } : {}),
  engaged: true,
  reason: "incident 4711",
  ...extra,
});

type Expect = Pick<DecisionOutput, "verdict" | "reason"> & Partial<DecisionOutput>;

const rows: [string, DecisionInput, Expect][] = [
  // 1. tenant
  [
    "no tenant state → TENANT_UNKNOWN",
    input({ tenant: null }),
    { verdict: "DENY", reason: "TENANT_UNKNOWN", decidingRule: null },
  ],
  [
    "tenant state of another tenant → TENANT_UNKNOWN",
    input({ tenant: { id: "globex", status: "active" } }),
    { verdict: "DENY", reason: "TENANT_UNKNOWN" },
  ],
  [
    "suspended tenant → TENANT_SUSPENDED",
    input({ tenant: { id: "acme", status: "suspended" } }),
    { verdict: "DENY", reason: "TENANT_SUSPENDED" },
  ],
  [
    "suspension outranks a global switch",
    input({ tenant: { id: "acme", status: "suspended" }, killSwitches: [ks("g", "global")] }),
    { verdict: "DENY", reason: "TENANT_SUSPENDED", killSwitch: null },
  ],
  // 2. kill switches
  [
    "global switch → KILL_SWITCH_GLOBAL",
    input({ killSwitches: [ks("g", "global")] }),
    { verdict: "DENY", reason: "KILL_SWITCH_GLOBAL", killSwitch: "g" },
  ],
  [
    "global outranks tenant and action switches, whatever the list order",
    input({ killSwitches: [ks("a", "action"), ks("t", "tenant"), ks("g", "global")] }),
    { verdict: "DENY", reason: "KILL_SWITCH_GLOBAL", killSwitch: "g" },
  ],
  [
    "tenant switch → KILL_SWITCH_TENANT",
    input({ killSwitches: [ks("t", "tenant")] }),
    { verdict: "DENY", reason: "KILL_SWITCH_TENANT", killSwitch: "t" },
  ],
  [
    "tenant outranks action",
    input({ killSwitches: [ks("a", "action"), ks("t", "tenant")] }),
    { verdict: "DENY", reason: "KILL_SWITCH_TENANT", killSwitch: "t" },
  ],
  [
    "action switch whose glob matches → KILL_SWITCH_ACTION",
    input({ killSwitches: [ks("a", "action")] }),
    { verdict: "DENY", reason: "KILL_SWITCH_ACTION", killSwitch: "a" },
  ],
  [
    "of two applicable switches of one scope, the smaller id is named",
    input({ killSwitches: [ks("t-2", "tenant"), ks("t-1", "tenant")] }),
    { verdict: "DENY", reason: "KILL_SWITCH_TENANT", killSwitch: "t-1" },
  ],
  [
    "a released switch does not apply",
    input({ killSwitches: [ks("g", "global", { engaged: false })] }),
    { verdict: "ALLOW", reason: "POLICY_ALLOW" },
  ],
  [
    "another tenant's switch does not apply",
    input({ killSwitches: [ks("t", "tenant", { tenantId: "globex" })] }),
    { verdict: "ALLOW", reason: "POLICY_ALLOW" },
  ],
  [
    "an action switch for other actions does not apply",
    input({ killSwitches: [ks("a", "action", { action: "user.*" })] }),
    { verdict: "ALLOW", reason: "POLICY_ALLOW" },
  ],
  [
    "a switch outranks expiry",
    input({ killSwitches: [ks("a", "action")], evaluatedAt: "2026-11-26T10:00:00Z" }),
    { verdict: "DENY", reason: "KILL_SWITCH_ACTION" },
  ],
  // 3. expiry
  [
    "evaluated after requestedAt + ttl → INTENT_EXPIRED",
    input({ evaluatedAt: "2026-11-26T09:10:00.000000001Z" }),
    { verdict: "DENY", reason: "INTENT_EXPIRED" },
  ],
  [
    "evaluated exactly at the deadline is still in time",
    input({ evaluatedAt: "2026-11-26T09:10:00Z" }),
    { verdict: "ALLOW", reason: "POLICY_ALLOW" },
  ],
  [
    "expiry outranks a policy deny",
    input({ evaluatedAt: "2026-11-27T00:00:00Z" }, { actionClass: "A3_irreversible" }),
    {
      verdict: "DENY",
      reason: "INTENT_EXPIRED",
      decidingRule: null,
      matchedRules: [{ id: "deny-irreversible", effect: "deny" }],
    },
  ],
  // 4. policy
  [
    "a matching deny → POLICY_DENY",
    input({}, { actionClass: "A3_irreversible" }),
    { verdict: "DENY", reason: "POLICY_DENY", decidingRule: "deny-irreversible" },
  ],
  [
    "require_approval → POLICY_REQUIRE_APPROVAL with quorum and roles",
    input({}, { actionClass: "A2_hard", parameters: { region: "eu" } }),
    {
      verdict: "REQUIRE_APPROVAL",
      reason: "POLICY_REQUIRE_APPROVAL",
      decidingRule: "approve-hard",
      approval: { quorum: 2, roles: ["operator"] },
    },
  ],
  [
    "allow → POLICY_ALLOW",
    input(),
    {
      verdict: "ALLOW",
      reason: "POLICY_ALLOW",
      decidingRule: "allow-soft",
      matchedRules: [{ id: "allow-soft", effect: "allow" }],
    },
  ],
  [
    "nothing matches → POLICY_NO_MATCH (fail closed)",
    input({}, { target: "db-1" }),
    { verdict: "DENY", reason: "POLICY_NO_MATCH", decidingRule: null, matchedRules: [] },
  ],
  [
    "an empty policy denies",
    input({ policy: { rules: [] } }),
    { verdict: "DENY", reason: "POLICY_NO_MATCH" },
  ],
  [
    "a parameter outside the `in` list does not match",
    input({}, { actionClass: "A2_hard", parameters: { region: "apac" } }),
    { verdict: "DENY", reason: "POLICY_NO_MATCH" },
  ],
  [
    "a missing parameter does not match",
    input({}, { actionClass: "A2_hard", parameters: {} }),
    { verdict: "DENY", reason: "POLICY_NO_MATCH" },
  ],
  [
    "actor type outside the rule does not match",
    input({}, { actor: { type: "human", id: "alice" } }),
    { verdict: "DENY", reason: "POLICY_NO_MATCH" },
  ],
];

describe("decide: one row per precedence step and reason code", () => {
  it.each(rows)("%s", (_name, decisionInput, expected) => {
    const output = decide(decisionInput);
    expect(output).toMatchObject(expected);
    expect(output.engineVersion).toBe(ENGINE_VERSION);
    expect(decideCompiled(compilePolicy(decisionInput.policy), decisionInput)).toStrictEqual(output);
  });

  it("covers every reason code", () => {
    const seen = new Set(rows.map(([, i]) => decide(i).reason));
    expect([...seen].sort()).toEqual([...REASON_CODES].sort());
  });
});

describe("decide: policy combination", () => {
  const policy: Policy = {
    rules: [
      { id: "allow-all", effect: "allow" },
      {
        id: "approve-1",
        match: { actions: ["host.*"] },
        effect: "require_approval",
        approval: { quorum: 1, roles: ["admin"] },
      },
      {
        id: "approve-3",
        match: { targets: ["web-?"] },
        effect: "require_approval",
        approval: { quorum: 3, roles: ["operator", "admin"] },
      },
      {
        id: "approve-3b",
        match: { actorTypes: ["agent"] },
        effect: "require_approval",
        approval: { quorum: 3, roles: ["operator"] },
      },
    ],
  };

  it("the largest quorum decides; on a tie the earlier rule; every match is listed in policy order", () => {
    const output = decide(input({ policy }));
    expect(output).toMatchObject({
      verdict: "REQUIRE_APPROVAL",
      decidingRule: "approve-3",
      approval: { quorum: 3, roles: ["operator", "admin"] },
      matchedRules: [
        { id: "allow-all", effect: "allow" },
        { id: "approve-1", effect: "require_approval" },
        { id: "approve-3", effect: "require_approval" },
        { id: "approve-3b", effect: "require_approval" },
      ],
    });
  });

  it("a deny anywhere in the policy beats earlier allows and approvals", () => {
    const withDeny: Policy = {
      rules: [...policy.rules, { id: "deny-web", match: { targets: ["web-*"] }, effect: "deny" }],
    };
    expect(decide(input({ policy: withDeny }))).toMatchObject({
      verdict: "DENY",
      reason: "POLICY_DENY",
      decidingRule: "deny-web",
    });
  });

  it("parameter conditions compare by value and type", () => {
    const typed: Policy = {
      rules: [
        { id: "sev", match: { parameters: { severity: 3, dryRun: false, owner: null } }, effect: "allow" },
      ],
    };
    expect(
      decide(input({ policy: typed }, { parameters: { severity: 3, dryRun: false, owner: null } })).verdict,
    ).toBe("ALLOW");
    expect(
      decide(input({ policy: typed }, { parameters: { severity: "3", dryRun: false, owner: null } })).verdict,
    ).toBe("DENY");
    expect(
      decide(input({ policy: typed }, { parameters: { severity: 3, dryRun: 0, owner: null } })).verdict,
    ).toBe("DENY");
    expect(decide(input({ policy: typed }, { parameters: { severity: 3, dryRun: false } })).verdict).toBe(
      "DENY",
    );
  });

  it("a parameter named like an Object.prototype member is not inherited", () => {
    const proto: Policy = {
      rules: [
        { id: "p", match: { parameters: { toString: { in: ["x"] }, constructor: null } }, effect: "allow" },
      ],
    };
    expect(decide(input({ policy: proto }, { parameters: {} })).verdict).toBe("DENY");
  });

  it("decideCompiled refuses an input carrying a different policy document", () => {
    const compiled = compilePolicy(POLICY);
    expect(() => decideCompiled(compiled, input({ policy: { rules: [...POLICY.rules] } }))).toThrow(
      /not the compiled document/,
    );
  });
});
