import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { TEST_SECRET_KEY } from "../support/secret-key";
import { call, seedWebhookTenant, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";

// Structured logs (issue 15 §4): a real `npm start` server logs JSON lines with a level, a request
// id and a tenant; no secret that passes through it (API keys, the admin token, an executor's
// webhook secret, the key that seals secrets at rest) appears in its output. Tracing is off here:
// webhooks carry no traceparent and lines no trace id.

const ROOT = resolve(__dirname, "../..");
const WEBHOOK_SECRET = "whsec-do-not-log-5f1c9a7e2b";

let server: TestServer;
let receiver: Receiver;
let client: string;
let admin: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  receiver = await startReceiver();
  server = await startServer({
    DATABASE_URL: database.url,
    EXOARMUR_LOG_LEVEL: "debug",
    EXOARMUR_WEBHOOK_ALLOWED_NETWORKS: RECEIVER_NETWORK,
  });
  admin = server.adminToken;
  client = await seedWebhookTenant(server, "logged", DEMO_POLICY, {
    url: receiver.url,
    secret: WEBHOOK_SECRET,
  });
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

interface Line {
  level: string;
  msg: string;
  requestId: string | null;
  tenant: string | null;
  [key: string]: unknown;
}

/** The server's output as JSON lines (failing on any line that is not one). */
function lines(): Line[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Line;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
}

describe("structured logs", () => {
  it("every line is JSON with a level, a request id and a tenant; requests log theirs", async () => {
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: client,
      body: intentBody(),
      headers: { "x-request-id": "soar-run-42" },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.headers.get("x-request-id")).toBe("soar-run-42");
    const refused = await call(server, "GET", "/api/v1/decisions/dec_nope", {
      token: "exo_not-a-real-key-0123456789abcdef",
    });
    expect(refused.status).toBe(401);
    const generated = refused.headers.get("x-request-id");
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    // A request id a client could use to forge log lines is replaced.
    const forged = await call(server, "GET", `/api/v1/decisions/${submitted.json.decisionId}`, {
      token: client,
      headers: { "x-request-id": 'x","level":"fatal' },
    });
    expect(forged.status).toBe(200);
    expect(forged.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // The execution runs (its webhook gets the signed call, with no trace context: tracing is off).
    const hook = await until(
      async () => receiver.requests.find((r) => r.key === submitted.json.executionId),
      (r) => r !== undefined,
    );
    expect(hook!.signature).toMatch(/^sha256=/);
    expect(hook!.traceparent).toBeUndefined();

    const all = await until(
      async () => lines(),
      (found) => found.some((l) => l.requestId === forged.headers.get("x-request-id")),
    );
    for (const line of all) {
      expect(Object.keys(line)).toEqual(
        expect.arrayContaining(["level", "time", "msg", "requestId", "tenant"]),
      );
      expect(["trace", "debug", "info", "warn", "error", "fatal"]).toContain(line.level);
      expect(line.traceId).toBeUndefined();
    }
    expect(all.find((l) => l.msg === "ready")).toMatchObject({
      level: "info",
      requestId: null,
      tenant: null,
    });
    expect(all.find((l) => l.requestId === "soar-run-42")).toMatchObject({
      level: "debug",
      msg: "answered",
      tenant: "logged",
      route: "POST /api/v1/intents",
      status: 201,
    });
    // Refused before the caller was known: the request's line has no tenant.
    expect(all.find((l) => l.requestId === generated)).toMatchObject({ tenant: null, status: 401 });
  });

  it("no secret appears in the output", async () => {
    // Whatever happened above, and a sign-in with a wrong password (a Next-served request).
    await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.baseUrl },
      body: JSON.stringify({ email: "nobody@example.test", password: "hunter2-wrong-password" }),
    });
    const output = server.output();
    expect(output).toContain('"msg":"answered"');
    for (const secret of [client, admin, WEBHOOK_SECRET, TEST_SECRET_KEY, "hunter2-wrong-password"])
      expect(output).not.toContain(secret);
    expect(output).not.toContain("exo_not-a-real-key");
  });

  it("the server has no console logging left (the CLI prints to its user)", () => {
    const offenders = readdirSync(join(ROOT, "server"), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test\.ts$/.test(e.name))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))
      .filter((file) => !file.startsWith("server/cli/") && !file.includes("/generated/"))
      .filter((file) =>
        /\bconsole\.(log|info|warn|error|debug)\(/.test(readFileSync(join(ROOT, file), "utf8")),
      );
    expect(offenders).toEqual([]);
  });
});
