import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

// The REST fast path (issue 13): `npm start` serves /api/v1/* and /api/health through Hono on
// node:http, and everything else through Next, on one port. What Hono has no route for (another
// method, a trailing slash, an unknown path) is Next's answer, unchanged; hostile URLs get a 4xx.

let server: TestServer;
let client: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  server = await startServer({ DATABASE_URL: database.url });
  await call(server, "POST", "/api/v1/tenants", {
    token: server.adminToken,
    body: { id: "fast", name: "Fast" },
  });
  await call(server, "POST", "/api/v1/tenants/fast/policies", {
    token: server.adminToken,
    body: DEMO_POLICY,
  });
  client = (
    await call(server, "POST", "/api/v1/tenants/fast/api-keys", {
      token: server.adminToken,
      body: { role: "client", name: "c" },
    })
  ).json.key;
});
afterAll(async () => {
  await server?.stop();
});

const raw = (path: string, init: RequestInit = {}) =>
  fetch(`${server.baseUrl}${path}`, { redirect: "manual", ...init });

describe("one port, two layers", () => {
  it("says at start which paths take the fast path", () => {
    expect(server.output()).toMatch(/REST fast path: \/api\/v1, \/api\/health/);
  });

  it("REST answers through it: health, a decision with its route parameter, HEAD", async () => {
    expect((await raw("/api/health")).status).toBe(200);
    const submitted = await call(server, "POST", "/api/v1/intents", { token: client, body: intentBody() });
    expect(submitted.status).toBe(201);
    const read = await call(server, "GET", `/api/v1/decisions/${submitted.json.decisionId}`, {
      token: client,
    });
    expect([read.status, read.json.decisionId]).toEqual([200, submitted.json.decisionId]);
    const head = await raw("/api/health", { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
  });

  it("a JSON answer goes out exactly as made: its bytes, their length, every header, the status", async () => {
    // Non-ASCII text: Content-Length counts bytes, not characters.
    const target = "wéb-7 — 東京 🛡";
    const key = `fast-${Date.now()}`;
    const submit = () =>
      raw("/api/v1/intents", {
        method: "POST",
        headers: {
          authorization: `Bearer ${client}`,
          "content-type": "application/json",
          "idempotency-key": key,
          "x-request-id": "req-fast-1",
        },
        body: JSON.stringify(intentBody({ target, idempotencyKey: undefined })),
      });
    const first = await submit();
    const text = await first.text();
    expect(first.status).toBe(201);
    expect(JSON.parse(text).decisionId).toMatch(/^dec_/);
    expect(Number(first.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.headers.get("x-request-id")).toBe("req-fast-1");
    expect(first.headers.get("transfer-encoding")).toBeNull();
    // The decision, read back, holds the non-ASCII target: its length is counted in bytes.
    const decision = await raw(`/api/v1/decisions/${JSON.parse(text).decisionId}`, {
      headers: { authorization: `Bearer ${client}` },
    });
    const decisionText = await decision.text();
    expect(JSON.parse(decisionText).intent.target).toBe(target);
    expect(Buffer.byteLength(decisionText)).toBeGreaterThan(decisionText.length);
    expect(Number(decision.headers.get("content-length"))).toBe(Buffer.byteLength(decisionText));

    // A replay carries its own header; an error its status and the auth challenge.
    const again = await submit();
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([200, "true"]);
    expect(await again.text()).toBe(text);
    const unauthorized = await raw("/api/v1/intents", {
      method: "POST",
      headers: { authorization: "Bearer nope", "content-type": "application/json" },
      body: "{}",
    });
    const refusal = await unauthorized.text();
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("www-authenticate")).toBe('Bearer realm="exoarmur"');
    expect(Number(unauthorized.headers.get("content-length"))).toBe(Buffer.byteLength(refusal));
    expect(JSON.parse(refusal).error.code).toBe("UNAUTHENTICATED");
    // A body over the limit keeps its own status (413), not the 400 of its error code.
    const tooLarge = await raw("/api/v1/intents", {
      method: "POST",
      headers: { authorization: `Bearer ${client}`, "content-type": "application/json" },
      body: JSON.stringify({ padding: "x".repeat(300 * 1024) }),
    });
    expect([tooLarge.status, (await tooLarge.json()).error.reason]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
  });

  it("the dashboard, auth and tRPC still answer through Next", async () => {
    const page = await raw("/sign-in");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("ExoArmur");
    const trpc = await raw("/api/trpc/events.live?input=%7B%7D", {
      headers: { accept: "text/event-stream" },
    });
    expect(`${trpc.status} ${await trpc.text()}`).toMatch(/UNAUTHORIZED|401/);
    const session = await raw("/api/auth/get-session");
    expect(session.status).toBe(200);
  });

  it("what it has no route for is Next's answer: 405, 404, 308 for a trailing slash", async () => {
    const wrongMethod = await raw("/api/v1/intents", {
      method: "GET",
      headers: { authorization: `Bearer ${client}` },
    });
    expect(wrongMethod.status).toBe(405);
    expect((await raw("/api/v1/no-such-thing")).status).toBe(404);
    expect((await raw("/api/v1")).status).toBe(404);
    const slash = await raw("/api/v1/intents/", { method: "POST" });
    expect(slash.status).toBe(308);
    expect(slash.headers.get("location")).toBe("/api/v1/intents");
    expect((await raw("/api/v1//intents", { method: "POST" })).status).toBe(308);
    // Only whole segments match: /api/healthz and /api/v1x are not the fast path's.
    expect((await raw("/api/healthz")).status).toBe(404);
    expect((await raw("/api/v1x/intents")).status).toBe(404);
  });

  it("hostile URLs: a malformed escape, a traversal, a huge id, a NUL — 4xx, never 5xx, the server stays up", async () => {
    for (const path of [
      "/api/v1/decisions/%E0%A4%A",
      "/api/v1/decisions/..%2F..%2Ftenants",
      "/api/v1/decisions/%00",
      `/api/v1/decisions/${"x".repeat(8000)}`,
      "/api/v1/tenants/%2e%2e/api-keys",
    ]) {
      const res = await raw(path, { headers: { authorization: `Bearer ${client}` } });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    // A NUL anywhere in the path is refused before any route runs (PostgreSQL cannot store it).
    const nul = await raw("/api/v1/decisions/dec%00x", { headers: { authorization: `Bearer ${client}` } });
    expect([nul.status, (await nul.json()).error.message]).toEqual([
      400,
      "the URL contains a NUL character (%00)",
    ]);
    expect((await raw("/api/health")).status).toBe(200);
  });
});
