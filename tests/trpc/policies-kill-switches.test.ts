import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../server/auth/auth";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { callerAs, expectCode, fieldsOf, makeUser, tenantState } from "./support";

/**
 * What-if policy replay (a draft that flips a rule: how many decisions change, and how) and the
 * tenant kill switch (engage, list, history with its reason, and its effect on the next intent).
 */
let db: Db;
let pol: TenantFixture;
let ks: TenantFixture;
const u = {} as Record<
  "auditor" | "admin" | "operator" | "ksOperator" | "ksAuditor" | "platform",
  SessionUser
>;
const counts = { allow: 4, deny: 2, approval: 3 };

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  pol = await seedTenant(db, "pol");
  ks = await seedTenant(db, "ks");
  await seedTenant(db, "other");
  u.auditor = await makeUser(db, "auditor", { pol: "auditor" });
  u.admin = await makeUser(db, "admin", { pol: "admin" });
  u.operator = await makeUser(db, "operator", { pol: "operator" });
  u.ksOperator = await makeUser(db, "ks-op", { ks: "operator" });
  u.ksAuditor = await makeUser(db, "ks-auditor", { ks: "auditor" });
  u.platform = await makeUser(db, "platform", {}, true);
  const submit = (actionClass: string) =>
    submitIntent(db, pol.keys.client.principal, intentBody({ actionClass }));
  for (let i = 0; i < counts.allow; i++) await submit("A1_soft");
  for (let i = 0; i < counts.deny; i++) await submit("A3_irreversible");
  for (let i = 0; i < counts.approval; i++) await submit("A2_hard");
});
afterAll(async () => {
  await db.$disconnect();
});

const as = (user: SessionUser) => callerAs(db, { user });
const total = () => counts.allow + counts.deny + counts.approval;

/** The demo policy with one rule's effect changed. */
function flipped(ruleId: string, effect: "allow" | "deny" | "require_approval") {
  return {
    rules: DEMO_POLICY.rules.map((r) =>
      r.id === ruleId
        ? effect === "require_approval"
          ? { ...r, effect, approval: { quorum: 1, roles: ["admin"] } }
          : { id: r.id, match: r.match, effect }
        : r,
    ),
  };
}

