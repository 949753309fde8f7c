import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashJson, MATCH_BUDGET } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { activatePolicyVersion, applyPolicy } from "../../server/services/policies/versions";
import { replayUnderPolicy } from "../../server/services/policies/what-if";
import type { ServiceError } from "../../server/services/shared/errors";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { refusal } from "../support/refusal";

// One tenant cannot stall the others (issue 10 §6): a policy whose globs make every decision scan
// the text thousands of times is refused where policies are accepted (saved, or replayed as a
// draft), naming the rule; and a what-if replay — which any member may start, over up to 10,000
// decisions — evaluates on a worker thread, so the event loop keeps deciding other tenants' intents
// while it runs, even under a slow policy version stored before the budget existed.

let db: Db;
let slow: TenantFixture;
let calm: TenantFixture;
const RECORDED = 300;
const LIMITS = { ratePerSecond: 100_000, burst: 100_000, maxPending: 1_000_000 };
/** The longest target an intent may carry: every glob below scans all of it. */
const TARGET = "a".repeat(256);

/** `rules` rules of 100 copies of `glob` each. */
const policyOf = (glob: string, rules: number) => ({
  rules: Array.from({ length: rules }, (_, i) => ({
    id: `r${i}`,
    match: { targets: Array.from({ length: 100 }, () => glob) },
    effect: "deny",
  })),
});
/** 256 KB of `*a?a?…a?b*`: legal by every size limit, ~10 ms of matching per decision. */
const SCANNING = policyOf(`*${"a?".repeat(15)}b*`, 71);

const versions = (tenantId: string) => db.policyVersion.count({ where: { tenantId } });
const events = (tenantId: string) => db.event.count({ where: { tenantId } });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  slow = await seedTenant(db, "slow", LIMITS);
  calm = await seedTenant(db, "calm", LIMITS);
  for (let i = 0; i < RECORDED; i++)
    await submitIntent(db, slow.keys.client.principal, intentBody({ target: TARGET }));
  // A version stored before the matching budget existed: written as applyPolicy wrote it then.
  await db.policyVersion.create({
    data: {
      tenantId: "slow",
      version: 2,
      document: SCANNING,
      hash: hashJson(nodeCrypto, SCANNING),
      createdBy: "platform-admin",
    },
  });
}, 180_000);
afterAll(async () => {
  await db.$disconnect();
});

