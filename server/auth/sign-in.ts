// Email sign-in behind the throttles of sign-in-throttle.ts: the (account, client) limit answers
// 429, a much-guessed account waits a bounded delay, and a wrong password counts against the account.

import { clientAddressOf } from "../net/client-address";
import { accountDelayMs, recordSignInFailure, throttleSignIn } from "./sign-in-throttle";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function emailIn(body: Uint8Array): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString("utf8")) as { email?: unknown };
    return typeof parsed?.email === "string" ? parsed.email : null;
  } catch {
    return null;
  }
}

export async function signInWithThrottles(
  request: Request,
  body: Uint8Array,
  handle: (request: Request) => Promise<Response>,
): Promise<Response> {
  const email = emailIn(body);
  // No email: better-auth refuses the body itself (400); its per-client limit still applies.
  if (email === null) return handle(request);
  const retryAfter = throttleSignIn(email, clientAddressOf(request));
  if (retryAfter !== null)
    return Response.json(
      {
        code: "TOO_MANY_REQUESTS",
        message: "too many sign-in attempts for this account from this client; try again later",
      },
      { status: 429, headers: { "retry-after": String(retryAfter) } },
    );
  const delay = accountDelayMs(email);
  if (delay > 0) await sleep(delay);
  const response = await handle(request);
  if (response.status === 401) recordSignInFailure(email);
  return response;
}
