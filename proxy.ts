import { type NextRequest, NextResponse } from "next/server";

/**
 * A dashboard URL with a malformed %-escape (/t/%E0%A4%A/…) would make Next fail decoding the route
 * parameter with a 500: answer 400 instead, before routing.
 */
export function proxy(request: NextRequest) {
  try {
    decodeURIComponent(request.nextUrl.pathname);
  } catch {
    return new NextResponse("Bad Request: the URL has a malformed %-escape", { status: 400 });
  }
  return NextResponse.next();
}

export const config = { matcher: ["/t/:path*", "/invite/:path*"] };
