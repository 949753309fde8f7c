import { json, readJson, route } from "@/server/api/http";
import { getTenant, updateTenant } from "@/server/services/tenants/tenants";

export const dynamic = "force-dynamic";
type Params = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Params) {
  const { id } = await params;
  return route("GET /api/v1/tenants/{id}", request, async ({ db, principal }) =>
    json(await getTenant(db, principal, id)),
  );
}

export async function PATCH(request: Request, { params }: Params) {
  const { id } = await params;
  return route("PATCH /api/v1/tenants/{id}", request, async ({ db, principal }) =>
    json(await updateTenant(db, principal, id, await readJson(request))),
  );
}
