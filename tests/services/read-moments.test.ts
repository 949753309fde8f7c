import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { voteOnApproval } from "../../server/services/approvals/vote";
import { getDecisionDetail } from "../../server/services/decisions/detail";
import { decisionFilterSchema, listDecisions } from "../../server/services/decisions/list";
import { getExecution } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { reportCallerExecution, startCallerExecution } from "../../server/services/executions/caller";
import { setKillSwitch } from "../../server/services/kill-switches/kill-switches";
import { killSwitchOverview } from "../../server/services/kill-switches/overview";
import { tenantOverview } from "../../server/services/overview/overview";
import { applyPolicy, listPolicies } from "../../server/services/policies/versions";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody, seedTenant, type TenantFixture } from "../support/fixtures";

// Reads of several rows are of one moment: a read racing the commit that changes them sees all of
// that commit or none of it. Each read is repeated until one that began after the write settled.
let db: Db;
let url: string;
let tenant: TenantFixture;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  tenant = await seedTenant(db, "moments");
});
afterAll(async () => {
  await db?.$disconnect();
});

/** Runs `read` over and over until a read that began after `write` settled; then the write's outcome. */
async function readWhile<T>(write: Promise<T>, readers: number, read: () => Promise<void>): Promise<void> {
  let settled = false;
  const done = write.finally(() => (settled = true));
  const loop = async () => {
    for (let last = false; !last; ) {
      last = settled;
      await read();
    }
  };
  await Promise.all([done, ...Array.from({ length: readers }, loop)]);
}

/** A quorum-2 decision with one vote in, and its deciding vote committing now. */
async function decidingVoteUnderWay() {
  const { result } = await submitIntent(
    db,
    tenant.keys.client.principal,
    intentBody({ actionClass: "A2_hard" }),
  );
  await voteOnApproval(db, tenant.keys.operator.principal, result.approvalId!, { vote: "approve" });
  const vote = voteOnApproval(db, tenant.keys.operator2.principal, result.approvalId!, { vote: "approve" });
  return { result, vote };
}

describe("the decisions list while a vote commits", () => {
  it("never shows a decision APPROVED without its execution, or an execution without the approval", async () => {
    const torn: string[] = [];
    const filter = decisionFilterSchema.parse({ limit: 5 });
    for (let round = 0; round < 25; round++) {
      const { result, vote } = await decidingVoteUnderWay();
      await readWhile(vote, 3, async () => {
        const page = await listDecisions(db, tenant.keys.auditor.principal, tenant.id, filter);
        const row = page.rows.find((r) => r.id === result.decisionId);
        if (!row) torn.push(`round ${round}: the decision is missing from the first page`);
        else if ((row.approvalStatus === "APPROVED") !== (row.executionStatus !== null))
          torn.push(`round ${round}: ${row.approvalStatus} with execution ${row.executionStatus ?? "none"}`);
      });
    }
    expect(torn).toEqual([]);
  }, 120_000);
});

describe("an execution read while its caller starts and reports it", () => {
  it("its status and its chain events always agree", async () => {
    const torn: string[] = [];
    const client = tenant.keys.client.principal;
    const agree = async (round: number, id: string) => {
      const seen = await getExecution(db, tenant.keys.auditor.principal, id);
      const types = seen.events.map((e) => e.type);
      const started = types.includes("execution.caller_started");
      const reported = types.includes("execution.reported");
      const expected = reported ? "SUCCEEDED" : started ? "RUNNING" : "AWAITING_CALLER";
      if (seen.status !== expected)
        torn.push(`round ${round}: ${seen.status} with events ${types.join(", ")}`);
    };
    for (let round = 0; round < 15; round++) {
      const { result } = await submitIntent(db, client, intentBody({ execution: "caller" }));
      const id = result.executionId!;
      await readWhile(startCallerExecution(db, client, id), 3, () => agree(round, id));
      await readWhile(reportCallerExecution(db, client, id, { outcome: "succeeded" }), 3, () =>
        agree(round, id),
      );
    }
    expect(torn).toEqual([]);
  }, 120_000);
});

