import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";

let server: TestServer;
let db: Db;
let admin: string;
const keys: Record<string, Record<string, string>> = {};
const ids: Record<string, string> = {};

async function setupTenant(id: string, limits?: Record<string, number>) {
  expect(
    (
      await call(server, "POST", "/api/v1/tenants", {
        token: admin,
        body: { id, name: id.toUpperCase(), ...(limits ? { limits } : {}) },
      })
    ).status,
  ).toBe(201);
  expect(
    (await call(server, "POST", `/api/v1/tenants/${id}/policies`, { token: admin, body: DEMO_POLICY }))
      .status,
  ).toBe(201);
  keys[id] = {};
  // Keys that vote act for people: each is a member of the tenant, created over REST.
  const person = async (name: string, role: string) => {
    const email = `${name}@${id}.test`;
    expect(
      (await call(server, "POST", "/api/v1/users", { token: admin, body: { email, name } })).status,
    ).toBe(201);
    expect(
      (await call(server, "PUT", `/api/v1/tenants/${id}/members`, { token: admin, body: { email, role } }))
        .status,
    ).toBe(200);
    return email;
  };
  const forUser: Record<string, string | undefined> = {
    operator: await person("operator", "operator"),
    admin: await person("admin", "admin"),
    operator2: await person("operator2", "operator"),
  };
  for (const role of ["client", "operator", "auditor", "admin"]) {
    const created = await call(server, "POST", `/api/v1/tenants/${id}/api-keys`, {
      token: admin,
      body: { role, name: `${role}-key`, ...(forUser[role] ? { forUser: forUser[role] } : {}) },
    });
    expect(created.status).toBe(201);
    keys[id]![role] = created.json.key;
  }
  const op2 = await call(server, "POST", `/api/v1/tenants/${id}/api-keys`, {
    token: admin,
    body: { role: "operator", name: "second operator", forUser: forUser.operator2 },
  });
  keys[id]!.operator2 = op2.json.key;
}

const rows = async () => ({
  intents: await db.intent.count(),
  decisions: await db.decision.count(),
  events: await db.event.count(),
  approvals: await db.approval.count(),
  executions: await db.execution.count(),
});

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  server = await startServer({ DATABASE_URL: database.url, EXOARMUR_WORKER: "off" });
  admin = server.adminToken;
  await setupTenant("acme");
  await setupTenant("globex");
  await setupTenant("tiny", { ratePerSecond: 0.01, burst: 2 });
  const allow = await call(server, "POST", "/api/v1/intents", {
    token: keys.acme!.client,
    body: intentBody(),
  });
  const hard = await call(server, "POST", "/api/v1/intents", {
    token: keys.acme!.client,
    body: intentBody({ actionClass: "A2_hard" }),
  });
  ids.decision = allow.json.decisionId;
  ids.execution = allow.json.executionId;
  ids.approval = hard.json.approvalId;
  ids.hardDecision = hard.json.decisionId;
});

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

