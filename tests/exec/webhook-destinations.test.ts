import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { startWorker } from "../../server/exec/worker";
import { freePort } from "../../server/net/free-port";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { setExecutorConfig } from "../../server/services/executors/executors";
import { ServiceError } from "../../server/services/shared/errors";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { type Receiver, startReceiver } from "../support/receiver";
import { until } from "../support/wait";

// Issue 11 §1 through the real dispatcher, a real PostgreSQL and real HTTP servers on this machine:
// webhooks cannot reach inside, whatever the URL says and whatever its name resolves to.

let db: Db;
let receiver: Receiver;
const RETRY = { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 };
const ALLOWED = process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS;

const execution = (id: string) => db.execution.findUniqueOrThrow({ where: { id } });
const attempts = async (id: string) =>
  (
    await db.event.findMany({
      where: { subjectId: id, type: "execution.attempted" },
      orderBy: { seq: "asc" },
    })
  ).map((e) => e.payload as Record<string, unknown>);

async function runOne(tenant: TenantFixture, until_: (status: string) => boolean) {
  const id = (await submitIntent(db, tenant.keys.client.principal, intentBody())).result.executionId!;
  const worker = startWorker({ pool: db.pool, retry: RETRY, pollMs: 20, leaseMs: 5_000 });
  try {
    await until(
      () => execution(id),
      (e) => until_(e.status),
      20_000,
    );
  } finally {
    await worker.stop();
  }
  return id;
}

async function configError(tenantId: string, url: string): Promise<ServiceError> {
  try {
    await setExecutorConfig(db, PLATFORM_ADMIN, tenantId, {
      routes: [{ type: "webhook", actions: ["*"], url, timeoutMs: 1000 }],
    });
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error(`${url} was accepted`);
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  receiver = await startReceiver();
});

afterEach(() => {
  if (ALLOWED === undefined) delete process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS;
  else process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = ALLOWED;
});

afterAll(async () => {
  await receiver?.close();
  await db?.$disconnect();
});

describe("configuration time", () => {
  it("refuses an internal address in any of its spellings with a 400 naming the rule, writing nothing", async () => {
    delete process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS;
    await seedTenant(db, "cfg");
    const port = new URL(receiver.url).port;
    for (const [host, rule] of [
      ["127.0.0.1", "loopback"],
      ["2130706433", "loopback"],
      ["127.1", "loopback"],
      ["0x7f.1", "loopback"],
      ["[::ffff:127.0.0.1]", "loopback"],
      ["169.254.169.254", "link-local"],
      ["10.0.0.8", "private"],
      ["100.64.0.1", "carrier-grade NAT"],
      ["[fd00::1]", "unique-local"],
    ]) {
      const error = await configError("cfg", `http://${host}:${port}/hook`);
      expect(error).toBeInstanceOf(ServiceError);
      expect(error.status).toBe(400);
      expect(error.details.fields).toEqual([
        { path: "routes[0].url", message: expect.stringContaining(rule!) },
      ]);
    }
    expect((await db.tenant.findUniqueOrThrow({ where: { id: "cfg" } })).executorConfig).toBeNull();
    expect(await db.event.count({ where: { tenantId: "cfg", type: "tenant.executors_set" } })).toBe(0);
  });

  it("accepts an internal address the operator allows", async () => {
    process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8";
    await seedTenant(db, "cfg-allowed");
    await setExecutorConfig(db, PLATFORM_ADMIN, "cfg-allowed", {
      routes: [{ type: "webhook", actions: ["*"], url: "http://127.1:9/hook", timeoutMs: 1000 }],
    });
  });
});

