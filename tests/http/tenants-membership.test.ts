import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createUser } from "../../server/services/users/users";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

/**
 * Issue 11 §3 and §6 over real HTTP, against two `next start` instances on one database: limits are
 * the platform admin's; the global admission bucket holds across both instances (429
 * GLOBAL_RATE_LIMITED with Retry-After); invitations through the dashboard's tRPC endpoint with real
 * sessions; direct adds (REST PUT members) are the platform admin's.
 */
let db: Db;
let one: TestServer;
let two: TestServer;
const tenants: TenantFixture[] = [];
let acme: TenantFixture;
const password = "correct horse battery staple";
const GLOBAL_BURST = 8;

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  acme = await seedTenant(db, "acme");
  for (let i = 0; i < 4; i++)
    tenants.push(await seedTenant(db, `wide${i}`, { ratePerSecond: 1000, burst: 1000, maxPending: 100_000 }));
  await createUser(db, {
    email: "ada@acme.test",
    name: "Ada",
    password,
    memberships: [{ tenantId: "acme", role: "admin" }],
  });
  await createUser(db, { email: "gus@globex.test", name: "Gus", password });
  await createUser(db, { email: "ivy@example.com", name: "Ivy", password });
  const env = {
    DATABASE_URL: database.url,
    EXOARMUR_WORKER: "off",
    EXOARMUR_SIGNIN_PER_MINUTE: "1000",
    EXOARMUR_GLOBAL_RATE: "0.02",
    EXOARMUR_GLOBAL_BURST: String(GLOBAL_BURST),
    // Instances of one deployment share the session secret: a session works on either.
    BETTER_AUTH_SECRET: "tenants-membership-test-secret-0123456789abcdef",
  };
  [one, two] = await Promise.all([startServer(env), startServer({ ...env, EXOARMUR_RELAY: "off" })]);
}, 240_000);

afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
  await db?.$disconnect();
});

async function signIn(server: TestServer, email: string, pass = password) {
  const response = await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl },
    body: JSON.stringify({ email, password: pass }),
  });
  expect(response.status, `sign in ${email}`).toBe(200);
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

