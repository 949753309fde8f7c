import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_HASH, sealEvent, verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { voteOnApproval } from "../../server/services/approvals/vote";
import { verifyChain } from "../../server/services/chain/verify";
import { exportEvidence } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { publicKeyInfo } from "../../server/services/keys/signing-key";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";

// Evidence stays true under races: concurrent votes on one approval must come out of the bundle
// in the order the chain recorded them, and a chain whose last event was rewritten together with
// its own hash must not verify.
let db: Db;
let tenant: TenantFixture;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "races");
});

afterAll(async () => {
  await db?.$disconnect();
});

describe("evidence under concurrent votes", () => {
  it("50 rounds of 3 concurrent votes: every exported bundle verifies, signed by the published key", async () => {
    const published = (await publicKeyInfo(db)).publicKey;
    const voters = [tenant.keys.operator, tenant.keys.operator2, tenant.keys.admin].map((k) => k.principal);
    const failures: string[] = [];
    for (let round = 0; round < 50; round++) {
      const { result } = await submitIntent(
        db,
        tenant.keys.client.principal,
        intentBody({ action: "host.quarantine", actionClass: "A2_hard" }),
      );
      // Quorum 2 of 3 racing voters: two land, the third finds the approval closed.
      const votes = await Promise.allSettled(
        voters.map((voter) => voteOnApproval(db, voter, result.approvalId!, { vote: "approve" })),
      );
      expect(votes.filter((v) => v.status === "fulfilled")).toHaveLength(2);
      const bundle = await exportEvidence(db, tenant.keys.auditor.principal, result.decisionId);
      const report = verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto });
      if (report.mismatches.length > 0) failures.push(`round ${round}: ${JSON.stringify(report.mismatches)}`);
      expect(bundle.signature.publicKey).toBe(published);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe("evidence exported while a vote commits", () => {
  it("is of one moment: every bundle exported during the votes verifies", async () => {
    const voters = [tenant.keys.operator, tenant.keys.operator2].map((k) => k.principal);
    const failures: string[] = [];
    for (let round = 0; round < 20; round++) {
      const { result } = await submitIntent(
        db,
        tenant.keys.client.principal,
        intentBody({ action: "host.quarantine", actionClass: "A2_hard" }),
      );
      let voted = false;
      const votes = (async () => {
        for (const voter of voters) await voteOnApproval(db, voter, result.approvalId!, { vote: "approve" });
      })().finally(() => (voted = true));
      // Exports until one that began after the votes settled (whatever their outcome).
      const exports = async () => {
        for (let last = false; !last; ) {
          last = voted;
          const bundle = await exportEvidence(db, tenant.keys.auditor.principal, result.decisionId);
          const report = verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto });
          if (report.mismatches.length > 0)
            failures.push(`round ${round}: ${JSON.stringify(report.mismatches).slice(0, 300)}`);
        }
      };
      await Promise.all([votes, exports(), exports()]);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe("exoarmur chain verify compares the stored head", () => {
  /** A row written behind the application's back, chained after `previous`, at its next seq or at `seq`. */
  const forgeEvent = async (
    tenantId: string,
    previous: { seq: number; hash: string } | null,
    seq?: number,
  ) => {
    const forged = sealEvent(nodeCrypto, previous, {
      tenantId,
      type: "execution.succeeded",
      subjectId: "exe_forged",
      at: new Date().toISOString(),
      payload: { forged: true },
    });
    await db.event.create({
      data: { ...forged, seq: seq ?? forged.seq, payload: JSON.parse(JSON.stringify(forged.payload)) },
    });
  };

  it("the last event rewritten together with its hash is reported", async () => {
    const other = await seedTenant(db, "races-head");
    await submitIntent(db, other.keys.client.principal, intentBody());
    expect((await verifyChain(db, "races-head")).ok).toBe(true);
    const last = await db.event.findFirstOrThrow({
      where: { tenantId: "races-head" },
      orderBy: { seq: "desc" },
    });
    const { sealEvent } = await import("../../server/core");
    const previous = await db.event.findFirst({ where: { tenantId: "races-head", seq: last.seq - 1 } });
    const forged = sealEvent(nodeCrypto, previous ? { seq: previous.seq, hash: previous.hash } : null, {
      tenantId: last.tenantId,
      type: last.type,
      subjectId: last.subjectId,
      at: last.at,
      payload: { ...(last.payload as Record<string, unknown>), forged: true },
    });
    await db.event.update({
      where: { id: last.id },
      data: { payload: JSON.parse(JSON.stringify(forged.payload)), hash: forged.hash },
    });
    const report = await verifyChain(db, "races-head");
    expect(report).toMatchObject({ ok: false, firstBrokenSeq: last.seq });
    expect(report.ok ? "" : report.problem).toMatch(/chain head hash/);
  });

  it("a chain verified while decisions commit is never reported broken", async () => {
    // The verifier read its pages, then the head: a decision committed in between made an intact
    // chain look one event short ("chain head says N+1 events, found N"), a false tamper alarm.
    const busy = await seedTenant(db, "races-busy");
    // Three submitters of 100 decisions each (under the tenant's burst of 400).
    let submitting = 3;
    const submitter = async () => {
      for (let i = 0; i < 100; i++) await submitIntent(db, busy.keys.client.principal, intentBody());
      submitting--;
    };
    const submitters = Promise.all([submitter(), submitter(), submitter()]);
    const alarms: string[] = [];
    let rounds = 0;
    while (submitting > 0) {
      // Small pages: more statements, more commits between them.
      const report = await verifyChain(db, "races-busy", 5);
      if (!report.ok) alarms.push(`round ${rounds}: seq ${report.firstBrokenSeq}: ${report.problem}`);
      rounds++;
    }
    await submitters;
    expect(rounds).toBeGreaterThan(3);
    expect(alarms).toEqual([]);
    expect(await verifyChain(db, "races-busy")).toMatchObject({ ok: true });
  }, 120_000);

  it("an event added past the head, chained to the last one, is reported", async () => {
    const other = await seedTenant(db, "races-past-head");
    await submitIntent(db, other.keys.client.principal, intentBody());
    const head = await db.chainHead.findUniqueOrThrow({ where: { tenantId: "races-past-head" } });
    await forgeEvent("races-past-head", { seq: head.seq, hash: head.hash });
    const report = await verifyChain(db, "races-past-head");
    expect(report).toMatchObject({ ok: false, firstBrokenSeq: head.seq + 1 });
    expect(report.ok ? "" : report.problem).toMatch(/head/);
  });

  it("a chain nothing was ever appended to is intact and empty", async () => {
    // The platform's chain before its first kill switch: no head, no events (reviewer: this threw).
    expect(await verifyChain(db, "races-never-appended")).toEqual({
      ok: true,
      tenantId: "races-never-appended",
      events: 0,
      head: GENESIS_HASH,
    });
  });

  it("events whose head row was deleted, or an event at seq 0, are reported", async () => {
    const other = await seedTenant(db, "races-headless");
    await submitIntent(db, other.keys.client.principal, intentBody());
    const head = await db.chainHead.findUniqueOrThrow({ where: { tenantId: "races-headless" } });
    await db.chainHead.delete({ where: { tenantId: "races-headless" } });
    const headless = await verifyChain(db, "races-headless");
    expect(headless).toMatchObject({ ok: false, firstBrokenSeq: 1 });
    expect(headless.ok ? "" : headless.problem).toMatch(/no chain head/);
    await db.chainHead.create({ data: head });
    expect((await verifyChain(db, "races-headless")).ok).toBe(true);

    await forgeEvent("races-headless", null, 0);
    const seqZero = await verifyChain(db, "races-headless");
    expect(seqZero).toMatchObject({ ok: false, firstBrokenSeq: 0 });
  });
});
