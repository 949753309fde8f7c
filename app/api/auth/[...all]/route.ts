import { toNextJsHandler } from "better-auth/next-js";
import { PayloadTooLarge, payloadTooLargeResponse, readBounded, withBody } from "@/server/api/body-limit";
import { getAuth } from "@/server/auth/auth";
import { isTrustedMutationOrigin } from "@/server/auth/origins";
import { signInWithThrottles } from "@/server/auth/sign-in";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  return toNextJsHandler(getAuth()).GET(request);
}

export async function POST(request: Request) {
  // better-auth checks Origin only when the request carries cookies; a cross-site form could still
  // sign a victim in to another account (login CSRF). Every POST here must come from our own pages.
  if (!isTrustedMutationOrigin(request))
    return Response.json(
      { code: "FORBIDDEN", message: "cross-site request refused: the Origin header is not this dashboard's" },
      { status: 403 },
    );
  // Bounded before anything reads it (better-auth would read all of it).
  let body: Uint8Array;
  try {
    body = await readBounded(request);
  } catch (error) {
    if (error instanceof PayloadTooLarge) return payloadTooLargeResponse();
    throw error;
  }
  const bounded = withBody(request, body);
  const handle = (r: Request) => toNextJsHandler(getAuth()).POST(r);
  if (new URL(request.url).pathname.endsWith("/sign-in/email"))
    return signInWithThrottles(bounded, body, handle);
  return handle(bounded);
}
