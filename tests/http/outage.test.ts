import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../../server/db/embedded";
import { freePort } from "../../server/net/free-port";
import { verifyChain } from "../../server/services/chain/verify";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

/** The database goes away under a running server, then comes back: 503s meanwhile, nothing half-written. */
let dataDir: string;
let port: number;
let pg: EmbeddedDatabase;
let server: TestServer;
let client: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "exoarmur-outage-"));
  port = await freePort();
  pg = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
  server = await startServer({ DATABASE_URL: pg.url, EXOARMUR_WORKER: "off" });
  await call(server, "POST", "/api/v1/tenants", {
    token: server.adminToken,
    body: { id: "acme", name: "Acme" },
  });
  await call(server, "POST", "/api/v1/tenants/acme/policies", {
    token: server.adminToken,
    body: DEMO_POLICY,
  });
  client = (
    await call(server, "POST", "/api/v1/tenants/acme/api-keys", {
      token: server.adminToken,
      body: { role: "client", name: "c" },
    })
  ).json.key;
});

afterAll(async () => {
  await server?.stop();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("storage outage", () => {
  it("503 with Retry-After while PostgreSQL is down; health says so; the service resumes when it is back", async () => {
    expect(
      (await call(server, "POST", "/api/v1/intents", { token: client, body: intentBody() })).status,
    ).toBe(201);
    await pg.stop();

    const during = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(server, "POST", "/api/v1/intents", {
          token: client,
          body: intentBody({ actionClass: "A2_hard" }),
        }),
      ),
    );
    for (const res of during) {
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe("UNAVAILABLE");
      expect(res.headers.get("retry-after")).toBe("5");
    }
    const health = await call(server, "GET", "/api/health");
    expect([health.status, health.json.status]).toEqual([503, "down"]);

    pg = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    let resumed = 0;
    for (let i = 0; i < 50 && resumed === 0; i++) {
      const res = await call(server, "POST", "/api/v1/intents", { token: client, body: intentBody() });
      if (res.status === 201) resumed++;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(resumed).toBe(1);
    expect((await call(server, "GET", "/api/health")).status).toBe(200);

    const db: Db = createDb(pg.url, 2);
    try {
      // Exactly the two successful submissions are stored, each whole: intent, decision, events.
      expect(await db.intent.count()).toBe(2);
      expect(await db.decision.count()).toBe(2);
      expect(await db.approval.count()).toBe(0);
      expect(await db.execution.count()).toBe(2);
      expect(await verifyChain(db, "acme")).toMatchObject({ ok: true });
    } finally {
      await db.$disconnect();
    }
  });
});
