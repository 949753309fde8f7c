import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { listeningPid, peakRssGrowth, sendLargeBody } from "../support/ingress";
import { call, startServer, type TestServer } from "../support/server";

/**
 * Issue 11 §4 and §5 (bearer failures): request bodies are bounded before they are read — tRPC and
 * the auth routes at 1 MiB, declared (Content-Length) or streamed (chunked) — an unauthenticated
 * tRPC POST is refused without reading its body, and bad bearer tokens are throttled per client.
 * The server's resident memory is read from /proc while 150 MB are offered to it.
 */
let server: TestServer;
let db: Db;
let pid: number;
const BIG = 150 * 1024 * 1024;
/** What a server that reads 150 MB grows by is hundreds of MB; a bounded one stays within noise. */
const RSS_BUDGET = 64 * 1024 * 1024;

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  server = await startServer({
    DATABASE_URL: database.url,
    EXOARMUR_WORKER: "off",
    EXOARMUR_BEARER_FAILURES_PER_MINUTE: "5",
  });
  pid = listeningPid(server.baseUrl);
  // Warm the routes up, so that loading their code is not counted as body memory.
  await call(server, "POST", "/api/trpc/me.get", { raw: "{}" });
  await call(server, "POST", "/api/auth/sign-in/email", {
    body: { email: "x@example.com", password: "warming-up-only" },
    headers: { origin: server.baseUrl },
  });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

const tooLarge = (answer: { status: number; text: string }) => {
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.text).error).toMatchObject({ reason: "PAYLOAD_TOO_LARGE" });
};

describe("request bodies are bounded before they are read", () => {
  it("an unauthenticated 150 MB tRPC POST (Content-Length) is refused with 413; memory stays low", async () => {
    const { result, growth } = await peakRssGrowth(pid, () =>
      sendLargeBody(server.baseUrl, "/api/trpc/killSwitches.setTenant", { bytes: BIG, chunked: false }),
    );
    tooLarge(result);
    expect(result.written).toBeLessThan(BIG);
    expect(growth).toBeLessThan(RSS_BUDGET);
  }, 120_000);

  it("an unauthenticated chunked tRPC POST is refused (401) without its body being read", async () => {
    const { result, growth } = await peakRssGrowth(pid, () =>
      sendLargeBody(server.baseUrl, "/api/trpc/killSwitches.setTenant", { bytes: BIG, chunked: true }),
    );
    expect(result.status).toBe(401);
    expect(result.written).toBeLessThan(BIG);
    expect(growth).toBeLessThan(RSS_BUDGET);
  }, 120_000);

  it("an authenticated chunked 150 MB tRPC POST is cut off at 1 MiB with 413", async () => {
    const { result, growth } = await peakRssGrowth(pid, () =>
      sendLargeBody(server.baseUrl, "/api/trpc/tenants.create", {
        bytes: BIG,
        chunked: true,
        headers: { authorization: `Bearer ${server.adminToken}` },
      }),
    );
    tooLarge(result);
    expect(result.written).toBeLessThan(BIG);
    expect(growth).toBeLessThan(RSS_BUDGET);
  }, 120_000);

  it("the auth routes: 150 MB declared or chunked are refused with 413; memory stays low", async () => {
    for (const chunked of [false, true]) {
      const { result, growth } = await peakRssGrowth(pid, () =>
        sendLargeBody(server.baseUrl, "/api/auth/sign-in/email", {
          bytes: BIG,
          chunked,
          headers: { origin: server.baseUrl },
        }),
      );
      tooLarge(result);
      expect(result.written).toBeLessThan(BIG);
      expect(growth).toBeLessThan(RSS_BUDGET);
    }
  }, 120_000);

  it("a body just under 1 MiB still reaches tRPC (bounded, not refused)", async () => {
    const padding = "x".repeat(1024 * 1024 - 200);
    const response = await call(server, "POST", "/api/trpc/tenants.create", {
      token: server.adminToken,
      body: { id: "padded", name: "Padded", padding },
    });
    // The procedure refuses the unknown field: the body was read and parsed.
    expect(response.status).toBe(400);
  });

  it("the one anonymous mutation (accepting an invitation as a new person) reads at most 16 KiB; a batch that adds another procedure is refused unread", async () => {
    const chunked = await sendLargeBody(server.baseUrl, "/api/trpc/invitations.acceptAsNewPerson", {
      bytes: 1024 * 1024,
      chunked: true,
    });
    tooLarge(chunked);
    const small = await call(server, "POST", "/api/trpc/invitations.acceptAsNewPerson", {
      body: { token: "x".repeat(43), person: { name: "Neo", password: "a long enough password" } },
      headers: { origin: server.baseUrl },
    });
    expect(small.status).toBe(404); // reached the procedure: no such invitation
    const batch = await call(
      server,
      "POST",
      "/api/trpc/invitations.acceptAsNewPerson,killSwitches.setTenant?batch=1",
      {
        body: { 0: {}, 1: {} },
        headers: { origin: server.baseUrl },
      },
    );
    expect(batch.status).toBe(401);
  });
});

describe("bearer-token failures are throttled per client", () => {
  it("after the limit, more bad tokens (and any token from that client) get 429 with Retry-After", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await call(server, "GET", "/api/v1/kill-switches", { token: `exo_bad_${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const refused = await call(server, "GET", "/api/v1/kill-switches", { token: "exo_bad_again" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // tRPC shares the same per-client budget.
    const trpc = await call(server, "GET", "/api/trpc/me.get", { token: "exo_bad_trpc" });
    expect(trpc.status).toBe(429);
    expect(Number(trpc.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
