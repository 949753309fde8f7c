// The REST plumbing every /api/v1 route shares: auth, bounded JSON bodies, error mapping and
// latency metrics. Handlers stay one line: parse params, call a service, return its result.

import { bearerRetryAfter, recordBearerFailure } from "../auth/bearer-throttle";
import { childStatuses } from "../children";
import type { FieldError } from "../core";
import { type Db, getDb } from "../db/client";
import { clientAddressOf } from "../net/client-address";
import type { Principal } from "../services/access/principal";
import { authenticate } from "../services/keys/api-keys";
import { ServiceError } from "../services/shared/errors";
import { componentLogger, currentRequest, inRequest, requestIdFrom } from "../telemetry/log";
import { contextFromHeaders, failSpan, inSpan, SpanKind } from "../telemetry/tracing";
import { metrics } from "./metrics";
import { textResponse } from "./text-response";

const MAX_BODY_BYTES = 256 * 1024;

export interface ErrorBody {
  error: { code: string; message: string; reason?: string; fields?: FieldError[] };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return textResponse(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function errorResponse(error: ServiceError, status: number = error.status): Response {
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details.reason ? { reason: error.details.reason } : {}),
      ...(error.details.fields ? { fields: error.details.fields } : {}),
    },
  };
  const headers: Record<string, string> = {};
  if (error.details.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(error.details.retryAfterSeconds);
  if (error.status === 401) headers["www-authenticate"] = 'Bearer realm="exoarmur"';
  return json(body, status, headers);
}

// "The database is not there right now" comes in many forms, depending on where it is noticed: a
// socket error of the pg driver (ECONNREFUSED…), a PostgreSQL error of class 08 (connection
// exception) or 57P0x (shutting down, crashed, still starting or recovering: 57P03 "the database
// system is not yet accepting connections"), a pool that is gone or exhausted, or any of these
// wrapped by Prisma — as a P1xxx code, or as P2039/P2010 with the driver adapter's error (whose
// `cause` carries the original SQLSTATE as `originalCode`) in `meta.driverAdapterError`.
const UNAVAILABLE_CODES = new Set([
  // Prisma: can't reach, timed out, server closed the connection, pool timeout, too many connections.
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  "P2037",
  // Sockets.
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  // PostgreSQL: too many connections (a full server is unavailable too).
  "53300",
]);
/** SQLSTATE classes: 08 connection exception; 57P0x operator intervention (shutdown, crash, starting up). */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[0-9])$/;
/** The driver adapter's error kinds (@prisma/adapter-pg) that mean the same. */
const UNAVAILABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
const UNAVAILABLE_MESSAGES =
  /ECONNREFUSED|connect ENOENT \S*\.s\.PGSQL\.\d+|Connection terminated|connection is closed|terminating connection|Can't reach database|Unable to start a transaction|the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)|Client has encountered a connection error|Cannot use a pool after calling end|timeout exceeded when trying to connect|too many clients already|Code: `(08[0-9A-Z]{3}|57P0[0-9])`/i;

const isUnavailableCode = (code: unknown) =>
  typeof code === "string" && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code));

/**
 * Whether an error means "the database is not there right now" (→ 503, nothing written), as
 * opposed to a bug (→ 500). Looks through the whole chain of wrapped errors: `cause`, Prisma's
 * `meta.driverAdapterError`, and an AggregateError's `errors`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 32) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const { code, originalCode, kind, message, cause, meta, errors, address } = e as Record<string, unknown>;
    if (isUnavailableCode(code) || isUnavailableCode(originalCode)) return true;
    // The embedded server's Unix socket is gone while PostgreSQL is down or restarting.
    if (code === "ENOENT" && typeof address === "string" && /\.s\.PGSQL\.\d+$/.test(address)) return true;
    if (typeof kind === "string" && UNAVAILABLE_KINDS.has(kind)) return true;
    if (typeof message === "string" && UNAVAILABLE_MESSAGES.test(message)) return true;
    queue.push(cause, (meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return false;
}

/** The answer to a request the database could not serve: 503, retry later; nothing was written. */
export const STORAGE_UNAVAILABLE = "storage is unavailable; nothing was written, retry later";

/** Reads a JSON body of at most MAX_BODY_BYTES: 413 beyond, 400 if it is not JSON. */
export async function readJson(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES)
    throw new ServiceError("INVALID", `request body is larger than ${MAX_BODY_BYTES} bytes`, {
      reason: "PAYLOAD_TOO_LARGE",
    });
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new ServiceError("INVALID", "content-type must be application/json", {
      reason: "UNSUPPORTED_MEDIA_TYPE",
    });
  }
  const text = declared > 0 ? await readDeclared(request) : await readStreamed(request);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ServiceError("INVALID", `request body is not valid JSON: ${(error as Error).message}`, {
      reason: "MALFORMED_JSON",
    });
  }
}

