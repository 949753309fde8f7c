import { json, route } from "@/server/api/http";
import { listNotificationDeliveries } from "@/server/services/notifications/notifications";

export const dynamic = "force-dynamic";
type Params = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Params) {
  const { id } = await params;
  return route("GET /api/v1/tenants/{id}/notifications/deliveries", request, async ({ db, principal }) =>
    json(
      await listNotificationDeliveries(
        db,
        principal,
        id,
        Object.fromEntries(new URL(request.url).searchParams),
      ),
    ),
  );
}
