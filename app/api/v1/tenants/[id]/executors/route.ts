import { json, readJson, route } from "@/server/api/http";
import { getExecutorConfig, setExecutorConfig } from "@/server/services/executors/executors";

export const dynamic = "force-dynamic";
type Params = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Params) {
  const { id } = await params;
  return route("GET /api/v1/tenants/{id}/executors", request, async ({ db, principal }) =>
    json(await getExecutorConfig(db, principal, id)),
  );
}

export async function PUT(request: Request, { params }: Params) {
  const { id } = await params;
  return route("PUT /api/v1/tenants/{id}/executors", request, async ({ db, principal }) =>
    json(await setExecutorConfig(db, principal, id, await readJson(request))),
  );
}
