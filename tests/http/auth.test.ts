import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { createTenant } from "../../server/services/tenants/tenants";
import { createUser } from "../../server/services/users/users";
import { createTestDatabase } from "../support/db";
import { startServer, type TestServer } from "../support/server";

/**
 * Dashboard sign-in over real HTTP against `next start`: sessions, the origin check on
 * cookie-authenticated mutations, per-(account, client) throttling, sign-out, and the dashboard's redirects.
 */
let server: TestServer;
let db: Db;
const password = "correct horse battery staple";

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  await createTenant(db, PLATFORM_ADMIN, { id: "acme", name: "Acme" });
  for (const [email, role] of [
    ["op@acme.example", "operator"],
    ["guessed@acme.example", "auditor"],
    ["other@acme.example", "auditor"],
  ] as const)
    await createUser(db, { email, name: email, password, memberships: [{ tenantId: "acme", role }] });
  server = await startServer({
    DATABASE_URL: database.url,
    EXOARMUR_WORKER: "off",
    EXOARMUR_SIGNIN_PER_MINUTE: "3",
  });
});

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

async function signIn(email: string, pass: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl, ...headers },
    body: JSON.stringify({ email, password: pass }),
  });
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return { status: response.status, cookie, text: await response.text() };
}

const trpc = (path: string, cookie: string, init: { input?: unknown; origin?: string | null } = {}) => {
  if (init.origin === undefined)
    return fetch(
      `${server.baseUrl}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(init.input))}`,
      {
        headers: { cookie },
      },
    );
  return fetch(`${server.baseUrl}/api/trpc/${path}`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json", ...(init.origin ? { origin: init.origin } : {}) },
    body: JSON.stringify(init.input),
  });
};

describe("dashboard sessions over HTTP", () => {
  it("signs in, reads through tRPC with the cookie, and the session is server-side (sign-out ends it)", async () => {
    const session = await signIn("op@acme.example", password);
    expect(session.status).toBe(200);
    expect(session.cookie).toMatch(/exoarmur\.session_token=/);
    const me = await trpc("me.get", session.cookie);
    expect(me.status).toBe(200);
    expect(
      ((await me.json()) as { result: { data: { memberships: { role: string }[] } } }).result.data
        .memberships,
    ).toEqual([expect.objectContaining({ tenantId: "acme", role: "operator" })]);
    expect(await db.session.count({ where: { user: { email: "op@acme.example" } } })).toBe(1);

    const out = await fetch(`${server.baseUrl}/api/auth/sign-out`, {
      method: "POST",
      headers: { cookie: session.cookie, origin: server.baseUrl, "content-type": "application/json" },
      body: "{}",
    });
    expect(out.status).toBe(200);
    expect(await db.session.count({ where: { user: { email: "op@acme.example" } } })).toBe(0);
    expect((await trpc("me.get", session.cookie)).status).toBe(401);
  });

  it("a member cannot rename themselves (or change email, or delete the account) past the services' rules", async () => {
    const { cookie } = await signIn("other@acme.example", password);
    const headers = { cookie, origin: server.baseUrl, "content-type": "application/json" };
    // A name with a right-to-left override would show reversed wherever members are listed.
    for (const [path, body] of [
      ["update-user", { name: "Olga\u202e nimda" }],
      ["change-email", { newEmail: "ceo@acme.example" }],
      ["delete-user", {}],
    ] as const) {
      const response = await fetch(`${server.baseUrl}/api/auth/${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      });
      expect(response.status, path).toBe(404);
    }
    const user = await db.user.findUniqueOrThrow({ where: { email: "other@acme.example" } });
    expect(user.name).toBe("other@acme.example");
  });

  it("a cookie-authenticated mutation needs this site's Origin: cross-site and missing are refused, nothing changes", async () => {
    const { cookie } = await signIn("op@acme.example", password);
    const input = { tenantId: "acme", engaged: true, reason: "csrf" };
    for (const origin of ["https://evil.example", null]) {
      const response = await trpc("killSwitches.setTenant", cookie, { input, origin });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("cross-site");
    }
    expect(await db.killSwitch.count()).toBe(0);
    const same = await trpc("killSwitches.setTenant", cookie, { input, origin: server.baseUrl });
    expect(same.status).toBe(200);
    expect(await db.killSwitch.findUnique({ where: { id: "tenant:acme" } })).toMatchObject({
      engaged: true,
      reason: "csrf",
    });
  });

  it("sign-in itself refuses a foreign Origin", async () => {
    const response = await signIn("op@acme.example", password, { origin: "https://evil.example" });
    expect(response.status).toBe(403);
    expect(response.cookie).toBe("");
  });

  it("guessing one account's password is throttled per (account, client), whatever X-Forwarded-For says", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await signIn("guessed@acme.example", `wrong-${i}-password`, { "x-forwarded-for": `203.0.113.${i}` }))
          .status,
      );
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // The same client (X-Forwarded-For is not trusted here) waits out the window for that account;
    // other accounts are unaffected. (The owner on another client: tests/http/sign-in-throttle.test.ts.)
    expect(
      (await signIn("guessed@acme.example", password, { "x-forwarded-for": "198.51.100.9" })).status,
    ).toBe(429);
    expect(
      (await signIn("other@acme.example", password, { "x-forwarded-for": "198.51.100.10" })).status,
    ).toBe(200);
  });

  it("sign-up is closed, malformed sign-in bodies are refused without a session", async () => {
    const signUp = await fetch(`${server.baseUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.baseUrl },
      body: JSON.stringify({ email: "new@acme.example", password: "a long enough password", name: "New" }),
    });
    expect(signUp.status).toBeGreaterThanOrEqual(400);
    expect(await db.user.count({ where: { email: "new@acme.example" } })).toBe(0);
    for (const body of [
      "not json",
      JSON.stringify({ email: 42, password: [] }),
      JSON.stringify({ email: "x".repeat(100_000) }),
    ]) {
      const response = await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: server.baseUrl,
          "x-forwarded-for": "192.0.2.77",
        },
        body,
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it("dashboard pages redirect to sign-in without a session, and unknown tenants say not found", async () => {
    const anonymous = await fetch(`${server.baseUrl}/t/acme/decisions`, { redirect: "manual" });
    expect([303, 307, 308]).toContain(anonymous.status);
    expect(anonymous.headers.get("location")).toContain("/sign-in");
    const { cookie } = await signIn("other@acme.example", password, { "x-forwarded-for": "198.51.100.11" });
    const foreign = await fetch(`${server.baseUrl}/t/globex/decisions`, { headers: { cookie } });
    expect(await foreign.text()).toContain("Tenant not found");
    const malformed = await fetch(`${server.baseUrl}/t/%E0%A4%A/decisions`, { headers: { cookie } });
    expect(malformed.status).toBe(400);
  });
});
