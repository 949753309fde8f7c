import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RETRY, retryDelayMs } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { startWorker, type Worker } from "../../server/exec/worker";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { verifyChain } from "../../server/services/chain/verify";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { setExecutorConfig } from "../../server/services/executors/executors";
import { setKillSwitch } from "../../server/services/kill-switches/kill-switches";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { sleep, until } from "../support/wait";

/** The dispatcher against a real PostgreSQL and a real HTTP receiver, in process. */
let db: Db;
let receiver: Receiver;
let hooks: TenantFixture;
const RETRY = { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 200 };

const execution = (id: string) => db.execution.findUniqueOrThrow({ where: { id } });
const attemptEvents = async (id: string) =>
  (
    await db.event.findMany({
      where: { subjectId: id, type: "execution.attempted" },
      orderBy: { seq: "asc" },
    })
  ).map((e) => e.payload as Record<string, unknown>);

async function allowed(tenant: TenantFixture, n = 1): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await submitIntent(db, tenant.keys.client.principal, intentBody())).result.executionId!);
  return ids;
}

async function withWorker<T>(
  work: (worker: Worker) => Promise<T>,
  options: Partial<Parameters<typeof startWorker>[0]> = {},
): Promise<T> {
  const worker = startWorker({ pool: db.pool, retry: RETRY, pollMs: 20, leaseMs: 5_000, ...options });
  try {
    return await work(worker);
  } finally {
    await worker.stop();
  }
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = RECEIVER_NETWORK; // the receiver is on loopback
  receiver = await startReceiver();
  hooks = await seedTenant(db, "hooks");
  await setExecutorConfig(db, PLATFORM_ADMIN, "hooks", {
    routes: [
      {
        type: "webhook",
        actions: ["host.*"],
        url: receiver.url,
        timeoutMs: 300,
        secret: "s3cret-s3cret-s3cret",
      },
    ],
  });
});

afterAll(async () => {
  await receiver?.close();
  await db?.$disconnect();
});

describe("webhook executor: failure classes, attempts and delays exactly as specified", () => {
  it("500, 429, 408, slow → retried with the core's delays, then 200 → SUCCEEDED after 5 attempts, one key throughout", async () => {
    const [id] = await allowed(hooks);
    receiver.script(id!, [
      { status: 500 },
      { status: 429 },
      { status: 408 },
      { status: 200, delayMs: 600 },
      { status: 200 },
    ]);
    await withWorker(() =>
      until(
        () => execution(id!),
        (e) => e.status === "SUCCEEDED",
      ),
    );
    const attempts = await attemptEvents(id!);
    expect(attempts.map((a) => [a.attempt, a.class])).toEqual([
      [1, "TRANSIENT"],
      [2, "TRANSIENT"],
      [3, "TRANSIENT"],
      [4, "TRANSIENT"],
      [5, "SUCCESS"],
    ]);
    expect(attempts.slice(0, 4).map((a) => a.delayMs)).toEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(nodeCrypto, id!, n, RETRY)),
    );
    expect(attempts.map((a) => a.status ?? a.error)).toEqual([500, 429, 408, "no answer within 300 ms", 200]);
    expect((await execution(id!)).attempts).toBe(5);
    const mine = receiver.requests.filter((r) => r.body.executionId === id);
    expect(mine.map((r) => r.key)).toEqual(Array(5).fill(id));
    expect(mine.every((r) => /^sha256=[0-9a-f]{64}$/.test(r.signature ?? ""))).toBe(true);
    expect(receiver.applied.get(id!)).toBe(1);
  });

  it("400 → FAILED PERMANENT after one attempt", async () => {
    const [id] = await allowed(hooks);
    receiver.script(id!, [{ status: 400 }]);
    await withWorker(() =>
      until(
        () => execution(id!),
        (e) => e.status === "FAILED",
      ),
    );
    expect(await execution(id!)).toMatchObject({ status: "FAILED", failureClass: "PERMANENT", attempts: 1 });
    expect((await attemptEvents(id!)).map((a) => a.class)).toEqual(["PERMANENT"]);
  });

  it("connection refused every time → 5 attempts, then FAILED EXHAUSTED; every attempt an event", async () => {
    const closed = await startReceiver();
    const deadUrl = closed.url;
    await closed.close();
    const dead = await seedTenant(db, "dead-hook");
    await setExecutorConfig(db, PLATFORM_ADMIN, "dead-hook", {
      routes: [{ type: "webhook", actions: ["*"], url: deadUrl, timeoutMs: 300 }],
    });
    const [id] = await allowed(dead);
    await withWorker(() =>
      until(
        () => execution(id!),
        (e) => e.status === "FAILED",
      ),
    );
    expect(await execution(id!)).toMatchObject({ failureClass: "EXHAUSTED", attempts: 5 });
    const attempts = await attemptEvents(id!);
    expect(attempts.map((a) => [a.class, a.error])).toEqual(Array(5).fill(["TRANSIENT", "ECONNREFUSED"]));
    expect(attempts.slice(0, 4).map((a) => a.delayMs)).toEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(nodeCrypto, id!, n, RETRY)),
    );
    const failed = await db.event.findFirstOrThrow({ where: { subjectId: id!, type: "execution.failed" } });
    expect(failed.payload).toMatchObject({ failureClass: "EXHAUSTED", attempt: 5 });
  });

  it("the default schedule is DESIGN.md's: 5 attempts, exponential from 200 ms, capped at 5 s", () => {
    expect(DEFAULT_RETRY).toEqual({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5000 });
  });
});

