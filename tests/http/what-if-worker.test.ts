import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

// The what-if replay under `next start`: its worker thread's entry is bundled by Turbopack
// (what-if.ts, startReplayWorker), a path the in-process tests (tsx's loader) never take. Called
// over HTTP exactly as the dashboard's policy editor calls it (tRPC, an auditor's API key), and the
// matching budget as the REST policy endpoint answers it.

let server: TestServer;
const keys: Record<string, string> = {};
const SCANNING = {
  rules: Array.from({ length: 71 }, (_, i) => ({
    id: `r${i}`,
    match: { targets: Array.from({ length: 100 }, () => `*${"a?".repeat(15)}b*`) },
    effect: "deny",
  })),
};

/** A tRPC query POSTed (methodOverride), as the dashboard sends a what-if with its whole draft. */
const query = (path: string, input: unknown, token: string) =>
  call(server, "POST", `/api/trpc/${path}`, { token, body: input });

beforeAll(async () => {
  const database = await createTestDatabase();
  await database.db.$disconnect();
  server = await startServer({ DATABASE_URL: database.url });
  await call(server, "POST", "/api/v1/tenants", {
    token: server.adminToken,
    body: { id: "acme", name: "Acme" },
  });
  await call(server, "POST", "/api/v1/tenants/acme/policies", {
    token: server.adminToken,
    body: DEMO_POLICY,
  });
  for (const role of ["client", "auditor"])
    keys[role] = (
      await call(server, "POST", "/api/v1/tenants/acme/api-keys", {
        token: server.adminToken,
        body: { role, name: role },
      })
    ).json.key;
  for (let i = 0; i < 3; i++) {
    const res = await call(server, "POST", "/api/v1/intents", { token: keys.client!, body: intentBody() });
    expect(res.status).toBe(201);
  }
}, 180_000);
afterAll(async () => {
  await server?.stop();
});

describe("what-if under next start", () => {
  it("a draft replays on the bundled worker thread: every recorded decision evaluated, the flip reported", async () => {
    const draft = { rules: DEMO_POLICY.rules.map((r) => ({ id: r.id, match: r.match, effect: "deny" })) };
    const res = await query(
      "policies.replay",
      { tenantId: "acme", request: { policy: draft } },
      keys.auditor!,
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.result.data).toMatchObject({
      candidate: "draft",
      evaluated: 3,
      changed: 3,
      transitions: [{ from: "ALLOW", to: "DENY", count: 3 }],
    });
  });

  it("a draft over the matching budget is BAD_REQUEST naming the rule; so is saving it over REST", async () => {
    const res = await query(
      "policies.replay",
      { tenantId: "acme", request: { policy: SCANNING } },
      keys.auditor!,
    );
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("candidate policy is over the matching budget");
    expect(res.json.error.data.fields).toEqual([
      {
        path: expect.stringMatching(/^policy\.rules\[\d+\]$/),
        message: expect.stringMatching(/^rule "r\d+" brings the policy/),
      },
    ]);
    const saved = await call(server, "POST", "/api/v1/tenants/acme/policies", {
      token: server.adminToken,
      body: SCANNING,
    });
    expect(saved.status).toBe(400);
    expect(saved.json.error).toMatchObject({
      code: "INVALID",
      message: "policy document is over the matching budget",
      fields: [
        {
          path: expect.stringMatching(/^rules\[\d+\]$/),
          message: expect.stringMatching(/^rule "r\d+" brings the policy/),
        },
      ],
    });
  });
});
