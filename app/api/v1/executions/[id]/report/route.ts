import { json, readJson, route } from "@/server/api/http";
import { reportCallerExecution } from "@/server/services/executions/caller";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("POST /api/v1/executions/{id}/report", request, async ({ db, principal }) =>
    json(await reportCallerExecution(db, principal, id, await readJson(request))),
  );
}
