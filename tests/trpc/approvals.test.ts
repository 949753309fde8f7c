import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../server/auth/auth";
import { verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { ServiceError } from "../../server/services/shared/errors";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { callerAs, expectCode, makeUser, tenantState } from "./support";

/**
 * The approval queue through the dashboard API: why a principal may not vote (auditor, already
 * voted, own intent), and two operators reaching the demo policy's quorum of 2, which queues the
 * execution — with the chain and the evidence bundle agreeing.
 */
let db: Db;
let tenant: TenantFixture;
const u = {} as Record<"op1" | "op2" | "auditor" | "admin", SessionUser>;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "appr");
  u.op1 = await makeUser(db, "op1", { appr: "operator" });
  u.op2 = await makeUser(db, "op2", { appr: "operator" });
  u.auditor = await makeUser(db, "auditor", { appr: "auditor" });
  u.admin = await makeUser(db, "admin", { appr: "admin" });
});
afterAll(async () => {
  await db.$disconnect();
});

const as = (user: SessionUser) => callerAs(db, { user });

/** A REQUIRE_APPROVAL intent (A2_hard under the demo policy); returns its decision and approval ids. */
async function hardIntent(actorId = "soar-1", now?: Date) {
  const { result } = await submitIntent(
    db,
    tenant.keys.client.principal,
    intentBody({ actionClass: "A2_hard", actor: { type: "agent", id: actorId } }),
    now ? { now } : {},
  );
  expect(result.verdict).toBe("REQUIRE_APPROVAL");
  return { decisionId: result.decisionId, approvalId: result.approvalId! };
}

async function unavailableFor(user: SessionUser, approvalId: string) {
  const pending = (await as(user).approvals.pending({ tenantId: "appr" })).approvals;
  const item = pending.find((p) => p.id === approvalId);
  if (!item) throw new Error(`approval ${approvalId} is not pending for ${user.email}`);
  return item.unavailable;
}

const vote = (
  user: SessionUser,
  approvalId: string,
  choice: "approve" | "deny" = "approve",
  reason?: string,
) => as(user).approvals.vote({ tenantId: "appr", approvalId, vote: choice, ...(reason ? { reason } : {}) });

describe("approvals.pending: why a principal cannot vote", () => {
  it("AUDITOR for an auditor; nothing for operators and admins who may vote", async () => {
    const { approvalId, decisionId } = await hardIntent();
    expect(await unavailableFor(u.auditor, approvalId)).toBe("AUDITOR");
    expect(await unavailableFor(u.op1, approvalId)).toBeNull();
    expect(await unavailableFor(u.admin, approvalId)).toBeNull();
    const item = (await as(u.op1).approvals.pending({ tenantId: "appr" })).approvals.find(
      (p) => p.id === approvalId,
    )!;
    expect(item).toMatchObject({
      decisionId,
      action: "host.isolate",
      actionClass: "A2_hard",
      target: "web-7",
      actorId: "soar-1",
      rule: "approve-hard",
      quorum: 2,
      roles: ["operator", "admin"],
      approvals: 0,
      votes: [],
    });
    expect(item.secondsLeft).toBeGreaterThan(0);
  });

  it("ALREADY_VOTED after a vote, and a second vote is refused without being recorded", async () => {
    const { approvalId } = await hardIntent();
    expect(await vote(u.op1, approvalId)).toMatchObject({
      approvalId,
      status: "PENDING",
      approvals: 1,
      quorum: 2,
    });
    expect(await unavailableFor(u.op1, approvalId)).toBe("ALREADY_VOTED");
    expect(await unavailableFor(u.op2, approvalId)).toBeNull();
    const item = (await as(u.op2).approvals.pending({ tenantId: "appr" })).approvals.find(
      (p) => p.id === approvalId,
    )!;
    expect(item.approvals).toBe(1);
    expect(item.votes).toEqual([
      expect.objectContaining({
        principal: { type: "user", id: u.op1.id },
        role: "operator",
        vote: "approve",
      }),
    ]);
    const before = await tenantState(db, "appr");
    const again = await expectCode(vote(u.op1, approvalId), "CONFLICT");
    expect(again.message).toBe("this person has already voted (with this or another key or session)");
    expect(again.cause instanceof ServiceError && again.cause.details.reason).toBe("ALREADY_VOTED");
    expect(await tenantState(db, "appr")).toEqual(before);
  });

  it("SELF_APPROVAL when the intent's actor is the user (by email or by id), and such a vote is refused", async () => {
    const byEmail = await hardIntent(u.op1.email);
    const byId = await hardIntent(u.op1.id);
    for (const { approvalId } of [byEmail, byId]) {
      expect(await unavailableFor(u.op1, approvalId)).toBe("SELF_APPROVAL");
      expect(await unavailableFor(u.op2, approvalId)).toBeNull();
      const before = await tenantState(db, "appr");
      const error = await expectCode(vote(u.op1, approvalId), "CONFLICT");
      expect(error.message).toBe(
        "nobody accountable for the submission may vote on it (its actor, the person its key acts for, or who created that key)",
      );
      expect(await tenantState(db, "appr")).toEqual(before);
    }
  });
});

