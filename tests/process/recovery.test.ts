import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../server/db/client";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../../server/db/embedded";
import { freePort } from "../../server/net/free-port";
import { verifyChain } from "../../server/services/chain/verify";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";
import { isAlive, postmasterPid } from "./support";

/**
 * PostgreSQL crashes under load (`pg_ctl stop -m immediate`: SIGQUIT to the postmaster) and comes
 * back through crash recovery, during which it refuses connections with 57P03 "the database
 * system is not yet accepting connections". Every request meanwhile is answered 503 (REST and
 * tRPC alike), never 500; what was answered 201 is stored.
 */
// Admission limits the test load never reaches: no 429 among the answers it checks.
const UNLIMITED = { ratePerSecond: 100_000, burst: 1_000_000, maxPending: 10_000_000 };
let dataDir: string;
let port: number;
let pg: EmbeddedDatabase;
let server: TestServer;
let clientKey: string;
let operatorKey: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "exoarmur-recovery-"));
  port = await freePort();
  pg = await startEmbeddedPostgres({ dataDir, port });
  server = await startServer({ DATABASE_URL: pg.url, EXOARMUR_WORKER: "off" });
  const admin = server.adminToken;
  await call(server, "POST", "/api/v1/tenants", {
    token: admin,
    body: { id: "acme", name: "Acme", limits: UNLIMITED },
  });
  await call(server, "POST", "/api/v1/tenants/acme/policies", { token: admin, body: DEMO_POLICY });
  const key = async (role: string) =>
    (
      await call(server, "POST", "/api/v1/tenants/acme/api-keys", {
        token: admin,
        body: { role, name: role },
      })
    ).json.key as string;
  clientKey = await key("client");
  operatorKey = await key("operator");
});

afterAll(async () => {
  await server?.stop();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("PostgreSQL crash and recovery under load", () => {
  it("503 (REST and tRPC), never 500, while it is down and while it recovers; every 201 is stored", async () => {
    const statuses = new Map<string, number>();
    const count = (status: string) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    let accepted = 0;
    let stop = false;
    const rest = async () => {
      while (!stop) {
        const res = await call(server, "POST", "/api/v1/intents", { token: clientKey, body: intentBody() });
        count(`rest ${res.status}${res.status >= 500 ? ` ${res.json?.error?.code}` : ""}`);
        if (res.status === 201) accepted++;
      }
    };
    const trpc = async () => {
      const input = encodeURIComponent(JSON.stringify({ tenantId: "acme" }));
      while (!stop) {
        const res = await fetch(`${server.baseUrl}/api/trpc/tenants.get?input=${input}`, {
          headers: { authorization: `Bearer ${operatorKey}` },
        });
        const body = (await res.json()) as { error?: { data?: { code?: string } } };
        count(`trpc ${res.status}${res.status >= 500 ? ` ${body.error?.data?.code}` : ""}`);
      }
    };
    const loops = [rest(), rest(), rest(), rest(), trpc(), trpc()];
    try {
      for (let crash = 0; crash < 3; crash++) {
        const before = accepted;
        await until(
          async () => accepted,
          (n) => n >= before + 20,
        );
        const postmaster = postmasterPid(dataDir);
        process.kill(postmaster, "SIGQUIT");
        await until(
          async () => isAlive(postmaster),
          (alive) => !alive,
        );
        pg = await startEmbeddedPostgres({ dataDir, port });
      }
      const before = accepted;
      await until(
        async () => accepted,
        (n) => n >= before + 20,
      );
    } finally {
      stop = true;
      await Promise.allSettled(loops);
    }
    // Every loop ran to the end: none met a refused connection (the server itself stayed up).
    await Promise.all(loops);

    const seen = Object.fromEntries(statuses);
    const failures = Object.keys(seen).filter(
      (s) => !/^(rest (201|503 UNAVAILABLE)|trpc (200|503 SERVICE_UNAVAILABLE))$/.test(s),
    );
    expect(failures.map((s) => `${s}: ${seen[s]}`)).toEqual([]);
    // The outage was really hit, by both kinds of client.
    expect(seen["rest 503 UNAVAILABLE"]).toBeGreaterThan(0);
    expect(seen["trpc 503 SERVICE_UNAVAILABLE"]).toBeGreaterThan(0);

    const db = createDb(pg.url, 2);
    try {
      // A request cut off by the crash may have committed without its answer: at least every 201.
      expect(await db.intent.count()).toBeGreaterThanOrEqual(accepted);
      expect(await verifyChain(db, "acme")).toMatchObject({ ok: true });
    } finally {
      await db.$disconnect();
    }
  });
});
