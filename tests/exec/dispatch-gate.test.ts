import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { startWorker } from "../../server/exec/worker";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { voteOnApproval } from "../../server/services/approvals/vote";
import { verifyChain } from "../../server/services/chain/verify";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { setExecutorConfig } from "../../server/services/executors/executors";
import { setKillSwitch } from "../../server/services/kill-switches/kill-switches";
import { updateTenant } from "../../server/services/tenants/tenants";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { until } from "../support/wait";

// What must still hold when an allowed action is about to run: kill switches, the intent's
// deadline, the tenant's status and an executor route — re-checked at claim time and right before
// each attempt is sent, against a real PostgreSQL and a real HTTP receiver.
let db: Db;
let url: string;
let receiver: Receiver;
let tenant: TenantFixture;

const execution = (id: string) => db.execution.findUniqueOrThrow({ where: { id } });
const eventsOf = (id: string) => db.event.findMany({ where: { subjectId: id }, orderBy: { seq: "asc" } });

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = RECEIVER_NETWORK; // the receiver is on loopback
  receiver = await startReceiver();
  tenant = await seedTenant(db, "gate");
  await setExecutorConfig(db, PLATFORM_ADMIN, "gate", {
    routes: [{ type: "webhook", actions: ["host.*"], url: receiver.url, timeoutMs: 2000 }],
  });
});

afterAll(async () => {
  await receiver?.close();
  await db?.$disconnect();
});

describe("a kill switch engaged before an attempt is sent stops that attempt", () => {
  it("engaged while the claim is in flight: nothing is sent after the engage commits", async () => {
    const { result } = await submitIntent(db, tenant.keys.client.principal, intentBody());
    const executionId = result.executionId!;
    // Hold the tenant's chain head: the claim reads the switches, then waits here to append its
    // events — so the switch below commits after the claim read them and before anything is sent.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query(`SELECT seq FROM "ChainHead" WHERE "tenantId" = 'gate' FOR UPDATE`);
    const worker = startWorker({ pool: db.pool, pollMs: 10, concurrency: 1 });
    try {
      // The claim waits on the chain head.
      await until(
        async () =>
          (
            await holder.query(
              `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`,
            )
          ).rows[0].n as number,
        (waiting) => waiting > 0,
      );
      await setKillSwitch(db, PLATFORM_ADMIN, { scope: "global", engaged: true, reason: "incident 77" });
      await holder.query("COMMIT");
      await until(
        () => execution(executionId),
        (e) => e.status === "BLOCKED",
      );
    } finally {
      await holder.end();
      await worker.stop();
      await setKillSwitch(db, PLATFORM_ADMIN, { scope: "global", engaged: false, reason: "over" });
    }
    expect(receiver.requests.filter((r) => r.key === executionId)).toEqual([]);
    const blocked = (await eventsOf(executionId)).find((e) => e.type === "execution.blocked");
    expect(blocked?.payload).toMatchObject({
      attempt: 1,
      reason: "KILL_SWITCH_GLOBAL",
      killSwitch: "global",
      failureClass: "BLOCKED",
    });
    expect((await execution(executionId)).failureClass).toBe("BLOCKED");
    expect((await verifyChain(db, "gate")).ok).toBe(true);
  });

  // The built-in record executor acts inside the claim's transaction: it must see a switch or a
  // suspension that committed while the claim waited for the tenant's chain head (review of issue 13).
  const waitingOnLocks = async (holder: pg.Client) =>
    (
      await holder.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')`,
      )
    ).rows[0].n as number;

  it.each([
    ["a global switch", "global" as const, "KILL_SWITCH_GLOBAL"],
    ["a tenant switch", "tenant" as const, "KILL_SWITCH_TENANT"],
  ])(
    "record executor: %s engaged while the claim waits for the head is seen: BLOCKED, nothing recorded",
    async (_label, scope, reason) => {
      const recordTenant = await seedTenant(db, `rec-${scope}`); // no executor configuration: record
      const { result } = await submitIntent(db, recordTenant.keys.client.principal, intentBody());
      const executionId = result.executionId!;
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      await holder.query("BEGIN");
      await holder.query(`SELECT seq FROM "ChainHead" WHERE "tenantId" = $1 FOR UPDATE`, [recordTenant.id]);
      const switchOf = scope === "global" ? { scope } : { scope, tenantId: recordTenant.id };
      const engageSwitch = () =>
        setKillSwitch(db, PLATFORM_ADMIN, { ...switchOf, engaged: true, reason: "incident 78" });
      // A tenant switch appends to the held chain: it queues there first, then the claim does, so it
      // commits first once the head is free. A global switch appends to the platform's chain: it
      // commits while the claim waits.
      const tenantEngage = scope === "tenant" ? engageSwitch() : null;
      if (tenantEngage)
        await until(
          () => waitingOnLocks(holder),
          (n) => n >= 1,
        );
      const worker = startWorker({ pool: db.pool, pollMs: 10, concurrency: 1 });
      try {
        await until(
          () => waitingOnLocks(holder),
          (n) => n >= (tenantEngage ? 2 : 1),
        );
        if (!tenantEngage) await engageSwitch();
        await holder.query("COMMIT");
        await tenantEngage;
        await until(
          () => execution(executionId),
          (e) => e.status !== "QUEUED" && e.status !== "RUNNING",
        );
      } finally {
        await holder.end();
        await worker.stop();
        await setKillSwitch(db, PLATFORM_ADMIN, { ...switchOf, engaged: false, reason: "over" });
      }
      expect((await execution(executionId)).status).toBe("BLOCKED");
      expect(await db.recordedCall.count({ where: { executionId } })).toBe(0);
      const blocked = (await eventsOf(executionId)).find((e) => e.type === "execution.blocked");
      expect(blocked?.payload).toMatchObject({ attempt: 1, reason, failureClass: "BLOCKED" });
      expect((await verifyChain(db, recordTenant.id)).ok).toBe(true);
    },
  );

  it("an approval completed under an action switch answers BLOCKED and names the switch", async () => {
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      intentBody({ action: "host.quarantine", actionClass: "A2_hard" }),
    );
    await setKillSwitch(db, PLATFORM_ADMIN, {
      scope: "action",
      tenantId: "gate",
      action: "host.quar*",
      engaged: true,
      reason: "no quarantines today",
    });
    try {
      await voteOnApproval(db, tenant.keys.operator.principal, result.approvalId!, { vote: "approve" });
      const answer = await voteOnApproval(db, tenant.keys.operator2.principal, result.approvalId!, {
        vote: "approve",
      });
      expect(answer).toMatchObject({
        status: "APPROVED",
        executionStatus: "BLOCKED",
        blockedBy: "action:gate:host.quar*",
      });
    } finally {
      await setKillSwitch(db, PLATFORM_ADMIN, {
        scope: "action",
        tenantId: "gate",
        action: "host.quar*",
        engaged: false,
        reason: "over",
      });
    }
  });
});

