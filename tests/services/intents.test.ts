import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { voteOnApproval } from "../../server/services/approvals/vote";
import { verifyChain } from "../../server/services/chain/verify";
import { getDecisionDetail } from "../../server/services/decisions/detail";
import { exportEvidence, getDecision } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { setKillSwitch } from "../../server/services/kill-switches/kill-switches";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { refusal } from "../support/refusal";

let db: Db;
let acme: TenantFixture;
let globex: TenantFixture;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  acme = await seedTenant(db, "acme");
  globex = await seedTenant(db, "globex");
});
afterAll(async () => {
  await db.$disconnect();
});

const counts = async (tenantId: string) => ({
  intents: await db.intent.count({ where: { tenantId } }),
  decisions: await db.decision.count({ where: { tenantId } }),
  events: await db.event.count({ where: { tenantId } }),
});

describe("submitIntent", () => {
  it("decides, stores intent + decision + events, and queues an execution for ALLOW", async () => {
    const { status, result } = await submitIntent(db, acme.keys.client.principal, intentBody());
    expect(status).toBe(201);
    expect(result).toMatchObject({
      verdict: "ALLOW",
      reason: "POLICY_ALLOW",
      decidingRule: "allow-soft",
      matchedRules: [{ id: "allow-soft", effect: "allow" }],
    });
    expect(result.executionId).toMatch(/^exe_/);
    const execution = await db.execution.findUniqueOrThrow({ where: { id: result.executionId! } });
    expect(execution.status).toBe("QUEUED");
    const events = await db.event.findMany({
      where: { tenantId: "acme", subjectId: { in: [result.decisionId, result.executionId!] } },
      orderBy: { seq: "asc" },
    });
    expect(events.map((e) => e.type)).toEqual(["intent.decided", "execution.queued"]);
  });

  it("REQUIRE_APPROVAL creates a pending approval; DENY creates neither approval nor execution", async () => {
    const hard = await submitIntent(db, acme.keys.client.principal, intentBody({ actionClass: "A2_hard" }));
    expect(hard.result).toMatchObject({ verdict: "REQUIRE_APPROVAL", decidingRule: "approve-hard" });
    expect(hard.result.approvalId).toMatch(/^apr_/);
    expect(hard.result.executionId).toBeUndefined();
    const deny = await submitIntent(
      db,
      acme.keys.client.principal,
      intentBody({ actionClass: "A3_irreversible" }),
    );
    expect(deny.result).toMatchObject({ verdict: "DENY", reason: "POLICY_DENY" });
    expect(deny.result.approvalId ?? deny.result.executionId).toBeUndefined();
  });

  it("20 concurrent submissions of one key make exactly one decision; the others replay it", async () => {
    const body = intentBody();
    const before = await counts("acme");
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => submitIntent(db, acme.keys.client.principal, body)),
    );
    expect(outcomes.filter((o) => o.status === 201)).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(19);
    expect(new Set(outcomes.map((o) => o.result.decisionId)).size).toBe(1);
    const after = await counts("acme");
    expect(after.decisions - before.decisions).toBe(1);
    expect(after.events - before.events).toBe(2);
  });

  it("the key may come from the header; a header and a body that disagree are refused", async () => {
    const { idempotencyKey, ...body } = intentBody();
    const first = await submitIntent(db, acme.keys.client.principal, body, { idempotencyKey });
    const again = await submitIntent(db, acme.keys.client.principal, { ...body, idempotencyKey });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.result.decisionId).toBe(first.result.decisionId);
    const error = await refusal(
      submitIntent(db, acme.keys.client.principal, { ...body, idempotencyKey: "other" }, { idempotencyKey }),
    );
    expect(error.status).toBe(400);
    expect(error.details.fields).toEqual([
      { path: "idempotencyKey", message: "differs from the Idempotency-Key header" },
    ]);
    const missing = await refusal(submitIntent(db, acme.keys.client.principal, body));
    expect(missing.details.fields?.[0]?.path).toBe("idempotencyKey");
  });

  it("same key, different content → 409 and nothing new stored", async () => {
    const body = intentBody();
    await submitIntent(db, acme.keys.client.principal, body);
    const before = await counts("acme");
    const error = await refusal(submitIntent(db, acme.keys.client.principal, { ...body, target: "web-8" }));
    expect(error.status).toBe(409);
    expect(error.details.reason).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await counts("acme")).toEqual(before);
  });

  it("invalid input → 400 with field errors and no rows", async () => {
    const before = await counts("acme");
    const error = await refusal(
      submitIntent(db, acme.keys.client.principal, intentBody({ actionClass: "A9", target: "", extra: 1 })),
    );
    expect(error.status).toBe(400);
    expect(error.details.fields?.map((f) => f.path).sort()).toEqual(["actionClass", "extra", "target"]);
    expect(await counts("acme")).toEqual(before);
  });

  it("a client key cannot submit for another tenant, and non-client roles cannot submit", async () => {
    expect(
      (await refusal(submitIntent(db, acme.keys.client.principal, intentBody({ tenantId: "globex" }))))
        .status,
    ).toBe(403);
    expect((await refusal(submitIntent(db, acme.keys.operator.principal, intentBody()))).status).toBe(403);
    expect((await refusal(submitIntent(db, PLATFORM_ADMIN, intentBody()))).status).toBe(403);
  });
});

