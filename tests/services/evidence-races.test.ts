import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../../server/core";
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
});
