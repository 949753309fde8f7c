import { json, route } from "@/server/api/http";
import { startCallerExecution } from "@/server/services/executions/caller";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("POST /api/v1/executions/{id}/start", request, async ({ db, principal }) =>
    json(await startCallerExecution(db, principal, id)),
  );
}
