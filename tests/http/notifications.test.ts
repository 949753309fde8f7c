import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { RECEIVER_NETWORK, type Received, type Receiver, startReceiver } from "../support/receiver";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";

/**
 * Outbound notifications (issue 14) against a real `npm start` server, its in-server sender, a real
 * PostgreSQL and a local HTTP receiver standing in for Slack and a generic webhook.
 */
let database: { url: string; db: Db };
let server: TestServer;
let receiver: Receiver;
let acme: TenantFixture;
let other: TenantFixture;
const SECRET = "notify-secret-0123456789";
const PUBLIC_URL = "https://exoarmur.example";

const env = () => ({
  DATABASE_URL: database.url,
  EXOARMUR_LEASE_MS: "2000",
  EXOARMUR_RETRY_MAX_ATTEMPTS: "3",
  EXOARMUR_RETRY_MAX_MS: "300",
  EXOARMUR_WEBHOOK_ALLOWED_NETWORKS: RECEIVER_NETWORK, // the receiver is on loopback
  EXOARMUR_PUBLIC_URL: PUBLIC_URL,
  // No nats-server child: the restart test kills the server with SIGKILL, which would orphan it.
  NATS_URL: "nats://127.0.0.1:9",
});

const at = (path: string) => receiver.url.replace(/\/hook$/, path);
const hits = (path: string, type?: string) =>
  receiver.requests.filter((r) => r.path === path && (type === undefined || r.body.type === type));

async function deliveries(query = "") {
  const res = await call(server, "GET", `/api/v1/tenants/acme/notifications/deliveries${query}`, {
    token: acme.keys.auditor.key,
  });
  expect(res.status).toBe(200);
  return res.json.deliveries as {
    id: string;
    channel: string;
    status: string;
    attempts: number;
    lastError: string | null;
    event: { type: string; subjectId: string };
  }[];
}

const put = (token: string, body: unknown, tenant = "acme") =>
  call(server, "PUT", `/api/v1/tenants/${tenant}/notifications`, { token, body });

