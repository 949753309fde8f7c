import { json, readJson, route } from "@/server/api/http";
import { createTenant } from "@/server/services/tenants/tenants";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return route("POST /api/v1/tenants", request, async ({ db, principal }) =>
    json(await createTenant(db, principal, await readJson(request)), 201),
  );
}
