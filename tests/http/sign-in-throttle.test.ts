import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { createTenant } from "../../server/services/tenants/tenants";
import { createUser } from "../../server/services/users/users";
import { createTestDatabase } from "../support/db";
import { startServer, type TestServer } from "../support/server";

/**
 * Issue 11 §5: the sign-in throttle keys on the client address — the socket's, or with
 * EXOARMUR_TRUSTED_PROXIES the right-most untrusted X-Forwarded-For entry — so rotating
 * X-Forwarded-For buys nothing; and an attacker guessing an account from one client cannot lock its
 * owner (another client) out beyond a short, bounded delay.
 */
let direct: TestServer;
let proxied: TestServer;
let db: Db;
const password = "correct horse battery staple";

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  await createTenant(db, PLATFORM_ADMIN, { id: "acme", name: "Acme" });
  for (const email of ["rotated@acme.example", "owner@acme.example", "hot@acme.example"])
    await createUser(db, {
      email,
      name: email,
      password,
      memberships: [{ tenantId: "acme", role: "auditor" }],
    });
  const common = { DATABASE_URL: database.url, EXOARMUR_WORKER: "off", EXOARMUR_SIGNIN_PER_MINUTE: "3" };
  direct = await startServer({ ...common, EXOARMUR_SIGNIN_PER_IP_PER_MINUTE: "6" });
  proxied = await startServer({
    ...common,
    EXOARMUR_SIGNIN_PER_IP_PER_MINUTE: "1000",
    EXOARMUR_TRUSTED_PROXIES: "127.0.0.1/32, ::1/128",
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([direct?.stop(), proxied?.stop()]);
  await db?.$disconnect();
});

async function signIn(server: TestServer, email: string, pass: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const response = await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.baseUrl, ...headers },
    body: JSON.stringify({ email, password: pass }),
  });
  await response.text();
  return {
    status: response.status,
    ms: Date.now() - started,
    retryAfter: response.headers.get("retry-after"),
  };
}

describe("without trusted proxies, X-Forwarded-For is ignored", () => {
  it("12 rotating X-Forwarded-For values give no extra attempts on one account", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (
          await signIn(direct, "rotated@acme.example", `wrong-${i}-password`, {
            "x-forwarded-for": `203.0.113.${i}`,
            // Nor does a forged copy of the header the server stamps the socket address into.
            "x-exoarmur-client-address": `198.51.100.${i}`,
          })
        ).status,
      );
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual(Array(9).fill(429));
  });

  it("rotating X-Forwarded-For over many accounts is still one client (per-IP limit)", async () => {
    const statuses: number[] = [];
    // Three attempts were left of this client's 6 a minute after the test above.
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await signIn(direct, `nobody${i}@acme.example`, "whatever-password", {
            "x-forwarded-for": `198.51.100.${i}`,
          })
        ).status,
      );
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(3);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("behind a trusted proxy, the owner is never locked out", () => {
  it("the right-most untrusted X-Forwarded-For entry is the client: a forged left part changes nothing", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await signIn(proxied, "owner@acme.example", `wrong-${i}-password`, {
            "x-forwarded-for": `10.9.9.${i}, 203.0.113.9`,
          })
        ).status,
      );
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it("while an attacker keeps guessing from another client, the owner signs in (no 429, bounded delay)", async () => {
    const attacker = signIn(proxied, "owner@acme.example", "still-wrong-password", {
      "x-forwarded-for": "203.0.113.9",
    });
    expect((await attacker).status).toBe(429);
    const owner = await signIn(proxied, "owner@acme.example", password, {
      "x-forwarded-for": "198.51.100.7",
    });
    expect(owner.status).toBe(200);
    expect(owner.ms).toBeLessThan(3000);
  });

  it("guesses spread over many clients slow the account down, but the owner still gets in within seconds", async () => {
    const attempts: { status: number; ms: number }[] = [];
    for (let i = 0; i < 12; i++)
      attempts.push(
        await signIn(proxied, "hot@acme.example", `wrong-${i}-password`, {
          "x-forwarded-for": `192.0.2.${i}`,
        }),
      );
    expect(attempts.every((a) => a.status === 401)).toBe(true);
    // Past 10 failures the account is slowed down: each further attempt waits about a second.
    expect(attempts.at(-1)!.ms).toBeGreaterThanOrEqual(900);
    const owner = await signIn(proxied, "hot@acme.example", password, { "x-forwarded-for": "198.51.100.8" });
    expect(owner.status).toBe(200);
    expect(owner.ms).toBeLessThan(3000);
  });
});
