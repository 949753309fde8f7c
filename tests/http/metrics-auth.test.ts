import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

/**
 * Issue 11 §9: /api/metrics needs EXOARMUR_METRICS_TOKEN (Prometheus bearer auth) when it is set,
 * and publishes no tenant labels when it is not.
 */
let open: TestServer;
let guarded: TestServer;
let db: Db;
const METRICS_TOKEN = "metrics-token-0123456789abcdefghijklmnop";

async function someActivity(server: TestServer, tenant: string) {
  await call(server, "POST", "/api/v1/tenants", {
    token: server.adminToken,
    body: { id: tenant, name: tenant },
  });
  await call(server, "POST", `/api/v1/tenants/${tenant}/policies`, {
    token: server.adminToken,
    body: DEMO_POLICY,
  });
  const key = (
    await call(server, "POST", `/api/v1/tenants/${tenant}/api-keys`, {
      token: server.adminToken,
      body: { role: "client", name: "c" },
    })
  ).json.key;
  const submitted = await call(server, "POST", "/api/v1/intents", { token: key, body: intentBody({}) });
  expect(submitted.status).toBe(201);
}

beforeAll(async () => {
  const first = await createTestDatabase();
  const second = await createTestDatabase();
  db = first.db;
  await second.db.$disconnect();
  open = await startServer({ DATABASE_URL: first.url, EXOARMUR_WORKER: "off" });
  guarded = await startServer({
    DATABASE_URL: second.url,
    EXOARMUR_WORKER: "off",
    EXOARMUR_METRICS_TOKEN: METRICS_TOKEN,
  });
  await someActivity(open, "tenant-visible-nowhere");
}, 180_000);

afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
  await db?.$disconnect();
});

describe("/api/metrics", () => {
  it("without a metrics token: public, Prometheus text, and no tenant anywhere in it", async () => {
    const response = await call(open, "GET", "/api/metrics");
    expect(response.status).toBe(200);
    expect(response.text).toContain("exoarmur_decisions_total");
    expect(response.text).not.toContain("tenant-visible-nowhere");
    expect(response.text).not.toMatch(/tenant(_id)?="/);
  });

  it("with EXOARMUR_METRICS_TOKEN: 401 without or with a wrong token, 200 with it", async () => {
    const none = await call(guarded, "GET", "/api/metrics");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await call(guarded, "GET", "/api/metrics", { token: `${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await call(guarded, "GET", "/api/metrics", { token: guarded.adminToken })).status).toBe(401);
    const good = await call(guarded, "GET", "/api/metrics", { token: METRICS_TOKEN });
    expect(good.status).toBe(200);
    expect(good.text).toContain("exoarmur_http_request_duration_seconds");
  });
});
