// The one outbound JSON POST to a tenant's URL — executor webhooks and notification channels both
// send through it: the same headers (`Idempotency-Key`, the HMAC signature when a secret is set),
// the same guarded request (server/net/guarded-request.ts), and the same reading of what happened,
// as an ExecutorOutcome for the core's retry table (core/retry.ts).
//
// The signature scheme, for whoever receives: `X-ExoArmur-Signature: sha256=<hex>`, the HMAC-SHA256
// of the exact request body under the shared secret.

import { createHmac } from "node:crypto";
import type { ExecutorOutcome } from "../core";
import { DestinationRefusedError, guardedRequest } from "./guarded-request";

export const SIGNATURE_HEADER = "x-exoarmur-signature";

/** The signature header's value for `body` under `secret`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface SignedPost {
  url: string;
  body: string;
  idempotencyKey: string;
  secret?: string;
  timeoutMs: number;
  userAgent: string;
}

export interface PostResult {
  outcome: ExecutorOutcome;
  /** What the other side answered, for the record: status code and a body excerpt, or the error. */
  detail: Record<string, unknown>;
}

const EXCERPT = 512;

export async function signedPost(post: SignedPost): Promise<PostResult> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "idempotency-key": post.idempotencyKey,
    "user-agent": post.userAgent,
  };
  if (post.secret) headers[SIGNATURE_HEADER] = webhookSignature(post.secret, post.body);
  try {
    const response = await guardedRequest({
      url: post.url,
      method: "POST",
      headers,
      body: post.body,
      timeoutMs: post.timeoutMs,
      maxResponseBytes: EXCERPT,
    });
    const retryAfter = Number(response.headers["retry-after"]);
    return {
      outcome: {
        kind: "http",
        status: response.status,
        ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      },
      detail: { status: response.status, body: response.excerpt },
    };
  } catch (error) {
    // Not retried: the destination will not become allowed by trying again. The message is the
    // same for every refused address and port, so that webhooks cannot map the inside.
    if (error instanceof DestinationRefusedError)
      return {
        outcome: { kind: "invalid", detail: error.message },
        detail: { error: error.code, message: error.message },
      };
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError")
      return { outcome: { kind: "timeout" }, detail: { error: `no answer within ${post.timeoutMs} ms` } };
    const code = (error as { code?: string }).code ?? "NETWORK_ERROR";
    return {
      outcome: { kind: "network", code },
      detail: { error: code, message: (error as Error).message.slice(0, EXCERPT) },
    };
  }
}
