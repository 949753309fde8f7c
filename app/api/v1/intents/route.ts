import { json, readJson, route } from "@/server/api/http";
import { metrics } from "@/server/api/metrics";
import { submitIntent } from "@/server/services/decisions/submit-intent";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return route("POST /api/v1/intents", request, async ({ db, principal }) => {
    const { status, result } = await submitIntent(db, principal, await readJson(request), {
      idempotencyKey: request.headers.get("idempotency-key"),
    });
    if (status === 201) metrics().decisions.inc({ verdict: result.verdict, reason: result.reason });
    return json(result, status, status === 200 ? { "idempotent-replayed": "true" } : {});
  });
}
