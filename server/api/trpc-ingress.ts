// What happens to a tRPC request before tRPC sees it: bearer failures throttled per client, the
// caller authenticated from headers alone, a POST without a caller refused without reading its body
// (every mutation needs one, but the few in ANONYMOUS_MUTATIONS), and the body bounded
// (MAX_BODY_BYTES; ANONYMOUS_BODY_BYTES without a caller) before it is parsed.

import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { bearerRetryAfter, recordBearerFailure } from "../auth/bearer-throttle";
import { clientAddressOf } from "../net/client-address";
import { componentLogger } from "../telemetry/log";
import {
  declaresTooMuch,
  PayloadTooLarge,
  payloadTooLargeResponse,
  readBounded,
  withBody,
} from "./body-limit";
import { isDatabaseUnavailable, STORAGE_UNAVAILABLE } from "./http";
import { type Context, createContext, unauthenticatedMessage } from "./trpc";

type RefusalCode =
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "TOO_MANY_REQUESTS"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";
const STATUS: Record<RefusalCode, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/** A refusal in tRPC's own error shape (one per call of a batch), so that clients handle it as usual. */
/** The procedures a request calls: one, or several for a batch (`/api/trpc/a,b?batch=1`). */
function procedurePaths(request: Request): string[] {
  return decodeURIComponent(new URL(request.url).pathname.replace(/^.*\/api\/trpc\/?/, "")).split(",");
}

function refusal(request: Request, code: RefusalCode, message: string, headers: Record<string, string> = {}) {
  const url = new URL(request.url);
  const paths = procedurePaths(request);
  const status = STATUS[code];
  const one = (path: string) => ({
    error: {
      message,
      code: TRPC_ERROR_CODES_BY_KEY[code],
      data: { code, httpStatus: status, path, fields: null },
    },
  });
  const body = url.searchParams.get("batch") === "1" ? paths.map(one) : one(paths[0] ?? "");
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

export type TrpcServe = (request: Request, ctx: Context) => Promise<Response>;

/** Mutations a person without an account calls: accepting an invitation by setting a password. */
const ANONYMOUS_MUTATIONS = new Set(["invitations.acceptAsNewPerson"]);
/** Their inputs are a token, a name and a password: a few hundred bytes. */
const ANONYMOUS_BODY_BYTES = 16 * 1024;

function onlyAnonymousMutations(request: Request): boolean {
  return procedurePaths(request).every((path) => ANONYMOUS_MUTATIONS.has(path));
}

export async function admitTrpcRequest(request: Request, serve: TrpcServe): Promise<Response> {
  const client = clientAddressOf(request);
  const presentsBearer = request.headers.has("authorization");
  if (presentsBearer) {
    const wait = bearerRetryAfter(client);
    if (wait !== null)
      return refusal(
        request,
        "TOO_MANY_REQUESTS",
        "too many failed bearer tokens from this client; try again later",
        {
          "retry-after": String(wait),
        },
      );
  }
  if (declaresTooMuch(request)) return payloadTooLargeResponse();
  let ctx: Context;
  try {
    ctx = await createContext(request);
  } catch (error) {
    // Authenticating needs the database (API keys, sessions): away, it is a 503 here as inside tRPC.
    if (isDatabaseUnavailable(error))
      return refusal(request, "SERVICE_UNAVAILABLE", STORAGE_UNAVAILABLE, { "retry-after": "5" });
    componentLogger("trpc").error({ err: error }, "tRPC authentication failed");
    return refusal(request, "INTERNAL_SERVER_ERROR", "internal error");
  }
  if (ctx.bearerRejected) recordBearerFailure(client);
  const anonymous = request.method !== "GET" && !ctx.bearer && !ctx.user;
  if (anonymous && !(onlyAnonymousMutations(request) && !ctx.untrustedOrigin))
    return refusal(request, ctx.untrustedOrigin ? "FORBIDDEN" : "UNAUTHORIZED", unauthenticatedMessage(ctx), {
      ...(ctx.untrustedOrigin ? {} : { "www-authenticate": 'Bearer realm="exoarmur"' }),
    });
  if (request.method === "GET" || request.method === "HEAD") return serve(request, ctx);
  const limit = anonymous ? ANONYMOUS_BODY_BYTES : undefined;
  if (declaresTooMuch(request, limit)) return payloadTooLargeResponse(limit);
  let body: Uint8Array;
  try {
    body = await readBounded(request, limit);
  } catch (error) {
    if (error instanceof PayloadTooLarge) return payloadTooLargeResponse(limit);
    throw error;
  }
  return serve(withBody(request, body), ctx);
}