describe("kill switches", () => {
  it("precedence: the tenant switch denies the next decision; releasing restores the policy verdict", async () => {
    await setKillSwitch(db, globex.keys.operator.principal, {
      scope: "tenant",
      engaged: true,
      reason: "incident 7",
    });
    const denied = await submitIntent(db, globex.keys.client.principal, intentBody());
    expect(denied.result).toMatchObject({ verdict: "DENY", reason: "KILL_SWITCH_TENANT" });
    expect(denied.result.executionId).toBeUndefined();
    await setKillSwitch(db, PLATFORM_ADMIN, { scope: "global", engaged: true, reason: "drill" });
    expect((await submitIntent(db, globex.keys.client.principal, intentBody())).result.reason).toBe(
      "KILL_SWITCH_GLOBAL",
    );
    await setKillSwitch(db, PLATFORM_ADMIN, { scope: "global", engaged: false, reason: "drill over" });
    await setKillSwitch(db, globex.keys.operator.principal, {
      scope: "tenant",
      engaged: false,
      reason: "resolved",
    });
    expect((await submitIntent(db, globex.keys.client.principal, intentBody())).result.verdict).toBe("ALLOW");
  });

  it("an action switch applies to matching actions only", async () => {
    await setKillSwitch(db, globex.keys.admin.principal, {
      scope: "action",
      action: "host.*",
      engaged: true,
      reason: "bad rollout",
    });
    expect((await submitIntent(db, globex.keys.client.principal, intentBody())).result.reason).toBe(
      "KILL_SWITCH_ACTION",
    );
    expect(
      (await submitIntent(db, globex.keys.client.principal, intentBody({ action: "user.disable" }))).result
        .verdict,
    ).toBe("ALLOW");
    await setKillSwitch(db, globex.keys.admin.principal, {
      scope: "action",
      action: "host.*",
      engaged: false,
      reason: "fixed",
    });
  });

  it("who may switch: operators of their own tenant; the global switch only by a platform admin", async () => {
    expect(
      (
        await refusal(
          setKillSwitch(db, acme.keys.client.principal, { scope: "tenant", engaged: true, reason: "x" }),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await refusal(
          setKillSwitch(db, acme.keys.operator.principal, { scope: "global", engaged: true, reason: "x" }),
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await refusal(
          setKillSwitch(db, acme.keys.operator.principal, {
            scope: "tenant",
            tenantId: "globex",
            engaged: true,
            reason: "x",
          }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await refusal(
          setKillSwitch(db, acme.keys.operator.principal, { scope: "tenant", engaged: true, reason: "" }),
        )
      ).status,
    ).toBe(400);
  });

  it("a switch engaged while an approval is pending blocks the execution when the approval completes", async () => {
    const { result } = await submitIntent(
      db,
      acme.keys.client.principal,
      intentBody({ actionClass: "A2_hard" }),
    );
    await voteOnApproval(db, acme.keys.operator.principal, result.approvalId!, { vote: "approve" });
    await setKillSwitch(db, acme.keys.operator.principal, {
      scope: "tenant",
      engaged: true,
      reason: "containment paused",
    });
    const done = await voteOnApproval(db, acme.keys.operator2.principal, result.approvalId!, {
      vote: "approve",
    });
    expect(done).toMatchObject({ status: "APPROVED", approvals: 2, quorum: 2, executionStatus: "BLOCKED" });
    const execution = await db.execution.findUniqueOrThrow({ where: { id: done.executionId! } });
    expect(execution).toMatchObject({ status: "BLOCKED", failureClass: "BLOCKED" });
    await setKillSwitch(db, acme.keys.operator.principal, {
      scope: "tenant",
      engaged: false,
      reason: "resumed",
    });
  });
});

describe("approvals", () => {
  const pending = async () =>
    (await submitIntent(db, acme.keys.client.principal, intentBody({ actionClass: "A2_hard" }))).result;

  it("quorum 2: the second operator's approval queues the execution", async () => {
    const r = await pending();
    expect(
      await voteOnApproval(db, acme.keys.operator.principal, r.approvalId!, { vote: "approve" }),
    ).toMatchObject({ status: "PENDING", approvals: 1, quorum: 2 });
    const done = await voteOnApproval(db, acme.keys.operator2.principal, r.approvalId!, {
      vote: "approve",
      reason: "checked",
    });
    expect(done).toMatchObject({ status: "APPROVED", approvals: 2, executionStatus: "QUEUED" });
    const decision = await getDecision(db, acme.keys.auditor.principal, r.decisionId);
    expect(decision.approval).toMatchObject({ status: "APPROVED", approvals: 2 });
    expect(decision.execution).toMatchObject({ status: "QUEUED" });
  });

  it("a decision read while the deciding vote commits is one moment: never APPROVED without its execution", async () => {
    // Seen from the SDK's guard under a loaded CI: "APPROVED without an execution". The read's
    // relations were separate statements, each with a snapshot of its own.
    const torn: string[] = [];
    for (let round = 0; round < 25; round++) {
      const r = await pending();
      await voteOnApproval(db, acme.keys.operator.principal, r.approvalId!, { vote: "approve" });
      let voted = false;
      const vote = voteOnApproval(db, acme.keys.operator2.principal, r.approvalId!, {
        vote: "approve",
      }).finally(() => (voted = true));
      // Reads until one that began after the vote settled (whatever its outcome).
      const read = async () => {
        for (let last = false; !last; ) {
          last = voted;
          const seen = await getDecision(db, acme.keys.auditor.principal, r.decisionId);
          if ((seen.approval?.status === "APPROVED") !== (seen.execution !== null))
            torn.push(`${seen.approval?.status} with execution ${seen.execution?.status ?? "none"}`);
        }
      };
      // The dashboard's detail: its chain must tell what its rows tell.
      const readDetail = async () => {
        for (let last = false; !last; ) {
          last = voted;
          const seen = await getDecisionDetail(db, acme.keys.auditor.principal, acme.id, r.decisionId);
          const resolved = seen.chain.some((e) => e.type === "approval.resolved");
          const queued = seen.chain.some((e) => e.type === "execution.queued");
          if (resolved !== (seen.approval?.status === "APPROVED") || (seen.execution !== null) !== queued)
            torn.push(
              `detail: ${seen.approval?.status}, resolved in its chain: ${resolved}; execution ${seen.execution?.status ?? "none"}, queued in its chain: ${queued}`,
            );
        }
      };
      await Promise.all([vote, read(), readDetail(), readDetail(), readDetail()]);
    }
    expect(torn).toEqual([]);
  }, 120_000);

  it("refuses a double vote (409), a deny without reason (400), a client or auditor (403), and self-approval (409)", async () => {
    const r = await pending();
    await voteOnApproval(db, acme.keys.operator.principal, r.approvalId!, { vote: "approve" });
    const twice = await refusal(
      voteOnApproval(db, acme.keys.operator.principal, r.approvalId!, { vote: "approve" }),
    );
    expect([twice.status, twice.details.reason]).toEqual([409, "ALREADY_VOTED"]);
    const noReason = await refusal(
      voteOnApproval(db, acme.keys.operator2.principal, r.approvalId!, { vote: "deny" }),
    );
    expect([noReason.status, noReason.details.reason]).toEqual([400, "REASON_REQUIRED"]);
    expect(
      (await refusal(voteOnApproval(db, acme.keys.auditor.principal, r.approvalId!, { vote: "approve" })))
        .status,
    ).toBe(403);
    expect(
      (await refusal(voteOnApproval(db, acme.keys.client.principal, r.approvalId!, { vote: "approve" })))
        .status,
    ).toBe(403);
    // An admin key that submitted the intent may not approve it.
    const own = (await submitIntent(db, acme.keys.admin.principal, intentBody({ actionClass: "A2_hard" })))
      .result;
    const self = await refusal(
      voteOnApproval(db, acme.keys.admin.principal, own.approvalId!, { vote: "approve" }),
    );
    expect([self.status, self.details.reason]).toEqual([409, "SELF_APPROVAL"]);
    // And the actor named in the intent may not approve it either.
    const asActor = (
      await submitIntent(
        db,
        acme.keys.client.principal,
        intentBody({ actionClass: "A2_hard", actor: { type: "human", id: acme.keys.operator.principal.id } }),
      )
    ).result;
    expect(
      (
        await refusal(
          voteOnApproval(db, acme.keys.operator.principal, asActor.approvalId!, { vote: "approve" }),
        )
      ).details.reason,
    ).toBe("SELF_APPROVAL");
  });

  it("a deny with a reason ends it DENIED; later votes are refused with 409", async () => {
    const r = await pending();
    expect(
      await voteOnApproval(db, acme.keys.operator.principal, r.approvalId!, {
        vote: "deny",
        reason: "wrong host",
      }),
    ).toMatchObject({ status: "DENIED" });
    const late = await refusal(
      voteOnApproval(db, acme.keys.operator2.principal, r.approvalId!, { vote: "approve" }),
    );
    expect([late.status, late.details.reason]).toEqual([409, "APPROVAL_CLOSED"]);
  });

  it("an expired approval takes no votes (409) and is recorded EXPIRED", async () => {
    const r = await pending();
    const later = new Date(Date.now() + 2 * 3600 * 1000);
    const expired = await refusal(
      voteOnApproval(db, acme.keys.operator.principal, r.approvalId!, { vote: "approve" }, later),
    );
    expect([expired.status, expired.details.reason]).toEqual([409, "EXPIRED"]);
    expect((await db.approval.findUniqueOrThrow({ where: { id: r.approvalId! } })).status).toBe("EXPIRED");
  });

  it("another tenant's approval is not found", async () => {
    const r = await pending();
    expect(
      (await refusal(voteOnApproval(db, globex.keys.operator.principal, r.approvalId!, { vote: "approve" })))
        .status,
    ).toBe(404);
  });
});

describe("evidence and chain", () => {
  it("an exported bundle verifies offline, for each kind of decision, and a tampered one does not", async () => {
    const allow = (await submitIntent(db, acme.keys.client.principal, intentBody())).result;
    const hard = (await submitIntent(db, acme.keys.client.principal, intentBody({ actionClass: "A2_hard" })))
      .result;
    await voteOnApproval(db, acme.keys.operator.principal, hard.approvalId!, { vote: "approve" });
    await voteOnApproval(db, acme.keys.admin.principal, hard.approvalId!, { vote: "approve", reason: "ok" });
    for (const id of [allow.decisionId, hard.decisionId]) {
      const bundle = JSON.parse(JSON.stringify(await exportEvidence(db, acme.keys.auditor.principal, id)));
      const report = verifyBundle(bundle, { crypto: nodeCrypto });
      expect(report.mismatches).toEqual([]);
      bundle.input.intent.target = "db-9";
      expect(verifyBundle(bundle, { crypto: nodeCrypto }).ok).toBe(false);
    }
    expect((await refusal(exportEvidence(db, globex.keys.auditor.principal, allow.decisionId))).status).toBe(
      404,
    );
  });

  it("200 concurrent submissions across 5 tenants leave every chain gapless and verifying", async () => {
    const tenants = await Promise.all(
      ["t1", "t2", "t3", "t4", "t5"].map((id) => seedTenant(db, `chain-${id}`)),
    );
    const classes = ["A1_soft", "A2_hard", "A3_irreversible", "A0_observe"];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        submitIntent(db, tenants[i % 5]!.keys.client.principal, intentBody({ actionClass: classes[i % 4] })),
      ),
    );
    for (const t of tenants) {
      const report = await verifyChain(db, t.id);
      expect(report.ok).toBe(true);
      const seqs = (
        await db.event.findMany({ where: { tenantId: t.id }, select: { seq: true }, orderBy: { seq: "asc" } })
      ).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(await db.decision.count({ where: { tenantId: t.id } })).toBe(40);
    }
    // A row altered behind the application's back is found, by seq.
    await db.$executeRaw`UPDATE "Event" SET payload = '{"forged":true}' WHERE "tenantId" = 'chain-t3' AND seq = 9`;
    expect(await verifyChain(db, "chain-t3")).toMatchObject({ ok: false, firstBrokenSeq: 9 });
  });
});

describe("backpressure", () => {
  it("over the rate → RATE_LIMITED with Retry-After, and nothing stored", async () => {
    const slow = await seedTenant(db, "slow", { ratePerSecond: 0.01, burst: 3 });
    for (let i = 0; i < 3; i++) await submitIntent(db, slow.keys.client.principal, intentBody());
    const before = await counts("slow");
    const error = await refusal(submitIntent(db, slow.keys.client.principal, intentBody()));
    expect([error.status, error.code, error.details.reason]).toEqual([429, "RATE_LIMITED", "RATE_LIMITED"]);
    expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await counts("slow")).toEqual(before);
  });

  it("too many pending executions → QUEUE_FULL", async () => {
    const full = await seedTenant(db, "full", { maxPending: 2 });
    await submitIntent(db, full.keys.client.principal, intentBody());
    await submitIntent(db, full.keys.client.principal, intentBody());
    const before = await counts("full");
    const error = await refusal(submitIntent(db, full.keys.client.principal, intentBody()));
    expect([error.status, error.code]).toEqual([429, "QUEUE_FULL"]);
    expect(await counts("full")).toEqual(before);
  });
});

describe("tenant updates", () => {
  it("write an event only for a real change, typed by what changed", async () => {
    const { updateTenant } = await import("../../server/services/tenants/tenants");
    await seedTenant(db, "mutable");
    const types = async () =>
      (
        await db.event.findMany({
          where: { tenantId: "mutable", type: { startsWith: "tenant." } },
          orderBy: { seq: "asc" },
        })
      ).map((e) => e.type);
    expect(await types()).toEqual(["tenant.created"]);
    await updateTenant(db, PLATFORM_ADMIN, "mutable", { name: "Tenant mutable" }); // unchanged
    await updateTenant(db, PLATFORM_ADMIN, "mutable", { status: "active" }); // unchanged
    expect(await types()).toEqual(["tenant.created"]);
    await updateTenant(db, PLATFORM_ADMIN, "mutable", { status: "suspended" });
    await updateTenant(db, PLATFORM_ADMIN, "mutable", { status: "suspended" });
    await updateTenant(db, PLATFORM_ADMIN, "mutable", { limits: { burst: 9 } });
    await updateTenant(db, PLATFORM_ADMIN, "mutable", { status: "active" });
    expect(await types()).toEqual([
      "tenant.created",
      "tenant.suspended",
      "tenant.updated",
      "tenant.activated",
    ]);
    expect(
      (await refusal(updateTenant(db, acme.keys.admin.principal, "mutable", { name: "x" }))).status,
    ).toBe(404);
    expect(
      (await refusal(updateTenant(db, acme.keys.admin.principal, "acme", { status: "suspended" }))).status,
    ).toBe(403);
  });
});
