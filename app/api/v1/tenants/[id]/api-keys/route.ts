import { json, readJson, route } from "@/server/api/http";
import { createApiKey, listApiKeys } from "@/server/services/keys/api-keys";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("POST /api/v1/tenants/{id}/api-keys", request, async ({ db, principal }) =>
    json(await createApiKey(db, principal, id, await readJson(request)), 201),
  );
}

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("GET /api/v1/tenants/{id}/api-keys", request, async ({ db, principal }) =>
    json(await listApiKeys(db, principal, id)),
  );
}
