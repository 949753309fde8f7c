import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../server/net/free-port";
import { type EmbeddedServer, killGroup, member, postmasterPid, startEmbedded } from "./support";

/**
 * Issue 11 §5 and §9, on real processes: a short admin token stops the server; the embedded
 * PostgreSQL and nats-server children get a minimal environment without the secrets; the first start
 * writes the demo credentials to a 0600 file and prints only its path.
 */
let server: EmbeddedServer | null = null;

afterEach(() => {
  killGroup(server?.pgid);
  server = null;
});

const AUTH_SECRET = "auth-secret-value-for-the-environ-test-0123456789";

/** The environment a process started with, from /proc/<pid>/environ. */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  return Object.fromEntries(
    entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

describe("secrets at start-up", () => {
  it("an admin token shorter than 32 characters: the process exits non-zero and says why", async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), "exoarmur-short-token-"));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      EXOARMUR_DATA_DIR: dataDir,
      EXOARMUR_ADMIN_TOKEN: "too-short-admin-token",
      EXOARMUR_DEMO_SEED: "off",
    };
    delete env.DATABASE_URL;
    delete env.NATS_URL;
    const child = spawn("setsid", ["sh", "scripts/start.sh"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c))),
      new Promise<"running">((resolve) => setTimeout(() => resolve("running"), 40_000)),
    ]);
    killGroup(child.pid);
    expect(code).not.toBe("running");
    expect(code).not.toBe(0);
    expect(output).toMatch(/EXOARMUR_ADMIN_TOKEN.*at least 32 characters/);
    expect(output).not.toContain("too-short-admin-token");
  }, 60_000);

  it("the embedded PostgreSQL and nats-server get a minimal environment, without the secrets", async () => {
    server = await startEmbedded({ env: { BETTER_AUTH_SECRET: AUTH_SECRET } });
    const nats = member(server.pgid, /nats-server/);
    expect(nats, "nats-server is running").toBeDefined();
    for (const pid of [postmasterPid(server.dataDir), nats!.pid]) {
      const env = environOf(pid);
      expect(Object.keys(env)).not.toContain("EXOARMUR_ADMIN_TOKEN");
      expect(Object.keys(env)).not.toContain("DATABASE_URL");
      expect(Object.keys(env)).not.toContain("BETTER_AUTH_SECRET");
      const values = Object.values(env).join("\n");
      expect(values).not.toContain(server.adminToken);
      expect(values).not.toContain(AUTH_SECRET);
      expect(Object.keys(env)).toContain("PATH");
    }
  }, 90_000);

  it("the first start writes the demo credentials to a 0600 file and prints only its path", async () => {
    server = await startEmbedded({ env: { EXOARMUR_DEMO_SEED: "on" } });
    const file = join(server.dataDir, "demo-credentials");
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = readFileSync(file, "utf8");
    const password = /admin@demo\.exoarmur\.local\s.*password: (\S+)/.exec(credentials)?.[1];
    const key = /client API key for tenant demo: (\S+)/.exec(credentials)?.[1];
    expect(password).toBeDefined();
    expect(key).toMatch(/^exo_/);
    const output = server.output();
    expect(output).toContain(file);
    expect(output).not.toContain(password!);
    expect(output).not.toContain(key!);
    expect(output).not.toMatch(/password: \S/);
    // The password works: the dashboard accepts it.
    const signIn = await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.baseUrl },
      body: JSON.stringify({ email: "admin@demo.exoarmur.local", password }),
    });
    expect(signIn.status).toBe(200);
  }, 90_000);
});