describe("time and status still hold at dispatch", () => {
  it("an execution whose intent's deadline has passed ends BLOCKED INTENT_EXPIRED, never sent", async () => {
    const requestedAt = new Date(Date.now() - 5_000).toISOString();
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      intentBody({ requestedAt, ttlSeconds: 6 }),
    );
    expect(result.verdict).toBe("ALLOW");
    // Due only after its deadline: as if the queue had been too long.
    await db.execution.update({
      where: { id: result.executionId! },
      data: { nextAttemptAt: new Date(Date.now() + 1500) },
    });
    const worker = startWorker({ pool: db.pool, pollMs: 10 });
    try {
      await until(
        () => execution(result.executionId!),
        (e) => e.status === "BLOCKED",
      );
    } finally {
      await worker.stop();
    }
    expect(receiver.requests.filter((r) => r.key === result.executionId)).toEqual([]);
    const blocked = (await eventsOf(result.executionId!)).find((e) => e.type === "execution.blocked");
    expect(blocked?.payload).toMatchObject({ reason: "INTENT_EXPIRED", failureClass: "BLOCKED" });
  });

  it("a suspended tenant's queued execution ends BLOCKED TENANT_SUSPENDED, never sent", async () => {
    const other = await seedTenant(db, "gate-suspended");
    const { result } = await submitIntent(db, other.keys.client.principal, intentBody());
    await updateTenant(db, PLATFORM_ADMIN, "gate-suspended", { status: "suspended" });
    const worker = startWorker({ pool: db.pool, pollMs: 10 });
    try {
      await until(
        () => execution(result.executionId!),
        (e) => e.status === "BLOCKED",
      );
    } finally {
      await worker.stop();
    }
    const blocked = (await eventsOf(result.executionId!)).find((e) => e.type === "execution.blocked");
    expect(blocked?.payload).toMatchObject({ reason: "TENANT_SUSPENDED", failureClass: "BLOCKED" });
    expect(await db.recordedCall.count({ where: { executionId: result.executionId! } })).toBe(0);
  });
});

describe("unrouted actions do not pretend to succeed", () => {
  it("once a tenant has routes, an action none matches fails INVALID and nothing is recorded", async () => {
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      intentBody({ action: "user.disable", target: "svc-backup" }),
    );
    const worker = startWorker({ pool: db.pool, pollMs: 10 });
    try {
      await until(
        () => execution(result.executionId!),
        (e) => e.status === "FAILED",
      );
    } finally {
      await worker.stop();
    }
    expect((await execution(result.executionId!)).failureClass).toBe("INVALID");
    const attempted = (await eventsOf(result.executionId!)).find((e) => e.type === "execution.attempted");
    expect(attempted?.payload).toMatchObject({
      class: "INVALID",
      error: "no executor route for action user.disable",
    });
    expect(await db.recordedCall.count({ where: { executionId: result.executionId! } })).toBe(0);
  });

  it("a route that sends actions to record explicitly still records them", async () => {
    const explicit = await seedTenant(db, "gate-record");
    await setExecutorConfig(db, PLATFORM_ADMIN, "gate-record", {
      routes: [
        { type: "webhook", actions: ["host.*"], url: receiver.url, timeoutMs: 2000 },
        { type: "record", actions: ["user.*"] },
      ],
    });
    const { result } = await submitIntent(
      db,
      explicit.keys.client.principal,
      intentBody({ action: "user.disable", target: "svc-backup" }),
    );
    const worker = startWorker({ pool: db.pool, pollMs: 10 });
    try {
      await until(
        () => execution(result.executionId!),
        (e) => e.status === "SUCCEEDED",
      );
    } finally {
      await worker.stop();
    }
    expect(await db.recordedCall.count({ where: { executionId: result.executionId! } })).toBe(1);
  });
});
