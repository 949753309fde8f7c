import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../server/net/free-port";
import { TEST_SECRET_KEY } from "./secret-key";

/**
 * A real `npm start` server (scripts/start.sh → next start, already built by the global setup)
 * against the given database, on a free port.
 */
export interface TestServer {
  baseUrl: string;
  adminToken: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startServer(env: Record<string, string>): Promise<TestServer> {
  const port = await freePort();
  const adminToken = env.EXOARMUR_ADMIN_TOKEN ?? `admin-token-${port}-for-tests-0123456789abcdef`;
  let output = "";
  // Each server its own data dir (embedded PostgreSQL or nats-server store), never the repository's.
  const dataDir = env.EXOARMUR_DATA_DIR ?? mkdtempSync(join(tmpdir(), "exoarmur-server-"));
  const child = spawn("sh", ["scripts/start.sh"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      EXOARMUR_ADMIN_TOKEN: adminToken,
      EXOARMUR_DATA_DIR: dataDir,
      // A server on an external DATABASE_URL refuses to start without EXOARMUR_SECRET_KEY, and the
      // processes sharing that database need the same one (Playwright's runner has no vitest env).
      // An embedded server without one makes its own in its data dir, as it does for an operator.
      ...(env.DATABASE_URL && !process.env.EXOARMUR_SECRET_KEY
        ? { EXOARMUR_SECRET_KEY: TEST_SECRET_KEY }
        : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.status === 200) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not become healthy:\n${output}`);
    await sleep(100);
  }
  return {
    baseUrl,
    adminToken,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await once(child, "exit");
      clearTimeout(timer);
    },
  };
}

/** fetch with JSON in and out. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON that each test inspects
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/**
 * Over REST, as the platform admin: a tenant with `policy`, one executor route (a webhook for
 * `host.*`), and a client key, which is returned.
 */
export async function seedWebhookTenant(
  server: TestServer,
  id: string,
  policy: unknown,
  route: { url: string; secret?: string },
): Promise<string> {
  const token = server.adminToken;
  const steps = [
    await call(server, "POST", "/api/v1/tenants", { token, body: { id, name: id } }),
    await call(server, "POST", `/api/v1/tenants/${id}/policies`, { token, body: policy }),
    await call(server, "PUT", `/api/v1/tenants/${id}/executors`, {
      token,
      body: { routes: [{ type: "webhook", actions: ["host.*"], timeoutMs: 2000, ...route }] },
    }),
    await call(server, "POST", `/api/v1/tenants/${id}/api-keys`, {
      token,
      body: { role: "client", name: "client" },
    }),
  ];
  const failed = steps.find((step) => step.status >= 300);
  if (failed) throw new Error(`seeding tenant ${id}: ${failed.status} ${failed.text}`);
  return steps[3]!.json.key as string;
}
