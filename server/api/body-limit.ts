// Bodies are bounded before they are read: a declared Content-Length over the limit is refused
// without reading a byte, and a streamed (chunked) body is counted as it arrives and cut off at the
// limit. What is accepted is held in memory (at most the limit) and handed on as a fresh Request,
// so the library behind (tRPC, better-auth) can read it as it likes.

import type { ErrorBody } from "./http";

/** tRPC and the auth routes: a dashboard form or a batch of a few calls is far below this. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class PayloadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

/** The 413 answer, in the JSON error shape the REST API uses. */
export function payloadTooLargeResponse(limit = MAX_BODY_BYTES): Response {
  const body: ErrorBody = {
    error: {
      code: "INVALID",
      message: `request body is larger than ${limit} bytes`,
      reason: "PAYLOAD_TOO_LARGE",
    },
  };
  // The rest of the body is left unread: Node discards it as it arrives (no buffering), and the
  // client reads this answer before it has finished sending.
  return Response.json(body, { status: 413, headers: { "cache-control": "no-store" } });
}

/** Refuses a declared body over the limit before anything is read. */
export function declaresTooMuch(request: Request, limit = MAX_BODY_BYTES): boolean {
  const declared = request.headers.get("content-length");
  return declared !== null && Number(declared) > limit;
}

/** Reads at most `limit` bytes of the body; throws PayloadTooLarge (and stops reading) beyond. */
export async function readBounded(request: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  if (declaresTooMuch(request, limit)) throw new PayloadTooLarge(limit);
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The same request with its (already read, bounded) body in memory. */
export function withBody(request: Request, body: Uint8Array): Request {
  const headers = new Headers(request.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(body.byteLength));
  return new Request(request.url, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD" ? null : (body as Uint8Array<ArrayBuffer>),
    signal: request.signal,
  });
}
