// Who may read /api/metrics. With EXOARMUR_METRICS_TOKEN set, only a scraper presenting it
// (Prometheus `authorization: { credentials: … }`, i.e. Authorization: Bearer); failures count
// against the client like any bad bearer token. Without it the endpoint is public, which is why no
// metric carries a tenant label (see metrics.ts).

import { bearerRetryAfter, recordBearerFailure } from "../auth/bearer-throttle";
import { sameSecret } from "../crypto/same-secret";
import { clientAddressOf } from "../net/client-address";

/** null: go ahead; else the refusal to send. */
export function metricsAccess(request: Request, token = process.env.EXOARMUR_METRICS_TOKEN): Response | null {
  if (!token) return null;
  const client = clientAddressOf(request);
  const wait = bearerRetryAfter(client);
  if (wait !== null)
    return Response.json(
      { error: { code: "RATE_LIMITED", message: "too many failed bearer tokens from this client" } },
      { status: 429, headers: { "retry-after": String(wait) } },
    );
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  if (presented !== undefined && sameSecret(presented, token)) return null;
  if (presented !== undefined) recordBearerFailure(client);
  return Response.json(
    { error: { code: "UNAUTHENTICATED", message: "the metrics token is required (Authorization: Bearer)" } },
    {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="exoarmur-metrics"', "cache-control": "no-store" },
    },
  );
}
