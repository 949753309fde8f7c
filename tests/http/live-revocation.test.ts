import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";

/**
 * Issue 11 §5: an API key's live feed (tRPC SSE) ends within the re-check interval
 * (EXOARMUR_LIVE_RECHECK_MS) once the key is revoked or its tenant suspended.
 */
let server: TestServer;
let db: Db;
const RECHECK_MS = 500;

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  server = await startServer({
    DATABASE_URL: database.url,
    EXOARMUR_WORKER: "off",
    EXOARMUR_LIVE_RECHECK_MS: String(RECHECK_MS),
  });
  for (const tenant of ["acme", "globex"]) {
    await call(server, "POST", "/api/v1/tenants", {
      token: server.adminToken,
      body: { id: tenant, name: tenant },
    });
    await call(server, "POST", `/api/v1/tenants/${tenant}/policies`, {
      token: server.adminToken,
      body: DEMO_POLICY,
    });
  }
  await until(
    () => call(server, "GET", "/api/health"),
    (r) => r.json.stream?.status === "current",
    20_000,
    100,
  );
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

async function auditorKey(tenant: string): Promise<{ id: string; key: string }> {
  const created = await call(server, "POST", `/api/v1/tenants/${tenant}/api-keys`, {
    token: server.adminToken,
    body: { role: "auditor", name: "watcher" },
  });
  expect(created.status).toBe(201);
  return created.json;
}

/** Opens the live feed with a key; `ended` resolves with the time the server closed the stream. */
async function openFeed(key: string) {
  const abort = new AbortController();
  const response = await fetch(`${server.baseUrl}/api/trpc/events.live`, {
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body!.getReader();
  const ended = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return Date.now();
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  })();
  return { ended, close: () => abort.abort() };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

describe("a key's live feed ends when the key or its tenant stops being valid", () => {
  it("revoking the key ends its open stream within the re-check interval", async () => {
    const { id, key } = await auditorKey("acme");
    const feed = await openFeed(key);
    // Still open after a couple of re-checks while the key is valid.
    expect(await within(feed.ended, RECHECK_MS * 3)).toBe("timeout");
    const revokedAt = Date.now();
    expect(
      (await call(server, "DELETE", `/api/v1/tenants/acme/api-keys/${id}`, { token: server.adminToken }))
        .status,
    ).toBe(200);
    const ended = await within(feed.ended, RECHECK_MS * 4 + 2000);
    feed.close();
    expect(ended).not.toBe("timeout");
    expect((ended as number) - revokedAt).toBeLessThan(RECHECK_MS * 2 + 1500);
  });

  it("suspending the key's tenant ends its open stream within the re-check interval", async () => {
    const { key } = await auditorKey("globex");
    const feed = await openFeed(key);
    expect(await within(feed.ended, RECHECK_MS * 3)).toBe("timeout");
    const suspendedAt = Date.now();
    expect(
      (
        await call(server, "PATCH", "/api/v1/tenants/globex", {
          token: server.adminToken,
          body: { status: "suspended" },
        })
      ).status,
    ).toBe(200);
    const ended = await within(feed.ended, RECHECK_MS * 4 + 2000);
    feed.close();
    expect(ended).not.toBe("timeout");
    expect((ended as number) - suspendedAt).toBeLessThan(RECHECK_MS * 2 + 1500);
  });
});
