// Plumbing of the dashboard's file downloads (app/api/export/*): the caller as tRPC's context sees
// it (the session cookie, or a dashboard API key), a cross-site check, error statuses, and a
// streamed body with a download name.

import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { isTrustedMutationOrigin } from "../auth/origins";
import type { ExportFormat } from "../core/export-format";
import type { Db } from "../db/client";
import type { Principal } from "../services/access/principal";
import { ServiceError } from "../services/shared/errors";
import { componentLogger } from "../telemetry/log";
import { isDatabaseUnavailable, json, STORAGE_UNAVAILABLE } from "./http";
import { createContext, tenantPrincipal, unauthenticatedMessage } from "./trpc";

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/jsonl; charset=utf-8",
};

/**
 * A download is a GET, but it carries data: a page on another site must not be able to start it
 * with the user's cookies (an <img> or a navigation). Browsers say where a request comes from in
 * Sec-Fetch-Site; an Origin header, when sent, must be one of ours.
 */
function crossSite(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  return request.headers.has("origin") && !isTrustedMutationOrigin(request);
}

export async function exportCaller(
  request: Request,
  handler: (db: Db, callerFor: (tenantId: string) => Promise<Principal>) => Promise<Response>,
): Promise<Response> {
  try {
    const ctx = await createContext(request);
    if (ctx.user && crossSite(request)) ctx.user = null;
    if (!ctx.user && !ctx.bearer) {
      const refused = crossSite(request);
      return json(
        {
          error: {
            code: refused ? "FORBIDDEN" : "UNAUTHENTICATED",
            message: refused
              ? "cross-site request refused: downloads start from this dashboard's own pages"
              : unauthenticatedMessage(ctx),
          },
        },
        refused ? 403 : 401,
      );
    }
    return await handler(ctx.db, async (tenantId) => (await tenantPrincipal(ctx, tenantId)).principal);
  } catch (error) {
    if (error instanceof ServiceError)
      return json(
        {
          error: {
            code: error.code,
            message: error.message,
            ...(error.details.fields ? { fields: error.details.fields } : {}),
          },
        },
        error.status,
      );
    if (error instanceof TRPCError)
      return json({ error: { code: error.code, message: error.message } }, getHTTPStatusCodeFromError(error));
    if (isDatabaseUnavailable(error))
      return json({ error: { code: "UNAVAILABLE", message: STORAGE_UNAVAILABLE } }, 503, {
        "retry-after": "5",
      });
    componentLogger("http").error({ err: error }, "export failed");
    return json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
  }
}

/**
 * Streams the chunks as a file. The first chunk is read before answering, so a refusal or a bad
 * filter found on the first page is a status, not a truncated file.
 */
export async function exportResponse(
  chunks: AsyncGenerator<string>,
  baseName: string,
  format: ExportFormat,
): Promise<Response> {
  const first = await chunks.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(encoder.encode(first.value));
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        componentLogger("http").error({ err: error }, "export stream failed");
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const name = `${baseName.replace(/[^A-Za-z0-9_.-]/g, "_")}-${stamp}.${format}`;
  return new Response(body, {
    headers: {
      "content-type": CONTENT_TYPES[format],
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
