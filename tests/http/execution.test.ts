import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { call, startServer, type TestServer } from "../support/server";

/** `npm start` with its in-server dispatcher: allowed and approved intents are executed, once. */
let server: TestServer;
let db: Db;
let receiver: Receiver;
const keys: Record<string, string> = {};

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  receiver = await startReceiver();
  server = await startServer({
    DATABASE_URL: database.url,
    EXOARMUR_LEASE_MS: "3000",
    EXOARMUR_WEBHOOK_ALLOWED_NETWORKS: RECEIVER_NETWORK, // the receiver is on loopback
  });
  const admin = server.adminToken;
  await call(server, "POST", "/api/v1/tenants", { token: admin, body: { id: "acme", name: "Acme" } });
  await call(server, "POST", "/api/v1/tenants/acme/policies", { token: admin, body: DEMO_POLICY });
  for (const [role, name] of [
    ["client", "client"],
    ["operator", "alice"],
    ["operator", "bob"],
    ["auditor", "auditor"],
    ["admin", "root"],
  ]) {
    // Operators vote as people: each operator key acts for a member of the tenant.
    let forUser: string | undefined;
    if (role === "operator") {
      forUser = `${name}@acme.test`;
      await call(server, "POST", "/api/v1/users", { token: admin, body: { email: forUser, name } });
      await call(server, "PUT", "/api/v1/tenants/acme/members", {
        token: admin,
        body: { email: forUser, role: "operator" },
      });
    }
    keys[name!] = (
      await call(server, "POST", "/api/v1/tenants/acme/api-keys", {
        token: admin,
        body: { role, name, ...(forUser ? { forUser } : {}) },
      })
    ).json.key;
  }
  await call(server, "POST", "/api/v1/tenants", { token: admin, body: { id: "other", name: "Other" } });
  keys.otherAdmin = (
    await call(server, "POST", "/api/v1/tenants/other/api-keys", {
      token: admin,
      body: { role: "admin", name: "x" },
    })
  ).json.key;
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await db?.$disconnect();
});

async function settled(executionId: string) {
  for (let i = 0; i < 200; i++) {
    const res = await call(server, "GET", `/api/v1/executions/${executionId}`, { token: keys.auditor });
    if (["SUCCEEDED", "FAILED", "BLOCKED"].includes(res.json.status)) return res.json;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`execution ${executionId} did not settle`);
}

