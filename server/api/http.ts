// The REST plumbing every /api/v1 route shares: auth, bounded JSON bodies, error mapping and
// latency metrics. Handlers stay one line: parse params, call a service, return its result.

import type { FieldError } from "../core";
import { type Db, getDb } from "../db/client";
import type { Principal } from "../services/access/principal";
import { authenticate } from "../services/keys/api-keys";
import { ServiceError } from "../services/shared/errors";
import { metrics } from "./metrics";

const MAX_BODY_BYTES = 256 * 1024;

export interface ErrorBody {
  error: { code: string; message: string; reason?: string; fields?: FieldError[] };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function errorResponse(error: ServiceError): Response {
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
  return json(body, error.status, headers);
}

const UNAVAILABLE_CODES = new Set([
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08006",
]);

/** Whether an error means "the database is not there right now" (→ 503), as opposed to a bug (→ 500). */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    if (
      typeof message === "string" &&
      /ECONNREFUSED|Connection terminated|connection is closed|terminating connection|Can't reach database|Unable to start a transaction|the database system is (starting up|shutting down)/i.test(
        message,
      )
    ) {
      return true;
    }
    e = cause;
  }
  return false;
}

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
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ServiceError("INVALID", `request body is not valid JSON: ${(error as Error).message}`, {
      reason: "MALFORMED_JSON",
    });
  }
}

const STATUS_FOR_REASON: Record<string, number> = { PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415 };

interface RouteContext {
  db: Db;
  principal: Principal;
  request: Request;
}

/** An unauthenticated probe (health): the handler opens the database itself, so it can report failing to. */
export async function probe(handler: (openDb: () => Db) => Promise<Response>): Promise<Response> {
  return handler(getDb);
}

/** Runs an authenticated REST handler with error mapping and metrics. */
export async function route(
  name: string,
  request: Request,
  handler: (ctx: RouteContext) => Promise<Response>,
): Promise<Response> {
  const started = process.hrtime.bigint();
  let response: Response;
  try {
    const db = getDb();
    const principal = await authenticate(db, request.headers.get("authorization"));
    response = await handler({ db, principal, request });
  } catch (error) {
    if (error instanceof ServiceError) {
      response = errorResponse(error);
      const override = error.details.reason ? STATUS_FOR_REASON[error.details.reason] : undefined;
      if (override) response = new Response(response.body, { status: override, headers: response.headers });
      if (error.status === 429) metrics().refused.inc({ reason: error.details.reason ?? error.code });
    } else if (isDatabaseUnavailable(error)) {
      response = json(
        {
          error: { code: "UNAVAILABLE", message: "storage is unavailable; nothing was written, retry later" },
        },
        503,
        { "retry-after": "5" },
      );
    } else {
      console.error(`[exoarmur] ${name} failed:`, error);
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
