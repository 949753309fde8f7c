// The fast path's Hono app: each REST route calls its Next route handler directly, with the Web
// Request @hono/node-server made from the Node request. Anything it has no route for (another
// method, a trailing slash, an unknown path) is handed to Next untouched, so those answers (405,
// 308, 404) stay exactly Next's.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import { textOf } from "../api/text-response";
import type { RestRoute } from "./rest-routes";

/** A REST answer whose text the server holds (text-response.ts), written as it is. */
function writeText(outgoing: ServerResponse, response: Response, text: string): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) if (name !== "set-cookie") headers[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  headers["content-length"] = String(Buffer.byteLength(text));
  outgoing.writeHead(response.status, headers);
  outgoing.end(text);
}

export type NodeHandler = (request: IncomingMessage, response: ServerResponse) => unknown;

export function restApp(
  routes: readonly RestRoute[],
  fallback: NodeHandler,
): Hono<{ Bindings: HttpBindings }> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  // PostgreSQL cannot store a NUL in text: an id holding one would fail in the database as a 500.
  app.use(async (c, next) => {
    if (/%00/.test(c.req.path) || c.req.path.includes("\0"))
      return c.json({ error: { code: "INVALID", message: "the URL contains a NUL character (%00)" } }, 400);
    await next();
  });
  for (const route of routes) {
    app.on(route.method, route.path, async (c) => {
      const response = await route.handler(c.req.raw, {
        params: Promise.resolve(c.req.param() as Record<string, string>),
      });
      const text = textOf(response);
      // HEAD is answered by Hono itself (the GET handler's answer without its body).
      if (text === undefined || c.req.method === "HEAD") return response;
      writeText(c.env.outgoing, response, text);
      return RESPONSE_ALREADY_SENT;
    });
  }
  app.notFound(async (c) => {
    await fallback(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  return app;
}
