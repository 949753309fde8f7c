import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../../server/db/client";
import { verifyChain } from "../../server/services/chain/verify";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { until } from "../support/wait";
import {
  type EmbeddedServer,
  groupGone,
  killGroup,
  listenerPid,
  member,
  request,
  startEmbedded,
} from "./support";

/**
 * `setsid npm start` in embedded mode (its own PostgreSQL and nats-server), stopped the way a
 * terminal stops it: SIGINT to the whole process group, so PostgreSQL and nats-server get it at the
 * same moment as the server. Every process must be gone within 10 s, idle or under load; a second
 * signal forces the exit; the next start on the same data dir finds everything that was answered 201.
 */
// Admission limits the test load never reaches: no 429 among the answers it checks.
const UNLIMITED = { ratePerSecond: 100_000, burst: 1_000_000, maxPending: 10_000_000 };
const started: EmbeddedServer[] = [];
let receiver: Receiver | undefined;
let dataDir: string | undefined;

async function start(env: Record<string, string> = {}) {
  const server = await startEmbedded({
    ...(dataDir ? { dataDir, port: started.at(-1)!.port } : {}),
    env: { EXOARMUR_LEASE_MS: "2000", EXOARMUR_WEBHOOK_ALLOWED_NETWORKS: RECEIVER_NETWORK, ...env },
  });
  dataDir = server.dataDir;
  started.push(server);
  return server;
}

afterAll(async () => {
  for (const server of started) killGroup(server.pgid);
  await receiver?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Ctrl-C of a terminal: SIGINT to every process of the foreground group. */
const ctrlC = (server: EmbeddedServer) => process.kill(-server.pgid, "SIGINT");

async function expectAllGone(server: EmbeddedServer, withinMs = 10_000) {
  try {
    await groupGone(server.pgid, withinMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${server.output()}`);
  }
  expect(listenerPid(server.port)).toBeNull();
}

let clientKey = "";
let adminKey = "";
/** The decision ids the server answered 201 for: the next start must find every one. */
const accepted: string[] = [];

async function submit(server: EmbeddedServer): Promise<number> {
  const res = await request(server.baseUrl, "POST", "/api/v1/intents", {
    token: clientKey,
    body: intentBody(),
  });
  if (res.status === 201) accepted.push((res.json as { decisionId: string }).decisionId);
  return res.status;
}

async function expectAllAccepted(server: EmbeddedServer) {
  for (const id of accepted) {
    const res = await request(server.baseUrl, "GET", `/api/v1/decisions/${id}`, { token: adminKey });
    expect([id, res.status]).toEqual([id, 200]);
  }
  const { databaseUrl } = JSON.parse(readFileSync(join(server.dataDir, "runtime.json"), "utf8"));
  const db = createDb(databaseUrl, 2);
  try {
    // A request cut off by the exit may have committed without its answer arriving: at least these.
    expect(await db.intent.count()).toBeGreaterThanOrEqual(accepted.length);
    expect(await verifyChain(db, "acme")).toMatchObject({ ok: true });
  } finally {
    await db.$disconnect();
  }
}

describe("Ctrl-C (SIGINT to the process group of `setsid npm start`)", () => {
  it("idle: PostgreSQL, nats-server and the server are gone within 10 s, and the port is free", async () => {
    const server = await start();
    expect(member(server.pgid, /postgres -D/)).toBeDefined();
    expect(member(server.pgid, /nats-server/)).toBeDefined();
    const admin = server.adminToken;
    await request(server.baseUrl, "POST", "/api/v1/tenants", {
      token: admin,
      body: { id: "acme", name: "Acme", limits: UNLIMITED },
    });
    await request(server.baseUrl, "POST", "/api/v1/tenants/acme/policies", {
      token: admin,
      body: DEMO_POLICY,
    });
    const key = async (role: string) =>
      (
        (
          await request(server.baseUrl, "POST", "/api/v1/tenants/acme/api-keys", {
            token: admin,
            body: { role, name: role },
          })
        ).json as { key: string }
      ).key;
    clientKey = await key("client");
    adminKey = await key("admin");
    expect(await submit(server)).toBe(201);

    ctrlC(server);
    await expectAllGone(server);
  });

  it("under load: every process is gone within 10 s; the next start finds every intent answered 201", {
    timeout: 90_000,
  }, async () => {
    const server = await start();
    await expectAllAccepted(server);
    let stop = false;
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const status = await submit(server);
        // Refused connections: the server is gone. Anything else must be an answer we understand.
        if (status === 0) return;
        expect([201, 503]).toContain(status);
      }
    });
    try {
      await until(
        async () => accepted.length,
        (n) => n >= 60,
      );
      ctrlC(server);
      await expectAllGone(server);
    } finally {
      stop = true;
      await Promise.allSettled(loops);
    }
    await Promise.all(loops);

    const next = await start();
    await expectAllAccepted(next);
    ctrlC(next);
    await expectAllGone(next);
  });

  it("a second signal forces the exit while a graceful stop waits for a webhook; the held execution is delivered again with the same key", {
    timeout: 90_000,
  }, async () => {
    receiver = await startReceiver();
    // A graceful stop that would wait a minute for the running attempt: only the second signal ends it.
    const server = await start({ EXOARMUR_SHUTDOWN_MS: "60000" });
    const put = await request(server.baseUrl, "PUT", "/api/v1/tenants/acme/executors", {
      token: adminKey,
      body: { routes: [{ type: "webhook", actions: ["*"], url: receiver.url, timeoutMs: 60_000 }] },
    });
    expect(put.status).toBe(200);
    // The receiver's listener runs before it picks its answer: the first attempt is held open.
    let held: string | undefined;
    const arrived = new Promise<string>((resolve) =>
      receiver!.onRequest((r) => {
        if (held) return;
        held = String(r.body.executionId);
        receiver!.script(held, [{ status: 200, hold: true }, { status: 200 }]);
        resolve(held);
      }),
    );
    const res = await request(server.baseUrl, "POST", "/api/v1/intents", {
      token: clientKey,
      body: intentBody(),
    });
    expect(res.status).toBe(201);
    const { decisionId, executionId } = res.json as { decisionId: string; executionId: string };
    accepted.push(decisionId);
    expect(await arrived).toBe(executionId);

    process.kill(server.serverPid, "SIGTERM");
    await until(
      async () => server.output(),
      (out) => /SIGTERM: shutting down/.test(out),
    );
    process.kill(server.serverPid, "SIGTERM");
    await expectAllGone(server, 5_000);
    expect(server.output()).toMatch(/second signal/);

    const next = await start();
    const done = await until(
      async () =>
        (await request(next.baseUrl, "GET", `/api/v1/executions/${executionId}`, { token: adminKey }))
          .json as {
          status: string;
          attempts: number;
        },
      (e) => e.status === "SUCCEEDED",
    );
    // At least once, with the same Idempotency-Key every time (a slow machine may let a lease lapse
    // once more); the deduplicating receiver applied it once.
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    const mine = receiver.requests.filter((r) => r.body.executionId === executionId);
    expect(mine.length).toBe(done.attempts);
    expect(new Set(mine.map((r) => r.key))).toEqual(new Set([executionId]));
    expect(receiver.applied.get(executionId)).toBe(1);
    await expectAllAccepted(next);
    ctrlC(next);
    await expectAllGone(next);
  });
});
