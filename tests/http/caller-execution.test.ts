import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";

/**
 * Caller-executed intents (`"execution": "caller"`, issue 15 §1): never dispatched; the caller asks
 * `start` (switches re-checked) and reports once; no report by the deadline ends it UNREPORTED.
 */
let server: TestServer;
let db: Db;
const keys: Record<string, string> = {};

async function tenant(id: string, limits?: Record<string, number>) {
  const admin = server.adminToken;
  await call(server, "POST", "/api/v1/tenants", {
    token: admin,
    body: { id, name: id, ...(limits ? { limits } : {}) },
  });
  await call(server, "POST", `/api/v1/tenants/${id}/policies`, { token: admin, body: DEMO_POLICY });
  const key = async (role: string, name: string, forUser?: string) =>
    (
      await call(server, "POST", `/api/v1/tenants/${id}/api-keys`, {
        token: admin,
        body: { role, name, ...(forUser ? { forUser } : {}) },
      })
    ).json.key as string;
  keys[`${id}:client`] = await key("client", "agent");
  keys[`${id}:client2`] = await key("client", "another-agent");
  keys[`${id}:auditor`] = await key("auditor", "auditor");
  for (const name of ["alice", "bob"]) {
    const email = `${name}@${id}.test`;
    await call(server, "POST", "/api/v1/users", { token: admin, body: { email, name } });
    await call(server, "PUT", `/api/v1/tenants/${id}/members`, {
      token: admin,
      body: { email, role: "operator" },
    });
    keys[`${id}:${name}`] = await key("operator", name, email);
  }
}

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  server = await startServer({ DATABASE_URL: database.url });
  await tenant("acme");
  await tenant("capped", { maxPending: 1 });
  await tenant("other");
});

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

const submit = (body: Record<string, unknown>, token = keys["acme:client"]) =>
  call(server, "POST", "/api/v1/intents", { token, body });
const start = (id: string, token = keys["acme:client"], body?: unknown) =>
  call(server, "POST", `/api/v1/executions/${id}/start`, { token, ...(body !== undefined ? { body } : {}) });
const report = (id: string, body: unknown, token = keys["acme:client"]) =>
  call(server, "POST", `/api/v1/executions/${id}/report`, { token, body });
const execution = async (id: string) =>
  (await call(server, "GET", `/api/v1/executions/${id}`, { token: keys["acme:auditor"] })).json;
const engage = (body: Record<string, unknown>) =>
  call(server, "PUT", "/api/v1/kill-switches", {
    token: server.adminToken,
    body: { engaged: true, reason: "drill", ...body },
  });

describe("a caller-executed ALLOW", () => {
  it("is never dispatched: it waits for its caller while an executor-dispatched one after it runs", async () => {
    const mine = await submit(intentBody({ execution: "caller" }));
    expect(mine.status).toBe(201);
    expect(mine.json).toMatchObject({ verdict: "ALLOW", executionStatus: "AWAITING_CALLER" });
    expect(mine.json.executionId).toMatch(/^exe_/);
    const dispatched = await submit(intentBody());
    expect(dispatched.json.executionStatus).toBe("QUEUED");
    // The dispatcher took the later one through to the end: it has passed the caller's by.
    await until(
      () => execution(dispatched.json.executionId),
      (e) => e.status === "SUCCEEDED",
    );
    const waiting = await execution(mine.json.executionId);
    expect(waiting).toMatchObject({ status: "AWAITING_CALLER", mode: "caller", attempts: 0, report: null });
    expect(waiting.events.map((e: { type: string }) => e.type)).toEqual(["execution.awaiting_caller"]);
    expect(await db.recordedCall.count({ where: { executionId: mine.json.executionId } })).toBe(0);
  });

  it("start, then report: RUNNING, then SUCCEEDED; retries are the same answer; the evidence verifies", async () => {
    const { json: decided } = await submit(intentBody({ execution: "caller" }));
    const id = decided.executionId;
    const started = await start(id, undefined, { startKey: "guard-1" });
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({ id, status: "RUNNING", mode: "caller" });
    // The same caller retrying a lost answer (same start key) may go on; anybody else may not.
    expect((await start(id, undefined, { startKey: "guard-1" })).json.status).toBe("RUNNING");
    const second = await start(id, undefined, { startKey: "guard-2" });
    expect([second.status, second.json.error.reason]).toEqual([409, "ALREADY_STARTED"]);
    expect((await start(id)).status).toBe(409);
    const body = { outcome: "succeeded", detail: { isolated: "web-7", ms: 1200 } };
    const reported = await report(id, body);
    expect(reported.status).toBe(200);
    expect(reported.json).toMatchObject({ status: "SUCCEEDED", report: body });
    // The same report again (key order aside) changes nothing; another one is a conflict.
    const again = await report(id, { detail: { ms: 1200, isolated: "web-7" }, outcome: "succeeded" });
    expect([again.status, again.json.status]).toEqual([200, "SUCCEEDED"]);
    const other = await report(id, { outcome: "failed" });
    expect([other.status, other.json.error.reason]).toEqual([409, "REPORT_CONFLICT"]);
    const finished = await start(id);
    expect([finished.status, finished.json.error.reason]).toEqual([409, "EXECUTION_FINISHED"]);

    const types = (await execution(id)).events.map((e: { type: string }) => e.type);
    expect(types).toEqual(["execution.awaiting_caller", "execution.caller_started", "execution.reported"]);
    const bundle = (
      await call(server, "GET", `/api/v1/decisions/${decided.decisionId}/evidence`, {
        token: keys["acme:auditor"],
      })
    ).json;
    const reportedEvent = bundle.events.find((e: { type: string }) => e.type === "execution.reported");
    expect(reportedEvent.payload).toMatchObject(body);
    expect(verifyBundle(bundle, { crypto: nodeCrypto }).mismatches).toEqual([]);
  });

  it("a failure is reported as FAILED with its detail", async () => {
    const { json } = await submit(intentBody({ execution: "caller" }));
    await start(json.executionId);
    const res = await report(json.executionId, { outcome: "failed", detail: "host unreachable" });
    expect(res.json).toMatchObject({
      status: "FAILED",
      report: { outcome: "failed", detail: "host unreachable" },
    });
  });

  it("a report before start is refused, and changes nothing", async () => {
    const { json } = await submit(intentBody({ execution: "caller" }));
    const res = await report(json.executionId, { outcome: "succeeded" });
    expect([res.status, res.json.error.reason]).toEqual([409, "NOT_STARTED"]);
    expect((await execution(json.executionId)).status).toBe("AWAITING_CALLER");
  });
});

