import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const READY_TIMEOUT_MS = 150_000; // the first run builds the app

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not determine a free port"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("landing page over HTTP (npm start path: scripts/start.sh)", () => {
  let child: ChildProcess | undefined;
  let baseUrl = "";
  let output = "";
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    child = spawn("sh", ["scripts/start.sh"], {
      cwd: process.cwd(),
      detached: false,
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", (code, signal) => {
      exited = { code, signal };
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited) {
        throw new Error(`start.sh exited early (${JSON.stringify(exited)}):\n${output}`);
      }
      try {
        const res = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`server did not answer within ${READY_TIMEOUT_MS} ms:\n${output}`);
      }
      await sleep(500);
    }
  }, READY_TIMEOUT_MS + 20_000);

  afterAll(async () => {
    const proc = child;
    if (!proc?.pid || exited) return;
    const gone = once(proc, "exit");
    process.kill(proc.pid, "SIGTERM");
    const timer = setTimeout(() => {
      if (!exited && proc.pid) process.kill(proc.pid, "SIGKILL");
    }, 5_000);
    await gone;
    clearTimeout(timer);
  }, 15_000);

  it("serves the landing page as HTML that says what ExoArmur is", async () => {
    const res = await fetch(`${baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type") ?? "").toMatch(/text\/html/);
    const body = await res.text();
    expect(body).toContain("ExoArmur");
    expect(body).toMatch(/execution safety gateway/i);
    expect(body).toContain("REQUIRE_APPROVAL");
  });

  it("answers 404 for a page that does not exist", async () => {
    const res = await fetch(`${baseUrl}/definitely-not-a-page`);
    await res.arrayBuffer();
    expect(res.status).toBe(404);
  });
});
