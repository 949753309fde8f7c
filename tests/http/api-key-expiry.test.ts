import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";

/** Issue 14 §3: API keys show when they were last used and may expire; an expired key is refused at once. */
let server: TestServer;
let db: Db;

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  server = await startServer({ DATABASE_URL: database.url });
  const admin = server.adminToken;
  await call(server, "POST", "/api/v1/tenants", { token: admin, body: { id: "acme", name: "Acme" } });
  await call(server, "POST", "/api/v1/tenants/acme/policies", { token: admin, body: DEMO_POLICY });
});

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

const createKey = (body: Record<string, unknown>) =>
  call(server, "POST", "/api/v1/tenants/acme/api-keys", { token: server.adminToken, body });
const listKeys = async () =>
  (await call(server, "GET", "/api/v1/tenants/acme/api-keys", { token: server.adminToken })).json.keys as {
    id: string;
    lastUsedAt: string | null;
    expiresAt: string | null;
  }[];

describe("API key expiry", () => {
  it("a key works until its expiry and is refused from then on, even while cached", async () => {
    const expiresAt = new Date(Date.now() + 3_000).toISOString();
    const created = await createKey({ role: "client", name: "short-lived", expiresAt });
    expect(created.status).toBe(201);
    expect(created.json.expiresAt).toBe(expiresAt);
    const submit = () =>
      call(server, "POST", "/api/v1/intents", { token: created.json.key, body: intentBody() });
    expect((await submit()).status).toBe(201);
    const refused = await until(submit, (res) => res.status === 401, 15_000, 200);
    expect(refused.json.error.message).toBe("this API key has expired");
    const event = await db.event.findFirst({
      where: { tenantId: "acme", type: "apikey.created", subjectId: created.json.id },
    });
    expect(event?.payload).toMatchObject({ expiresAt });
    expect((await listKeys()).find((k) => k.id === created.json.id)?.expiresAt).toBe(expiresAt);
  });

  it("an expiry in the past, too far ahead or malformed is refused naming the field, and no key is made", async () => {
    const before = await db.apiKey.count();
    for (const expiresAt of [
      new Date(Date.now() - 1000).toISOString(),
      new Date(Date.now() + 6 * 366 * 24 * 3600 * 1000).toISOString(),
      "tomorrow",
      42,
    ]) {
      const res = await createKey({ role: "client", name: "bad", expiresAt });
      expect(res.status, String(expiresAt)).toBe(400);
      expect(res.json.error.fields[0].path).toBe("expiresAt");
    }
    expect(await db.apiKey.count()).toBe(before);
  });
});

describe("API key last use", () => {
  it("is recorded when the key is used, and shown in the list", async () => {
    const created = await createKey({ role: "client", name: "used" });
    expect((await listKeys()).find((k) => k.id === created.json.id)?.lastUsedAt).toBeNull();
    const before = Date.now();
    await call(server, "POST", "/api/v1/intents", { token: created.json.key, body: intentBody() });
    const used = await until(
      async () => (await listKeys()).find((k) => k.id === created.json.id),
      (k) => k?.lastUsedAt !== null,
    );
    expect(Date.parse(used!.lastUsedAt!)).toBeGreaterThanOrEqual(before - 1000);
  });
});
