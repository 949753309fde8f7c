import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../server/net/free-port";
import { DestinationRefusedError, guardedRequest } from "../../server/net/guarded-request";

// The guarded request against real HTTP servers on this machine: what it refuses, what it connects
// to, and how much of an answer it reads.

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Seen {
  connections: number;
  requests: { host: string | undefined; url: string | undefined }[];
  /** Bytes the server had written when the client went away (streaming answers). */
  writtenWhenClosed: number | null;
}

/** A local HTTP server; `huge` streams 300 MB unless the client goes away. */
async function listen(
  answer: "ok" | "huge" | "redirect" = "ok",
): Promise<{ url: string; port: number; seen: Seen }> {
  const seen: Seen = { connections: 0, requests: [], writtenWhenClosed: null };
  const server = createServer((req, res) => {
    seen.requests.push({ host: req.headers.host, url: req.url });
    req.resume();
    if (answer === "redirect") {
      res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end();
      return;
    }
    if (answer === "ok") {
      res.writeHead(200, { "content-type": "text/plain" }).end("fine");
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, "x");
    let written = 0;
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.on("close", () => {
      seen.writtenWhenClosed = written;
    });
    const pump = () => {
      while (written < 300 * 1024 * 1024 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
  server.on("connection", () => seen.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, port, seen };
}

const post = (url: string, extra: Partial<Parameters<typeof guardedRequest>[0]> = {}) =>
  guardedRequest({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
    timeoutMs: 5000,
    maxResponseBytes: 512,
    allowedNetworks: "",
    ...extra,
  });

describe("guardedRequest", () => {
  it("refuses an internal address literal without connecting", async () => {
    const { port, seen } = await listen();
    for (const host of ["127.0.0.1", "2130706433", "127.1", "0x7f.1", "[::ffff:127.0.0.1]"]) {
      await expect(post(`http://${host}:${port}/hook`)).rejects.toBeInstanceOf(DestinationRefusedError);
    }
    expect(seen.connections).toBe(0);
  });

  it("refuses a name that resolves to an internal address at connect time (localhost → 127.0.0.1)", async () => {
    const { port, seen } = await listen();
    await expect(post(`http://localhost:${port}/hook`)).rejects.toBeInstanceOf(DestinationRefusedError);
    expect(seen.connections).toBe(0);
  });

  it("reaches an allowed network, by address and by name", async () => {
    const { url, port, seen } = await listen();
    const allowed = { allowedNetworks: "127.0.0.1/32" };
    expect((await post(url, allowed)).status).toBe(200);
    const byName = await post(`http://localhost:${port}/hook`, allowed);
    expect(byName).toMatchObject({ status: 200, excerpt: "fine" });
    expect(seen.requests.map((r) => r.host)).toEqual([`127.0.0.1:${port}`, `localhost:${port}`]);
  });

  it("checks every address a name resolves to: one refused address refuses the name", async () => {
    const { port, seen } = await listen();
    const lookup = async () => [
      { address: "127.0.0.1", family: 4 },
      { address: "10.0.0.7", family: 4 },
    ];
    await expect(
      post(`http://hooks.example.test:${port}/hook`, { allowedNetworks: "127.0.0.1/32", lookup }),
    ).rejects.toBeInstanceOf(DestinationRefusedError);
    expect(seen.connections).toBe(0);
  });

  it("resolves once and connects to the address it checked (DNS rebinding)", async () => {
    const { port, seen } = await listen();
    let lookups = 0;
    // A rebinding resolver: the first answer passes the check, every later one points elsewhere.
    const lookup = async () => {
      lookups++;
      return [{ address: lookups === 1 ? "127.0.0.1" : "127.0.0.2", family: 4 }];
    };
    const response = await post(`http://hooks.example.test:${port}/hook?token=t`, {
      allowedNetworks: "127.0.0.1/32",
      lookup,
    });
    expect(response.status).toBe(200);
    expect(lookups).toBe(1);
    expect(seen.requests).toEqual([{ host: `hooks.example.test:${port}`, url: "/hook?token=t" }]);
  });

  it("answers the same for a closed port and an open internal one", async () => {
    const open = await listen();
    const closed = await freePort();
    const outcome = async (port: number) => {
      try {
        await post(`http://127.0.0.1:${port}/`);
        return "answered";
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    const answers = [await outcome(open.port), await outcome(closed)];
    expect(answers[0]).toBe(answers[1]);
    expect(answers[0]).not.toMatch(/127|ECONNREFUSED|\d{4,5}/);
  });

  it("does not follow redirects", async () => {
    const { url, seen } = await listen("redirect");
    const response = await post(url, { allowedNetworks: "127.0.0.1/32" });
    expect(response.status).toBe(302);
    expect(seen.requests).toHaveLength(1);
  });

  it("reads at most the excerpt of a huge answer, then closes the connection", async () => {
    const { url, seen } = await listen("huge");
    const before = process.memoryUsage().rss;
    const response = await post(url, { allowedNetworks: "127.0.0.1/32" });
    expect(response.status).toBe(200);
    expect(response.excerpt.length).toBe(512);
    expect(response.truncated).toBe(true);
    for (let i = 0; i < 100 && seen.writtenWhenClosed === null; i++)
      await new Promise((r) => setTimeout(r, 20));
    // The server noticed the close after at most a few socket buffers, not 300 MB.
    expect(seen.writtenWhenClosed).not.toBeNull();
    expect(seen.writtenWhenClosed!).toBeLessThan(32 * 1024 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("gives up at the deadline", async () => {
    const server = createServer(() => {});
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const started = Date.now();
    await expect(
      post(`http://127.0.0.1:${port}/`, { allowedNetworks: "127.0.0.1/32", timeoutMs: 300 }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