describe("policies.replay", () => {
  it("a draft that turns allow-soft into deny: every ALLOW changes to DENY, nothing else, nothing written", async () => {
    const before = await tenantState(db, "pol");
    const report = await as(u.auditor).policies.replay({
      tenantId: "pol",
      request: { policy: flipped("allow-soft", "deny") },
    });
    expect(report).toMatchObject({
      candidate: "draft",
      evaluated: total(),
      changed: counts.allow,
      unchanged: total() - counts.allow,
      transitions: [{ from: "ALLOW", to: "DENY", count: counts.allow }],
      truncated: false,
    });
    expect(report.changes).toHaveLength(counts.allow);
    for (const change of report.changes) {
      expect(change.before).toEqual({
        verdict: "ALLOW",
        reason: "POLICY_ALLOW",
        decidingRule: "allow-soft",
        approval: null,
      });
      expect(change.after).toEqual({
        verdict: "DENY",
        reason: "POLICY_DENY",
        decidingRule: "allow-soft",
        approval: null,
      });
      expect(change.differences.map((d) => d.path).sort()).toEqual(["reason", "verdict"]);
    }
    expect(await tenantState(db, "pol")).toEqual(before);
  });

  it("two transitions at once are counted separately, largest first", async () => {
    const draft = flipped("approve-hard", "allow");
    draft.rules = draft.rules.map((r) =>
      r.id === "deny-irreversible"
        ? { ...r, effect: "require_approval", approval: { quorum: 1, roles: ["operator"] } }
        : r,
    );
    const report = await as(u.operator).policies.replay({ tenantId: "pol", request: { policy: draft } });
    expect(report.changed).toBe(counts.approval + counts.deny);
    expect(report.transitions).toEqual([
      { from: "REQUIRE_APPROVAL", to: "ALLOW", count: counts.approval },
      { from: "DENY", to: "REQUIRE_APPROVAL", count: counts.deny },
    ]);
  });

  it("the active version replays to no change; an unknown version is not found", async () => {
    const same = await as(u.auditor).policies.replay({ tenantId: "pol", request: { version: 1 } });
    expect(same).toMatchObject({
      candidate: "version 1",
      evaluated: total(),
      changed: 0,
      transitions: [],
      changes: [],
    });
    await expectCode(
      as(u.auditor).policies.replay({ tenantId: "pol", request: { version: 99 } }),
      "NOT_FOUND",
    );
  });

  it("an invalid draft is BAD_REQUEST naming each bad field under policy.", async () => {
    const before = await tenantState(db, "pol");
    const error = await expectCode(
      as(u.auditor).policies.replay({
        tenantId: "pol",
        request: {
          policy: {
            rules: [
              { id: "r1", match: { actionClasses: ["A9_unknown"] }, effect: "allow" },
              { id: "r2", effect: "maybe", extra: true },
            ],
          },
        },
      }),
      "BAD_REQUEST",
    );
    expect(error.message).toBe("candidate policy is invalid");
    const paths = fieldsOf(error).map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "policy.rules[0].match.actionClasses[0]",
        "policy.rules[1].effect",
        "policy.rules[1].extra",
      ]),
    );
    for (const path of paths) expect(path.startsWith("policy.")).toBe(true);

    const neither = await expectCode(
      as(u.auditor).policies.replay({ tenantId: "pol", request: {} }),
      "BAD_REQUEST",
    );
    expect(fieldsOf(neither)).toEqual([
      { path: "policy", message: "give either a candidate policy or a version, not both" },
    ]);
    const notObject = await expectCode(
      as(u.auditor).policies.replay({ tenantId: "pol", request: { policy: [1, 2, 3] } }),
      "BAD_REQUEST",
    );
    expect(fieldsOf(notObject)[0]?.path).toMatch(/^policy/);
    expect(await tenantState(db, "pol")).toEqual(before);
  });

  it("an admin saves the flipped policy as version 2; replaying version 2 shows the same flip", async () => {
    const saved = await as(u.admin).policies.save({
      tenantId: "pol",
      note: "soft actions denied while we investigate",
      document: flipped("allow-soft", "deny"),
    });
    expect(saved).toMatchObject({ tenantId: "pol", version: 2, active: true });
    const versions = await as(u.auditor).policies.versions({ tenantId: "pol" });
    expect(versions.activeVersion).toBe(2);
    expect(versions.versions.map((v) => [v.version, v.active, v.createdBy])).toEqual([
      [2, true, `user:${u.admin.id}`],
      [1, false, "platform-admin"],
    ]);
    // The recorded decisions were made under version 1: replaying version 2 is the flip again.
    const report = await as(u.auditor).policies.replay({ tenantId: "pol", request: { version: 2 } });
    expect(report.transitions).toEqual([{ from: "ALLOW", to: "DENY", count: counts.allow }]);
  });
});