async function chainEvents(tenantId: string) {
  return database.db.event.findMany({
    where: { tenantId, type: "tenant.notifications_set" },
    orderBy: { seq: "asc" },
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  acme = await seedTenant(database.db, "acme");
  other = await seedTenant(database.db, "other");
  receiver = await startReceiver();
  server = await startServer(env());
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await database?.db.$disconnect();
});

describe("configuring channels", () => {
  it("refuses malformed bodies with field paths, and changes nothing", async () => {
    const admin = acme.keys.admin.key;
    const cases: [unknown, string[]][] = [
      [{ channels: "no" }, ["channels"]],
      [{ channels: [{ type: "email", name: "x", url: "https://a.example" }] }, ["channels[0].type"]],
      [
        { channels: [{ type: "webhook", name: "Bad Name", url: "ftp://a.example", secret: "short" }] },
        ["channels[0].name", "channels[0].url", "channels[0].secret"],
      ],
      [
        { channels: [{ type: "slack", name: "s", url: "https://a.example", events: ["intent.decided"] }] },
        ["channels[0].events[0]"],
      ],
      [
        {
          channels: [
            { type: "slack", name: "s", url: "https://a.example" },
            { type: "slack", name: "s", url: "https://b.example" },
          ],
        },
        ["channels[1].name"],
      ],
      [{ channels: [{ type: "webhook", name: "w", url: "https://a.example" }] }, ["channels[0].secret"]],
      [{ channels: [], extra: 1 }, ["extra"]],
    ];
    for (const [body, paths] of cases) {
      const res = await put(admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const fields = (res.json.error.fields as { path: string }[]).map((f) => f.path);
      for (const path of paths) expect(fields, JSON.stringify(body)).toContain(path);
    }
    const raw = await call(server, "PUT", "/api/v1/tenants/acme/notifications", {
      token: admin,
      raw: "{nope",
    });
    expect(raw.status).toBe(400);
    expect(
      (await call(server, "GET", "/api/v1/tenants/acme/notifications", { token: admin })).json.channels,
    ).toEqual([]);
    expect(await chainEvents("acme")).toHaveLength(0);
  });

  it("refuses internal destinations, naming the field, and stores nothing", async () => {
    for (const url of [
      "http://169.254.169.254/latest",
      "http://10.0.0.1/hook",
      "http://[::ffff:192.168.0.1]/",
    ]) {
      const res = await put(acme.keys.admin.key, {
        channels: [
          { type: "slack", name: "ok", url: "https://hooks.slack.example/services/T/B/X" },
          { type: "webhook", name: "inside", url, secret: SECRET },
        ],
      });
      expect(res.status, url).toBe(400);
      expect(res.json.error.fields.map((f: { path: string }) => f.path)).toEqual(["channels[1].url"]);
    }
    const stored = await database.db.tenant.findUnique({ where: { id: "acme" } });
    expect(stored?.notificationConfig).toBeNull();
    expect(await chainEvents("acme")).toHaveLength(0);
  });

  it("lets only the tenant's admins set channels; nobody reads a secret", async () => {
    const body = { channels: [{ type: "webhook", name: "x", url: at("/x"), secret: SECRET }] };
    // Another tenant's admin: 404, as for a tenant that does not exist, for every route.
    expect((await put(other.keys.admin.key, body)).status).toBe(404);
    for (const path of [
      "/api/v1/tenants/acme/notifications",
      "/api/v1/tenants/acme/notifications/deliveries",
    ])
      expect((await call(server, "GET", path, { token: other.keys.admin.key })).status).toBe(404);
    // The tenant's auditor, operator and client keys: 403.
    for (const role of ["auditor", "operator", "client"] as const)
      expect((await put(acme.keys[role].key, body)).status, role).toBe(403);
    expect(await chainEvents("acme")).toHaveLength(0);
    expect(await chainEvents("other")).toHaveLength(0);
  });
});

describe("delivering", () => {
  beforeAll(async () => {
    const res = await put(acme.keys.admin.key, {
      channels: [
        { type: "webhook", name: "hook", url: at("/hook"), secret: SECRET },
        { type: "slack", name: "slack", url: at("/slack"), events: ["approval.requested"] },
        { type: "webhook", name: "flaky", url: at("/flaky"), secret: SECRET, events: ["approval.requested"] },
        { type: "webhook", name: "down", url: at("/down"), secret: SECRET, events: ["approval.requested"] },
      ],
    });
    expect(res.status).toBe(200);
    receiver.script("/flaky", [{ status: 500 }, { status: 500 }]);
    receiver.script("/down", [{ status: 500 }, { status: 503 }, { status: 500 }, { status: 500 }]);
  });

  it("shows admins the URLs, others the chain's form, and nobody the secret", async () => {
    const admin = await call(server, "GET", "/api/v1/tenants/acme/notifications", {
      token: acme.keys.admin.key,
    });
    expect(admin.json.channels[0]).toMatchObject({
      name: "hook",
      type: "webhook",
      url: at("/hook"),
      hasSecret: true,
    });
    expect(admin.text).not.toContain(SECRET);
    const auditor = await call(server, "GET", "/api/v1/tenants/acme/notifications", {
      token: acme.keys.auditor.key,
    });
    expect(auditor.json.channels[0]).toMatchObject({ name: "hook", scheme: "http", hasSecret: true });
    expect(auditor.text).not.toContain("/hook");
    const [event] = await chainEvents("acme");
    const payload = JSON.stringify(event?.payload);
    expect(payload).toContain("urlHash");
    expect(payload).not.toContain("/hook");
    expect(payload).not.toContain(SECRET);
    // Sealed at rest.
    const stored = JSON.stringify(
      (await database.db.tenant.findUnique({ where: { id: "acme" } }))?.notificationConfig,
    );
    expect(stored).not.toContain(SECRET);
    // Sending the channels again without the secret keeps it.
    const again = await put(acme.keys.admin.key, {
      channels: admin.json.channels.map(({ hasSecret: _, ...c }: Record<string, unknown>) => c),
    });
    expect(again.status).toBe(200);
    expect(again.json.channels.map((c: { hasSecret: boolean }) => c.hasSecret)).toEqual([
      true,
      false,
      true,
      true,
    ]);
  });

  it("sends approval.requested to Slack and a signed webhook; retries on 500 with the same key; FAILED after the cap", async () => {
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: acme.keys.client.key,
      body: intentBody({
        action: "host.isolate",
        actionClass: "A2_hard",
        target: "db-9",
        parameters: { reason: "ransomware <note>", region: "eu" },
        actor: { type: "agent", id: "soar-7" },
        ttlSeconds: 900,
      }),
    });
    expect(submitted.status).toBe(201);
    const approvalId = submitted.json.approvalId as string;
    await until(
      () => deliveries(`?subjectId=${approvalId}`),
      (list) => list.length === 4 && list.every((d) => d.status === "DELIVERED" || d.status === "FAILED"),
    );

    // Slack: a message with the action, target, parameters, requester, deadline and a deep link.
    const [slack] = hits("/slack");
    expect(slack).toBeDefined();
    const text = JSON.stringify(slack!.body);
    expect(slack!.body.text).toEqual(
      expect.stringContaining("Approval requested in acme: host.isolate on db-9"),
    );
    expect(Array.isArray(slack!.body.blocks)).toBe(true);
    for (const part of [
      "host.isolate",
      "db-9",
      "agent:soar-7",
      "ransomware &lt;note&gt;",
      '\\"region\\": \\"eu\\"',
    ])
      expect(text).toContain(part);
    const intent = await database.db.intent.findFirst({
      where: { decision: { id: submitted.json.decisionId } },
    });
    const body = intent!.body as { requestedAt: string };
    const deadline = new Date(Date.parse(body.requestedAt) + 900_000).toISOString();
    expect(text).toContain(deadline);
    expect(text).toContain(`${PUBLIC_URL}/t/acme/approvals`);

    // The generic webhook: signed with the executor scheme, its Idempotency-Key the delivery id.
    const [hook] = hits("/hook", "approval.requested");
    expect(hook!.signature).toBe(`sha256=${createHmac("sha256", SECRET).update(hook!.raw).digest("hex")}`);
    expect(hook!.body).toMatchObject({
      deliveryId: hook!.key,
      type: "approval.requested",
      tenantId: "acme",
      action: "host.isolate",
      target: "db-9",
      parameters: { reason: "ransomware <note>", region: "eu" },
      requester: "agent:soar-7",
      deadline,
      approvalId,
      decisionId: submitted.json.decisionId,
      link: `${PUBLIC_URL}/t/acme/approvals`,
    });

    // Retries on 500: three attempts, one key, then delivered.
    const flaky = hits("/flaky");
    expect(flaky).toHaveLength(3);
    expect(new Set(flaky.map((r: Received) => r.key)).size).toBe(1);
    for (const r of flaky)
      expect(r.signature).toBe(`sha256=${createHmac("sha256", SECRET).update(r.raw).digest("hex")}`);
    // Always failing: FAILED after the cap (3 attempts here), one key.
    const down = hits("/down");
    expect(down).toHaveLength(3);
    expect(new Set(down.map((r: Received) => r.key)).size).toBe(1);

    // Delivery state, readable per event.
    const state = Object.fromEntries(
      (await deliveries(`?subjectId=${approvalId}`)).map((d) => [d.channel, d]),
    );
    expect(state.hook).toMatchObject({ id: hook!.key, status: "DELIVERED", attempts: 1 });
    expect(state.slack).toMatchObject({ status: "DELIVERED", attempts: 1 });
    expect(state.flaky).toMatchObject({ id: flaky[0]!.key, status: "DELIVERED", attempts: 3 });
    expect(state.down).toMatchObject({
      id: down[0]!.key,
      status: "FAILED",
      attempts: 3,
      lastError: "EXHAUSTED: HTTP 500",
    });
    // Each channel got this event once (no duplicate deliveries).
    expect(hits("/slack")).toHaveLength(1);
  });

  it("notifies approval.resolved, execution.blocked (a switch engaged meanwhile) and execution.failed", async () => {
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: acme.keys.client.key,
      body: intentBody({ action: "db.snapshot", actionClass: "A2_hard", target: "db-1" }),
    });
    const engaged = await call(server, "PUT", "/api/v1/kill-switches", {
      token: acme.keys.admin.key,
      body: { scope: "action", tenantId: "acme", action: "db.*", engaged: true, reason: "maintenance" },
    });
    expect(engaged.status).toBe(200);
    for (const voter of ["operator", "operator2"] as const)
      await call(server, "POST", `/api/v1/approvals/${submitted.json.approvalId}/votes`, {
        token: acme.keys[voter].key,
        body: { vote: "approve" },
      });
    const decision = await call(server, "GET", `/api/v1/decisions/${submitted.json.decisionId}`, {
      token: acme.keys.auditor.key,
    });
    const executionId = decision.json.execution?.id ?? decision.json.executionId;
    expect(executionId).toBeTruthy();

    // An action no executor route takes, once the tenant has routes: FAILED INVALID.
    await call(server, "PUT", "/api/v1/tenants/acme/executors", {
      token: acme.keys.admin.key,
      body: { routes: [{ type: "record", actions: ["host.*"] }] },
    });
    const failing = await call(server, "POST", "/api/v1/intents", {
      token: acme.keys.client.key,
      body: intentBody({ action: "user.disable", actionClass: "A1_soft", target: "mallory" }),
    });
    expect(failing.json.executionId).toBeTruthy();
    const wanted = [
      ["approval.resolved", submitted.json.approvalId],
      ["killswitch.engaged", "action:acme:db.*"],
      ["execution.blocked", executionId],
      ["execution.failed", failing.json.executionId],
    ];
    const list = await until(
      () => deliveries(),
      (all) =>
        wanted.every(([type, subject]) =>
          all.some((d) => d.event.type === type && d.event.subjectId === subject && d.status === "DELIVERED"),
        ),
    );
    expect(list.filter((d) => d.event.type === "approval.resolved" && d.channel !== "hook")).toEqual([]);
    const failed = hits("/hook", "execution.failed").find(
      (r) => r.body.executionId === failing.json.executionId,
    );
    expect(failed!.body).toMatchObject({
      type: "execution.failed",
      failureClass: "INVALID",
      action: "user.disable",
      target: "mallory",
      link: `${PUBLIC_URL}/t/acme/decisions/${failing.json.decisionId}`,
    });
    const blocked = hits("/hook", "execution.blocked").find((r) => r.body.executionId === executionId);
    expect(blocked!.body).toMatchObject({
      type: "execution.blocked",
      action: "db.snapshot",
      decisionId: submitted.json.decisionId,
    });
    await call(server, "PUT", "/api/v1/kill-switches", {
      token: acme.keys.admin.key,
      body: { scope: "action", tenantId: "acme", action: "db.*", engaged: false, reason: "done" },
    });
  }, 60_000);

  it("notifies every tenant with channels of a global kill switch", async () => {
    const res = await put(
      other.keys.admin.key,
      { channels: [{ type: "webhook", name: "ops", url: at("/other"), secret: SECRET }] },
      "other",
    );
    expect(res.status).toBe(200);
    const reason = `drill ${Date.now()}`;
    for (const engaged of [true, false])
      expect(
        (
          await call(server, "PUT", "/api/v1/kill-switches", {
            token: server.adminToken,
            body: { scope: "global", engaged, reason },
          })
        ).status,
      ).toBe(200);
    const both = await until(
      async () =>
        [hits("/hook"), hits("/other")].map((list) =>
          list.filter((r) => r.body.killSwitch && (r.body as { reason?: string }).reason === reason),
        ),
      (lists) => lists.every((list) => list.length === 2),
    );
    for (const [tenant, list] of [
      ["acme", both[0]!],
      ["other", both[1]!],
    ] as const) {
      expect(list.map((r) => r.body.type).sort()).toEqual(["killswitch.engaged", "killswitch.released"]);
      for (const r of list) {
        expect(r.body).toMatchObject({
          tenantId: tenant,
          killSwitch: { id: "global", scope: "global" },
          link: `${PUBLIC_URL}/t/${tenant}/kill-switches`,
        });
        expect((r.body.event as { chain: string }).chain).toBe("_platform");
      }
    }
    // The other tenant's receiver never sees acme's events, nor acme's its.
    expect(hits("/other").every((r) => r.body.tenantId === "other")).toBe(true);
  }, 60_000);

  it("survives kill -9 between claim and answer: the same key is sent again after a restart", async () => {
    const res = await put(acme.keys.admin.key, {
      channels: [{ type: "webhook", name: "durable", url: at("/durable"), secret: SECRET }],
    });
    expect(res.status).toBe(200);
    // The first attempt is received and held (the sender is waiting for the answer) when the server dies.
    receiver.script("/durable", [{ status: 200, hold: true }]);
    const reason = `restart ${Date.now()}`;
    await call(server, "PUT", "/api/v1/kill-switches", {
      token: acme.keys.admin.key,
      body: { scope: "tenant", tenantId: "acme", engaged: true, reason },
    });
    await until(
      async () => hits("/durable").length,
      (n) => n === 1,
    );
    server.child.kill("SIGKILL");
    await until(async () => server.child.exitCode !== null || server.child.signalCode !== null, Boolean);
    receiver.release("/durable"); // nobody is there to hear the 200
    server = await startServer(env());
    const [first] = hits("/durable");
    const done = await until(
      () => deliveries(`?subjectId=tenant:acme`),
      (list) => list.some((d) => d.channel === "durable" && d.status === "DELIVERED"),
      90_000, // the lease: the longest channel timeout (10 s) + EXOARMUR_LEASE_MS
    );
    const again = hits("/durable");
    expect(again.length).toBeGreaterThanOrEqual(2);
    expect(new Set(again.map((r) => r.key))).toEqual(new Set([first!.key]));
    expect(again.at(-1)!.raw).toBe(first!.raw);
    expect(done.find((d) => d.channel === "durable")).toMatchObject({ id: first!.key, status: "DELIVERED" });
    await call(server, "PUT", "/api/v1/kill-switches", {
      token: acme.keys.admin.key,
      body: { scope: "tenant", tenantId: "acme", engaged: false, reason: "back" },
    });
  }, 120_000);
});
