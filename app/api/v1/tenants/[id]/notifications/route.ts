import { json, readJson, route } from "@/server/api/http";
import { getNotificationConfig, setNotificationConfig } from "@/server/services/notifications/notifications";

export const dynamic = "force-dynamic";
type Params = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Params) {
  const { id } = await params;
  return route("GET /api/v1/tenants/{id}/notifications", request, async ({ db, principal }) =>
    json(await getNotificationConfig(db, principal, id)),
  );
}

export async function PUT(request: Request, { params }: Params) {
  const { id } = await params;
  return route("PUT /api/v1/tenants/{id}/notifications", request, async ({ db, principal }) =>
    json(await setNotificationConfig(db, principal, id, await readJson(request))),
  );
}