describe("executor configuration over REST", () => {
  it("is validated, and its secret is never returned", async () => {
    const config = {
      routes: [
        {
          type: "webhook",
          actions: ["host.*"],
          url: receiver.url,
          timeoutMs: 2000,
          secret: "a-very-secret-value",
        },
      ],
    };
    const set = await call(server, "PUT", "/api/v1/tenants/acme/executors", {
      token: keys.root,
      body: config,
    });
    expect(set.status).toBe(200);
    expect(set.json.routes).toEqual([
      { type: "webhook", actions: ["host.*"], url: receiver.url, timeoutMs: 2000, hasSecret: true },
    ]);
    const got = await call(server, "GET", "/api/v1/tenants/acme/executors", { token: keys.root });
    expect(got.json).toEqual(set.json);
    // A webhook URL often embeds a token: operators and auditors see it as the chain records it.
    const audited = await call(server, "GET", "/api/v1/tenants/acme/executors", { token: keys.auditor });
    const url = new URL(receiver.url);
    expect(audited.json.routes).toEqual([
      {
        type: "webhook",
        actions: ["host.*"],
        scheme: "http",
        host: url.host,
        urlHash: createHash("sha256").update(url.href).digest("hex"),
        timeoutMs: 2000,
        hasSecret: true,
      },
    ]);
    expect(audited.text).not.toContain(receiver.url);
    expect(got.text + set.text + audited.text).not.toContain("a-very-secret-value");
    const events = await db.event.findMany({ where: { tenantId: "acme", type: "tenant.executors_set" } });
    expect(JSON.stringify(events.map((e) => e.payload))).not.toContain("a-very-secret-value");
    const bad = await call(server, "PUT", "/api/v1/tenants/acme/executors", {
      token: keys.root,
      body: { routes: [{ type: "webhook", actions: [], url: "ftp://x", timeoutMs: 5, extra: 1 }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      "routes[0].actions",
      "routes[0].extra",
      "routes[0].timeoutMs",
      "routes[0].url",
    ]);
    expect(
      (await call(server, "PUT", "/api/v1/tenants/acme/executors", { token: keys.auditor, body: config }))
        .status,
    ).toBe(403);
    expect(
      (await call(server, "PUT", "/api/v1/tenants/acme/executors", { token: keys.otherAdmin, body: config }))
        .status,
    ).toBe(404);
    expect(
      (await call(server, "GET", "/api/v1/tenants/acme/executors", { token: keys.otherAdmin })).status,
    ).toBe(404);
  });
});

describe("webhook destinations over REST (issue 11 §1)", () => {
  it("a URL that points at an internal address is refused with a 400 naming the rule, and nothing is written", async () => {
    const before = await call(server, "GET", "/api/v1/tenants/acme/executors", { token: keys.auditor });
    const events = () => db.event.count({ where: { tenantId: "acme", type: "tenant.executors_set" } });
    const count = await events();
    const port = new URL(receiver.url).port;
    // This server allows 127.0.0.1/32 for the receiver; the rest of loopback stays refused.
    for (const [url, rule] of [
      [`http://2130706434:${port}/hook`, "loopback"],
      [`http://127.2:${port}/hook`, "loopback"],
      [`http://0x7f.0.0.3:${port}/hook`, "loopback"],
      [`http://[::ffff:127.0.0.4]:${port}/hook`, "loopback"],
      ["http://169.254.169.254/latest/meta-data/", "link-local"],
      ["http://10.1.2.3/hook", "private"],
    ]) {
      const refused = await call(server, "PUT", "/api/v1/tenants/acme/executors", {
        token: keys.root,
        body: { routes: [{ type: "webhook", actions: ["*"], url }] },
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error.fields).toEqual([
        { path: "routes[0].url", message: expect.stringContaining(rule!) },
      ]);
    }
    const after = await call(server, "GET", "/api/v1/tenants/acme/executors", { token: keys.auditor });
    expect(after.json).toEqual(before.json);
    expect(await events()).toBe(count);
  });
});

describe("the in-server dispatcher", () => {
  it("executes an allowed intent once through the tenant's webhook, and its evidence carries the execution", async () => {
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: keys.client,
      body: intentBody(),
    });
    expect(submitted.status).toBe(201);
    const execution = await settled(submitted.json.executionId);
    expect(execution).toMatchObject({ status: "SUCCEEDED", attempts: 1, failureClass: null });
    expect(execution.events.map((e: { type: string }) => e.type)).toEqual([
      "execution.queued",
      "execution.started",
      "execution.attempted",
      "execution.succeeded",
    ]);
    expect(execution.events[2].payload).toMatchObject({ attempt: 1, class: "SUCCESS", status: 200 });
    const requests = receiver.requests.filter((r) => r.body.executionId === submitted.json.executionId);
    expect(requests.map((r) => r.key)).toEqual([submitted.json.executionId]);
    expect(requests[0]!.body).toMatchObject({
      action: "host.isolate",
      target: "web-7",
      decisionId: submitted.json.decisionId,
    });
    const bundle = (
      await call(server, "GET", `/api/v1/decisions/${submitted.json.decisionId}/evidence`, {
        token: keys.auditor,
      })
    ).json;
    expect(bundle.events.map((e: { type: string }) => e.type)).toEqual([
      "intent.decided",
      "execution.queued",
      "execution.started",
      "execution.attempted",
      "execution.succeeded",
    ]);
    expect(verifyBundle(bundle, { crypto: nodeCrypto }).mismatches).toEqual([]);
  });

  it("executes an approved intent only after quorum, once", async () => {
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: keys.client,
      body: intentBody({ actionClass: "A2_hard" }),
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.some((r) => r.body.decisionId === submitted.json.decisionId)).toBe(false);
    await call(server, "POST", `/api/v1/approvals/${submitted.json.approvalId}/votes`, {
      token: keys.alice,
      body: { vote: "approve" },
    });
    const done = await call(server, "POST", `/api/v1/approvals/${submitted.json.approvalId}/votes`, {
      token: keys.bob,
      body: { vote: "approve" },
    });
    expect(done.json.status).toBe("APPROVED");
    expect(await settled(done.json.executionId)).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    expect(receiver.requests.filter((r) => r.body.decisionId === submitted.json.decisionId)).toHaveLength(1);
    const bundle = (
      await call(server, "GET", `/api/v1/decisions/${submitted.json.decisionId}/evidence`, {
        token: keys.auditor,
      })
    ).json;
    expect(verifyBundle(bundle, { crypto: nodeCrypto }).mismatches).toEqual([]);
  });
});
