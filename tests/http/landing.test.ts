import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server";

/** `npm start` on a fresh machine: no DATABASE_URL, so the server runs its own embedded PostgreSQL. */
let server: TestServer;
let dataDir: string;

const postgresRunningOn = (dir: string) => {
  const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  return ps.split("\n").some((line) => line.includes("postgres -D") && line.includes(dir));
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "exoarmur-embedded-"));
  server = await startServer({ DATABASE_URL: "", EXOARMUR_DATA_DIR: dataDir, EXOARMUR_ADMIN_TOKEN: "" });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start with the embedded database", () => {
  it("serves the landing page as HTML that says what ExoArmur is", async () => {
    const res = await fetch(`${server.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type") ?? "").toMatch(/text\/html/);
    const body = await res.text();
    expect(body).toContain("ExoArmur");
    expect(body).toMatch(/execution safety gateway/i);
    expect(body).toContain("REQUIRE_APPROVAL");
  });

  it("answers 404 for a page that does not exist", async () => {
    const res = await fetch(`${server.baseUrl}/definitely-not-a-page`);
    await res.arrayBuffer();
    expect(res.status).toBe(404);
  });

  it("keeps its data in EXOARMUR_DATA_DIR, migrated, with a generated admin token that works", async () => {
    expect(existsSync(join(dataDir, "pg", "PG_VERSION"))).toBe(true);
    const health = await (await fetch(`${server.baseUrl}/api/health`)).json();
    expect(health).toMatchObject({ status: "ok", database: "up", migrations: "current" });
    expect(["current", "behind"]).toContain(health.stream.status); // nats-server is on PATH: embedded JetStream
    const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    expect(token.length).toBeGreaterThan(20);
    const created = await fetch(`${server.baseUrl}/api/v1/tenants`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ id: "first", name: "First tenant" }),
    });
    expect(created.status).toBe(201);
    expect(server.output()).toContain('"msg":"ready"');
  });

  it("stops its PostgreSQL on SIGTERM", async () => {
    expect(postgresRunningOn(dataDir)).toBe(true);
    await server.stop();
    expect(server.child.exitCode).toBe(0);
    expect(postgresRunningOn(dataDir)).toBe(false);
    expect(server.output()).toContain("SIGTERM: shutting down");
  });
});
