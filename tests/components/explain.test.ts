import { describe, expect, it } from "vitest";
import {
  type ExplainInput,
  outcomeHeadline,
  overriddenBy,
  whySentence,
} from "../../components/decisions/detail/explain";

const base: ExplainInput = {
  verdict: "REQUIRE_APPROVAL",
  reason: "POLICY_REQUIRE_APPROVAL",
  decidingRule: "approve-hard",
  killSwitch: null,
  policyVersion: 3,
  matchedRules: [
    { id: "allow-soft", effect: "allow" },
    { id: "approve-hard", effect: "require_approval", description: "Hard actions need two people" },
  ],
  switchEngagement: null,
  approval: { status: "PENDING", approvals: 1, quorum: 2, roles: ["operator", "admin"], votes: [] },
  execution: null,
  names: { "user:u_olga": "olga@acme.test" },
};

describe("outcomeHeadline", () => {
  it("follows the verdict through approval and execution", () => {
    expect(outcomeHeadline(base)).toBe("Waiting for approval · 1/2");
    expect(
      outcomeHeadline({
        ...base,
        approval: { ...base.approval!, status: "APPROVED", approvals: 2 },
        execution: { status: "SUCCEEDED", failureClass: null },
      }),
    ).toBe("Approved 2/2 · executed SUCCEEDED");
    expect(
      outcomeHeadline({
        ...base,
        approval: {
          ...base.approval!,
          status: "DENIED",
          votes: [
            { vote: "deny", reason: "not during the freeze", principal: { type: "user", id: "u_olga" } },
          ],
        },
      }),
    ).toBe("Denied by olga@acme.test: not during the freeze");
    expect(
      outcomeHeadline({
        ...base,
        verdict: "DENY",
        reason: "KILL_SWITCH_ACTION",
        killSwitch: "action:acme:host.*",
      }),
    ).toBe("Blocked by kill switch action:acme:host.*");
    expect(outcomeHeadline({ ...base, approval: { ...base.approval!, status: "EXPIRED" } })).toMatch(
      /^Expired/,
    );
    expect(outcomeHeadline({ ...base, verdict: "ALLOW", approval: null, execution: null })).toBe(
      "Allowed · not executed yet",
    );
  });
});

describe("whySentence", () => {
  it("names who engaged the deciding switch, when and why", () => {
    expect(
      whySentence({
        ...base,
        verdict: "DENY",
        reason: "KILL_SWITCH_TENANT",
        killSwitch: "tenant:acme",
        switchEngagement: { by: "user:u_olga", at: "2026-12-01T12:07:31.000Z", reason: "incident 42" },
      }),
    ).toBe("Denied because the tenant kill switch was engaged by olga@acme.test at 12:07 UTC: incident 42");
  });

  it("quotes the deciding rule's description and the policy version", () => {
    expect(whySentence(base)).toBe(
      "Needs 2 approvals from operator or admin because rule approve-hard (“Hard actions need two people”) of policy v3 requires it.",
    );
    expect(whySentence({ ...base, verdict: "DENY", reason: "POLICY_NO_MATCH", decidingRule: null })).toBe(
      "Denied because no rule of policy v3 matches it: nothing runs unless a rule allows it.",
    );
  });
});

describe("overriddenBy", () => {
  it("marks every matched rule but the deciding one; a switch overrides them all", () => {
    expect([...overriddenBy(base)]).toEqual([["allow-soft", "rule approve-hard"]]);
    expect([
      ...overriddenBy({
        ...base,
        verdict: "DENY",
        reason: "KILL_SWITCH_GLOBAL",
        killSwitch: "global",
        decidingRule: null,
      }),
    ]).toEqual([
      ["allow-soft", "kill switch global"],
      ["approve-hard", "kill switch global"],
    ]);
  });
});