describe("the matching budget where policies are accepted", () => {
  it("a draft over it is refused before anything runs, naming the rule that crosses it", async () => {
    expect(JSON.stringify(SCANNING).length).toBeLessThanOrEqual(256 * 1024);
    const before = { versions: await versions("slow"), events: await events("slow") };
    const error = await refusal(
      replayUnderPolicy(db, slow.keys.auditor.principal, "slow", { policy: SCANNING }),
    );
    expect(error.status).toBe(400);
    expect(error.message).toBe("candidate policy is over the matching budget");
    const [field] = error.details.fields!;
    expect(field!.path).toMatch(/^policy\.rules\[\d+\]$/);
    const rule = /\[(\d+)\]/.exec(field!.path)![1];
    expect(field!.message).toContain(`rule "r${rule}"`);
    expect(field!.message).toContain(String(MATCH_BUDGET));
    expect({ versions: await versions("slow"), events: await events("slow") }).toEqual(before);
  });

  it("saving it is refused the same way: no version, no event", async () => {
    const before = { versions: await versions("slow"), events: await events("slow") };
    const error = await refusal(applyPolicy(db, slow.keys.admin.principal, "slow", SCANNING));
    expect(error.status).toBe(400);
    expect(error.message).toBe("policy document is over the matching budget");
    expect(error.details.fields).toEqual([
      { path: expect.stringMatching(/^rules\[\d+\]$/), message: expect.stringContaining("budget") },
    ]);
    expect({ versions: await versions("slow"), events: await events("slow") }).toEqual(before);
  });

  it("a stored version over it cannot be made active again: it stays history, replayable, not live", async () => {
    const before = {
      active: (await db.tenant.findUniqueOrThrow({ where: { id: "slow" } })).activePolicyVersion,
      events: await events("slow"),
    };
    const error = await refusal(activatePolicyVersion(db, slow.keys.admin.principal, "slow", 2));
    expect(error.status).toBe(400);
    expect(error.message).toBe("policy version 2 is over the matching budget");
    expect(error.details.fields).toEqual([
      { path: expect.stringMatching(/^rules\[\d+\]$/), message: expect.stringContaining("budget") },
    ]);
    expect({
      active: (await db.tenant.findUniqueOrThrow({ where: { id: "slow" } })).activePolicyVersion,
      events: await events("slow"),
    }).toEqual(before);
  });

  it("the report's 252 KB `*??…Z*` draft is within it (matching is linear) and replays every decision", async () => {
    const issue = policyOf(`*${"?".repeat(150)}Z*`, 16);
    expect(JSON.stringify(issue).length).toBeGreaterThan(240 * 1024);
    const report = await replayUnderPolicy(db, slow.keys.auditor.principal, "slow", {
      policy: issue,
      limit: RECORDED,
    });
    // No target contains a Z: nothing matches any more, so every ALLOW becomes a no-match DENY.
    expect(report).toMatchObject({
      candidate: "draft",
      evaluated: RECORDED,
      changed: RECORDED,
      transitions: [{ from: "ALLOW", to: "DENY", count: RECORDED }],
    });
    expect(report.changes[0]!.after).toEqual({
      verdict: "DENY",
      reason: "POLICY_NO_MATCH",
      decidingRule: null,
      approval: null,
    });
    // Read in pages (250 rows each) newest first: every recorded decision once, in order.
    const recorded = await db.decision.findMany({
      where: { tenantId: "slow" },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true, createdAt: true },
    });
    expect(report.changes.map((c) => c.decisionId)).toEqual(recorded.map((d) => d.id));
    expect(report.range).toEqual({
      from: recorded.at(-1)!.createdAt.toISOString(),
      to: recorded[0]!.createdAt.toISOString(),
    });
  });
});

describe("a what-if replay runs beside the event loop, not on it", () => {
  it("another tenant's intents, submitted one after another while it evaluates a slow stored version, are all decided before it ends", async () => {
    let replayEnded = false;
    const replay = replayUnderPolicy(db, slow.keys.auditor.principal, "slow", {
      version: 2,
      limit: RECORDED,
    }).finally(() => {
      replayEnded = true;
    });
    const decidedDuringReplay: boolean[] = [];
    for (let i = 0; i < 20; i++) {
      const { status } = await submitIntent(db, calm.keys.client.principal, intentBody());
      expect(status).toBe(201);
      decidedDuringReplay.push(!replayEnded);
    }
    const report = await replay;
    expect(report).toMatchObject({ candidate: "version 2", evaluated: RECORDED });
    // On the main thread (the loop before the worker) the first 250 decisions alone held the event
    // loop for seconds, and these intents finished after the replay.
    expect(decidedDuringReplay).toEqual(Array.from({ length: 20 }, () => true));
  });

  it("one replay per tenant: a second one while it runs is a conflict, and nothing else changes", async () => {
    const request = { version: 2, limit: 50 };
    const [first, second] = await Promise.allSettled([
      replayUnderPolicy(db, slow.keys.auditor.principal, "slow", request),
      replayUnderPolicy(db, slow.keys.operator.principal, "slow", request),
    ]);
    const outcomes = [first, second].map((o) =>
      o.status === "fulfilled" ? "ran" : (o.reason as ServiceError).code,
    );
    expect(outcomes.sort()).toEqual(["CONFLICT", "ran"]);
    // The tenant is free again afterwards.
    const again = await replayUnderPolicy(db, slow.keys.auditor.principal, "slow", { version: 1, limit: 10 });
    expect(again).toMatchObject({ evaluated: 10, changed: 0 });
  });
});