describe("kill switches still rule", () => {
  it("a switch engaged after ALLOW stops the caller at start: 409 BLOCKED, the execution ends BLOCKED", async () => {
    const { json } = await submit(intentBody({ execution: "caller", action: "db.snapshot" }));
    expect(json.verdict).toBe("ALLOW");
    const engaged = await engage({ scope: "action", tenantId: "acme", action: "db.*" });
    expect(engaged.status).toBe(200);
    try {
      const res = await start(json.executionId);
      expect(res.status).toBe(409);
      expect(res.json.error).toMatchObject({ code: "BLOCKED", reason: "KILL_SWITCH_ACTION" });
      const blocked = await execution(json.executionId);
      expect(blocked).toMatchObject({ status: "BLOCKED", failureClass: "BLOCKED" });
      expect(blocked.events.at(-1)).toMatchObject({
        type: "execution.blocked",
        payload: { reason: "KILL_SWITCH_ACTION", killSwitch: engaged.json.id },
      });
      const late = await report(json.executionId, { outcome: "succeeded" });
      expect([late.status, late.json.error.reason]).toEqual([409, "EXECUTION_FINISHED"]);
    } finally {
      await call(server, "PUT", "/api/v1/kill-switches", {
        token: server.adminToken,
        body: { scope: "action", tenantId: "acme", action: "db.*", engaged: false, reason: "drill over" },
      });
    }
  });
});

describe("the deadline", () => {
  it("no report within the TTL: UNREPORTED, after which start and report are refused", async () => {
    const { json } = await submit(intentBody({ execution: "caller", ttlSeconds: 1 }));
    await start(json.executionId);
    const ended = await until(
      () => execution(json.executionId),
      (e) => e.status === "UNREPORTED",
      15_000,
      100,
    );
    expect(ended.events.at(-1)).toMatchObject({ type: "execution.unreported" });
    expect(ended.events.at(-1).payload.deadline).toBe(ended.reportDeadline);
    const res = await report(json.executionId, { outcome: "succeeded" });
    expect([res.status, res.json.error.reason]).toEqual([409, "EXECUTION_FINISHED"]);
  });
});

describe("approval first", () => {
  it("an approved caller-executed intent waits for its caller", async () => {
    const { json } = await submit(intentBody({ execution: "caller", actionClass: "A2_hard" }));
    expect(json.verdict).toBe("REQUIRE_APPROVAL");
    for (const name of ["alice", "bob"]) {
      const voted = await call(server, "POST", `/api/v1/approvals/${json.approvalId}/votes`, {
        token: keys[`acme:${name}`],
        body: { vote: "approve", reason: "ok" },
      });
      expect(voted.status).toBe(200);
    }
    const decision = (
      await call(server, "GET", `/api/v1/decisions/${json.decisionId}`, { token: keys["acme:client"] })
    ).json;
    expect(decision).toMatchObject({ executionStatus: "AWAITING_CALLER", execution: { mode: "caller" } });
    expect((await start(decision.executionId)).json.status).toBe("RUNNING");
  });
});

