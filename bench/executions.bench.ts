// Execution throughput and crash recovery: executions queued in an embedded PostgreSQL 17
// (durable settings), run through the webhook executor against a local receiver by two
// `exoarmur worker` processes; then a worker is SIGKILLed mid-attempt and we time how long its
// executions take to be attempted again by another worker (lease expiry + claim).

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb } from "../server/db/client";
import { startEmbeddedPostgres } from "../server/db/embedded";
import { migrate } from "../server/db/migrate";
import { PLATFORM_ADMIN, type Principal } from "../server/services/access/principal";
import { submitIntent } from "../server/services/decisions/submit-intent";
import { setExecutorConfig } from "../server/services/executors/executors";
import { createApiKey } from "../server/services/keys/api-keys";
import { applyPolicy } from "../server/services/policies/versions";
import { createTenant } from "../server/services/tenants/tenants";
import { emit, isMain } from "./harness";

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 3000);
const CONCURRENCY = process.env.BENCH_WORKER_CONCURRENCY ?? "64";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<void> {
  console.log(`\n== executions: webhook executor, 2 worker processes, ${EXECUTIONS} executions ==`);
  const dataDir = mkdtempSync(join(tmpdir(), "exoarmur-bench-exec-"));
  const pg = await startEmbeddedPostgres({ dataDir });
  await migrate(pg.url);
  const db = createDb(pg.url, 24);
  const seen = new Map<string, number>();
  let hold = false;
  const heldRequests: (() => void)[] = [];
  const receiver = createServer((req, res) => {
    const key = String(req.headers["idempotency-key"]);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    req.resume();
    req.on("end", () => {
      if (hold) heldRequests.push(() => res.end("{}"));
      else res.end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  // The receiver is on loopback, which webhooks reach only when the operator allows it; the
  // worker processes inherit the setting.
  process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.1/32";
  // Workers refuse to start without the key that seals secrets at rest (a throwaway one here).
  process.env.EXOARMUR_SECRET_KEY ??= randomBytes(32).toString("hex");
  const workers: ChildProcess[] = [];
  const worker = (extra: string[] = []) => {
    const child = spawn(
      process.execPath,
      [
        "bin/exoarmur.mjs",
        "worker",
        "--database-url",
        pg.url,
        "--concurrency",
        CONCURRENCY,
        "--poll-ms",
        "50",
        ...extra,
      ],
      { stdio: "ignore" },
    );
    workers.push(child);
    return child;
  };
  try {
    await createTenant(db, PLATFORM_ADMIN, {
      id: "bench",
      name: "Bench",
      limits: { ratePerSecond: 100_000, burst: 100_000, maxPending: 10_000_000 },
    });
    await applyPolicy(db, PLATFORM_ADMIN, "bench", { rules: [{ id: "allow", effect: "allow" }] });
    await setExecutorConfig(db, PLATFORM_ADMIN, "bench", {
      routes: [{ type: "webhook", actions: ["*"], url, timeoutMs: 5000 }],
    });
    const key = await createApiKey(db, PLATFORM_ADMIN, "bench", { role: "client", name: "bench" });
    const client: Principal = {
      kind: "api-key",
      id: key.id,
      tenantId: "bench",
      role: "client",
      name: "bench",
    };
    const body = (n: number) => ({
      actor: { type: "agent", id: "a" },
      action: "host.isolate",
      actionClass: "A1_soft",
      target: `web-${n}`,
      parameters: {},
      idempotencyKey: `e-${n}`,
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < EXECUTIONS) await submitIntent(db, client, body(next++));
      }),
    );
    console.log(`queued ${EXECUTIONS} executions`);

    const started = process.hrtime.bigint();
    worker();
    worker();
    for (;;) {
      const done = await db.execution.count({ where: { status: "SUCCEEDED" } });
      if (done >= EXECUTIONS) break;
      await sleep(50);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    console.log(
      `${EXECUTIONS} executions SUCCEEDED in ${seconds.toFixed(2)} s (2 workers × concurrency ${CONCURRENCY}); keys seen twice: ${duplicates}`,
    );
    emit("executions_webhook_2_workers", EXECUTIONS / seconds, "executions/s");
    for (const w of workers.splice(0)) {
      w.kill("SIGTERM");
      await once(w, "exit");
    }

    // Crash recovery: a worker dies with attempts in flight; how long until they are attempted again?
    hold = true;
    const crashIds: number[] = [];
    for (let i = 0; i < 20; i++) crashIds.push(EXECUTIONS + i);
    for (const n of crashIds) await submitIntent(db, client, body(n));
    const victim = worker();
    while (heldRequests.length < 16) await sleep(10);
    victim.kill("SIGKILL");
    await once(victim, "exit");
    const killedAt = process.hrtime.bigint();
    const firstCounts = new Map(seen);
    hold = false;
    for (const release of heldRequests.splice(0)) release();
    worker();
    for (;;) {
      const retried = [...seen.entries()].some(
        ([k, n]) => n > (firstCounts.get(k) ?? 0) && (firstCounts.get(k) ?? 0) > 0,
      );
      if (retried) break;
      await sleep(10);
    }
    const recovery = Number(process.hrtime.bigint() - killedAt) / 1e9;
    console.log(
      `SIGKILL → first in-flight execution attempted again after ${recovery.toFixed(2)} s (default lease ${process.env.EXOARMUR_LEASE_MS ?? 5000} ms)`,
    );
    emit("lease_recovery_after_sigkill", recovery, "s");
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
    receiver.closeAllConnections();
    receiver.close();
    await db.$disconnect();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
