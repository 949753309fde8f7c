import { describe, expect, it } from "vitest";
import { policyChangeWarnings } from "./policy-warnings";
import type { Policy } from "./schemas";

const allowReads: Policy["rules"][number] = { id: "reads", match: { actions: ["*.read"] }, effect: "allow" };
const quorum2: Policy["rules"][number] = {
  id: "quarantine",
  match: { actions: ["host.quarantine"] },
  effect: "require_approval",
  approval: { quorum: 2, roles: ["operator"] },
};
const denyDrop: Policy["rules"][number] = { id: "no-drop", match: { actions: ["db.drop"] }, effect: "deny" };
const base: Policy = { rules: [allowReads, quorum2, denyDrop] };
const kinds = (before: Policy | null, after: Policy) =>
  policyChangeWarnings(before, after).map((w) => w.kind);

describe("policyChangeWarnings", () => {
  it("says nothing for an unchanged or stricter policy", () => {
    expect(policyChangeWarnings(base, base)).toEqual([]);
    const stricter: Policy = {
      rules: [allowReads, { ...quorum2, approval: { quorum: 3, roles: ["operator"] } }, denyDrop],
    };
    expect(policyChangeWarnings(base, stricter)).toEqual([]);
    // allow → require_approval → deny is stricter each time
    expect(
      policyChangeWarnings(base, { rules: [{ ...allowReads, effect: "deny" }, quorum2, denyDrop] }),
    ).toEqual([]);
  });

  it("warns when a quorum goes down (2 → 1) and names the rule", () => {
    const weaker: Policy = {
      rules: [allowReads, { ...quorum2, approval: { quorum: 1, roles: ["operator"] } }, denyDrop],
    };
    const [w] = policyChangeWarnings(base, weaker);
    expect(w).toMatchObject({ kind: "weaker-quorum", ruleId: "quarantine" });
    expect(w?.message).toBe('Rule "quarantine" needs 1 approval instead of 2.');
  });

  it("warns when more roles may approve", () => {
    const wider: Policy = {
      rules: [allowReads, { ...quorum2, approval: { quorum: 2, roles: ["operator", "admin"] } }, denyDrop],
    };
    expect(kinds(base, wider)).toEqual(["more-approver-roles"]);
  });

  it("warns when an effect gets weaker, or a deny / approval rule is removed (an allow removed is stricter)", () => {
    expect(kinds(base, { rules: [allowReads, quorum2, { ...denyDrop, effect: "allow" }] })).toEqual([
      "weaker-effect",
    ]);
    const toAllow = { id: "quarantine", match: quorum2.match, effect: "allow" as const };
    expect(kinds(base, { rules: [allowReads, toAllow, denyDrop] })).toEqual(["weaker-effect"]);
    expect(kinds(base, { rules: [allowReads, quorum2] })).toEqual(["guard-removed"]);
    expect(kinds(base, { rules: [allowReads, denyDrop] })).toEqual(["guard-removed"]);
    expect(kinds(base, { rules: [quorum2, denyDrop] })).toEqual([]);
  });

  it("warns when the new policy denies everything: a blanket deny, or nothing that allows", () => {
    const blanket: Policy = { rules: [{ id: "stop", effect: "deny" }, ...base.rules] };
    expect(kinds(base, blanket)).toEqual(["denies-everything"]);
    const starDeny: Policy = {
      rules: [{ id: "stop", match: { actions: ["*"], targets: ["*"] }, effect: "deny" }, ...base.rules],
    };
    expect(kinds(base, starDeny)).toEqual(["denies-everything"]);
    // A deny that still has a condition is not a blanket deny.
    const scoped: Policy = {
      rules: [
        { id: "stop", match: { actions: ["*"], actorTypes: ["agent"] }, effect: "deny" },
        ...base.rules,
      ],
    };
    expect(kinds(base, scoped)).toEqual([]);
    expect(kinds(base, { rules: [] })).toEqual(["denies-everything", "guard-removed", "guard-removed"]);
    expect(kinds(null, { rules: [denyDrop] })).toEqual(["denies-everything"]);
    expect(kinds(null, base)).toEqual([]);
    // Already denying everything: no news.
    expect(kinds({ rules: [] }, { rules: [denyDrop] })).toEqual([]);
  });
});