/** A tRPC call over HTTP as the dashboard makes it (cookie + same-origin POST for mutations). */
async function trpc(server: TestServer, path: string, input: unknown, cookie = "", mutation = true) {
  const response = mutation
    ? await fetch(`${server.baseUrl}/api/trpc/${path}`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", origin: server.baseUrl },
        body: JSON.stringify(input),
      })
    : await fetch(`${server.baseUrl}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
        headers: { cookie },
      });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: tRPC answers are arbitrary JSON that each test inspects
  return { status: response.status, json: json as Record<string, any> };
}

describe("limits over HTTP", () => {
  it("PATCH limits: a tenant admin key gets 403 and nothing changes; the platform admin token 200", async () => {
    const before = await db.tenant.findUniqueOrThrow({ where: { id: "acme" } });
    const refused = await call(one, "PATCH", "/api/v1/tenants/acme", {
      token: acme.keys.admin.key,
      body: { limits: { ratePerSecond: 100_000, burst: 1_000_000 } },
    });
    expect(refused.status).toBe(403);
    expect(await db.tenant.findUniqueOrThrow({ where: { id: "acme" } })).toEqual(before);
    const ok = await call(one, "PATCH", "/api/v1/tenants/acme", {
      token: one.adminToken,
      body: { limits: { ratePerSecond: 300 } },
    });
    expect([ok.status, ok.json.limits.ratePerSecond]).toEqual([200, 300]);
  });
});

describe("global admission bucket over HTTP", () => {
  it("4 tenants through 2 instances: exactly the global burst is admitted; the rest get 429 GLOBAL_RATE_LIMITED with Retry-After", async () => {
    const attempts = Array.from({ length: 24 }, (_, i) =>
      call(i % 2 === 0 ? one : two, "POST", "/api/v1/intents", {
        token: tenants[i % 4]!.keys.client.key,
        body: intentBody(),
      }),
    );
    const answers = await Promise.all(attempts);
    const admitted = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    // At 0.02/s the bucket refills by less than one token during the test.
    expect(admitted.length).toBe(GLOBAL_BURST);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.json.error).toMatchObject({ code: "RATE_LIMITED", reason: "GLOBAL_RATE_LIMITED" });
      const retryAfter = Number(answer.headers.get("retry-after"));
      // Less than one token left at 0.02/s: the next one is at most 50 s away.
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(50);
    }
    expect(await db.decision.count({ where: { tenantId: { startsWith: "wide" } } })).toBe(GLOBAL_BURST);
  });
});

describe("membership over HTTP", () => {
  it("REST PUT members: a tenant admin key gets one answer for an account and a stranger; the platform admin adds directly", async () => {
    const members = () => db.membership.findMany({ where: { tenantId: "acme" }, orderBy: { userId: "asc" } });
    const before = await members();
    const a = await call(one, "PUT", "/api/v1/tenants/acme/members", {
      token: acme.keys.admin.key,
      body: { email: "gus@globex.test", role: "auditor" },
    });
    const b = await call(one, "PUT", "/api/v1/tenants/acme/members", {
      token: acme.keys.admin.key,
      body: { email: "nobody-here@example.com", role: "auditor" },
    });
    expect([a.status, a.text]).toEqual([b.status, b.text]);
    expect(a.status).toBe(400);
    expect(await members()).toEqual(before);
    const direct = await call(one, "PUT", "/api/v1/tenants/acme/members", {
      token: one.adminToken,
      body: { email: "gus@globex.test", role: "auditor" },
    });
    expect(direct.status).toBe(200);
    await db.membership.deleteMany({ where: { tenantId: "acme", user: { email: "gus@globex.test" } } });
  });

  it("invite over tRPC: identical status and body (but for random parts) for an email with and without an account", async () => {
    const cookie = await signIn(one, "ada@acme.test");
    const a = await trpc(
      one,
      "tenants.invite",
      { tenantId: "acme", invitation: { email: "gus@globex.test", role: "auditor" } },
      cookie,
    );
    const b = await trpc(
      two,
      "tenants.invite",
      { tenantId: "acme", invitation: { email: "zed@example.com", role: "auditor" } },
      cookie,
    );
    const scrub = (answer: Awaited<ReturnType<typeof trpc>>, email: string) => {
      const data = answer.json.result.data;
      return JSON.stringify(answer)
        .replaceAll(data.token, "T")
        .replaceAll(data.invitation.id, "I")
        .replaceAll(data.invitation.createdAt, "C")
        .replaceAll(data.invitation.expiresAt, "E")
        .replaceAll(email, "M");
    };
    expect(a.status).toBe(200);
    expect(scrub(a, "gus@globex.test")).toBe(scrub(b, "zed@example.com"));
    expect(
      await db.membership.count({ where: { user: { email: "gus@globex.test" }, tenantId: "acme" } }),
    ).toBe(0);
  });

  it("accept: the invitee joins (once, under 6 concurrent accepts on 2 instances); another account is refused; forged links are 404", async () => {
    const admin = await signIn(one, "ada@acme.test");
    const invited = await trpc(
      one,
      "tenants.invite",
      { tenantId: "acme", invitation: { email: "ivy@example.com", role: "operator" } },
      admin,
    );
    const token = invited.json.result.data.token as string;

    const gus = await signIn(two, "gus@globex.test");
    const wrong = await trpc(two, "invitations.accept", { token }, gus);
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.message).toContain("ivy@example.com");
    const forged = await trpc(
      one,
      "invitations.accept",
      { token: `${token.slice(0, -2)}AA` === token ? `${token.slice(0, -2)}BB` : `${token.slice(0, -2)}AA` },
      gus,
    );
    expect(forged.status).toBe(404);
    const huge = await trpc(one, "invitations.accept", { token: "x".repeat(2_000_000) }, gus);
    expect([400, 413]).toContain(huge.status);

    const ivy = await signIn(one, "ivy@example.com");
    const describe = await trpc(two, "invitations.describe", { token }, ivy, false);
    expect(describe.json.result.data).toMatchObject({
      viewer: "invitee",
      status: "PENDING",
      tenantId: "acme",
    });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => trpc(i % 2 ? one : two, "invitations.accept", { token }, ivy)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(
      await db.membership.count({ where: { user: { email: "ivy@example.com" }, tenantId: "acme" } }),
    ).toBe(1);
    expect(
      await db.event.count({
        where: {
          tenantId: "acme",
          type: "invitation.accepted",
          payload: { path: ["email"], equals: "ivy@example.com" },
        },
      }),
    ).toBe(1);
  });

  it("a new person sets a password through the link, then signs in with it; the link is then used", async () => {
    const admin = await signIn(one, "ada@acme.test");
    const invited = await trpc(
      one,
      "tenants.invite",
      { tenantId: "acme", invitation: { email: "neo@example.com", role: "auditor" } },
      admin,
    );
    const token = invited.json.result.data.token as string;
    const joined = await trpc(two, "invitations.acceptAsNewPerson", {
      token,
      person: { name: "Neo", password: "a brand new password" },
    });
    expect(joined.status).toBe(200);
    const cookie = await signIn(one, "neo@example.com", "a brand new password");
    const me = await trpc(one, "me.get", undefined, cookie, false);
    expect(me.json.result.data.memberships).toEqual([
      expect.objectContaining({ tenantId: "acme", role: "auditor" }),
    ]);
    const again = await trpc(one, "invitations.acceptAsNewPerson", {
      token,
      person: { name: "Neo 2", password: "another new password" },
    });
    expect(again.status).toBe(409);
  });

  it("the set-password path refuses an email that has an account, and its password stays", async () => {
    const admin = await signIn(one, "ada@acme.test");
    const invited = await trpc(
      one,
      "tenants.invite",
      { tenantId: "acme", invitation: { email: "gus@globex.test", role: "admin" } },
      admin,
    );
    const token = invited.json.result.data.token as string;
    const takeover = await trpc(one, "invitations.acceptAsNewPerson", {
      token,
      person: { name: "Mallory", password: "mallory's password" },
    });
    expect(takeover.status).toBe(409);
    await signIn(one, "gus@globex.test"); // the old password still works
    expect(
      await db.membership.count({ where: { user: { email: "gus@globex.test" }, tenantId: "acme" } }),
    ).toBe(0);
  });
});