describe("connect time", () => {
  it("a name that resolves to loopback passes configuration but is refused before connecting: FAILED INVALID, once", async () => {
    delete process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS;
    const tenant = await seedTenant(db, "rebind");
    const port = new URL(receiver.url).port;
    await setExecutorConfig(db, PLATFORM_ADMIN, "rebind", {
      routes: [{ type: "webhook", actions: ["*"], url: `http://localhost:${port}/hook`, timeoutMs: 1000 }],
    });
    const before = receiver.requests.length;
    const id = await runOne(tenant, (s) => s === "FAILED" || s === "SUCCEEDED");
    expect(await execution(id)).toMatchObject({ status: "FAILED", failureClass: "INVALID", attempts: 1 });
    expect(receiver.requests.length).toBe(before);
    const [attempt] = await attempts(id);
    expect(JSON.stringify(attempt)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it("answers the same for a refused address whether its port is open or closed", async () => {
    delete process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS;
    const open = await seedTenant(db, "scan-open");
    const closed = await seedTenant(db, "scan-closed");
    const closedPort = await freePort();
    for (const [tenant, port] of [
      ["scan-open", new URL(receiver.url).port],
      ["scan-closed", String(closedPort)],
    ])
      await setExecutorConfig(db, PLATFORM_ADMIN, tenant!, {
        routes: [{ type: "webhook", actions: ["*"], url: `http://localhost:${port}/`, timeoutMs: 1000 }],
      });
    const seen = [];
    for (const tenant of [open, closed]) {
      const id = await runOne(tenant, (s) => s === "FAILED" || s === "SUCCEEDED");
      const [attempt] = await attempts(id);
      const { executionId: _, ...rest } = attempt as Record<string, unknown>;
      seen.push({
        ...(await execution(id)),
        id: null,
        decisionId: null,
        updatedAt: null,
        createdAt: null,
        attempt: rest,
      });
    }
    expect(seen[0]!.attempt).toEqual(seen[1]!.attempt);
    expect(seen[0]).toMatchObject({ status: "FAILED", failureClass: "INVALID" });
    expect(seen[1]).toMatchObject({ status: "FAILED", failureClass: "INVALID" });
  });

  it("reaches a name that resolves into an allowed network", async () => {
    process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.1/32";
    const tenant = await seedTenant(db, "allowed-name");
    const port = new URL(receiver.url).port;
    await setExecutorConfig(db, PLATFORM_ADMIN, "allowed-name", {
      routes: [{ type: "webhook", actions: ["*"], url: `http://localhost:${port}/hook`, timeoutMs: 1000 }],
    });
    const id = await runOne(tenant, (s) => s === "SUCCEEDED" || s === "FAILED");
    expect(await execution(id)).toMatchObject({ status: "SUCCEEDED" });
    expect(receiver.requests.filter((r) => r.body.executionId === id)).toHaveLength(1);
  });
});

describe("the answer", () => {
  let huge: Server;
  let written: number | null = null;

  afterAll(async () => {
    huge?.closeAllConnections();
    await new Promise((resolve) => huge?.close(resolve));
  });

  it("a 300 MB answer is cut after the excerpt: the receiver sees the socket closed early, memory stays flat", async () => {
    process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.1/32";
    huge = createServer((req, res) => {
      req.resume();
      const chunk = Buffer.alloc(64 * 1024, "s");
      let sent = 0;
      res.writeHead(200, { "content-type": "text/plain" });
      res.on("close", () => {
        written = sent;
      });
      const pump = () => {
        while (sent < 300 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => huge.listen(0, "127.0.0.1", resolve));
    const { port } = huge.address() as AddressInfo;
    const tenant = await seedTenant(db, "huge");
    await setExecutorConfig(db, PLATFORM_ADMIN, "huge", {
      routes: [{ type: "webhook", actions: ["*"], url: `http://127.0.0.1:${port}/`, timeoutMs: 20_000 }],
    });
    const rssBefore = process.memoryUsage().rss;
    const id = await runOne(tenant, (s) => s === "SUCCEEDED" || s === "FAILED");
    const rssAfter = process.memoryUsage().rss;
    expect(await execution(id)).toMatchObject({ status: "SUCCEEDED" });
    const [attempt] = await attempts(id);
    expect(String(attempt!.body)).toBe("s".repeat(512));
    await until(
      async () => written,
      (w) => w !== null,
      5_000,
    );
    expect(written!).toBeLessThan(32 * 1024 * 1024);
    expect(rssAfter - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });
});

describe("the chain and the live feed", () => {
  it("carry the webhook's scheme and host and a hash of its URL, never the URL", async () => {
    process.env.EXOARMUR_WEBHOOK_ALLOWED_NETWORKS = "127.0.0.1/32";
    await seedTenant(db, "redact");
    const url = `${receiver.url}/path-secret?token=tok-123456`;
    await setExecutorConfig(db, PLATFORM_ADMIN, "redact", {
      routes: [{ type: "webhook", actions: ["*"], url, timeoutMs: 1000 }],
    });
    const [event] = await db.event.findMany({ where: { tenantId: "redact", type: "tenant.executors_set" } });
    const text = JSON.stringify(event!.payload);
    expect(text).not.toContain("tok-123456");
    expect(text).not.toContain("path-secret");
    const host = new URL(url).host;
    expect((event!.payload as { routes: unknown[] }).routes).toEqual([
      {
        type: "webhook",
        actions: ["*"],
        scheme: "http",
        host,
        urlHash: nodeCrypto.sha256Hex(new URL(url).href),
        timeoutMs: 1000,
        hasSecret: false,
      },
    ]);
  });
});
