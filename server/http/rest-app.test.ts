import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../api/http";
import { restApp } from "./rest-app";
import type { RestRoute } from "./rest-routes";

// The fast path's Hono app on a real node:http server, as server/http/main.ts mounts it. A JSON
// answer goes out from the text json() made, not from its body stream: a route that has already
// read its answer's body still sends the whole text (through the stream it would send nothing).

let server: Server;
let base: string;

const routes: RestRoute[] = [
  {
    method: "POST",
    path: "/api/v1/echo/:id",
    handler: async (request, { params }) => {
      const answer = json({ id: (await params).id, got: await request.text(), note: "déjà vu 🛡" }, 201, {
        "x-extra": "1",
      });
      await answer.text(); // its stream is spent: only the remembered text can still be sent
      answer.headers.append("vary", "a");
      answer.headers.append("vary", "b");
      return answer;
    },
  },
  {
    method: "GET",
    path: "/api/v1/stream",
    handler: () => new Response("streamed", { headers: { "content-type": "text/plain" } }),
  },
];

beforeAll(async () => {
  const listener = getRequestListener(
    restApp(routes, (_request, response) => {
      response.writeHead(404).end("fallback");
    }).fetch,
    { overrideGlobalObjects: false },
  );
  server = createServer((request, response) => void listener(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("restApp", () => {
  it("writes a json() answer from its text: status, headers, exact bytes and their length", async () => {
    const response = await fetch(`${base}/api/v1/echo/x%C3%A9`, { method: "POST", body: "hello" });
    const text = await response.text();
    expect(response.status).toBe(201);
    expect(JSON.parse(text)).toEqual({ id: "xé", got: "hello", note: "déjà vu 🛡" });
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-extra")).toBe("1");
    expect(response.headers.get("vary")).toBe("a, b");
  });

  it("HEAD, any other Response and unknown paths go the way they went before", async () => {
    const head = await fetch(`${base}/api/v1/stream`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
    const streamed = await fetch(`${base}/api/v1/stream`);
    expect([streamed.status, await streamed.text()]).toEqual([200, "streamed"]);
    const unknown = await fetch(`${base}/api/v1/nothing`);
    expect([unknown.status, await unknown.text()]).toEqual([404, "fallback"]);
  });
});