describe("authentication and administration", () => {
  it("401 without a key, with a malformed header, or with an unknown key", async () => {
    for (const headers of [
      {},
      { authorization: "Basic abc" },
      { authorization: "Bearer exo_nope_nope" },
    ] as Record<string, string>[]) {
      const res = await call(server, "POST", "/api/v1/intents", { headers, body: intentBody() });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("tenants: 201, then 409 for the same id, 403 for a tenant key, 400 naming the field", async () => {
    expect(
      (
        await call(server, "POST", "/api/v1/tenants", {
          token: admin,
          body: { id: "initech", name: "Initech" },
        })
      ).status,
    ).toBe(201);
    const again = await call(server, "POST", "/api/v1/tenants", {
      token: admin,
      body: { id: "initech", name: "Initech" },
    });
    expect([again.status, again.json.error.code]).toEqual([409, "CONFLICT"]);
    expect(
      (
        await call(server, "POST", "/api/v1/tenants", {
          token: keys.acme!.admin,
          body: { id: "x", name: "x" },
        })
      ).status,
    ).toBe(403);
    const bad = await call(server, "POST", "/api/v1/tenants", {
      token: admin,
      body: { id: "Not A Slug", name: "" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["id", "name"]);
  });

  it("API keys are shown once and hashed at rest; policies return {version, hash}", async () => {
    const created = await call(server, "POST", "/api/v1/tenants/acme/api-keys", {
      token: keys.acme!.admin,
      body: { role: "auditor", name: "audit 2" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ role: "auditor", key: expect.stringMatching(/^exo_/) });
    const stored = await db.apiKey.findUniqueOrThrow({ where: { id: created.json.id } });
    expect(stored.keyHash).not.toContain(created.json.key);
    expect(JSON.stringify(stored)).not.toContain(created.json.key);
    const policy = await call(server, "POST", "/api/v1/tenants/acme/policies", {
      token: keys.acme!.admin,
      body: DEMO_POLICY,
    });
    expect(policy.status).toBe(201);
    expect(policy.json).toMatchObject({
      version: 2,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      active: true,
    });
    const invalid = await call(server, "POST", "/api/v1/tenants/acme/policies", {
      token: keys.acme!.admin,
      body: { rules: [{ id: "a", effect: "maybe" }] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.fields).toContainEqual({
      path: "rules[0].effect",
      message: "must be one of allow, deny, require_approval",
    });
    expect(
      (
        await call(server, "POST", "/api/v1/tenants/acme/policies", {
          token: keys.acme!.operator,
          body: DEMO_POLICY,
        })
      ).status,
    ).toBe(403);
  });

  it("a suspended tenant's key may not submit (403 TENANT_SUSPENDED, nothing written); activating restores it", async () => {
    await call(server, "POST", "/api/v1/tenants", { token: admin, body: { id: "paused", name: "Paused" } });
    const key = (
      await call(server, "POST", "/api/v1/tenants/paused/api-keys", {
        token: admin,
        body: { role: "client", name: "c" },
      })
    ).json.key;
    expect(
      (await call(server, "PATCH", "/api/v1/tenants/paused", { token: admin, body: { status: "suspended" } }))
        .json.status,
    ).toBe("suspended");
    const before = await rows();
    const refused = await call(server, "POST", "/api/v1/intents", { token: key, body: intentBody() });
    expect([refused.status, refused.json.error.reason]).toEqual([403, "TENANT_SUSPENDED"]);
    expect(await rows()).toEqual(before);
    await call(server, "PATCH", "/api/v1/tenants/paused", { token: admin, body: { status: "active" } });
    expect(
      (await call(server, "POST", "/api/v1/intents", { token: key, body: intentBody() })).json.reason,
    ).toBe("POLICY_NO_MATCH");
  });
});

describe("API key revocation", () => {
  it("a revoked key gets 401 on its next request; listing never shows secrets; other tenants get 404", async () => {
    const created = await call(server, "POST", "/api/v1/tenants/acme/api-keys", {
      token: keys.acme!.admin,
      body: { role: "client", name: "short-lived" },
    });
    expect(
      (await call(server, "POST", "/api/v1/intents", { token: created.json.key, body: intentBody() })).status,
    ).toBe(201);
    expect(
      (
        await call(server, "DELETE", `/api/v1/tenants/acme/api-keys/${created.json.id}`, {
          token: keys.globex!.admin,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(server, "DELETE", `/api/v1/tenants/acme/api-keys/${created.json.id}`, {
          token: keys.acme!.operator,
        })
      ).status,
    ).toBe(403);
    const revoked = await call(server, "DELETE", `/api/v1/tenants/acme/api-keys/${created.json.id}`, {
      token: keys.acme!.admin,
    });
    expect([revoked.status, revoked.json.id]).toEqual([200, created.json.id]);
    const refused = await call(server, "POST", "/api/v1/intents", {
      token: created.json.key,
      body: intentBody(),
    });
    expect([refused.status, refused.json.error.message]).toEqual([401, "unknown or revoked API key"]);
    const list = await call(server, "GET", "/api/v1/tenants/acme/api-keys", { token: keys.acme!.admin });
    expect(list.json.keys).toContainEqual(
      expect.objectContaining({ id: created.json.id, revokedAt: revoked.json.revokedAt }),
    );
    expect(list.text).not.toContain(created.json.key);
    expect(list.text).not.toContain("keyHash");
    expect(
      (await call(server, "DELETE", "/api/v1/tenants/acme/api-keys/key_nope", { token: keys.acme!.admin }))
        .status,
    ).toBe(404);
  });
});

describe("policy versions", () => {
  it("lists versions newest first, re-activates an old one (decisions then record it), refuses bad versions", async () => {
    await call(server, "POST", "/api/v1/tenants/globex/policies", {
      token: keys.globex!.admin,
      body: { rules: [] },
    });
    const list = await call(server, "GET", "/api/v1/tenants/globex/policies", {
      token: keys.globex!.auditor,
    });
    expect(list.status).toBe(200);
    expect(
      list.json.versions.map((v: { version: number; active: boolean }) => [v.version, v.active]),
    ).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(
      (await call(server, "POST", "/api/v1/intents", { token: keys.globex!.client, body: intentBody() })).json
        .reason,
    ).toBe("POLICY_NO_MATCH");
    const back = await call(server, "POST", "/api/v1/tenants/globex/policies/1/activate", {
      token: keys.globex!.admin,
    });
    expect([back.status, back.json.version, back.json.active]).toEqual([200, 1, true]);
    const decided = await call(server, "POST", "/api/v1/intents", {
      token: keys.globex!.client,
      body: intentBody(),
    });
    expect(decided.json.verdict).toBe("ALLOW");
    expect(
      (
        await call(server, "GET", `/api/v1/decisions/${decided.json.decisionId}`, {
          token: keys.globex!.auditor,
        })
      ).json.policyVersion,
    ).toBe(1);
    expect(
      (
        await call(server, "POST", "/api/v1/tenants/globex/policies/99/activate", {
          token: keys.globex!.admin,
        })
      ).status,
    ).toBe(404);
    const bad = await call(server, "POST", "/api/v1/tenants/globex/policies/abc/activate", {
      token: keys.globex!.admin,
    });
    expect([bad.status, bad.json.error.fields[0].path]).toEqual([400, "version"]);
    expect(
      (await call(server, "GET", "/api/v1/tenants/globex/policies", { token: keys.globex!.client })).status,
    ).toBe(403);
    expect(
      (
        await call(server, "POST", "/api/v1/tenants/globex/policies/1/activate", {
          token: keys.globex!.operator,
        })
      ).status,
    ).toBe(403);
  });
});

describe("POST /api/v1/intents", () => {
  it("201 new, 200 replay (header key), 409 changed content", async () => {
    const { idempotencyKey, ...body } = intentBody();
    const headers = { "idempotency-key": idempotencyKey as string };
    const first = await call(server, "POST", "/api/v1/intents", { token: keys.acme!.client, body, headers });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      verdict: "ALLOW",
      reason: "POLICY_ALLOW",
      decidingRule: "allow-soft",
      matchedRules: [{ id: "allow-soft", effect: "allow" }],
    });
    const replay = await call(server, "POST", "/api/v1/intents", { token: keys.acme!.client, body, headers });
    expect([replay.status, replay.json]).toEqual([200, first.json]);
    const changed = await call(server, "POST", "/api/v1/intents", {
      token: keys.acme!.client,
      body: { ...body, target: "web-9" },
      headers,
    });
    expect([changed.status, changed.json.error.reason]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
  });

  it("20 concurrent requests with one key → one decision", async () => {
    const body = intentBody({ actionClass: "A2_hard" });
    const before = await rows();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(server, "POST", "/api/v1/intents", { token: keys.acme!.client, body }),
      ),
    );
    expect(results.map((r) => r.status).sort((a, b) => a - b)).toEqual([...Array(19).fill(200), 201]);
    expect(new Set(results.map((r) => r.json.decisionId)).size).toBe(1);
    const after = await rows();
    expect([after.decisions - before.decisions, after.approvals - before.approvals]).toEqual([1, 1]);
  });

  it("403 when tenantId names another tenant, or the key is not a client key", async () => {
    expect(
      (
        await call(server, "POST", "/api/v1/intents", {
          token: keys.acme!.client,
          body: intentBody({ tenantId: "globex" }),
        })
      ).status,
    ).toBe(403);
    expect(
      (await call(server, "POST", "/api/v1/intents", { token: keys.acme!.auditor, body: intentBody() }))
        .status,
    ).toBe(403);
  });

  it("429 RATE_LIMITED with Retry-After once the bucket is empty; nothing stored for the refused request", async () => {
    await call(server, "POST", "/api/v1/intents", { token: keys.tiny!.client, body: intentBody() });
    await call(server, "POST", "/api/v1/intents", { token: keys.tiny!.client, body: intentBody() });
    const before = await rows();
    const refused = await call(server, "POST", "/api/v1/intents", {
      token: keys.tiny!.client,
      body: intentBody(),
    });
    expect([refused.status, refused.json.error.reason]).toEqual([429, "RATE_LIMITED"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await rows()).toEqual(before);
  });

  it("hostile input: oversized, not JSON, wrong content type, deep nesting, wrong types → 4xx and no rows", async () => {
    const before = await rows();
    const token = keys.acme!.client;
    const huge = await call(server, "POST", "/api/v1/intents", {
      token,
      body: intentBody({ parameters: { blob: "x".repeat(300_000) } }),
    });
    expect(huge.status).toBe(413);
    expect(
      (await call(server, "POST", "/api/v1/intents", { token, raw: '{"actor": ' })).json.error.reason,
    ).toBe("MALFORMED_JSON");
    expect(
      (
        await call(server, "POST", "/api/v1/intents", {
          token,
          raw: "actor=x",
          headers: { "content-type": "application/x-www-form-urlencoded" },
        })
      ).status,
    ).toBe(415);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const nested = await call(server, "POST", "/api/v1/intents", {
      token,
      body: intentBody({ parameters: { deep } }),
    });
    expect(nested.status).toBe(400);
    expect(nested.json.error.fields[0].message).toContain("deeper than 32");
    const bigParams = await call(server, "POST", "/api/v1/intents", {
      token,
      body: intentBody({ parameters: { blob: "x".repeat(70_000) } }),
    });
    expect([bigParams.status, bigParams.json.error.fields[0].path]).toEqual([400, "parameters"]);
    const types = await call(server, "POST", "/api/v1/intents", {
      token,
      body: {
        actor: "agent",
        action: 7,
        actionClass: null,
        target: ["a"],
        parameters: "x",
        idempotencyKey: 5,
      },
    });
    expect(types.status).toBe(400);
    expect(types.json.error.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      "action",
      "actionClass",
      "actor",
      "idempotencyKey",
      "parameters",
      "target",
    ]);
    for (const raw of ["null", "[]", '"intent"', "42"])
      expect((await call(server, "POST", "/api/v1/intents", { token, raw })).status).toBe(400);
    const nul = await call(server, "POST", "/api/v1/intents", {
      token,
      body: intentBody({ parameters: { note: "a\u0000b" } }),
    });
    expect(nul.status).toBe(400);
    expect(await rows()).toEqual(before);
  });

  it("what people are shown is what is there: bidi overrides and invisible characters are refused in every shown field (400 naming it, nothing written)", async () => {
    const before = await rows();
    const token = keys.acme!.client;
    const refused = async (path: string, body: unknown, who = token) => {
      const res = await call(server, "POST", path, { token: who, body });
      return [
        res.status,
        res.json.error?.fields?.map((f: { path: string; message: string }) => [f.path, f.message]),
      ];
    };
    const hidden = (at: number, cp: string) =>
      `must not contain control characters or invisible formatting characters (U+${cp} at index ${at})`;
    // "web-7" followed by a right-to-left override: an approver would read a reversed tail.
    expect(await refused("/api/v1/intents", intentBody({ target: "web-\u202e7-bew.exe" }))).toEqual([
      400,
      [["target", hidden(4, "202E")]],
    ]);
    expect(
      await refused("/api/v1/intents", intentBody({ actor: { type: "agent", id: "soar\u200b-1" } })),
    ).toEqual([400, [["actor.id", hidden(4, "200B")]]]);
    expect(await refused("/api/v1/intents", intentBody({ correlationId: "\ufeffc-1" }))).toEqual([
      400,
      [["correlationId", hidden(0, "FEFF")]],
    ]);
    // Names and reasons an operator reads on the dashboard, and the globs of a policy.
    expect(
      await refused("/api/v1/tenants/acme/api-keys", { role: "client", name: "ci\u2066bot" }, admin),
    ).toEqual([400, [["name", hidden(2, "2066")]]]);
    expect(
      await call(server, "PUT", "/api/v1/kill-switches", {
        token: admin,
        body: { scope: "tenant", tenantId: "acme", engaged: true, reason: "drill\u200d" },
      }).then((res) => [res.status, res.json.error.fields[0].path, res.json.error.fields[0].message]),
    ).toEqual([400, "reason", hidden(5, "200D")]);
    const policy = await call(server, "POST", "/api/v1/tenants/acme/policies", {
      token: admin,
      body: { rules: [{ id: "r", match: { targets: ["db-\u202e*"] }, effect: "deny" }] },
    });
    expect(policy.status).toBe(400);
    expect(policy.json.error.fields[0].path).toBe("rules[0].match.targets[0]");
    expect(await rows()).toEqual(before);
  });

  it("SQL-ish and unicode strings are just data", async () => {
    const target = `web-7'; DROP TABLE "Intent"; --`;
    const res = await call(server, "POST", "/api/v1/intents", {
      token: keys.acme!.client,
      body: intentBody({ target, parameters: { note: "überprüfen 🔒 ' OR 1=1 --" } }),
    });
    expect(res.status).toBe(201);
    const decision = await call(server, "GET", `/api/v1/decisions/${res.json.decisionId}`, {
      token: keys.acme!.auditor,
    });
    expect(decision.json.intent.target).toBe(target);
    expect(decision.json.intent.parameters.note).toBe("überprüfen 🔒 ' OR 1=1 --");
    expect(await db.intent.count()).toBeGreaterThan(0);
  });
});

describe("approvals over HTTP", () => {
  it("two operators reach quorum; the execution is queued; double votes and reasonless denies are refused", async () => {
    const first = await call(server, "POST", `/api/v1/approvals/${ids.approval}/votes`, {
      token: keys.acme!.operator,
      body: { vote: "approve" },
    });
    expect([first.status, first.json]).toEqual([
      200,
      expect.objectContaining({ status: "PENDING", approvals: 1, quorum: 2 }),
    ]);
    const twice = await call(server, "POST", `/api/v1/approvals/${ids.approval}/votes`, {
      token: keys.acme!.operator,
      body: { vote: "approve" },
    });
    expect([twice.status, twice.json.error.reason]).toEqual([409, "ALREADY_VOTED"]);
    const noReason = await call(server, "POST", `/api/v1/approvals/${ids.approval}/votes`, {
      token: keys.acme!.operator2,
      body: { vote: "deny" },
    });
    expect([noReason.status, noReason.json.error.reason]).toEqual([400, "REASON_REQUIRED"]);
    const badBody = await call(server, "POST", `/api/v1/approvals/${ids.approval}/votes`, {
      token: keys.acme!.operator2,
      body: { vote: "maybe", extra: 1 },
    });
    expect(badBody.status).toBe(400);
    const second = await call(server, "POST", `/api/v1/approvals/${ids.approval}/votes`, {
      token: keys.acme!.operator2,
      body: { vote: "approve" },
    });
    expect(second.json).toMatchObject({ status: "APPROVED", approvals: 2, executionStatus: "QUEUED" });
    const decision = await call(server, "GET", `/api/v1/decisions/${ids.hardDecision}`, {
      token: keys.acme!.client,
    });
    expect(decision.json.approval).toMatchObject({ status: "APPROVED", approvals: 2 });
    expect(decision.json.execution).toMatchObject({ status: "QUEUED" });
    const execution = await call(server, "GET", `/api/v1/executions/${decision.json.execution.id}`, {
      token: keys.acme!.client,
    });
    expect(execution.json.events.map((e: { type: string }) => e.type)).toEqual(["execution.queued"]);
  });
});

describe("kill switches over HTTP", () => {
  it("an operator engages the tenant switch; the next intent is denied KILL_SWITCH_TENANT; GET lists it", async () => {
    const engaged = await call(server, "PUT", "/api/v1/kill-switches", {
      token: keys.globex!.operator,
      body: { scope: "tenant", engaged: true, reason: "incident 9" },
    });
    expect([engaged.status, engaged.json.id, engaged.json.engaged]).toEqual([200, "tenant:globex", true]);
    const denied = await call(server, "POST", "/api/v1/intents", {
      token: keys.globex!.client,
      body: intentBody(),
    });
    expect(denied.json).toMatchObject({ verdict: "DENY", reason: "KILL_SWITCH_TENANT" });
    const list = await call(server, "GET", "/api/v1/kill-switches", { token: keys.globex!.auditor });
    expect(list.json.killSwitches).toContainEqual(
      expect.objectContaining({ id: "tenant:globex", engaged: true, reason: "incident 9" }),
    );
    expect(
      (
        await call(server, "GET", "/api/v1/kill-switches", { token: keys.acme!.auditor })
      ).json.killSwitches.some((k: { id: string }) => k.id === "tenant:globex"),
    ).toBe(false);
    expect(
      (
        await call(server, "PUT", "/api/v1/kill-switches", {
          token: keys.globex!.auditor,
          body: { scope: "tenant", engaged: false, reason: "x" },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call(server, "PUT", "/api/v1/kill-switches", {
          token: keys.globex!.operator,
          body: { scope: "global", engaged: true, reason: "x" },
        })
      ).status,
    ).toBe(403);
    await call(server, "PUT", "/api/v1/kill-switches", {
      token: keys.globex!.operator,
      body: { scope: "tenant", engaged: false, reason: "resolved" },
    });
    expect(
      (await call(server, "POST", "/api/v1/intents", { token: keys.globex!.client, body: intentBody() })).json
        .verdict,
    ).toBe("ALLOW");
  });
});

describe("tenant isolation: another tenant's key gets 404 for every id", () => {
  it.each([
    ["GET", () => `/api/v1/decisions/${ids.decision}`, undefined],
    ["GET", () => `/api/v1/decisions/${ids.decision}/evidence`, undefined],
    ["GET", () => `/api/v1/executions/${ids.execution}`, undefined],
    ["POST", () => `/api/v1/approvals/${ids.approval}/votes`, { vote: "approve" }],
    ["GET", () => "/api/v1/tenants/acme", undefined],
    ["PATCH", () => "/api/v1/tenants/acme", { name: "mine now" }],
    ["POST", () => "/api/v1/tenants/acme/api-keys", { role: "admin", name: "sneaky" }],
    ["POST", () => "/api/v1/tenants/acme/policies", { rules: [] }],
    ["GET", () => "/api/v1/tenants/acme/policies", undefined],
    ["POST", () => "/api/v1/tenants/acme/policies/1/activate", undefined],
    ["POST", () => "/api/v1/tenants/acme/policies/1/reject", { reason: "not yours" }],
    [
      "PUT",
      () => "/api/v1/kill-switches",
      { scope: "tenant", tenantId: "acme", engaged: true, reason: "sabotage" },
    ],
  ])("%s %s", async (method, path, body) => {
    for (const role of ["client", "operator", "auditor", "admin"]) {
      const res = await call(server, method, path(), {
        token: keys.globex![role],
        ...(body ? { body } : {}),
      });
      expect(res.status, `${role} ${method} ${path()}`).toBe(404);
    }
  });
});

describe("policy changes over REST: notes and four eyes", () => {
  it("a note rides in ?note=; under four eyes the author's key cannot activate, a second admin can; reject refuses hostile bodies and happens once", async () => {
    await setupTenant("foureyes");
    const author = keys.foureyes!.admin!;
    const email = "admin2@foureyes.test";
    expect(
      (await call(server, "POST", "/api/v1/users", { token: admin, body: { email, name: "admin2" } })).status,
    ).toBe(201);
    expect(
      (
        await call(server, "PUT", "/api/v1/tenants/foureyes/members", {
          token: admin,
          body: { email, role: "admin" },
        })
      ).status,
    ).toBe(200);
    const second = (
      await call(server, "POST", "/api/v1/tenants/foureyes/api-keys", {
        token: admin,
        body: { role: "admin", name: "second admin", forUser: email },
      })
    ).json.key as string;

    const on = await call(server, "PATCH", "/api/v1/tenants/foureyes", {
      token: author,
      body: { policyFourEyes: true },
    });
    expect([on.status, on.json.policyFourEyes]).toEqual([200, true]);
    const badFlag = await call(server, "PATCH", "/api/v1/tenants/foureyes", {
      token: author,
      body: { policyFourEyes: "yes" },
    });
    expect([badFlag.status, badFlag.json.error.fields[0].path]).toEqual([400, "policyFourEyes"]);

    const proposed = await call(
      server,
      "POST",
      `/api/v1/tenants/foureyes/policies?note=${encodeURIComponent("tighten at night")}`,
      {
        token: author,
        body: DEMO_POLICY,
      },
    );
    expect(proposed.status).toBe(201);
    expect(proposed.json).toMatchObject({ version: 2, active: false, review: "PENDING", warnings: [] });
    const blankNote = await call(server, "POST", "/api/v1/tenants/foureyes/policies?note=%20", {
      token: author,
      body: DEMO_POLICY,
    });
    expect([blankNote.status, blankNote.json.error.fields[0].path]).toEqual([400, "note"]);
    expect(
      (await call(server, "POST", "/api/v1/tenants/foureyes/policies/2/activate", { token: author })).status,
    ).toBe(403);

    const before = await rows();
    for (const [path, body, field] of [
      ["/api/v1/tenants/foureyes/policies/2/reject", "nope", "(body)"],
      ["/api/v1/tenants/foureyes/policies/2/reject", {}, "reason"],
      ["/api/v1/tenants/foureyes/policies/2/reject", { reason: "  " }, "reason"],
      ["/api/v1/tenants/foureyes/policies/2/reject", { reason: "x".repeat(1001) }, "reason"],
      ["/api/v1/tenants/foureyes/policies/2/reject", { reason: "ok", admin: true }, "admin"],
      ["/api/v1/tenants/foureyes/policies/abc/reject", { reason: "ok" }, "version"],
    ] as const) {
      const refused = await call(server, "POST", path, { token: second, body });
      expect([refused.status, refused.json.error.fields[0].path], JSON.stringify(body)).toEqual([400, field]);
    }
    expect(await rows()).toEqual(before);
    expect(
      (
        await call(server, "POST", "/api/v1/tenants/foureyes/policies/2/reject", {
          token: keys.foureyes!.operator,
          body: { reason: "no" },
        })
      ).status,
    ).toBe(403);

    const approved = await call(server, "POST", "/api/v1/tenants/foureyes/policies/2/activate", {
      token: second,
    });
    expect([approved.status, approved.json.active]).toEqual([200, true]);
    const listed = await call(server, "GET", "/api/v1/tenants/foureyes/policies", { token: author });
    expect(listed.json.fourEyes).toBe(true);
    expect(listed.json.versions[0]).toMatchObject({
      version: 2,
      active: true,
      review: "APPROVED",
      note: "tighten at night",
    });

    await call(server, "POST", "/api/v1/tenants/foureyes/policies", { token: author, body: DEMO_POLICY });
    const rejected = await call(server, "POST", "/api/v1/tenants/foureyes/policies/3/reject", {
      token: second,
      body: { reason: "not now" },
    });
    expect([rejected.status, rejected.json.review]).toEqual([200, "REJECTED"]);
    expect(
      (
        await call(server, "POST", "/api/v1/tenants/foureyes/policies/3/reject", {
          token: second,
          body: { reason: "again" },
        })
      ).status,
    ).toBe(409);
    expect(
      (await call(server, "POST", "/api/v1/tenants/foureyes/policies/3/activate", { token: second })).status,
    ).toBe(409);
    expect(
      (
        await call(server, "POST", "/api/v1/tenants/foureyes/policies/99/reject", {
          token: second,
          body: { reason: "x" },
        })
      ).status,
    ).toBe(404);

    expect(
      (
        await call(server, "PATCH", "/api/v1/tenants/foureyes", {
          token: second,
          body: { policyFourEyes: false },
        })
      ).status,
    ).toBe(403);
    const off = await call(server, "PATCH", "/api/v1/tenants/foureyes", {
      token: admin,
      body: { policyFourEyes: false },
    });
    expect([off.status, off.json.policyFourEyes]).toEqual([200, false]);
  });
});

describe("evidence", () => {
  it("the exported bundle verifies with the CLI (pinned to the server key); a tampered copy does not", async () => {
    const evidence = await call(server, "GET", `/api/v1/decisions/${ids.hardDecision}/evidence`, {
      token: keys.acme!.auditor,
    });
    expect(evidence.status).toBe(200);
    expect(evidence.headers.get("content-disposition")).toContain("attachment");
    const key = await call(server, "GET", "/api/v1/signing-key", { token: keys.acme!.auditor });
    const dir = mkdtempSync(join(tmpdir(), "exoarmur-evidence-"));
    const file = join(dir, "bundle.json");
    writeFileSync(file, evidence.text);
    const ok = spawnSync(
      process.execPath,
      ["bin/exoarmur.mjs", "verify", file, "--public-key", key.json.publicKey],
      { encoding: "utf8" },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("REQUIRE_APPROVAL");
    expect(ok.stdout).toContain("(trusted key)");
    const tampered = JSON.parse(evidence.text);
    tampered.approval.votes[1].vote = "deny";
    writeFileSync(file, JSON.stringify(tampered));
    const bad = spawnSync(process.execPath, ["bin/exoarmur.mjs", "verify", file], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("approval.votes[1].vote");
  });
});

describe("health, metrics, OpenAPI", () => {
  it("health says the database is up and migrations are current", async () => {
    const res = await call(server, "GET", "/api/health");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "ok", database: "up", migrations: "current" });
    expect(["current", "behind"]).toContain(res.json.stream.status);
  });

  it("metrics count decisions by verdict, 429s and request latency", async () => {
    const res = await call(server, "GET", "/api/metrics");
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/exoarmur_decisions_total\{verdict="ALLOW",reason="POLICY_ALLOW"\} [1-9]/);
    expect(res.text).toMatch(/exoarmur_http_429_total\{reason="RATE_LIMITED"\} [1-9]/);
    expect(res.text).toMatch(
      /exoarmur_http_request_duration_seconds_bucket\{le="0.05",route="POST \/api\/v1\/intents",method="POST",status="201"\} [1-9]/,
    );
  });

  it("the OpenAPI document describes every route with the zod-derived schemas", async () => {
    const res = await call(server, "GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe("3.1.0");
    expect(Object.keys(res.json.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/intents",
        "/api/v1/decisions/{id}/evidence",
        "/api/v1/approvals/{id}/votes",
        "/api/v1/kill-switches",
        "/api/v1/tenants/{id}/policies",
        "/api/v1/users",
        "/api/v1/tenants/{id}/members",
      ]),
    );
    expect(Object.keys(res.json.components.schemas.CreateApiKey.properties)).toContain("forUser");
    expect(res.json.components.schemas.IntentSubmission.properties.actionClass.enum).toEqual([
      "A0_observe",
      "A1_soft",
      "A2_hard",
      "A3_irreversible",
    ]);
  });
});
