// Which browser origins may send cookie-carrying mutations: the server's own origin (from the Host
// header a browser sets and a page on another site cannot forge), BETTER_AUTH_URL, and
// EXOARMUR_TRUSTED_ORIGINS (comma-separated, for proxies that rewrite Host).

export function originOf(request: Request): string | null {
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (!host) return null;
  const proto = request.headers.get("x-forwarded-proto") ?? new URL(request.url).protocol.replace(":", "");
  return `${proto}://${host}`;
}

export function trustedOrigins(own: string | null): string[] {
  const configured = (process.env.EXOARMUR_TRUSTED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  const base = process.env.BETTER_AUTH_URL ? [new URL(process.env.BETTER_AUTH_URL).origin] : [];
  return [...(own ? [own] : []), ...base, ...configured];
}

/** A cookie-authenticated state change is accepted only with an Origin (or Referer) we trust. */
export function isTrustedMutationOrigin(request: Request): boolean {
  const origin = request.headers.get("origin") ?? refererOrigin(request.headers.get("referer"));
  if (!origin) return false;
  return trustedOrigins(originOf(request)).includes(origin);
}

function refererOrigin(referer: string | null): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}
