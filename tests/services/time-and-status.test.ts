import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { startWorker } from "../../server/exec/worker";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { voteOnApproval } from "../../server/services/approvals/vote";
import { getDecision } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { createApiKey } from "../../server/services/keys/api-keys";
import { setKillSwitch } from "../../server/services/kill-switches/kill-switches";
import { applyPolicy } from "../../server/services/policies/versions";
import type { ServiceError } from "../../server/services/shared/errors";
import { updateTenant } from "../../server/services/tenants/tenants";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { until } from "../support/wait";

// Time and status still hold after the decision: an approval closes at the intent's deadline, a
// far-future requestedAt is refused, lapsed approvals are swept, and a suspended tenant's keys
// may read but not write.
let db: Db;
let tenant: TenantFixture;

const refusal = async (work: Promise<unknown>) => {
  const error = (await work.then(
    () => null,
    (e: unknown) => e,
  )) as ServiceError | null;
  return error ? [error.status, error.details.reason ?? error.code] : "accepted";
};
const hard = (overrides: Record<string, unknown> = {}) =>
  intentBody({ action: "host.quarantine", actionClass: "A2_hard", ...overrides });

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "clock");
});

afterAll(async () => {
  await db?.$disconnect();
});

describe("expiry", () => {
  it("a vote after the intent's deadline is refused 409, and the approval is EXPIRED with its chain event", async () => {
    const requestedAt = new Date();
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      hard({ requestedAt: requestedAt.toISOString(), ttlSeconds: 2 }),
      { now: requestedAt },
    );
    expect(result.verdict).toBe("REQUIRE_APPROVAL");
    const late = new Date(requestedAt.getTime() + 3000);
    const [status] = (await refusal(
      voteOnApproval(db, tenant.keys.operator.principal, result.approvalId!, { vote: "approve" }, late),
    )) as [number, string];
    expect(status).toBe(409);
    const approval = await db.approval.findUniqueOrThrow({ where: { id: result.approvalId! } });
    expect(approval.status).toBe("EXPIRED");
    expect(approval.expiresAt.getTime()).toBe(requestedAt.getTime() + 2000);
    const resolved = await db.event.findFirst({
      where: { subjectId: result.approvalId!, type: "approval.resolved" },
    });
    expect(resolved?.payload).toEqual({ status: "EXPIRED" });
    expect(await db.execution.count({ where: { decisionId: result.decisionId } })).toBe(0);
  });

  it("a requestedAt more than 5 minutes ahead of the server's clock is a 400 naming the field; nothing is written", async () => {
    const before = await db.intent.count();
    const error = await submitIntent(
      db,
      tenant.keys.client.principal,
      hard({ requestedAt: "2999-01-01T00:00:00Z" }),
    ).catch((e: ServiceError) => e);
    expect((error as ServiceError).status).toBe(400);
    expect((error as ServiceError).details.fields?.[0]?.path).toBe("requestedAt");
    expect(await db.intent.count()).toBe(before);
    // Within the allowed skew it is accepted.
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await submitIntent(db, tenant.keys.client.principal, hard({ requestedAt: soon }))).status).toBe(
      201,
    );
  });

  it("the sweeper marks a lapsed approval EXPIRED within seconds, without a vote", async () => {
    const requestedAt = new Date(Date.now() - 599_000).toISOString();
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      hard({ requestedAt, ttlSeconds: 600 }),
    );
    expect(result.verdict).toBe("REQUIRE_APPROVAL");
    const worker = startWorker({ pool: db.pool, pollMs: 50, sweepMs: 100 });
    try {
      await until(
        () => db.approval.findUniqueOrThrow({ where: { id: result.approvalId! } }),
        (a) => a.status === "EXPIRED",
        15_000,
      );
    } finally {
      await worker.stop();
    }
    const seen = await getDecision(db, tenant.keys.auditor.principal, result.decisionId);
    expect(seen.approval?.status).toBe("EXPIRED");
    expect(
      await db.event.count({ where: { subjectId: result.approvalId!, type: "approval.resolved" } }),
    ).toBe(1);
  });
});

describe("a suspended tenant's keys may read, but not submit, vote or change anything", () => {
  it("403 TENANT_SUSPENDED for every write, reads still work, nothing is written", async () => {
    const t = await seedTenant(db, "clock-suspended");
    const { result } = await submitIntent(db, t.keys.client.principal, hard());
    await updateTenant(db, PLATFORM_ADMIN, "clock-suspended", { status: "suspended" });
    const events = await db.event.count({ where: { tenantId: "clock-suspended" } });
    const suspended = [403, "TENANT_SUSPENDED"];
    expect(await refusal(submitIntent(db, t.keys.client.principal, hard()))).toEqual(suspended);
    expect(
      await refusal(voteOnApproval(db, t.keys.operator.principal, result.approvalId!, { vote: "approve" })),
    ).toEqual(suspended);
    expect(
      await refusal(
        createApiKey(db, t.keys.admin.principal, "clock-suspended", { role: "client", name: "x" }),
      ),
    ).toEqual(suspended);
    expect(await refusal(applyPolicy(db, t.keys.admin.principal, "clock-suspended", DEMO_POLICY))).toEqual(
      suspended,
    );
    expect(
      await refusal(
        setKillSwitch(db, t.keys.operator.principal, {
          scope: "tenant",
          tenantId: "clock-suspended",
          engaged: true,
          reason: "x",
        }),
      ),
    ).toEqual(suspended);
    expect(
      await refusal(updateTenant(db, t.keys.admin.principal, "clock-suspended", { name: "New" })),
    ).toEqual(suspended);
    expect(await db.event.count({ where: { tenantId: "clock-suspended" } })).toBe(events);
    // Reads still work, and the platform admin can bring the tenant back.
    expect((await getDecision(db, t.keys.auditor.principal, result.decisionId)).decisionId).toBe(
      result.decisionId,
    );
    await updateTenant(db, PLATFORM_ADMIN, "clock-suspended", { status: "active" });
    expect((await submitIntent(db, t.keys.client.principal, hard())).status).toBe(201);
  });
});
