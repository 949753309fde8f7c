import { json, route } from "@/server/api/http";
import { getExecution } from "@/server/services/decisions/read";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("GET /api/v1/executions/{id}", request, async ({ db, principal }) =>
    json(await getExecution(db, principal, id)),
  );
}
