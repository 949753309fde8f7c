import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { startServer, type TestServer } from "../support/server";

/** The golden demo, end to end, against a live server whose JetStream is a real nats-server. */
let server: TestServer;
let db: Db;

const demo = (env: Record<string, string>, ...args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["bin/exoarmur.mjs", "demo", ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  server = await startServer({ DATABASE_URL: database.url });
});

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

describe("exoarmur demo", () => {
  it("golden demo live: every step passes, and the stream holds every event", async () => {
    const run = await demo({ EXOARMUR_ADMIN_TOKEN: server.adminToken }, "--url", server.baseUrl);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("A1 intent: ALLOW by A1-allow; executed once");
    expect(run.stdout).toContain("one decision (201, 200, 200); approved by 2 operators; executed once");
    expect(run.stdout).toContain("A3 intent: DENY (POLICY_DENY)");
    expect(run.stdout).toContain(
      "next intent DENY (KILL_SWITCH_TENANT); an execution approved meanwhile is BLOCKED",
    );
    expect(run.stdout).toMatch(/5 evidence bundles exported and verified offline/);
    expect(run.stdout).toMatch(/tampered bundle \(DENY → ALLOW\) refused: .*output\.verdict/);
    expect(run.stdout).toContain("JetStream holds every committed event");
    expect(run.stdout.trim().split("\n").at(-1)).toMatch(/^PASS: golden demo, \d+ checks$/);
    // What the demo claims is in the database too.
    const tenant = await db.tenant.findFirstOrThrow({ where: { id: { startsWith: "demo-" } } });
    expect(await db.execution.count({ where: { tenantId: tenant.id, status: "SUCCEEDED" } })).toBe(2);
    expect(await db.execution.count({ where: { tenantId: tenant.id, status: "BLOCKED" } })).toBe(1);
    // Every event of its chain is published: the outbox cursor is at the head.
    const head = await db.chainHead.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    expect((await db.outboxCursor.findUnique({ where: { tenantId: tenant.id } }))?.seq).toBe(head.seq);
  });

  it("exit 2 when --url is given without the admin token; FAIL (exit 1) when the server refuses", async () => {
    const noToken = await demo({ EXOARMUR_ADMIN_TOKEN: "" }, "--url", server.baseUrl);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("EXOARMUR_ADMIN_TOKEN");
    const wrong = await demo({ EXOARMUR_ADMIN_TOKEN: "not-the-token" }, "--url", server.baseUrl);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/✘ create the tenant\nFAIL: golden demo/);
  });
});
