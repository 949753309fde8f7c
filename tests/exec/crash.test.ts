import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { verifyChain } from "../../server/services/chain/verify";
import { getExecution } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { setExecutorConfig } from "../../server/services/executors/executors";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { until } from "../support/wait";

/**
 * Crash consistency with real processes: `exoarmur worker` as a child, SIGKILLed at the worst
 * moments; a second worker must finish the job with the same Idempotency-Key, and the
 * deduplicating receiver must apply the effect exactly once.
 */
let db: Db;
let url: string;
let receiver: Receiver;
let tenant: TenantFixture;
const children: ChildProcess[] = [];

function worker(): ChildProcess {
  const child = spawn(
    process.execPath,
    ["bin/exoarmur.mjs", "worker", "--database-url", url, "--lease-ms", "1500", "--poll-ms", "50"],
    {
      env: { ...process.env, EXOARMUR_RETRY_INITIAL_MS: "20", EXOARMUR_RETRY_MAX_MS: "100" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  return child;
}

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  url = database.url;
  process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = RECEIVER_NETWORK; // the receiver is on loopback
  receiver = await startReceiver();
  tenant = await seedTenant(db, "crashy");
  await setExecutorConfig(db, PLATFORM_ADMIN, "crashy", {
    routes: [{ type: "webhook", actions: ["*"], url: receiver.url, timeoutMs: 5000 }],
  });
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await receiver?.close();
  await db?.$disconnect();
});

describe("a worker SIGKILLed mid-attempt", () => {
  it("while the receiver holds the request open: the lease expires, a new worker retries with the same key, the effect happens once", async () => {
    const id = (await submitIntent(db, tenant.keys.client.principal, intentBody())).result.executionId!;
    receiver.script(id, [{ status: 200, hold: true }, { status: 200 }]);
    const arrived = new Promise<void>((resolve) =>
      receiver.onRequest((r) => r.body.executionId === id && resolve()),
    );
    const first = worker();
    await arrived;
    first.kill("SIGKILL");
    await once(first, "exit");
    receiver.release(id); // the first attempt's answer goes nowhere: its worker is gone
    expect((await db.execution.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");
    const second = worker();
    const done = await until(
      () => db.execution.findUniqueOrThrow({ where: { id } }),
      (e) => e.status === "SUCCEEDED",
    );
    second.kill("SIGTERM");
    await once(second, "exit");
    expect(second.exitCode).toBe(0);
    expect(done.attempts).toBe(2);
    const mine = receiver.requests.filter((r) => r.body.executionId === id);
    expect(mine.map((r) => r.key)).toEqual([id, id]);
    expect(receiver.applied.get(id)).toBe(1);
    const started = await db.event.findMany({
      where: { subjectId: id, type: "execution.started" },
      orderBy: { seq: "asc" },
    });
    expect(started.map((e) => (e.payload as { attempt: number }).attempt)).toEqual([1, 2]);
    expect((started[1]!.payload as { reclaimedFrom?: string }).reclaimedFrom).toMatch(/:\d+:/);
    // The execution says so: one possible re-delivery (same key), which the receiver deduplicated.
    expect((await getExecution(db, tenant.keys.auditor.principal, id)).redeliveries).toBe(1);
    expect(await verifyChain(db, "crashy")).toMatchObject({ ok: true });
  });

  it("between the receiver's answer and the recorded result: retried with the same key, applied once", async () => {
    const id = (await submitIntent(db, tenant.keys.client.principal, intentBody())).result.executionId!;
    let first: ChildProcess | undefined;
    receiver.script(id, [{ status: 200, after: () => first?.kill("SIGKILL") }, { status: 200 }]);
    first = worker();
    await once(first, "exit");
    expect(first.signalCode).toBe("SIGKILL");
    expect(receiver.applied.get(id)).toBe(1);
    expect((await db.execution.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");
    const second = worker();
    const done = await until(
      () => db.execution.findUniqueOrThrow({ where: { id } }),
      (e) => e.status === "SUCCEEDED",
    );
    second.kill("SIGTERM");
    await once(second, "exit");
    expect(done.attempts).toBe(2);
    expect(receiver.requests.filter((r) => r.body.executionId === id).map((r) => r.key)).toEqual([id, id]);
    expect(receiver.applied.get(id)).toBe(1);
    expect(await verifyChain(db, "crashy")).toMatchObject({ ok: true });
  });

  it("SIGTERM: the worker stops claiming, finishes what it runs, and exits 0", async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(
        async () => (await submitIntent(db, tenant.keys.client.principal, intentBody())).result.executionId!,
      ),
    );
    for (const id of ids) receiver.script(id, [{ status: 200, delayMs: 400 }]);
    const child = worker();
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    await until(
      () => db.execution.count({ where: { id: { in: ids }, status: "RUNNING" } }),
      (n) => n === 3,
    );
    child.kill("SIGTERM");
    await once(child, "exit");
    expect(child.exitCode).toBe(0);
    expect(await db.execution.count({ where: { id: { in: ids }, status: "SUCCEEDED" } })).toBe(3);
    expect(output).toMatch(/stopped after 3 attempts/);
  });
});