describe("the kill-switch page while a switch is engaged and released", () => {
  it("each switch's state agrees with its newest history entry", async () => {
    const torn: string[] = [];
    const operator = tenant.keys.operator.principal;
    const agree = async (round: number) => {
      const seen = await killSwitchOverview(db, tenant.keys.auditor.principal, tenant.id);
      const newest = seen.history.find((h) => h.switchId === `action:${tenant.id}:deploy.*`);
      const current = seen.switches.find((s) => s.id === `action:${tenant.id}:deploy.*`);
      if ((newest?.engaged ?? false) !== (current?.engaged ?? false))
        torn.push(
          `round ${round}: switch ${current?.engaged ?? "absent"}, its newest history ${newest?.engaged}`,
        );
    };
    for (let round = 0; round < 20; round++) {
      const engaged = round % 2 === 0;
      const change = setKillSwitch(db, operator, {
        scope: "action",
        action: "deploy.*",
        engaged,
        reason: "drill",
      });
      await readWhile(change, 3, () => agree(round));
    }
    expect(torn).toEqual([]);
  }, 120_000);
});

describe("the policy versions while a new version is applied", () => {
  it("the version marked active is the tenant's active one, and without four eyes every newer one is active", async () => {
    const torn: string[] = [];
    const own = await seedTenant(db, "moments-policies");
    const agree = async (round: number) => {
      const seen = await listPolicies(db, own.keys.auditor.principal, own.id);
      const newest = seen.versions[0]!;
      if (!newest.active || newest.version !== seen.activeVersion)
        torn.push(
          `round ${round}: active ${seen.activeVersion}, newest v${newest.version} active: ${newest.active}`,
        );
    };
    for (let round = 0; round < 20; round++) {
      const apply = applyPolicy(db, PLATFORM_ADMIN, own.id, DEMO_POLICY, { note: `round ${round}` });
      await readWhile(apply, 3, () => agree(round));
    }
    expect(torn).toEqual([]);
  }, 120_000);
});

describe("the overview while an execution fails", () => {
  it("the failed-executions count and the recent failures listed beside it agree", async () => {
    const torn: string[] = [];
    const own = await seedTenant(db, "moments-overview");
    const client = own.keys.client.principal;
    for (let round = 0; round < 15; round++) {
      const { result } = await submitIntent(db, client, intentBody({ execution: "caller" }));
      const id = result.executionId!;
      await startCallerExecution(db, client, id);
      await readWhile(reportCallerExecution(db, client, id, { outcome: "failed" }), 3, async () => {
        const seen = await tenantOverview(db, own.keys.auditor.principal, own.id);
        const listed = seen.failedExecutions.recent.some((e) => e.id === id);
        // Every failure of this tenant is recent: each listed one is counted, and the count is round or round + 1.
        const expected = listed ? round + 1 : round;
        if (seen.failedExecutions.count !== expected)
          torn.push(
            `round ${round}: count ${seen.failedExecutions.count}, the new failure listed: ${listed}`,
          );
      });
    }
    expect(torn).toEqual([]);
  }, 120_000);
});

describe("a snapshot read on a busy pool", () => {
  it("waits for a connection as a plain read does, instead of failing 503 after 15 s", async () => {
    // Reviewer: with the use cases' transaction options a snapshot read gave up after 15 s waiting
    // for a pooled connection, where a plain read waits; a caller's start or report, already
    // committed, then answered 503 "nothing was written".
    const { result } = await submitIntent(db, tenant.keys.client.principal, intentBody());
    const small = createDb(url, 1);
    try {
      const held = await small.pool.connect();
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          held.release();
          resolve();
        }, 16_000),
      );
      const started = Date.now();
      const outcome = await getExecution(small, tenant.keys.auditor.principal, result.executionId!).then(
        (seen) => seen.id,
        (error: Error) => `failed after ${Date.now() - started} ms: ${error.message}`,
      );
      const waited = Date.now() - started;
      await released;
      expect(outcome).toBe(result.executionId);
      expect(waited).toBeGreaterThanOrEqual(15_900);
    } finally {
      await small.$disconnect();
    }
  }, 60_000);
});

describe("a decision's page while the deciding vote commits", () => {
  it("never shows the approval pending and the vote closed", async () => {
    const torn: string[] = [];
    for (let round = 0; round < 20; round++) {
      const { result, vote } = await decidingVoteUnderWay();
      await readWhile(vote, 3, async () => {
        // An auditor may not vote: "AUDITOR" while it is pending, nothing once it is decided.
        const seen = await getDecisionDetail(db, tenant.keys.auditor.principal, tenant.id, result.decisionId);
        const expected = seen.approval?.status === "PENDING" ? "AUDITOR" : null;
        if (seen.voteUnavailable !== expected)
          torn.push(`round ${round}: ${seen.approval?.status}, vote unavailable: ${seen.voteUnavailable}`);
      });
    }
    expect(torn).toEqual([]);
  }, 120_000);
});
