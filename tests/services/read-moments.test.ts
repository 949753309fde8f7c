import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { voteOnApproval } from "../../server/services/approvals/vote";
import { decisionFilterSchema, listDecisions } from "../../server/services/decisions/list";
import { getExecution } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { reportCallerExecution, startCallerExecution } from "../../server/services/executions/caller";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";

// Reads of several rows are of one moment: a read racing the commit that changes them sees all of
// that commit or none of it. Each read is repeated until one that began after the write settled.
let db: Db;
let tenant: TenantFixture;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
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

describe("the decisions list while a vote commits", () => {
  it("never shows a decision APPROVED without its execution, or an execution without the approval", async () => {
    const torn: string[] = [];
    const filter = decisionFilterSchema.parse({ limit: 5 });
    for (let round = 0; round < 25; round++) {
      const { result } = await submitIntent(
        db,
        tenant.keys.client.principal,
        intentBody({ actionClass: "A2_hard" }),
      );
      await voteOnApproval(db, tenant.keys.operator.principal, result.approvalId!, { vote: "approve" });
      const vote = voteOnApproval(db, tenant.keys.operator2.principal, result.approvalId!, {
        vote: "approve",
      });
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
    for (let round = 0; round < 25; round++) {
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