describe("who may start and report", () => {
  it("only the submitting key: another client key is 403, another tenant's is 404, an executor's execution is 409", async () => {
    const { json } = await submit(intentBody({ execution: "caller" }));
    expect((await start(json.executionId, keys["acme:client2"])).status).toBe(403);
    expect((await report(json.executionId, { outcome: "succeeded" }, keys["acme:alice"])).status).toBe(403);
    expect((await start(json.executionId, keys["other:client"])).status).toBe(404);
    expect((await start("exe_doesnotexist")).status).toBe(404);
    expect((await call(server, "POST", `/api/v1/executions/${json.executionId}/start`)).status).toBe(401);
    expect((await execution(json.executionId)).status).toBe("AWAITING_CALLER");
    const dispatched = await submit(intentBody());
    const res = await start(dispatched.json.executionId);
    expect([res.status, res.json.error.reason]).toEqual([409, "NOT_CALLER_EXECUTED"]);
  });
});

describe("hostile and malformed input", () => {
  it("a bad mode or report names the field, and nothing is written", async () => {
    const bad = await submit(intentBody({ execution: "robot" }));
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].path).toBe("execution");
    const { json } = await submit(intentBody({ execution: "caller" }));
    await start(json.executionId);
    const events = () => db.event.count({ where: { tenantId: "acme", subjectId: json.executionId } });
    const before = await events();
    for (const [body, path] of [
      [{ outcome: "done" }, "outcome"],
      [{}, "outcome"],
      [{ outcome: "succeeded", extra: 1 }, "extra"],
      [{ outcome: "succeeded", detail: "x".repeat(17_000) }, "detail"],
      [["succeeded"], ""],
    ] as const) {
      const res = await report(json.executionId, body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.json.error.fields?.[0]?.path ?? "").toBe(path);
    }
    const raw = await call(server, "POST", `/api/v1/executions/${json.executionId}/report`, {
      token: keys["acme:client"],
      raw: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(await events()).toBe(before);
    expect((await execution(json.executionId)).status).toBe("RUNNING");
  });

  it("the mode is part of the intent: same key, other mode is 409; an explicit executor mode is the default", async () => {
    const body = intentBody();
    expect((await submit(body)).status).toBe(201);
    expect((await submit({ ...body, execution: "executor" })).status).toBe(200);
    const other = await submit({ ...body, execution: "caller" });
    expect(other.status).toBe(409);
  });
});

describe("races", () => {
  it("two different reports at once: exactly one is recorded, the other is a conflict", async () => {
    const { json } = await submit(intentBody({ execution: "caller" }));
    await start(json.executionId);
    const answers = await Promise.all([
      report(json.executionId, { outcome: "succeeded" }),
      report(json.executionId, { outcome: "failed" }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const reported = await db.event.count({
      where: { subjectId: json.executionId, type: "execution.reported" },
    });
    expect(reported).toBe(1);
  });

  it("concurrent starts by different callers: exactly one may act; the same caller's retries all may", async () => {
    const { json } = await submit(intentBody({ execution: "caller" }));
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) => start(json.executionId, undefined, { startKey: `c-${n}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    const winner = answers.findIndex((a) => a.status === 200) + 1;
    const retries = await Promise.all(
      [1, 2, 3].map(() => start(json.executionId, undefined, { startKey: `c-${winner}` })),
    );
    expect(retries.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(
      await db.event.count({ where: { subjectId: json.executionId, type: "execution.caller_started" } }),
    ).toBe(1);
  });

  it("a malformed start body names the field and changes nothing", async () => {
    const { json } = await submit(intentBody({ execution: "caller" }));
    for (const body of [{ startKey: "" }, { startKey: "has space" }, { other: 1 }, ["x"]]) {
      const res = await start(json.executionId, undefined, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await execution(json.executionId)).status).toBe("AWAITING_CALLER");
  });
});

describe("admission", () => {
  it("an execution waiting for its caller holds a place under the pending cap until reported", async () => {
    const first = await submit(intentBody({ execution: "caller" }), keys["capped:client"]);
    expect(first.status).toBe(201);
    const full = await submit(intentBody({ execution: "caller" }), keys["capped:client"]);
    expect([full.status, full.json.error.code]).toEqual([429, "QUEUE_FULL"]);
    expect(full.headers.get("retry-after")).toMatch(/^\d+$/);
    await start(first.json.executionId, keys["capped:client"]);
    await report(first.json.executionId, { outcome: "succeeded" }, keys["capped:client"]);
    expect((await submit(intentBody({ execution: "caller" }), keys["capped:client"])).status).toBe(201);
    const head = await db.chainHead.findUnique({ where: { tenantId: "capped" } });
    expect(head?.pending).toBe(1);
  });
});