describe("safety at dispatch time", () => {
  it("a kill switch engaged while 100 executions are queued: none dispatched, all BLOCKED; release does not resurrect them", async () => {
    const queued = await seedTenant(db, "queued");
    await setExecutorConfig(db, PLATFORM_ADMIN, "queued", {
      routes: [{ type: "webhook", actions: ["*"], url: receiver.url, timeoutMs: 300 }],
    });
    const ids = await allowed(queued, 100);
    await setKillSwitch(db, queued.keys.operator.principal, {
      scope: "tenant",
      engaged: true,
      reason: "stop everything",
    });
    const before = receiver.requests.length;
    await withWorker(() =>
      until(
        () => db.execution.count({ where: { tenantId: "queued", status: "BLOCKED" } }),
        (n) => n === 100,
      ),
    );
    expect(receiver.requests.length).toBe(before);
    await setKillSwitch(db, queued.keys.operator.principal, {
      scope: "tenant",
      engaged: false,
      reason: "resolved",
    });
    await withWorker(() => sleep(300));
    const states = await db.execution.groupBy({ by: ["status"], where: { id: { in: ids } }, _count: true });
    expect(states).toEqual([{ status: "BLOCKED", _count: 100 }]);
    expect(receiver.requests.length).toBe(before);
    expect(await verifyChain(db, "queued")).toMatchObject({ ok: true });
  });

  it("two workers on one queue of 500 executions: each runs exactly once", async () => {
    const busy = await seedTenant(db, "busy", { ratePerSecond: 100_000, burst: 100_000 });
    const ids = await allowed(busy, 500);
    const workers = [
      startWorker({ pool: db.pool, retry: RETRY, pollMs: 10, concurrency: 8 }),
      startWorker({ pool: db.pool, retry: RETRY, pollMs: 10, concurrency: 8 }),
    ];
    try {
      await until(
        () => db.execution.count({ where: { tenantId: "busy", status: "SUCCEEDED" } }),
        (n) => n === 500,
        60_000,
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    expect(workers.every((w) => w.attempts() > 0)).toBe(true);
    expect(workers[0]!.attempts() + workers[1]!.attempts()).toBe(500);
    expect(await db.recordedCall.count({ where: { tenantId: "busy" } })).toBe(500);
    expect(await db.execution.count({ where: { id: { in: ids }, attempts: 1 } })).toBe(500);
    expect(await db.event.count({ where: { tenantId: "busy", type: "execution.started" } })).toBe(500);
    expect(await verifyChain(db, "busy")).toMatchObject({ ok: true });
  });
});

describe("executor configuration", () => {
  it("a stored configuration that no longer validates fails the attempt INVALID, without calling anything", async () => {
    const broken = await seedTenant(db, "broken-config");
    const [id] = await allowed(broken);
    await db.tenant.update({
      where: { id: "broken-config" },
      data: { executorConfig: { routes: [{ type: "ftp", actions: ["*"] }] } },
    });
    const before = receiver.requests.length;
    await withWorker(() =>
      until(
        () => execution(id!),
        (e) => e.status === "FAILED",
      ),
    );
    expect(await execution(id!)).toMatchObject({ failureClass: "INVALID", attempts: 1 });
    expect(receiver.requests.length).toBe(before);
  });

  it("a tenant without configuration uses the built-in record executor, which stores the call once", async () => {
    const plain = await seedTenant(db, "plain");
    const [id] = await allowed(plain);
    await withWorker(() =>
      until(
        () => execution(id!),
        (e) => e.status === "SUCCEEDED",
      ),
    );
    const call = await db.recordedCall.findUniqueOrThrow({ where: { executionId: id! } });
    expect(call).toMatchObject({ tenantId: "plain", action: "host.isolate", target: "web-7" });
    expect((await attemptEvents(id!))[0]).toMatchObject({
      class: "SUCCESS",
      recorded: true,
      duplicate: false,
    });
  });

  it("record attempts are claimed, recorded and finished in one commit: 40 executions, one transaction, never RUNNING", async () => {
    const batch = await seedTenant(db, "record-batch");
    const ids = await allowed(batch, 40);
    const { claimExecutions } = await import("../../server/exec/claim");
    const outcome = await claimExecutions(
      { pool: db.pool, workerId: "one-commit", leaseMs: 5_000, retry: RETRY, clock: () => new Date() },
      64,
    );
    expect(outcome.dispatch).toEqual([]);
    expect(outcome.recorded.map((r) => [r.job.id, r.result.outcome])).toEqual(
      ids.map((id) => [id, { kind: "http", status: 200 }]),
    );
    // One transaction wrote them all: every row it wrote carries its id (xmin).
    const writers = await db.pool.query(
      `SELECT xmin::text AS tx FROM "Execution" WHERE id = ANY($1)
       UNION SELECT xmin::text FROM "RecordedCall" WHERE "executionId" = ANY($1)
       UNION SELECT xmin::text FROM "Event" WHERE "subjectId" = ANY($1) AND type <> 'execution.queued'`,
      [ids],
    );
    expect(writers.rows).toHaveLength(1);
    const rows = await db.execution.findMany({ where: { id: { in: ids } } });
    expect(rows.map((r) => [r.status, r.attempts, r.leaseOwner])).toEqual(
      ids.map(() => ["SUCCEEDED", 1, null]),
    );
    expect(await db.recordedCall.count({ where: { executionId: { in: ids } } })).toBe(40);
    // Each execution's story in order (started, attempted, succeeded), and the chain still verifies.
    for (const id of ids.slice(0, 5)) {
      const events = await db.event.findMany({ where: { subjectId: id }, orderBy: { seq: "asc" } });
      expect(events.map((e) => e.type)).toEqual([
        "execution.queued",
        "execution.started",
        "execution.attempted",
        "execution.succeeded",
      ]);
    }
    expect(await verifyChain(db, "record-batch")).toMatchObject({ ok: true });
    const head = await db.chainHead.findUniqueOrThrow({ where: { tenantId: "record-batch" } });
    expect(head.pending).toBe(0);
  });

  it("a call stored before (an attempt of an older version that never finished) is not stored again: the attempt says duplicate", async () => {
    const again = await seedTenant(db, "record-again");
    const [first, second] = await allowed(again, 2);
    // The first execution's call is in the table already, as an earlier attempt left it.
    await db.recordedCall.create({
      data: {
        executionId: first!,
        tenantId: "record-again",
        action: "host.isolate",
        target: "web-7",
        request: { earlier: true },
      },
    });
    const { claimExecutions } = await import("../../server/exec/claim");
    const outcome = await claimExecutions(
      { pool: db.pool, workerId: "again", leaseMs: 5_000, retry: RETRY, clock: () => new Date() },
      64,
    );
    expect(outcome.recorded.map((r) => [r.job.id, r.result.detail])).toEqual([
      [first, { recorded: true, duplicate: true }],
      [second, { recorded: true, duplicate: false }],
    ]);
    expect((await attemptEvents(first!))[0]).toMatchObject({ class: "SUCCESS", duplicate: true });
    expect((await attemptEvents(second!))[0]).toMatchObject({ class: "SUCCESS", duplicate: false });
    // Stored once each: the earlier row is kept as it was.
    const calls = await db.recordedCall.findMany({
      where: { tenantId: "record-again" },
      orderBy: { executionId: "asc" },
    });
    expect(calls).toHaveLength(2);
    expect(calls.find((c) => c.executionId === first)!.request).toEqual({ earlier: true });
    expect((await execution(first!)).status).toBe("SUCCEEDED");
    expect(await verifyChain(db, "record-again")).toMatchObject({ ok: true });
  });
});

describe("leases", () => {
  it("are renewed while a long attempt runs, so a slow downstream is not mistaken for a dead worker", async () => {
    const slow = await seedTenant(db, "slow-hook");
    await setExecutorConfig(db, PLATFORM_ADMIN, "slow-hook", {
      routes: [{ type: "webhook", actions: ["*"], url: receiver.url, timeoutMs: 5000 }],
    });
    const [id] = await allowed(slow);
    receiver.script(id!, [{ status: 200, delayMs: 1500 }]);
    const other = startWorker({ pool: db.pool, retry: RETRY, pollMs: 20, leaseMs: 400 });
    try {
      await withWorker(
        () =>
          until(
            () => execution(id!),
            (e) => e.status === "SUCCEEDED",
          ),
        { leaseMs: 400 },
      );
    } finally {
      await other.stop();
    }
    expect((await execution(id!)).attempts).toBe(1);
    expect(receiver.requests.filter((r) => r.body.executionId === id)).toHaveLength(1);
  });
});