describe("approvals.vote", () => {
  it("two operators reach the quorum of 2: APPROVED, one execution queued, chain and evidence agree", async () => {
    const { approvalId, decisionId } = await hardIntent();
    const first = await vote(u.op1, approvalId);
    expect(first).toEqual({ approvalId, status: "PENDING", approvals: 1, quorum: 2 });
    expect(await db.execution.count({ where: { decisionId } })).toBe(0);

    const second = await vote(u.op2, approvalId);
    expect(second).toEqual({
      approvalId,
      status: "APPROVED",
      approvals: 2,
      quorum: 2,
      executionId: expect.stringMatching(/^exe_/),
      executionStatus: "QUEUED",
    });
    const execution = await db.execution.findUniqueOrThrow({ where: { id: second.executionId! } });
    expect(execution).toMatchObject({ decisionId, tenantId: "appr", status: "QUEUED" });
    expect(await db.execution.count({ where: { decisionId } })).toBe(1);
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("APPROVED");

    // No longer pending for anyone; a third vote is refused and changes nothing.
    expect(
      (await as(u.admin).approvals.pending({ tenantId: "appr" })).approvals.map((p) => p.id),
    ).not.toContain(approvalId);
    const before = await tenantState(db, "appr");
    expect((await expectCode(vote(u.admin, approvalId), "CONFLICT")).message).toBe(
      "the approval is already decided",
    );
    expect(await tenantState(db, "appr")).toEqual(before);

    const detail = await as(u.auditor).decisions.get({ tenantId: "appr", decisionId });
    expect(detail.approval).toMatchObject({ status: "APPROVED", approvals: 2, quorum: 2 });
    expect(detail.execution).toMatchObject({ id: second.executionId, status: "QUEUED" });
    expect(detail.chain.map((e) => e.type)).toEqual([
      "intent.decided",
      "approval.requested",
      "approval.voted",
      "approval.voted",
      "approval.resolved",
      "execution.queued",
    ]);
    expect(await as(u.auditor).chain.verify({ tenantId: "appr" })).toMatchObject({ ok: true });
    const bundle = await as(u.auditor).decisions.evidence({ tenantId: "appr", decisionId });
    expect(verifyBundle(bundle, { crypto: nodeCrypto }).mismatches).toEqual([]);
  });

  it("a deny needs a reason; with one it ends the approval DENIED and nothing runs", async () => {
    const { approvalId, decisionId } = await hardIntent();
    const before = await tenantState(db, "appr");
    const missing = await expectCode(vote(u.op1, approvalId, "deny"), "BAD_REQUEST");
    expect(missing.message).toBe("a deny needs a reason");
    expect(await tenantState(db, "appr")).toEqual(before);
    expect(await vote(u.op1, approvalId, "deny", "  not during the freeze  ")).toEqual({
      approvalId,
      status: "DENIED",
      approvals: 0,
      quorum: 2,
    });
    const row = await db.approvalVote.findFirstOrThrow({ where: { approvalId } });
    expect(row).toMatchObject({ vote: "deny", reason: "not during the freeze", principalId: u.op1.id });
    expect(await db.execution.count({ where: { decisionId } })).toBe(0);
  });

  it("an approval past its expiry is not pending and takes no vote", async () => {
    const { approvalId } = await hardIntent("soar-1", new Date(Date.now() - 2 * 3600_000));
    expect(
      (await as(u.op1).approvals.pending({ tenantId: "appr" })).approvals.map((p) => p.id),
    ).not.toContain(approvalId);
    const error = await expectCode(vote(u.op1, approvalId), "CONFLICT");
    expect(error.message).toBe("the intent's deadline has passed: the approval has expired");
    expect(await db.approvalVote.count({ where: { approvalId } })).toBe(0);
    expect((await db.approval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("EXPIRED");
  });

  it("a platform admin who is not a member sees why and cannot vote; as an operator member they can", async () => {
    const root = await makeUser(db, "root", {}, true);
    const { approvalId } = await hardIntent();
    expect(await unavailableFor(root, approvalId)).toBe("ROLE_NOT_ALLOWED");
    const refused = await expectCode(vote(root, approvalId), "FORBIDDEN");
    expect(refused.message).toContain("platform admins vote only where they are an operator or admin member");
    expect(await db.approvalVote.count({ where: { approvalId } })).toBe(0);

    const rootOperator = await makeUser(db, "root-op", { appr: "operator" }, true);
    expect(await unavailableFor(rootOperator, approvalId)).toBeNull();
    expect(await vote(rootOperator, approvalId)).toMatchObject({ status: "PENDING", approvals: 1 });
    const row = await db.approvalVote.findFirstOrThrow({ where: { approvalId } });
    expect(row).toMatchObject({ principalType: "user", principalId: rootOperator.id, role: "operator" });
  });

  it("the queue names voters by email", async () => {
    const { approvalId } = await hardIntent();
    await vote(u.op1, approvalId);
    const { approvals, names } = await as(u.auditor).approvals.pending({ tenantId: "appr" });
    const item = approvals.find((a) => a.id === approvalId)!;
    expect(item.votes.map((v) => names[`${v.principal.type}:${v.principal.id}`])).toEqual([u.op1.email]);
  });
});
