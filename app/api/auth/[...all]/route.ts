import { toNextJsHandler } from "better-auth/next-js";
import { getAuth } from "@/server/auth/auth";
import { isTrustedMutationOrigin } from "@/server/auth/origins";
import { throttleSignIn } from "@/server/auth/sign-in-throttle";

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
  if (new URL(request.url).pathname.endsWith("/sign-in/email")) {
    const body = (await request
      .clone()
      .json()
      .catch(() => null)) as { email?: unknown } | null;
    const retryAfter = typeof body?.email === "string" ? throttleSignIn(body.email) : null;
    if (retryAfter !== null)
      return Response.json(
        { code: "TOO_MANY_REQUESTS", message: "too many sign-in attempts for this account; try again later" },
        { status: 429, headers: { "retry-after": String(retryAfter) } },
      );
  }
  return toNextJsHandler(getAuth()).POST(request);
}