/**
 * A body with a Content-Length (within the limit: checked above) is exactly that long — Node's HTTP
 * parser reads no more — so it is read whole: on the REST fast path @hono/node-server then takes it
 * straight from the Node request, without building a Web stream (~0.14 ms of CPU a request here).
 */
async function readDeclared(request: Request): Promise<string> {
  return Buffer.from(await request.arrayBuffer()).toString("utf8");
}

/** A body without a declared length (chunked) is read chunk by chunk and refused past the limit. */
async function readStreamed(request: Request): Promise<string> {
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new ServiceError("INVALID", `request body is larger than ${MAX_BODY_BYTES} bytes`, {
          reason: "PAYLOAD_TOO_LARGE",
        });
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

const STATUS_FOR_REASON: Record<string, number> = { PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415 };

interface RouteContext {
  db: Db;
  principal: Principal;
  request: Request;
}

/**
 * An unauthenticated probe (health): the handler opens the database itself, so it can report
 * failing to, and learns how the server's own children (embedded PostgreSQL, nats-server) are doing.
 */
export async function probe(
  handler: (openDb: () => Db, children: ReturnType<typeof childStatuses>) => Promise<Response>,
): Promise<Response> {
  return handler(getDb, childStatuses());
}

/**
 * One REST request as operations see it: a request id (the client's X-Request-Id, or a new one) on
 * every log line and in the answer's X-Request-Id, and — with tracing on — a server span continuing
 * the client's `traceparent`. At debug level, one log line per answer. (The health probe is none of
 * this: no span, no line.)
 */
function served(name: string, request: Request, work: () => Promise<Response>): Promise<Response> {
  return inRequest(
    () => requestIdFrom(request.headers.get("x-request-id")),
    (context) =>
      inSpan(
        name,
        () => ({
          kind: SpanKind.SERVER,
          parent: contextFromHeaders(request.headers),
          attributes: {
            "http.request.method": request.method,
            "http.route": name.slice(name.indexOf(" ") + 1),
            "exoarmur.request_id": context.requestId,
          },
        }),
        async (span) => {
          const started = performance.now();
          const response = await work();
          try {
            response.headers.set("x-request-id", context.requestId);
          } catch {
            // An immutable Response (a redirect) goes out without it.
          }
          if (span) {
            span.setAttribute("http.response.status_code", response.status);
            if (context.tenant) span.setAttribute("exoarmur.tenant", context.tenant);
            if (response.status >= 500) failSpan(span, `HTTP ${response.status}`);
          }
          const log = componentLogger("http");
          if (log.isLevelEnabled("debug"))
            log.debug(
              {
                method: request.method,
                route: name,
                status: response.status,
                ms: Math.round(performance.now() - started),
              },
              "answered",
            );
          return response;
        },
      ),
  );
}

/**
 * The bearer principal, with failures counted per client: a client over its budget of failures is
 * refused (429) before its token is even looked at (server/auth/bearer-throttle.ts).
 */
async function authenticateThrottled(db: Db, request: Request): Promise<Principal> {
  const header = request.headers.get("authorization");
  const client = clientAddressOf(request);
  if (header) {
    const wait = bearerRetryAfter(client);
    if (wait !== null)
      throw new ServiceError(
        "RATE_LIMITED",
        "too many failed bearer tokens from this client; try again later",
        {
          reason: "AUTH_FAILURES",
          retryAfterSeconds: wait,
        },
      );
  }
  try {
    return await authenticate(db, header);
  } catch (error) {
    if (header && error instanceof ServiceError && error.code === "UNAUTHENTICATED")
      recordBearerFailure(client);
    throw error;
  }
}

/** Runs an authenticated REST handler with error mapping and metrics. */
export async function route(
  name: string,
  request: Request,
  handler: (ctx: RouteContext) => Promise<Response>,
): Promise<Response> {
  return served(name, request, () => answer(name, request, handler));
}

async function answer(
  name: string,
  request: Request,
  handler: (ctx: RouteContext) => Promise<Response>,
): Promise<Response> {
  const started = process.hrtime.bigint();
  let response: Response;
  try {
    const db = getDb();
    const principal = await authenticateThrottled(db, request);
    const current = currentRequest();
    if (current && "tenantId" in principal) current.tenant = principal.tenantId;
    response = await handler({ db, principal, request });
  } catch (error) {
    if (error instanceof ServiceError) {
      const override = error.details.reason ? STATUS_FOR_REASON[error.details.reason] : undefined;
      response = errorResponse(error, override);
      if (error.status === 429) metrics().refused.inc({ reason: error.details.reason ?? error.code });
    } else if (isDatabaseUnavailable(error)) {
      response = json(
        {
          error: { code: "UNAVAILABLE", message: STORAGE_UNAVAILABLE },
        },
        503,
        { "retry-after": "5" },
      );
    } else {
      componentLogger("http").error({ err: error, route: name }, `${name} failed`);
      response = json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  metrics().requestSeconds.observe(
    { route: name, method: request.method, status: String(response.status) },
    seconds,
  );
  return response;
}
