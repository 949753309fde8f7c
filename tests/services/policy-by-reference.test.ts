import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashJson, verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { exportEvidence } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { applyPolicy } from "../../server/services/policies/versions";
import { replayDecision } from "../../server/services/policies/what-if";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody, seedTenant, type TenantFixture } from "../support/fixtures";

// Decisions reference their policy version by hash (issue 10 §6): a decision row stores the
// intent, switches and tenant it was evaluated with, not a copy of the policy, so 10,000 decisions
// under a 250 KB policy cost kilobytes each, not 2.5 GB. The evidence bundle assembles the policy
// from the version, and the bundle's input hash still matches the one the chain anchored.

let db: Db;
let tenant: TenantFixture;
const LIMITS = { ratePerSecond: 100_000, burst: 100_000, maxPending: 1_000_000 };

/** ~250 KB of JSON that decides like the demo policy: padding rules that match nothing first. */
const BIG = {
  rules: [
    ...Array.from({ length: 725 }, (_, i) => ({
      id: `pad-${i}`,
      description: "x".repeat(250),
      match: { actions: [`never.${i}.matches`] },
      effect: "deny" as const,
    })),
    ...DEMO_POLICY.rules,
  ],
};

const storedInputs = (tenantId: string) =>
  db.$queryRaw<{ id: string; hasPolicy: boolean; bytes: number; policyHash: string | null }[]>`
    SELECT id, input ? 'policy' AS "hasPolicy", pg_column_size(input)::int AS bytes, "policyHash"
      FROM "Decision" WHERE "tenantId" = ${tenantId} ORDER BY "createdAt"`;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "big", LIMITS);
  const size = JSON.stringify(BIG).length;
  expect(size).toBeGreaterThan(240 * 1024);
  expect(size).toBeLessThanOrEqual(256 * 1024);
  await applyPolicy(db, PLATFORM_ADMIN, "big", BIG);
}, 180_000);
afterAll(async () => {
  await db.$disconnect();
});

describe("a decision stores a reference to its policy version, not a copy", () => {
  it("rows under a 250 KB policy stay small and name the version's hash", async () => {
    for (let i = 0; i < 20; i++) await submitIntent(db, tenant.keys.client.principal, intentBody());
    const version = await db.policyVersion.findUniqueOrThrow({
      where: { tenantId_version: { tenantId: "big", version: 2 } },
    });
    const rows = await storedInputs("big");
    expect(rows).toHaveLength(20);
    for (const row of rows) {
      expect(row.hasPolicy).toBe(false);
      expect(row.bytes).toBeLessThan(4 * 1024);
      expect(row?.policyHash).toBe(version.hash);
    }
    // The chain anchor names the policy by hash too.
    const decided = await db.event.findFirstOrThrow({
      where: { tenantId: "big", type: "intent.decided" },
      orderBy: { seq: "desc" },
    });
    expect((decided.payload as { policyHash?: string }).policyHash).toBe(version.hash);
  });

  it("the evidence bundle assembles the policy from the version and verifies", async () => {
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      intentBody({ actionClass: "A3_irreversible" }),
    );
    expect(result.verdict).toBe("DENY");
    // A later version must not leak into an earlier decision's evidence.
    await applyPolicy(db, PLATFORM_ADMIN, "big", { rules: [] });
    const bundle = await exportEvidence(db, PLATFORM_ADMIN, result.decisionId);
    expect(bundle.input.policy).toEqual(BIG);
    expect(bundle.subject.policyVersion).toBe(2);
    const report = verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto });
    expect(report.ok).toBe(true);
    const replay = await replayDecision(db, tenant.keys.auditor.principal, "big", result.decisionId);
    expect(replay.same).toBe(true);
    expect(replay.replayed.verdict).toBe("DENY");
  });

  it("a decision made with no policy assembles the empty policy", async () => {
    await db.tenant.update({ where: { id: "big" }, data: { activePolicyVersion: null } });
    try {
      const { result } = await submitIntent(db, tenant.keys.client.principal, intentBody());
      const bundle = await exportEvidence(db, PLATFORM_ADMIN, result.decisionId);
      expect(bundle.subject.policyVersion).toBeNull();
      expect(bundle.input.policy).toEqual({ rules: [] });
      expect(verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto }).ok).toBe(true);
      const [row] = await db.$queryRaw<{ policyHash: string }[]>`
        SELECT "policyHash" FROM "Decision" WHERE id = ${result.decisionId}`;
      expect(row?.policyHash).toBe(hashJson(nodeCrypto, { rules: [] }));
    } finally {
      await db.tenant.update({ where: { id: "big" }, data: { activePolicyVersion: 3 } });
    }
  });

  it("a version edited behind the service's back is refused, not signed into evidence", async () => {
    const { result } = await submitIntent(db, tenant.keys.client.principal, intentBody());
    await db.$executeRaw`
      UPDATE "PolicyVersion" SET document = '{"rules":[]}'::jsonb WHERE "tenantId" = 'big' AND version = 3`;
    await db.$executeRaw`
      UPDATE "PolicyVersion" SET document = '{"rules":[{"id":"x","match":{},"effect":"allow"}]}'::jsonb
       WHERE "tenantId" = 'big' AND version = 2`;
    const first = await db.decision.findFirstOrThrow({
      where: { tenantId: "big", policyVersion: 2 },
      orderBy: { createdAt: "asc" },
    });
    await expect(exportEvidence(db, PLATFORM_ADMIN, first.id)).rejects.toThrow(
      /policy version 2 of tenant big no longer has the hash/,
    );
    // The untouched version still assembles.
    expect((await exportEvidence(db, PLATFORM_ADMIN, result.decisionId)).input.policy).toEqual({ rules: [] });
  });
});

