import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intentBody } from "../support/fixtures";
import { until } from "../support/wait";
import {
  type EmbeddedServer,
  groupGone,
  isAlive,
  killGroup,
  member,
  postmasterPid,
  processes,
  request,
  startEmbedded,
} from "./support";

/**
 * The embedded server's children die under it (SIGKILL, as the OOM killer would): the server
 * notices, restarts them on the same port and data, says so on /api/health meanwhile, and still
 * stops cleanly afterwards.
 */
let server: EmbeddedServer;
let clientKey = "";

interface Health {
  status: string;
  database: string;
  error?: string;
  stream?: { status: string; behind: number };
  children?: Record<string, { state: string; restarts: number }>;
}

const health = async () => {
  const res = await request(server.baseUrl, "GET", "/api/health");
  return { status: res.status, body: res.json as Health };
};

const submit = async () =>
  (await request(server.baseUrl, "POST", "/api/v1/intents", { token: clientKey, body: intentBody() })).status;

beforeAll(async () => {
  server = await startEmbedded();
  const admin = server.adminToken;
  await request(server.baseUrl, "POST", "/api/v1/tenants", {
    token: admin,
    body: { id: "acme", name: "Acme" },
  });
  clientKey = (
    (
      await request(server.baseUrl, "POST", "/api/v1/tenants/acme/api-keys", {
        token: admin,
        body: { role: "client", name: "c" },
      })
    ).json as { key: string }
  ).key;
});

afterAll(() => {
  killGroup(server?.pgid);
  if (server) rmSync(server.dataDir, { recursive: true, force: true });
});

describe("a child of the embedded server is killed", () => {
  it("PostgreSQL (kill -9 of the postmaster): health says restarting until it can be restarted, then the service resumes", async () => {
    expect(await submit()).toBe(201);
    const old = postmasterPid(server.dataDir);
    // A backend that cannot exit keeps the old server's shared memory attached, so the restart
    // has to wait for it: the "restarting" state lasts until the test lets it go.
    const backend = processes().find((p) => p.ppid === old && p.state !== "Z")!;
    process.kill(backend.pid, "SIGSTOP");
    process.kill(old, "SIGKILL");

    const during = await until(health, (h) => h.body.database === "restarting");
    expect(during.status).toBe(503);
    expect(during.body.error).toMatch(/\S/);
    expect(await submit()).toBe(503);

    process.kill(backend.pid, "SIGKILL");
    const after = await until(
      health,
      (h) => h.status === 200 && h.body.children?.postgres?.state === "running",
    );
    expect(after.body.children?.postgres).toEqual({ state: "running", restarts: 1 });
    expect(postmasterPid(server.dataDir)).not.toBe(old);
    expect(isAlive(postmasterPid(server.dataDir))).toBe(true);
    expect(await submit()).toBe(201);
  });

  it("nats-server (kill -9): restarted on the same port and store; events flow again", async () => {
    const nats = member(server.pgid, /nats-server/)!;
    process.kill(nats.pid, "SIGKILL");
    await until(
      async () => member(server.pgid, /nats-server/)?.pid,
      (pid) => pid !== undefined && pid !== nats.pid,
    );
    expect(await submit()).toBe(201);
    const after = await until(
      health,
      (h) => h.status === 200 && h.body.stream?.status === "current" && h.body.stream.behind === 0,
    );
    expect(after.body.children?.["nats-server"]).toEqual({ state: "running", restarts: 1 });
  });

  it("SIGTERM afterwards still ends every process within 10 s", async () => {
    process.kill(server.serverPid, "SIGTERM");
    await groupGone(server.pgid, 10_000);
  });
});
