// The production server (npm start): node:http in front of Next, on one port. REST (/api/v1/*) and
// /api/health go straight to their route handlers through Hono; the dashboard, tRPC and auth go to
// Next. Next's route layer costs about a millisecond of CPU per request, which capped this 2-core
// machine at ~800 REST requests/s (issue 13); the route handlers themselves are unchanged.
//
// Started by scripts/start.sh as `node --import tsx server/http/main.ts` (exec'd, so this is the PID
// the caller holds). boot() runs before the port opens: Next's instrumentation hook calls it too and
// gets the same start-up (it is kept on globalThis).

import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getRequestListener } from "@hono/node-server";
import next from "next";
import { boot, bootFailed } from "../boot";
import { inRequest, logger, requestIdFrom, routeConsoleToLogger } from "../telemetry/log";
import { startTracing } from "../telemetry/tracing";
import { restApp } from "./rest-app";
import { FAST_ROUTE_ROOTS, loadRestRoutes } from "./rest-routes";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";

// Tracing first (a no-op without OTEL_EXPORTER_OTLP_ENDPOINT), so that start-up is traced too; and
// whatever Next prints becomes JSON log lines like ours.
await startTracing();
routeConsoleToLogger();
const nextApp = next({ dev: false, dir: root, hostname, port });
const handleNext = nextApp.getRequestHandler();
await nextApp.prepare();
await boot();
// A failed start-up is already shutting down (exit 1): never answer requests meanwhile.
if (bootFailed()) await new Promise(() => {});

const rest = getRequestListener(restApp(await loadRestRoutes(join(root, "app")), handleNext).fetch, {
  // Next shares this process: its Request and Response must stay the platform's own.
  overrideGlobalObjects: false,
});
const prefixes = FAST_ROUTE_ROOTS.map((dir) => `/${dir}`);
const isFastPath = (url = "") =>
  prefixes.some(
    (prefix) =>
      url.startsWith(prefix) && (url.length === prefix.length || "/?".includes(url[prefix.length]!)),
  );

// Every request gets an id that each of its log lines carries (the client's X-Request-Id if sane).
const server = createServer((request, response) => {
  const id = request.headers["x-request-id"];
  inRequest(
    () => requestIdFrom(typeof id === "string" ? id : null),
    () => {
      if (isFastPath(request.url)) void rest(request, response);
      else void handleNext(request, response);
    },
  );
});
server.listen(port, hostname, () => {
  logger().info(`listening on http://${hostname}:${port} (REST fast path: ${prefixes.join(", ")})`);
});