describe("the migration that moved the copies out (20261201162926_policy_by_reference)", () => {
  it("takes each decision's hash from its chain anchor and drops only copies its version still holds", async () => {
    await applyPolicy(db, PLATFORM_ADMIN, "big", DEMO_POLICY); // version 4, untouched
    const kept = (await submitIntent(db, tenant.keys.client.principal, intentBody())).result.decisionId;
    const versionTwo = (await db.decision.findFirstOrThrow({ where: { tenantId: "big", policyVersion: 2 } }))
      .id;
    const anchor = async (id: string) =>
      (
        (await db.event.findFirstOrThrow({ where: { subjectId: id, type: "intent.decided" } })).payload as {
          policyHash: string;
        }
      ).policyHash;
    // Back to the old shape: the policy copied into the input, no policyHash column value.
    await db.$executeRawUnsafe(`ALTER TABLE "Decision" ALTER COLUMN "policyHash" DROP NOT NULL`);
    await db.$executeRawUnsafe(`
      UPDATE "Decision" d SET "policyHash" = NULL,
             input = d.input || jsonb_build_object('policy', coalesce(v.document, '{"rules":[]}'::jsonb))
        FROM "Decision" x LEFT JOIN "PolicyVersion" v ON v."tenantId" = x."tenantId" AND v.version = x."policyVersion"
       WHERE x.id = d.id AND d.id IN ('${kept}', '${versionTwo}')`);
    // Version 2 was edited after its decisions (the test above): put its original copy back into
    // that decision's input, as the old code would have stored it.
    await db.$executeRaw`UPDATE "Decision" SET input = jsonb_set(input, '{policy}', ${JSON.stringify(BIG)}::jsonb) WHERE id = ${versionTwo}`;
    const sql = readFileSync(
      "prisma/migrations/20261201162926_policy_by_reference/migration.sql",
      "utf8",
    ).replace(/ALTER TABLE "Decision" ADD COLUMN "policyHash" TEXT;/, "");
    for (const statement of sql
      .split(/;\s*\n/)
      .map((t) => t.replace(/^\s*--.*$/gm, "").trim())
      .filter(Boolean))
      await db.$executeRawUnsafe(statement);
    const rows = await db.$queryRaw<{ id: string; policyHash: string; hasPolicy: boolean }[]>`
      SELECT id, "policyHash", input ? 'policy' AS "hasPolicy" FROM "Decision" WHERE id IN (${kept}, ${versionTwo})`;
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[kept]).toMatchObject({ policyHash: await anchor(kept), hasPolicy: false });
    // The edited version no longer holds what was evaluated: the copy stays, the anchor's hash is kept.
    expect(byId[versionTwo]).toMatchObject({ policyHash: await anchor(versionTwo), hasPolicy: true });
    expect((await exportEvidence(db, PLATFORM_ADMIN, kept)).input.policy).toEqual(DEMO_POLICY);
    await expect(exportEvidence(db, PLATFORM_ADMIN, versionTwo)).rejects.toThrow(/no longer has the hash/);
  });
});