describe("killSwitches", () => {
  it("setTenant engages the tenant switch: list shows it engaged, history has the reason and who, the next intent is denied", async () => {
    const reason = "incident 4711: beaconing from web-7";
    const set = await as(u.ksOperator).killSwitches.setTenant({ tenantId: "ks", engaged: true, reason });
    expect(set).toMatchObject({ id: "tenant:ks", scope: "tenant", tenantId: "ks", engaged: true, reason });
    expect(set.changedBy).toBe(`user:${u.ksOperator.id}`);

    const listed = await as(u.ksAuditor).killSwitches.list({ tenantId: "ks" });
    expect(listed.switches).toEqual([expect.objectContaining({ id: "tenant:ks", engaged: true, reason })]);
    expect(listed.history[0]).toMatchObject({
      chain: "ks",
      switchId: "tenant:ks",
      engaged: true,
      scope: "tenant",
      action: null,
      reason,
      by: `user:${u.ksOperator.id}`,
    });

    const next = await submitIntent(db, ks.keys.client.principal, intentBody());
    expect(next.result).toMatchObject({ verdict: "DENY", reason: "KILL_SWITCH_TENANT" });
  });

  it("an action switch, then a release: history lists every change newest first", async () => {
    await as(u.ksOperator).killSwitches.setTenant({
      tenantId: "ks",
      engaged: true,
      reason: "no isolations today",
      action: "host.*",
    });
    await as(u.ksOperator).killSwitches.setTenant({ tenantId: "ks", engaged: false, reason: "contained" });
    const { switches, history } = await as(u.ksAuditor).killSwitches.list({ tenantId: "ks" });
    expect(switches.map((s) => [s.id, s.engaged])).toEqual([
      ["action:ks:host.*", true],
      ["tenant:ks", false],
    ]);
    expect(history.map((h) => [h.switchId, h.engaged, h.reason])).toEqual([
      ["tenant:ks", false, "contained"],
      ["action:ks:host.*", true, "no isolations today"],
      ["tenant:ks", true, "incident 4711: beaconing from web-7"],
    ]);
    const next = await submitIntent(db, ks.keys.client.principal, intentBody({ action: "host.reboot" }));
    expect(next.result).toMatchObject({ verdict: "DENY", reason: "KILL_SWITCH_ACTION" });
    const other = await submitIntent(db, ks.keys.client.principal, intentBody({ action: "user.disable" }));
    expect(other.result.verdict).toBe("ALLOW");
  });

  it("another tenant's switch is not listed; the global one is, with its history", async () => {
    await callerAs(db, { bearer: PLATFORM_ADMIN }).killSwitches.setTenant({
      tenantId: "other",
      engaged: true,
      reason: "other tenant's business",
    });
    await as(u.platform).killSwitches.setGlobal({ engaged: true, reason: "platform maintenance" });
    await as(u.platform).killSwitches.setGlobal({ engaged: false, reason: "maintenance over" });
    const { switches, history } = await as(u.ksAuditor).killSwitches.list({ tenantId: "ks" });
    expect(switches.map((s) => s.id)).toEqual(["action:ks:host.*", "global", "tenant:ks"]);
    expect(switches.find((s) => s.id === "global")).toMatchObject({
      engaged: false,
      changedBy: `user:${u.platform.id}`,
    });
    expect(history.map((h) => h.reason)).not.toContain("other tenant's business");
    expect(history.filter((h) => h.chain === "_platform").map((h) => [h.engaged, h.reason])).toEqual([
      [false, "maintenance over"],
      [true, "platform maintenance"],
    ]);
  });

  it("refusals change nothing: an auditor, a missing reason, another tenant", async () => {
    const before = await tenantState(db, "ks");
    await expectCode(
      as(u.ksAuditor).killSwitches.setTenant({ tenantId: "ks", engaged: true, reason: "x" }),
      "FORBIDDEN",
    );
    await expectCode(
      as(u.ksOperator).killSwitches.setTenant({ tenantId: "ks", engaged: true, reason: " " }),
      "BAD_REQUEST",
    );
    await expectCode(
      as(u.ksOperator).killSwitches.setTenant({ tenantId: "other", engaged: false, reason: "not mine" }),
      "NOT_FOUND",
    );
    await expectCode(as(u.ksOperator).killSwitches.setGlobal({ engaged: true, reason: "x" }), "FORBIDDEN");
    expect(await tenantState(db, "ks")).toEqual(before);
  });
  it("a change based on a stale view is refused (CONFLICT) and writes nothing; the current view goes through", async () => {
    const first = await as(u.ksOperator).killSwitches.setTenant({
      tenantId: "ks",
      action: "stale.*",
      engaged: true,
      reason: "colleague A",
      expectedChangedAt: null,
    });
    // Someone who loaded the page before A engaged it tries to engage it too: refused.
    const before = await tenantState(db, "ks");
    const stale = await expectCode(
      as(u.ksOperator).killSwitches.setTenant({
        tenantId: "ks",
        action: "stale.*",
        engaged: false,
        reason: "released without seeing A's reason",
        expectedChangedAt: null,
      }),
      "CONFLICT",
    );
    expect(stale.message).toContain("changed since you loaded it");
    expect(await tenantState(db, "ks")).toEqual(before);
    const released = await as(u.ksOperator).killSwitches.setTenant({
      tenantId: "ks",
      action: "stale.*",
      engaged: false,
      reason: "seen A's reason; resolved",
      expectedChangedAt: first.changedAt,
    });
    expect(released).toMatchObject({ engaged: false, reason: "seen A's reason; resolved" });
  });
});
